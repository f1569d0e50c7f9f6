package bce

import "math"

// Block is how many elements the batch functions evaluate together. Each
// step of the logistic terms runs as a loop over a block, whose iterations
// are independent, so the processor overlaps the long dependency chains of
// the exponential and the logarithm instead of waiting on each in turn; the
// work arrays live on the stack.
const Block = 64

// LogisticBlock is Logistic over a block of len(x) ≤ Block elements: it
// stores σ(x[i]), σ(−x[i]) and log(1+e^{−|x[i]|}) in s, sc and sp, exactly
// or with the fast approximations (LogisticFast).
func LogisticBlock(s, sc, sp, x []float64, fast bool) {
	n := len(x)
	s, sc, sp = s[:n], sc[:n], sp[:n]
	// e = e^{−|x|}, kept in sc for now.
	if fast {
		for i, v := range x {
			sc[i] = expNeg(-math.Abs(v))
		}
		for i, e := range sc {
			sp[i] = log1pUnit(e)
		}
	} else {
		for i, v := range x {
			sc[i] = math.Exp(-math.Abs(v))
		}
		for i, e := range sc {
			sp[i] = math.Log1p(e)
		}
	}
	for i, e := range sc {
		s[i], sc[i] = fromExp(x[i], e)
	}
}

// ElemFunc is a criterion's formula given the logistic terms of x (see
// Logistic): it returns ℓ(x, y) and ∂ℓ/∂x.
type ElemFunc func(x, y, s, sc, sp float64) (loss, grad float64)

// Elems stores ℓ(x[i], y[i]) in loss[i] and ∂ℓ/∂x[i] in grad[i] (grad may be
// nil), evaluating the logistic terms a Block at a time; the criteria's
// Elems methods are this with their formula. It panics if the lengths
// differ.
func Elems(loss, grad, x, y []float64, fast bool, f ElemFunc) {
	if len(y) != len(x) || len(loss) != len(x) || (grad != nil && len(grad) != len(x)) {
		panic("bce: slice lengths do not match")
	}
	var s, sc, sp [Block]float64
	for i0 := 0; i0 < len(x); i0 += Block {
		xb := x[i0:min(i0+Block, len(x))]
		LogisticBlock(s[:], sc[:], sp[:], xb, fast)
		yb := y[i0:][:len(xb)]
		lb := loss[i0:][:len(xb)]
		if grad == nil {
			for i, v := range xb {
				lb[i], _ = f(v, yb[i], s[i], sc[i], sp[i])
			}
			continue
		}
		gb := grad[i0:][:len(xb)]
		for i, v := range xb {
			lb[i], gb[i] = f(v, yb[i], s[i], sc[i], sp[i])
		}
	}
}
