package bce_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/bce"
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
