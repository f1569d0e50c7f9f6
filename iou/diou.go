package iou

import "math"

// diou is the Distance IoU (Zheng et al. 2020) as YOLOv5's bbox_iou and,
// with α-IoU or Focal, iou.py compute it: value = T − D, ℓ = w_f·(1 −
// value), with T the IoU term of mods and D the distance penalty below.
type diou struct {
	stateless
	m mods
}

func newDIoU(p Params) (Loss, error) {
	m, err := newMods(p, true, false)
	if err != nil {
		return nil, err
	}
	return diou{m: m}, nil
}

func (v diou) String() string { return v.m.name("DIoU") }

// Eval computes ℓ = w_f·(1 − DIoU); the held constant is the Focal weight.
func (v diou) Eval(p Pred, t Box, _ Grid, h *Held, frozen bool) Term {
	q := newPair(p, t)
	return v.eval(&q, 0, h, frozen)
}

func (v diou) eval(q *pair, _ float64, h *Held, frozen bool) Term {
	var a adjoint
	wf := v.m.weight(q, h, frozen)
	value := v.m.iouTerm(q, &a, -wf)
	return v.m.term(q, &a, value-distance(q, &a, wf, v.m.alpha), wf)
}

// distance returns DIoU's penalty, the squared centre distance over the
// enclosing box's squared diagonal, each to the power α as iou.py has it:
//
//	ρ² = (dx² + dy²)/4,  s = cw² + ch²
//	D  = (ρ²)^α / (s^α + ε)
//
// (YOLOv5's ρ²/(cw² + ch² + ε) at α = 1), and adds g·∂D to a, g = ∂ℓ/∂D:
//
//	∂D/∂ρ² = α·(ρ²)^(α−1)/(s^α + ε),  ∂D/∂s = −D·α·s^(α−1)/(s^α + ε)
//	∂ρ²/∂dx = dx/2,  ∂s/∂cw = 2·cw
//
// At ρ² = 0 the derivative in ρ² is taken as 0 (see powGrad): the limit
// for α > ½, a convention below, and in every case multiplied by dx = dy
// = 0.
func distance(q *pair, a *adjoint, g, alpha float64) float64 {
	rho2 := (q.dx*q.dx + q.dy*q.dy) / 4
	s := q.cw*q.cw + q.ch*q.ch
	ra, c2 := math.Pow(rho2, alpha), math.Pow(s, alpha)+Eps
	d := ra / c2
	gr := g * powGrad(rho2, alpha) / c2
	gs := -g * d / c2 * powGrad(s, alpha)
	a.dx += gr * q.dx / 2
	a.dy += gr * q.dy / 2
	a.cw += gs * 2 * q.cw
	a.ch += gs * 2 * q.ch
	return d
}
