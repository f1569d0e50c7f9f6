package ciou

import "math"

// Eps is bbox_iou's eps.
const Eps = 1e-7

// k is 4/π², the weight of the aspect term v.
const k = 4 / (math.Pi * math.Pi)

// Box is (x, y, w, h): centre and size.
type Box = [4]float64

// IoU returns the plain intersection over union I/U of a and b, with U
// including ε as in bbox_iou.
func IoU(a, b Box) float64 {
	a1x, a2x, a1y, a2y := a[0]-a[2]/2, a[0]+a[2]/2, a[1]-a[3]/2, a[1]+a[3]/2
	b1x, b2x, b1y, b2y := b[0]-b[2]/2, b[0]+b[2]/2, b[1]-b[3]/2, b[1]+b[3]/2
	iw := math.Max(math.Min(a2x, b2x)-math.Max(a1x, b1x), 0)
	ih := math.Max(math.Min(a2y, b2y)-math.Max(a1y, b1y), 0)
	inter := iw * ih
	return inter / (a[2]*a[3] + b[2]*b[3] - inter + Eps)
}

// CIoU returns the complete IoU of the prediction p and the target t.
func CIoU(p, t Box) float64 {
	c, _, _ := eval(p, logSize(p), t, math.NaN(), false)
	return c
}

// Grad returns CIoU(p, t) and its gradient with respect to p, with α held
// constant, and α itself.
func Grad(p, t Box) (ciou float64, d Box, alpha float64) {
	c, d, a := eval(p, logSize(p), t, math.NaN(), true)
	d[2] /= p[2] // ∂/∂w = (∂/∂log w)/w
	d[3] /= p[3]
	return c, d, a
}

// GradLog is Grad for a prediction whose size is also known as logarithms
// lwh = (log w, log h), and it returns the gradient with respect to
// (x, y, log w, log h). Sizes that underflow to 0 keep a finite aspect
// ratio w/h = e^{log w − log h} and a finite gradient, where w/h would be
// 0/0; the loss's box sizes, (2σ(t))²·anchor, have log w = log(4·anchor) −
// 2·log(1 + e^{−t}) at every finite logit t. alpha fixes the aspect weight,
// or is NaN to compute it.
func GradLog(p Box, lwh [2]float64, t Box, alpha float64) (ciou float64, d Box, a float64) {
	return eval(p, lwh, t, alpha, true)
}

// WithAlpha returns CIoU(p, t) with the aspect weight fixed at alpha instead
// of computed from p and t. Its derivative in p is what Grad returns when
// alpha is α(p, t): tests use it for finite differences.
func WithAlpha(p, t Box, alpha float64) float64 {
	c, _, _ := eval(p, logSize(p), t, alpha, false)
	return c
}

// Alpha returns the aspect weight α(p, t) = v/(v − IoU + 1 + ε).
func Alpha(p, t Box) float64 {
	_, _, a := eval(p, logSize(p), t, math.NaN(), false)
	return a
}

func logSize(p Box) [2]float64 { return [2]float64{math.Log(p[2]), math.Log(p[3])} }

// hi is ∂max(a, b)/∂a under PyTorch's rule: 1, ½ on a tie, else 0.
func hi(a, b float64) float64 {
	switch {
	case a > b:
		return 1
	case a == b:
		return 0.5
	}
	return 0
}

// lo is ∂min(a, b)/∂a: 1, ½ on a tie, else 0.
func lo(a, b float64) float64 { return hi(b, a) }

// eval computes CIoU(p, t), with the aspect weight alpha or, when alpha is
// NaN, α(p, t); when grad is set, also ∂CIoU/∂(x, y, log w, log h) of p with
// α constant. lwh is p's (log w, log h), which gives the aspect ratio.
func eval(p Box, lwh [2]float64, t Box, alpha float64, grad bool) (ciou float64, d Box, a float64) {
	w1, h1, w2, h2 := p[2], p[3], t[2], t[3]
	x11, x12, y11, y12 := p[0]-w1/2, p[0]+w1/2, p[1]-h1/2, p[1]+h1/2
	x21, x22, y21, y22 := t[0]-w2/2, t[0]+w2/2, t[1]-h2/2, t[1]+h2/2

	iw := math.Min(x12, x22) - math.Max(x11, x21)
	ih := math.Min(y12, y22) - math.Max(y11, y21)
	iwc, ihc := math.Max(iw, 0), math.Max(ih, 0)
	inter := iwc * ihc
	union := w1*h1 + w2*h2 - inter + Eps
	iou := inter / union

	cw := math.Max(x12, x22) - math.Min(x11, x21)
	ch := math.Max(y12, y22) - math.Min(y11, y21)
	c2 := cw*cw + ch*ch + Eps
	dx := x21 + x22 - x11 - x12
	dy := y21 + y22 - y11 - y12
	rho2 := (dx*dx + dy*dy) / 4
	r := math.Exp(lwh[0] - lwh[1]) // w₁/h₁, finite where both underflow
	da := math.Atan(w2/h2) - math.Atan(r)
	v := k * da * da
	if math.IsNaN(alpha) {
		alpha = v / (v - iou + (1 + Eps))
	}
	ciou = iou - (rho2/c2 + v*alpha)
	if !grad {
		return ciou, d, alpha
	}
	const G = 1

	// Reverse mode; g* are ∂CIoU/∂*.
	gInter := G/union + G*inter/(union*union) // through I and through U
	gArea1 := -G * inter / (union * union)    // ∂/∂(w₁h₁)
	gRho2 := -G / c2
	gC2 := G * rho2 / (c2 * c2)
	gV := -G * alpha

	var gx11, gx12, gy11, gy12, glw, glh float64 // glw, glh: ∂/∂log w₁, ∂/∂log h₁
	// I = iwc·ihc, clamp passes where the argument is ≥ 0.
	if iw >= 0 {
		g := gInter * ihc
		gx12 += g * lo(x12, x22)
		gx11 -= g * hi(x11, x21)
	}
	if ih >= 0 {
		g := gInter * iwc
		gy12 += g * lo(y12, y22)
		gy11 -= g * hi(y11, y21)
	}
	// c² = cw² + ch²
	gcw, gch := 2*cw*gC2, 2*ch*gC2
	gx12 += gcw * hi(x12, x22)
	gx11 -= gcw * lo(x11, x21)
	gy12 += gch * hi(y12, y22)
	gy11 -= gch * lo(y11, y21)
	// ρ² = (dx² + dy²)/4, dx = x₂₁ + x₂₂ − x₁₁ − x₁₂
	gdx, gdy := gRho2*dx/2, gRho2*dy/2
	gx11 -= gdx
	gx12 -= gdx
	gy11 -= gdy
	gy12 -= gdy
	// v = k·(atan(w₂/h₂) − atan(r))², r = w₁/h₁: ∂r/∂log w₁ = r = −∂r/∂log h₁
	// r·∂atan(r)/∂r = r/(1+r²) = 1/(r + 1/r), finite for r = 0 and r = +Inf
	grr := gV * k * 2 * da * (-1 / (r + 1/r))
	glw += grr
	glh -= grr
	// w₁h₁ in U: ∂(w₁h₁)/∂log w₁ = w₁h₁
	glw += gArea1 * w1 * h1
	glh += gArea1 * w1 * h1
	// corners: x₁₁ = x − w/2, x₁₂ = x + w/2, and ∂w/∂log w = w
	d[0] = gx11 + gx12
	d[1] = gy11 + gy12
	d[2] = glw + (gx12-gx11)*w1/2
	d[3] = glh + (gy12-gy11)*h1/2
	return ciou, d, alpha
}
