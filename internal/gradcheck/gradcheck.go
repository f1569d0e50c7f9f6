package gradcheck

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/yolo-loss/yololoss/bce"
)

// Step is the central-difference step: its truncation error h²·f”'/6 and
// its rounding error ε·f/h balance near 1e-5 for O(1) functions.
const Step = 1e-5

// Close reports whether an analytic derivative agrees with a finite
// difference to rel relative to the larger magnitude, or abs absolutely.
func Close(analytic, numeric, rel, abs float64) bool {
	d := math.Abs(analytic - numeric)
	return d <= abs || d <= rel*math.Max(math.Abs(analytic), math.Abs(numeric))
}

// Elem checks c's derivative in x at (x, y) against a central difference.
// It returns nil or an error describing the mismatch.
//
// The absolute slack scales with the loss: the central difference's
// rounding error is about ε·|ℓ|/Step, so a fixed slack would let any
// derivative below it pass where a criterion saturates.
func Elem(c bce.Criterion, x, y float64) error {
	l, g := c.Elem(x, y)
	f := func(v float64) float64 { l, _ := c.Elem(v, y); return l }
	num := fd.Derivative(f, x, &fd.Settings{Formula: fd.Central, Step: Step})
	if !Close(g, num, 1e-6, max(1e-8*math.Abs(l), 1e-300)) {
		return fmt.Errorf("%v: ∂ℓ/∂x at x=%g y=%g: analytic %.12g, central difference %.12g", c, x, y, g, num)
	}
	return nil
}

// Gradient checks an analytic gradient of f at x against central
// differences, element by element, to rel relative or abs absolute.
func Gradient(f func([]float64) float64, x, analytic []float64, rel, abs float64) error {
	num := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central, Step: Step})
	for i := range num {
		if !Close(analytic[i], num[i], rel, abs) {
			return fmt.Errorf("∂f/∂x[%d]: analytic %.12g, central difference %.12g", i, analytic[i], num[i])
		}
	}
	return nil
}

// Batch checks that c.Elems gives what c.Elem gives, element by element,
// over every (x, y) pair of xs × ys, with and without the gradient.
func Batch(c bce.Criterion, xs, ys []float64) error {
	var x, y []float64
	for _, xv := range xs {
		for _, yv := range ys {
			x, y = append(x, xv), append(y, yv)
		}
	}
	loss, grad, loss2 := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	c.Elems(loss, grad, x, y)
	c.Elems(loss2, nil, x, y)
	for i := range x {
		l, g := c.Elem(x[i], y[i])
		if l != loss[i] || g != grad[i] || l != loss2[i] {
			return fmt.Errorf("%v at x=%g y=%g: Elem (%g, %g), Elems (%g, %g), Elems without gradient %g", c, x[i], y[i], l, g, loss[i], grad[i], loss2[i])
		}
	}
	return nil
}

// ZeroTarget checks c's form at target 0 (bce.ZeroTarget) against c.Elem
// at y = 0 on xs: Elems within 1e-12 relative (absolute below 1e-290,
// where the kernel flushes to 0 what Elem leaves subnormal), and Elems32
// on xs rounded to float32 within 5e-6 relative (absolute below 1e-36).
func ZeroTarget(c bce.ZeroTargeter, xs []float64) error {
	n := len(xs)
	loss, grad := make([]float64, n), make([]float64, n)
	x32, loss32, grad32 := make([]float32, n), make([]float32, n), make([]float32, n)
	for i, x := range xs {
		x32[i] = float32(x)
	}
	c.ZeroTarget().Elems(loss, grad, xs)
	c.ZeroTarget().Elems32(loss32, grad32, x32)
	for i, x := range xs {
		l, g := c.Elem(x, 0)
		if !Close(loss[i], l, 1e-12, 1e-290) || !Close(grad[i], g, 1e-12, 1e-290) {
			return fmt.Errorf("%v at x=%g, y=0: Elem (%g, %g), ZeroTarget (%g, %g)", c, x, l, g, loss[i], grad[i])
		}
		l, g = c.Elem(float64(x32[i]), 0)
		if !Close(float64(loss32[i]), l, 5e-6, 1e-36) || !Close(float64(grad32[i]), g, 5e-6, 1e-36) {
			return fmt.Errorf("%v at x=%g, y=0: Elem (%g, %g), float32 ZeroTarget (%g, %g)", c, x32[i], l, g, loss32[i], grad32[i])
		}
	}
	return nil
}
