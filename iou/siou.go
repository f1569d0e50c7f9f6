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
	var a adjoint
	wf := v.m.weight(&q, h, frozen)
	value := v.m.iouTerm(&q, &a, -wf)
	var c siouCost
	dist, shape := c.forward(&q)
	pen, d := v.m.power(0.5 * (dist + shape))
	c.backward(&q, &a, wf*d)
	return v.m.term(&q, &a, value-pen, wf)
}

// siouCost is SIoU's cost S = (Δ + Ω)/2, its forward values kept for the
// backward pass:
//
//	s_x = dx/2 + ε,  s_y = dy/2 + ε,  σ = √(s_x² + s_y²)   (centre offset, as iou.py offsets it)
//	sin = |s_x|/σ if that is ≤ √2/2, else |s_y|/σ
//	Λ   = cos(2·asin(sin) − π/2),  γ_a = Λ − 2               (angle cost)
//	Δ   = 2 − e^{γ_a·(s_x/cw)²} − e^{γ_a·(s_y/ch)²}           (distance cost)
//	ω_w = |w − w_t|/max(w, w_t),  ω_h likewise
//	Ω   = (1 − e^{−ω_w})⁴ + (1 − e^{−ω_h})⁴                  (shape cost)
//
// Where σ = 0 (the centres coincide to within the ε offset) sin is 0/0;
// it is taken as 0, and the angle's gradient as 0: Δ and its gradient
// tend to 0 there whatever the angle, as (s/c)² → 0 (doc.go).
type siouCost struct {
	sx, sy, sigma, sin float64
	first              bool // sin is |s_x|/σ
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
	c.ga = math.Cos(math.Asin(c.sin)*2-math.Pi/2) - 2
	rx, ry := c.sx/q.cw, c.sy/q.ch
	c.ex, c.ey = math.Exp(c.ga*(rx*rx)), math.Exp(c.ga*(ry*ry))
	dist = 2 - c.ex - c.ey
	shape = c.ow.forward(q.w, q.tw, 1) + c.oh.forward(q.h, q.th, 1)
	return dist, shape
}

// backward adds g·∂S to a:
//
//	∂Δ/∂γ_a = −(ρx·e^{γ_a·ρx} + ρy·e^{γ_a·ρy}),  ρx = (s_x/cw)²
//	∂Δ/∂s_x = −e^{γ_a·ρx}·γ_a·2·s_x/cw²,  ∂Δ/∂cw = e^{γ_a·ρx}·γ_a·2·ρx/cw
//	∂Λ/∂sin = −sin(2·asin(sin) − π/2)·2/√(1 − sin²)
//	∂(|s_x|/σ)/∂s_x = sign(s_x)/σ − |s_x|·s_x/σ³,  ∂(|s_x|/σ)/∂s_y = −|s_x|·s_y/σ³
func (c *siouCost) backward(q *pair, a *adjoint, g float64) {
	g /= 2
	ux, uy := c.sx/q.cw, c.sy/q.ch
	rx, ry := ux*ux, uy*uy
	gga := -g * (rx*c.ex + ry*c.ey)
	gx, gy := -g*c.ex*c.ga, -g*c.ey*c.ga // ∂/∂ρx, ∂/∂ρy
	gsx, gsy := gx*2*ux/q.cw, gy*2*uy/q.ch
	a.cw -= gx * 2 * rx / q.cw
	a.ch -= gy * 2 * ry / q.ch
	if c.sigma > 0 && gga != 0 {
		as := math.Asin(c.sin)
		gs := gga * -math.Sin(as*2-math.Pi/2) * 2 / math.Sqrt(1-c.sin*c.sin)
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
	a.w += g * c.ow.grad(q.w, q.tw)
	a.h += g * c.oh.grad(q.h, q.th)
}

// shapeTerm is one term (1 − e^{−ω})⁴ of SIoU's and Shape-IoU's shape
// cost, ω = k·|s − s_t|/max(s, s_t) for a size s of the prediction and s_t
// of the target (k = 1 in SIoU, the target's shape weight in Shape-IoU):
//
//	∂/∂s = 4·(1 − e^{−ω})³·e^{−ω}·k·(sign(s − s_t)/max(s, s_t) − |s − s_t|/max(s, s_t)²·∂max(s, s_t)/∂s)
type shapeTerm struct{ k, m, e, b float64 }

func (t *shapeTerm) forward(s, st, k float64) float64 {
	t.k, t.m = k, max(s, st)
	om := k * math.Abs(s-st) / t.m
	t.e = math.Exp(-1 * om)
	t.b = 1 - t.e
	b2 := t.b * t.b
	return b2 * b2
}

func (t *shapeTerm) grad(s, st float64) float64 {
	d := sign(s-st)/t.m - math.Abs(s-st)/(t.m*t.m)*hi(s, st)
	return 4 * t.b * t.b * t.b * t.e * t.k * d
}
