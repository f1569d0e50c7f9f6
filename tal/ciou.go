package tal

import "math"

// eps is the ε of ultralytics 8.4's bbox_iou.
const eps = 1e-7

// ciou returns the CIoU of the xyxy boxes a and b in ultralytics 8.4's
// bbox_iou(xywh=False, CIoU=True) form:
//
//	w = x2 − x1,  h = y2 − y1 + ε,  IoU = inter / (w₁h₁ + w₂h₂ − inter + ε)
//	c² = cw² + ch² + ε,  ρ² = ((Σx_b − Σx_a)² + (Σy_b − Σy_a)²)/4
//	v = (4/π²)(atan(w₂/h₂) − atan(w₁/h₁))²,  α = v/(v − IoU + (1 + ε))
//	CIoU = IoU − (ρ²/c² + v·α)
func ciou(a, b [4]float64) float64 {
	w1, h1 := a[2]-a[0], a[3]-a[1]+eps
	w2, h2 := b[2]-b[0], b[3]-b[1]+eps
	iw := max(min(a[2], b[2])-max(a[0], b[0]), 0)
	ih := max(min(a[3], b[3])-max(a[1], b[1]), 0)
	inter := iw * ih
	union := w1*h1 + w2*h2 - inter + eps
	iou := inter / union
	cw := max(a[2], b[2]) - min(a[0], b[0])
	ch := max(a[3], b[3]) - min(a[1], b[1])
	c2 := cw*cw + ch*ch + eps
	dx := b[0] + b[2] - a[0] - a[2]
	dy := b[1] + b[3] - a[1] - a[3]
	rho2 := (dx*dx + dy*dy) / 4
	dt := math.Atan(w2/h2) - math.Atan(w1/h1)
	v := 4 / (math.Pi * math.Pi) * dt * dt
	alpha := v / (v - iou + (1 + eps))
	return iou - (rho2/c2 + v*alpha)
}
