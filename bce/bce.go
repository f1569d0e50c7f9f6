package bce

import (
	"fmt"
	"math"
)

// Criterion is an elementwise loss of a logit x and a target y.
//
// Implementations are small values, safe for concurrent use.
type Criterion interface {
	// Elem returns ℓ(x, y) and ∂ℓ/∂x.
	Elem(x, y float64) (loss, grad float64)
	// Elems stores ℓ(x[i], y[i]) in loss[i] and ∂ℓ/∂x[i] in grad[i], or
	// only the loss when grad is nil: Elem over slices, several times
	// faster (see the package function Elems). It panics if the lengths
	// differ.
	Elems(loss, grad, x, y []float64)
	// String describes the criterion and its parameters, for people.
	String() string
}

// Logistic returns s = σ(x), sc = σ(−x) = 1−σ(x), and sp = log(1+e^{−|x|}),
// all from the one exponential e^{−|x|}:
//
//	x ≥ 0:  s = 1/(1+e^{−x}),  sc = e^{−x}·s
//	x < 0:  sc = 1/(1+e^{x}),  s = e^{x}·sc
//
// so that neither σ(x) nor 1−σ(x) is the difference of nearly equal numbers.
// log(1+e^{−x}) = sp for x ≥ 0 and sp − x for x < 0.
func Logistic(x float64) (s, sc, sp float64) {
	e := math.Exp(-math.Abs(x))
	s, sc = fromExp(x, e)
	return s, sc, math.Log1p(e)
}

// Sigmoid returns σ(x) and σ(−x) as Logistic does, without the logarithm.
func Sigmoid(x float64) (s, sc float64) {
	return fromExp(x, math.Exp(-math.Abs(x)))
}

// fromExp returns σ(x) and σ(−x) from e = e^{−|x|}.
func fromExp(x, e float64) (s, sc float64) {
	r := 1 / (1 + e)
	if x >= 0 {
		return r, e * r
	}
	return e * r, r
}

// BCE is binary cross-entropy with logits (PyTorch's BCEWithLogitsLoss) with
// a positive weight. The zero value is the unweighted loss: a PosWeight of 0
// is read as 1.
type BCE struct {
	// PosWeight multiplies the loss of the positive class (YOLOv5's cls_pw
	// and obj_pw). 0 means 1.
	PosWeight float64
	// Fast evaluates the exponential and the logarithm with polynomials
	// around table points, within 1e-12 relative (tested; about 1e-13
	// typically), instead of package math's functions (see
	// LogisticFast): far more than float32 data need, and several times
	// faster. Every criterion that wraps this BCE follows it.
	Fast bool
}

// Logistic returns σ(x), σ(−x) and log(1+e^{−|x|}) with the precision c
// asks for: the package function Logistic, or LogisticFast.
func (c BCE) Logistic(x float64) (s, sc, sp float64) {
	if c.Fast {
		return LogisticFast(x)
	}
	return Logistic(x)
}

// Elem returns the loss and its derivative:
//
//	ℓ     = (1−y)·x + w·log(1+e^{−x}),   w = 1 + (p−1)·y
//	∂ℓ/∂x = (1−y) − w·σ(−x)
func (c BCE) Elem(x, y float64) (loss, grad float64) {
	s, sc, sp := c.Logistic(x)
	return c.ElemLogistic(x, y, s, sc, sp)
}

// Elems is Elem over slices (see Criterion).
func (c BCE) Elems(loss, grad, x, y []float64) { Elems(loss, grad, x, y, c.Fast, c.ElemLogistic) }

// ElemLogistic is Elem with σ(x), σ(−x) and log(1+e^{−|x|}) already known
// (see Logistic), for criteria that reuse them.
func (c BCE) ElemLogistic(x, y, s, sc, sp float64) (loss, grad float64) {
	p := c.weight()
	w := 1 + (p-1)*y
	if x >= 0 {
		// ℓ = (1−y)·x + w·log1p(e^{−x});  ∂ℓ/∂x = (1−y) − w·σ(−x)
		return (1-y)*x + w*sp, (1 - y) - w*sc
	}
	// ℓ = −p·y·x + w·log1p(e^{x});  ∂ℓ/∂x = w·σ(x) − p·y
	return -p*y*x + w*sp, w*s - p*y
}

// weight is the positive weight in force: PosWeight, with 0 read as 1.
func (c BCE) weight() float64 {
	if c.PosWeight == 0 {
		return 1
	}
	return c.PosWeight
}

// String returns "BCE" or "BCE pos_weight=p"; the precision is not shown.
func (c BCE) String() string { return "BCE" + c.PosWeightNote() }

// PosWeightNote returns " pos_weight=p" when the positive weight is not 1,
// else "": the suffix every criterion built on c adds to its String.
func (c BCE) PosWeightNote() string {
	if c.weight() == 1 {
		return ""
	}
	return fmt.Sprintf(" pos_weight=%g", c.PosWeight)
}

// Mean returns the mean of c over the elements of x and y,
//
//	L = (1/n)·Σ_i ℓ(x_i, y_i),
//
// and, when dst is not nil, stores ∂L/∂x_i = ℓ'(x_i, y_i)/n in dst[i]. It
// returns 0 for empty input. It panics if the lengths of x, y and a non-nil
// dst differ.
func Mean(c Criterion, dst, x, y []float64) float64 {
	if len(y) != len(x) || (dst != nil && len(dst) != len(x)) {
		panic("bce: slice lengths do not match")
	}
	if len(x) == 0 {
		return 0
	}
	inv := 1 / float64(len(x))
	var sum float64
	for i, xi := range x {
		l, g := c.Elem(xi, y[i])
		sum += l
		if dst != nil {
			dst[i] = g * inv
		}
	}
	return sum * inv
}
