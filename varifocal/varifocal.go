package varifocal

import (
	"fmt"

	"github.com/yolo-loss/yololoss/bce"
)

// Varifocal is the varifocal loss around bce.BCE:
//
//	ℓ = BCE(x, q)·(q·[q>0] + α·|σ(x)−q|^γ·[q≤0])
type Varifocal struct {
	BCE   bce.BCE // the wrapped loss, with its positive weight
	Gamma float64 // γ ≥ 0
	Alpha float64 // α ∈ [0, 1], the weight of the negatives
}

// Elem returns ℓ and ∂ℓ/∂x (see the package documentation).
func (v Varifocal) Elem(x, q float64) (loss, grad float64) {
	s, sc, sp := v.BCE.Logistic(x)
	return v.elem(x, q, s, sc, sp)
}

// Elems is Elem over slices (see bce.Criterion).
func (v Varifocal) Elems(loss, grad, x, q []float64) { bce.Elems(loss, grad, x, q, v.BCE.Fast, v.elem) }

func (v Varifocal) elem(x, q, s, sc, sp float64) (loss, grad float64) {
	b, db := v.BCE.ElemLogistic(x, q, s, sc, sp)
	if q > 0 {
		// w = q, a constant.
		return b * q, db * q
	}
	// d = s − q ≥ 0 for q ≤ 0; for q = 0 it is σ(x) at full precision.
	d := s - q
	m := bce.Pow(d, v.Gamma)
	w := v.Alpha * m
	// ∂w/∂x = α·γ·s·s̄·d^γ/d: α·γ·s̄·s^γ for q = 0 (d = s), without a
	// division; 0 at d = 0.
	var dw float64
	switch {
	case v.Gamma == 0:
	case q == 0:
		dw = v.Alpha * v.Gamma * sc * m
	case d > 0:
		dw = v.Alpha * v.Gamma * (s * sc / d) * m
	}
	return b * w, db*w + b*dw
}

// String describes the criterion, e.g. "varifocal γ=2 α=0.75".
func (v Varifocal) String() string {
	return fmt.Sprintf("varifocal γ=%g α=%g%s", v.Gamma, v.Alpha, v.BCE.PosWeightNote())
}

// ZeroTarget returns the varifocal loss's form at target 0 (see
// bce.ZeroTarget): the weight is α·σ(x)^γ, so A = α.
func (v Varifocal) ZeroTarget() bce.ZeroTarget { return bce.ZeroTarget{A: v.Alpha, Gamma: v.Gamma} }
