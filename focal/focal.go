package focal

import (
	"fmt"

	"github.com/yolo-loss/yololoss/bce"
)

// DefaultAlpha is FocalLoss's default α in YOLOv5 (utils/loss.py).
const DefaultAlpha = 0.25

// Focal is YOLOv5's FocalLoss wrapped around bce.BCE:
//
//	ℓ = BCE(x, y)·(y·α + (1−y)·(1−α))·(1−p_t)^γ
type Focal struct {
	BCE   bce.BCE // the wrapped loss, with its positive weight
	Gamma float64 // γ ≥ 0
	Alpha float64 // α ∈ [0, 1]
}

// Elem returns ℓ and ∂ℓ/∂x (see the package documentation).
func (f Focal) Elem(x, y float64) (loss, grad float64) {
	s, sc, sp := f.BCE.Logistic(x)
	return f.elem(x, y, s, sc, sp)
}

// Elems is Elem over slices (see bce.Criterion).
func (f Focal) Elems(loss, grad, x, y []float64) { bce.Elems(loss, grad, x, y, f.BCE.Fast, f.elem) }

func (f Focal) elem(x, y, s, sc, sp float64) (loss, grad float64) {
	b, db := f.BCE.ElemLogistic(x, y, s, sc, sp)
	a := y*f.Alpha + (1-y)*(1-f.Alpha)
	// q = 1 − p_t = y·σ(−x) + (1−y)·σ(x), without cancellation.
	q := y*sc + (1-y)*s
	m := bce.Pow(q, f.Gamma)
	// ∂q^γ/∂x = γ·(1−2y)·s·s̄·q^{γ−1}. For y = 0, q = s and this is
	// γ·s̄·q^γ; for y = 1, q = s̄ and it is −γ·s·q^γ: no division, so no
	// overflow where q is tiny. For soft y, q ≥ min(y, 1−y) and
	// s·s̄/q is bounded. Its limit at q = 0 is 0.
	var dm float64
	switch {
	case f.Gamma == 0:
	case y == 0:
		dm = f.Gamma * sc * m
	case y == 1:
		dm = -f.Gamma * s * m
	case q > 0:
		dm = f.Gamma * (1 - 2*y) * (s * sc / q) * m
	}
	// ℓ = a·b·q^γ;  ∂ℓ/∂x = a·(b'·q^γ + b·∂q^γ/∂x)
	return a * b * m, a * (db*m + b*dm)
}

// String describes the criterion, e.g. "focal γ=1.5 α=0.25".
func (f Focal) String() string {
	return fmt.Sprintf("focal γ=%g α=%g%s", f.Gamma, f.Alpha, f.BCE.PosWeightNote())
}

// Quality is YOLOv5's QFocalLoss wrapped around bce.BCE:
//
//	ℓ = BCE(x, y)·(y·α + (1−y)·(1−α))·|y − σ(x)|^γ
type Quality struct {
	BCE   bce.BCE // the wrapped loss, with its positive weight
	Gamma float64 // γ ≥ 0
	Alpha float64 // α ∈ [0, 1]
}

// Elem returns ℓ and ∂ℓ/∂x (see the package documentation).
func (f Quality) Elem(x, y float64) (loss, grad float64) {
	s, sc, sp := f.BCE.Logistic(x)
	return f.elem(x, y, s, sc, sp)
}

// Elems is Elem over slices (see bce.Criterion).
func (f Quality) Elems(loss, grad, x, y []float64) { bce.Elems(loss, grad, x, y, f.BCE.Fast, f.elem) }

func (f Quality) elem(x, y, s, sc, sp float64) (loss, grad float64) {
	b, db := f.BCE.ElemLogistic(x, y, s, sc, sp)
	a := y*f.Alpha + (1-y)*(1-f.Alpha)
	// u = y − σ(x) = y·σ(−x) − (1−y)·σ(x), without cancellation.
	u := y*sc - (1-y)*s
	au := u
	if au < 0 {
		au = -au
	}
	m := bce.Pow(au, f.Gamma)
	// ∂|u|^γ/∂x = −γ·s·s̄·|u|^γ/u: γ·s̄·|u|^γ for y = 0 (u = −s) and
	// −γ·s·|u|^γ for y = 1 (u = s̄), without a division; 0 at u = 0.
	var dm float64
	switch {
	case f.Gamma == 0:
	case y == 0:
		dm = f.Gamma * sc * m
	case y == 1:
		dm = -f.Gamma * s * m
	case u != 0:
		dm = -f.Gamma * (s * sc / u) * m
	}
	return a * b * m, a * (db*m + b*dm)
}

// String describes the criterion, e.g. "qfocal γ=1.5 α=0.25".
func (f Quality) String() string {
	return fmt.Sprintf("qfocal γ=%g α=%g%s", f.Gamma, f.Alpha, f.BCE.PosWeightNote())
}

// ZeroTarget returns the focal loss's form at target 0 (see
// bce.ZeroTarget): a = 1 − α and q = σ(x), so A = 1 − α.
func (f Focal) ZeroTarget() bce.ZeroTarget { return bce.ZeroTarget{A: 1 - f.Alpha, Gamma: f.Gamma} }

// ZeroTarget returns the quality focal loss's form at target 0 (see
// bce.ZeroTarget): a = 1 − α and |u| = σ(x), so A = 1 − α.
func (f Quality) ZeroTarget() bce.ZeroTarget { return bce.ZeroTarget{A: 1 - f.Alpha, Gamma: f.Gamma} }
