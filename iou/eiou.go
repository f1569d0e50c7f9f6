package iou

import "math"

// eiou is the Efficient IoU (Zhang et al. 2022) as iou.py computes it,
// DIoU with the width and height differences penalised apart:
//
//	ρ_w   = (t₂ − t₁) − (p₂ − p₁)      (x corners; ρ_h likewise in y)
//	Cw    = (cw² + ε)^α,  Ch = (ch² + ε)^α
//	value = T − (D + ρ_w²/Cw + ρ_h²/Ch),  ℓ = w_f·(1 − value)
//
// with T the IoU term of mods, D DIoU's distance penalty (diou.go), and
// backward, with G = ∂ℓ/∂penalty = w_f:
//
//	∂/∂ρ_w = 2·G·ρ_w/Cw,  ∂/∂cw = −G·(ρ_w²/Cw²)·α·(cw² + ε)^(α−1)·2·cw
//	∂ρ_w/∂p₂ = −1,  ∂ρ_w/∂p₁ = 1
//
// iou.py's α reaches the IoU, D and the divisors, not ρ_w² and ρ_h².
type eiou struct {
	stateless
	m mods
}

func newEIoU(p Params) (Loss, error) {
	m, err := newMods(p, false, false)
	if err != nil {
		return nil, err
	}
	return eiou{m: m}, nil
}

func (v eiou) String() string { return v.m.name("EIoU") }

// Eval computes ℓ = w_f·(1 − EIoU); the held constant is the Focal weight.
func (v eiou) Eval(p Pred, t Box, _ Grid, h *Held, frozen bool) Term {
	q := newPair(p, t)
	return v.eval(&q, 0, h, frozen)
}

func (v eiou) eval(q *pair, _ float64, h *Held, frozen bool) Term {
	var a adjoint
	wf := v.m.weight(q, h, frozen)
	value := v.m.iouTerm(q, &a, -wf)
	d := distance(q, &a, wf, v.m.alpha)
	pw, gw := sideTerm((q.tx2-q.tx1)-(q.px2-q.px1), q.cw, wf, v.m.alpha)
	ph, gh := sideTerm((q.ty2-q.ty1)-(q.py2-q.py1), q.ch, wf, v.m.alpha)
	a.x1 += gw[0]
	a.x2 -= gw[0]
	a.cw += gw[1]
	a.y1 += gh[0]
	a.y2 -= gh[0]
	a.ch += gh[1]
	return v.m.term(q, &a, value-(d+pw+ph), wf)
}

// sideTerm returns ρ²/(c² + ε)^α and g times its derivatives in ρ and c.
func sideTerm(rho, c, g, alpha float64) (float64, [2]float64) {
	c2 := c*c + Eps
	div := math.Pow(c2, alpha)
	v := rho * rho / div
	return v, [2]float64{g * 2 * rho / div, -g * v / div * powGrad(c2, alpha) * 2 * c}
}
