package iou

import "math"

// Eps is bbox_iou's ε, in YOLOv5's unions and enclosing diagonals.
const Eps = 1e-7

// kAspect is 4/π², the weight of CIoU's aspect term v.
const kAspect = 4 / (math.Pi * math.Pi)

// ciou is the Complete IoU (Zheng et al. 2020): value = T − (D + A),
// ℓ = w_f·(1 − value), with T the IoU term of mods, D DIoU's distance
// penalty (diou.go) and the aspect term
//
//	v  = (4/π²)·(atan(w_t/h_t) − atan(w/h))²
//	αc = v/(v − T_α + 1 + ε)                    (held: no gradient)
//	A  = (v·αc + ε″)^α
//
// where T_α is T (iou.py's α-CIoU takes its powered IoU) but for
// Inner-CIoU, whose αc comes from the plain I/U of the original boxes, and
// ε″ the penalty's ε of mods. Backward, with G = ∂ℓ/∂A = w_f:
//
//	∂A/∂v = G·αc·α·(v·αc + ε″)^(α−1),  ∂v/∂atan(w/h) = −(8/π²)·(atan(w_t/h_t) − atan(w/h))
//
// and ∂atan(w/h)/∂log w = −∂atan(w/h)/∂log h = 1/(r + 1/r), r = w/h =
// e^{log w − log h}. With no modifier (α = 1, γ = 0, ratio 1) Eval is
// YOLOv5's CIoU through CIoUGradLog, bit for bit.
type ciou struct {
	stateless
	m     mods
	plain bool // YOLOv5's CIoU: CIoUGradLog
}

func newCIoU(p Params) (Loss, error) {
	m, err := newMods(p, true, true)
	if err != nil {
		return nil, err
	}
	return ciou{m: m, plain: m.ue == 0 && m.ratio == 1}, nil
}

func (v ciou) String() string { return v.m.name("CIoU") }

// Eval computes ℓ = w_f·(1 − CIoU); the held constants are αc and the
// Focal weight.
func (v ciou) Eval(p Pred, t Box, _ Grid, h *Held, frozen bool) Term {
	if v.plain {
		return ciouPlain(p, t, h, frozen)
	}
	q := newPair(p, t)
	return v.eval(&q, 0, h, frozen)
}

// eval computes the term on a pair of either frame.
func (v ciou) eval(q *pair, _ float64, h *Held, frozen bool) Term {
	var a adjoint
	wf := v.m.weight(q, h, frozen)
	value := v.m.iouTerm(q, &a, -wf)
	tIoU := value
	if v.m.ratio != 1 {
		tIoU = q.inter / q.union
	}
	d := distance(q, &a, wf, v.m.alpha)
	da, gw, gh := aspect(q)
	asp := kAspect * (da * da)
	ac := h.c[0]
	if !frozen {
		ac = asp / (asp - tIoU + (1 + Eps))
		h.c[0] = ac
	}
	pen, dp := v.m.power(asp * ac)
	g := wf * dp * ac * kAspect * 2 * da * -1 // ∂ℓ/∂atan(w/h) through v
	a.lw += g * gw
	a.lh += g * gh
	return v.m.term(q, &a, value-(d+pen), wf)
}

// aspect returns da = atan(w_t/h_t) − atan(w/h) and ∂atan(w/h)/∂s_w,
// ∂atan(w/h)/∂s_h in the pair's frame. In the log frame the ratio is
// r = e^{log w − log h} and the derivatives ±1/(r + 1/r); in the corner
// frame, where sizes may be 0 or negative (see atanRatio),
// ∂atan(w/h)/∂w = h/(w² + h²) and ∂atan(w/h)/∂h = −w/(w² + h²).
func aspect(q *pair) (da, gw, gh float64) {
	if !q.corner {
		r := ratio(q.lw, q.lh)
		g := atanGrad(r)
		return math.Atan(q.tw/q.th) - math.Atan(r), g, -g
	}
	at, _, _ := atanRatio(q.tw, q.th)
	ap, gw, gh := atanRatio(q.w, q.h)
	return at - ap, gw, gh
}

// atanRatio returns atan(w/h) and its derivatives in w and h,
//
//	∂/∂w = h/(w² + h²),  ∂/∂h = −w/(w² + h²)
//
// computed without squaring the larger size. Where h = 0 it returns the
// limits as h → 0⁺: ±π/2 for w ≠ 0 with derivatives 0 and −1/w; where
// w = h = 0 (no limit) π/4, the aspect of a square, with no gradient
// (doc.go).
func atanRatio(w, h float64) (at, gw, gh float64) {
	switch {
	case h == 0 && w == 0:
		return math.Pi / 4, 0, 0
	case h == 0:
		return math.Copysign(math.Pi/2, w), 0, -1 / w
	case math.Abs(w) <= math.Abs(h):
		r := w / h
		d := h * (1 + r*r)
		return math.Atan(r), 1 / d, -r / d
	}
	r := h / w
	d := w * (1 + r*r)
	return math.Atan(w / h), r / d, -1 / d
}

// ciouPlain is YOLOv5's CIoU: ℓ = 1 − CIoU with αc held.
func ciouPlain(p Pred, t Box, h *Held, frozen bool) Term {
	alpha := math.NaN()
	if frozen {
		alpha = h.c[0]
	}
	c, d, a := CIoUGradLog(p.Box, [2]float64{p.LogW, p.LogH}, t, alpha)
	if !frozen {
		h.c[0] = a
	}
	return Term{Value: c, Loss: 1 - c, Grad: [4]float64{-d[0], -d[1], -d[2], -d[3]}}
}

// stateless provides Weigh, State and SetState for the variants without a
// layer weight or a running state.
type stateless struct{}

func (stateless) Weigh(w, base []float64) bool {
	if len(w) != len(base) {
		panic("iou: Weigh: lengths differ")
	}
	return false
}
func (stateless) State() State         { return State{Mean: 1} }
func (stateless) SetState(State) error { return nil }

// CIoUGradLog returns CIoU(p, t) and its gradient with respect to
// (x, y, log w, log h) of p, whose size is also known as logarithms
// lwh = (log w, log h), with the aspect weight fixed at alpha or, when
// alpha is NaN, computed as α(p, t) and returned.
//
// The forward pass, with corners x₁ = x − w/2, x₂ = x + w/2 (likewise y) of
// the prediction (subscript 1) and the target (subscript 2):
//
//	I     = max(min(x₁₂, x₂₂) − max(x₁₁, x₂₁), 0) · max(min(y₁₂, y₂₂) − max(y₁₁, y₂₁), 0)
//	U     = w₁h₁ + w₂h₂ − I + ε
//	IoU   = I / U
//	c²    = (max(x₁₂, x₂₂) − min(x₁₁, x₂₁))² + (max(y₁₂, y₂₂) − min(y₁₁, y₂₁))² + ε
//	ρ²    = ((x₂₁ + x₂₂ − x₁₁ − x₁₂)² + (y₂₁ + y₂₂ − y₁₁ − y₁₂)²) / 4
//	v     = (4/π²)·(atan(w₂/h₂) − atan(w₁/h₁))²
//	α     = v / (v − IoU + 1 + ε)                 (no gradient)
//	CIoU  = IoU − (ρ²/c² + α·v)
//
// and the backward pass in reverse mode, with G = ∂L/∂CIoU:
//
//	∂/∂I      = G·(1/U + I/U²)        (U depends on I)
//	∂/∂(w₁h₁) = −G·I/U²
//	∂/∂ρ²     = −G/c²,   ∂/∂c² = G·ρ²/c⁴
//	∂/∂v      = −G·α,    ∂v/∂(w₁/h₁) = −(8/π²)·(atan(w₂/h₂) − atan(w₁/h₁)) / (1 + (w₁/h₁)²)
//
// The aspect ratio is w₁/h₁ = e^{log w₁ − log h₁}: a size that underflows
// to 0 leaves every term finite, where w₁/h₁ would be 0/0.
func CIoUGradLog(p Box, lwh [2]float64, t Box, alpha float64) (ciou float64, d Box, a float64) {
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
	r := ratio(lwh[0], lwh[1]) // w₁/h₁, finite where both underflow
	da := math.Atan(w2/h2) - math.Atan(r)
	v := kAspect * da * da
	if math.IsNaN(alpha) {
		alpha = v / (v - iou + (1 + Eps))
	}
	ciou = iou - (rho2/c2 + v*alpha)
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
	grr := gV * kAspect * 2 * da * (-1 / (r + 1/r))
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
