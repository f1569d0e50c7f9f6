package iou

import "math"

// siou is the SCYLLA-IoU (Gevorgyan 2022) as iou.py computes it, and with
// an Inner-IoU ratio as malagoutou's inner_siou: value = T − (S + ε″)^α,
// ℓ = w_f·(1 − value), with T the IoU term and ε″ the penalty's ε of mods
// and S the cost below. iou.py reuses the name gamma for the angle's
// factor γ_a, so that its Focal weight becomes IoU^(γ_a); here the Focal
// weight is IoU^γ with the configured γ.
type siou struct {
	stateless
	m mods
}

func newSIoU(p Params) (Loss, error) {
	m, err := newMods(p, false, true)
	if err != nil {
		return nil, err
	}
	return siou{m: m}, nil
}

func (v siou) String() string { return v.m.name("SIoU") }

// Eval computes ℓ = w_f·(1 − SIoU); the held constant is the Focal weight.
func (v siou) Eval(p Pred, t Box, _ Grid, h *Held, frozen bool) Term {
	q := newPair(p, t)
	return v.eval(&q, 0, h, frozen)
}

func (v siou) eval(q *pair, _ float64, h *Held, frozen bool) Term {
	var a adjoint
	wf := v.m.weight(q, h, frozen)
	value := v.m.iouTerm(q, &a, -wf)
	var c siouCost
	dist, shape := c.forward(q)
	pen, d := v.m.power(0.5 * (dist + shape))
	c.backward(q, &a, wf*d)
	return v.m.term(q, &a, value-pen, wf)
}

// siouCost is SIoU's cost S = (Δ + Ω)/2, its forward values kept for the
// backward pass:
//
//	s_x = dx/2 + ε,  s_y = dy/2 + ε,  σ = √(s_x² + s_y²)   (centre offset, as iou.py offsets it)
//	sin = |s_x|/σ if that is ≤ √2/2, else |s_y|/σ
//	Λ   = cos(2·asin(sin) − π/2) = 2·sin·√(1 − sin²),  γ_a = Λ − 2   (angle cost; asin(sin) ≤ π/4)
//	Δ   = 2 − e^{γ_a·(s_x/cw)²} − e^{γ_a·(s_y/ch)²}           (distance cost)
//	ω_w = |w − w_t|/max(w, w_t),  ω_h likewise
//	Ω   = (1 − e^{−ω_w})⁴ + (1 − e^{−ω_h})⁴                  (shape cost)
//
// Where σ = 0 (the centres coincide to within the ε offset) sin is 0/0;
// it is taken as 0, and the angle's gradient as 0: Δ and its gradient
// tend to 0 there whatever the angle, as (s/c)² → 0 (doc.go).
type siouCost struct {
	sx, sy, sigma, sin float64
	cos                float64 // √(1 − sin²)
	first              bool    // sin is |s_x|/σ
	ga, ex, ey         float64
	ow, oh             shapeTerm
}

// forward returns Δ and Ω.
func (c *siouCost) forward(q *pair) (dist, shape float64) {
	c.sx, c.sy = q.dx*0.5+Eps, q.dy*0.5+Eps
	c.sigma = math.Sqrt(c.sx*c.sx + c.sy*c.sy)
	if c.sigma > 0 {
		s1, s2 := math.Abs(c.sx)/c.sigma, math.Abs(c.sy)/c.sigma
		c.first = !(s1 > math.Sqrt2/2)
		c.sin = s2
		if c.first {
			c.sin = s1
		}
	}
	c.cos = math.Sqrt(1 - c.sin*c.sin)
	c.ga = 2*c.sin*c.cos - 2
	c.ex, c.ey = math.Exp(c.ga*sqRatio(c.sx, q.cw)), math.Exp(c.ga*sqRatio(c.sy, q.ch))
	dist = 2 - c.ex - c.ey
	shape = c.ow.forward(q.w, q.tw, 1) + c.oh.forward(q.h, q.th, 1)
	return dist, shape
}

// backward adds g·∂S to a:
//
//	∂Δ/∂γ_a = −(ρx·e^{γ_a·ρx} + ρy·e^{γ_a·ρy}),  ρx = (s_x/cw)²
//	∂Δ/∂s_x = −e^{γ_a·ρx}·γ_a·2·s_x/cw²,  ∂Δ/∂cw = e^{γ_a·ρx}·γ_a·2·ρx/cw
//	∂Λ/∂sin = 2·(1 − 2·sin²)/√(1 − sin²)
//	∂(|s_x|/σ)/∂s_x = sign(s_x)/σ − |s_x|·s_x/σ³,  ∂(|s_x|/σ)/∂s_y = −|s_x|·s_y/σ³
func (c *siouCost) backward(q *pair, a *adjoint, g float64) {
	g /= 2
	gsx, gx := distAxis(c.sx, q.cw, c.ex, c.ga, g)
	gsy, gy := distAxis(c.sy, q.ch, c.ey, c.ga, g)
	a.cw += gx
	a.ch += gy
	var gga float64 // ∂/∂γ_a
	if c.ex > 0 {
		gga -= g * sqRatio(c.sx, q.cw) * c.ex
	}
	if c.ey > 0 {
		gga -= g * sqRatio(c.sy, q.ch) * c.ey
	}
	if c.sigma > 0 && gga != 0 {
		gs := gga * 2 * (1 - 2*c.sin*c.sin) / c.cos
		num, other := c.sx, c.sy
		if !c.first {
			num, other = c.sy, c.sx
		}
		s3 := c.sigma * c.sigma * c.sigma
		gNum := gs * (sign(num)/c.sigma - math.Abs(num)*num/s3)
		gOther := gs * -math.Abs(num) * other / s3
		if !c.first {
			gNum, gOther = gOther, gNum
		}
		gsx += gNum
		gsy += gOther
	}
	a.dx += gsx * 0.5
	a.dy += gsy * 0.5
	dw, dh := q.dsize()
	a.lw += g * c.ow.grad(q.w, q.tw, dw)
	a.lh += g * c.oh.grad(q.h, q.th, dh)
}

// sqRatio is (s/c)², with 0/0 taken as 0: the enclosing box has no extent
// only where both boxes have none in that axis, below the coordinates'
// resolution, and there s is 0 or (s/c)² is +∞.
func sqRatio(s, c float64) float64 {
	if s == 0 {
		return 0
	}
	r := s / c
	return r * r
}

// distAxis returns g times ∂/∂s and ∂/∂c of Δ's term −e^{γ_a·(s/c)²} for
// one axis, e its exponential. Where e has underflowed (s/c large, or
// infinite at c = 0) both are 0, the limit.
func distAxis(s, c, e, ga, g float64) (gs, gc float64) {
	if e == 0 || s == 0 {
		return 0, 0
	}
	u := s / c
	gr := -g * e * ga // ∂/∂(s/c)²
	return gr * 2 * u / c, -gr * 2 * u * u / c
}

// shapeTerm is one term (1 − e^{−ω})⁴ of SIoU's and Shape-IoU's shape
// cost, ω = k·|s − s_t|/max(s, s_t) for a size s of the prediction and s_t
// of the target (k = 1 in SIoU, the target's shape weight in Shape-IoU),
// with its derivative
//
//	∂/∂s = 4·(1 − e^{−ω})³·e^{−ω}·k·(1/m)·(sign(s − s_t) − (|s − s_t|/m)·∂max(s, s_t)/∂s),  m = max(s, s_t)
//
// and in log s the same times s, where s/m ≤ 1 keeps it finite. Where
// m ≤ 0 (a target of no size, and the prediction none or negative) the
// term is taken as 0 with no gradient.
type shapeTerm struct{ k, m, e, b float64 }

func (t *shapeTerm) forward(s, st, k float64) float64 {
	t.k, t.m = k, max(s, st)
	if !(t.m > 0) {
		t.e, t.b = 1, 0
		return 0
	}
	om := k * math.Abs(s-st) / t.m
	t.e = math.Exp(-1 * om)
	t.b = 1 - t.e
	b2 := t.b * t.b
	return b2 * b2
}

// grad returns ∂/∂s_c of the term for the size coordinate s_c of the
// pair's frame, ds = ∂s/∂s_c (s in the log frame, 1 in the corner frame).
func (t *shapeTerm) grad(s, st, ds float64) float64 {
	if t.b == 0 {
		return 0
	}
	d := ds / t.m * (sign(s-st) - math.Abs(s-st)/t.m*hi(s, st))
	return 4 * t.b * t.b * t.b * t.e * t.k * d
}
