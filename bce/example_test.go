package bce_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/focal"
)

func ExampleBCE() {
	c := bce.BCE{PosWeight: 1}
	l, g := c.Elem(2, 1) // a confident, correct logit
	fmt.Printf("loss %.4f, dloss/dx %.4f\n", l, g)
	l, g = c.Elem(2, 0) // a confident, wrong one
	fmt.Printf("loss %.4f, dloss/dx %.4f\n", l, g)
	// Output:
	// loss 0.1269, dloss/dx -0.1192
	// loss 2.1269, dloss/dx 0.8808
}

func ExampleMean() {
	x := []float64{-3, 0, 3}
	y := []float64{0, 0.5, 1}
	grad := make([]float64, len(x))
	l := bce.Mean(bce.BCE{}, grad, x, y)
	fmt.Printf("mean %.4f\ngrad %.4f\n", l, grad)
	// Output:
	// mean 0.2634
	// grad [0.0158 0.0000 -0.0158]
}

// The focal loss at target 0 is A·log(1+e^x)·σ(x)^γ with A = 1 − α;
// ZeroTarget.Elems evaluates it over a slice, as the engine does for the
// unmatched cells.
func ExampleZeroTarget() {
	f := focal.Focal{Gamma: 1.5, Alpha: 0.25}
	z := f.ZeroTarget()
	fmt.Printf("A = %g, γ = %g\n", z.A, z.Gamma)
	x := []float64{-5, 0, 3}
	loss, grad := make([]float64, len(x)), make([]float64, len(x))
	z.Elems(loss, grad, x)
	for i, v := range x {
		l, g := f.Elem(v, 0)
		fmt.Printf("x = %2g: ℓ %.6f ℓ' %.6f   Elem: %.6f %.6f\n", v, loss[i], grad[i], l, g)
	}
	// Output:
	// A = 0.75, γ = 1.5
	// x = -5: ℓ 0.000003 ℓ' 0.000007   Elem: 0.000003 0.000007
	// x =  0: ℓ 0.183798 ℓ' 0.270431   Elem: 0.183798 0.270431
	// x =  3: ℓ 2.125730 ℓ' 0.815436   Elem: 2.125730 0.815436
}
