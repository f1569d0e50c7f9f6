package iou

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// wiou is the Wise-IoU (Tong et al. 2023) as its authors' code computes it
// (Instinct323/wiou, IouLoss(ltype='WIoU')), on the corners as x₁y₁x₂y₂
// boxes and with no ε:
//
//	w = p₂ − p₁, h likewise           (sizes from the corners)
//	U     = w·h + w_t·h_t − I,  L = 1 − I/U                  (L_IoU)
//	c²    = cw² + ch²                                         (held: no gradient)
//	ρ²    = (dx² + dy²)/4
//	ℓ     = e^{ρ²/c²}·L                                       (v1)
//	value = 1 − L, the plain IoU,  Base = L
//
// and the layer weight r of v2 and v3 (Weigh), from β = L/mean with the
// running mean of L updated first, carrying no gradient:
//
//	mean ← (1 − m)·mean + m·(Σ L)/n
//	v2: r = √β,  v3: r = β/(δ·α^(β−δ))
//
// Backward: ∂ℓ/∂L = e^{ρ²/c²}, ∂ℓ/∂ρ² = ℓ/c², ∂L/∂I = −1/U − I/U²,
// ∂L/∂(w·h) = I/U², and the overlap's clamp is torch.relu's (no gradient
// at 0). Where U = 0 (both boxes empty) L is 1 with no gradient; where c²
// = 0, ρ²/c² is 0 (doc.go).
type wiou struct {
	version                int
	alpha, delta, momentum float64
	mean                   float64 // the running mean of L, from 1
}

func newWIoU(p Params) (Loss, error) {
	if err := checkVersion(p.WIoUVersion); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		key string
		v   float64
		r   interval
	}{{KeyWIoUAlpha, p.WIoUAlpha, rangeAlpha}, {KeyWIoUDelta, p.WIoUDelta, rangeAlpha}, {KeyWIoUMomentum, p.WIoUMomentum, rangeMomentum}} {
		if err := check(c.key, c.v, c.r); err != nil {
			return nil, err
		}
	}
	return &wiou{version: p.WIoUVersion, alpha: p.WIoUAlpha, delta: p.WIoUDelta, momentum: p.WIoUMomentum, mean: 1}, nil
}

func (v *wiou) String() string {
	switch v.version {
	case 1:
		return "WIoU v1"
	case 2:
		return fmt.Sprintf("WIoU v2 momentum=%v", v.momentum)
	}
	return fmt.Sprintf("WIoU v3 α=%v δ=%v momentum=%v", v.alpha, v.delta, v.momentum)
}

// Eval computes ℓ = e^{ρ²/c²}·L_IoU; the held constant is c².
func (v *wiou) Eval(p Pred, t Box, _ Grid, h *Held, frozen bool) Term {
	q := newPair(p, t)
	return v.eval(&q, 0, h, frozen)
}

func (v *wiou) eval(q *pair, _ float64, h *Held, frozen bool) Term {
	a := adjoint{relu: true}
	u := (q.px2-q.px1)*(q.py2-q.py1) + (q.tx2-q.tx1)*(q.ty2-q.ty1) - q.inter
	c2 := h.c[0]
	if !frozen {
		c2 = q.cw*q.cw + q.ch*q.ch
		h.c[0] = c2
	}
	var e float64 = 1 // e^{ρ²/c²}
	rho2 := (q.dx*q.dx + q.dy*q.dy) / 4
	if c2 > 0 {
		e = math.Exp(rho2 / c2)
	}
	l := 1.0
	if u > 0 {
		l = 1 - q.inter/u
		gu := e * q.inter / (u * u) // ∂ℓ/∂U
		a.inter -= e / u
		a.union(gu)
	}
	loss := e * l
	if c2 > 0 {
		g := loss / c2 // ∂ℓ/∂ρ²
		a.dx += g * q.dx / 2
		a.dy += g * q.dy / 2
	}
	return Term{Value: 1 - l, Loss: loss, Grad: a.grad(q), Base: l}
}

// Weigh updates the running mean from the layer's L_IoU (base) and, for v2
// and v3, stores the layer weights in w. A layer without matches (empty
// base) leaves the mean as it is. β is L/mean, and 0 where the mean is 0
// (then every L of the layer is 0).
func (v *wiou) Weigh(w, base []float64) bool {
	if len(w) != len(base) {
		panic("iou: Weigh: lengths differ")
	}
	if len(base) > 0 {
		m := v.momentum
		v.mean = (1-m)*v.mean + m*(floats.Sum(base)/float64(len(base)))
	}
	if v.version == 1 {
		return false
	}
	for k, l := range base {
		var beta float64
		if v.mean > 0 {
			beta = l / v.mean
		}
		if v.version == 2 {
			w[k] = math.Sqrt(beta)
		} else {
			w[k] = beta / (v.delta * math.Pow(v.alpha, beta-v.delta))
		}
	}
	return true
}

// State returns the running mean of L_IoU.
func (v *wiou) State() State { return State{Mean: v.mean} }

// SetState restores the running mean; it must be in [0, 1], where the
// update keeps a mean that starts at 1.
func (v *wiou) SetState(s State) error {
	if !(s.Mean >= 0 && s.Mean <= 1) {
		return fmt.Errorf("iou: WIoU running mean %v is outside [0, 1]", s.Mean)
	}
	v.mean = s.Mean
	return nil
}
