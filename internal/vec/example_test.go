package vec_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/internal/vec"
)

// BCE at target 0 (a = 1, γ = 0) is log(1+e^x) with derivative σ(x).
func ExampleZeroTarget32() {
	x := []float32{-2, 0, 2}
	loss, grad := make([]float32, 3), make([]float32, 3)
	vec.ZeroTarget32(loss, grad, x, 1, 0)
	for i, v := range x {
		fmt.Printf("x = %2g: loss %.6f, σ(x) %.6f\n", v, loss[i], grad[i])
	}
	// Output:
	// x = -2: loss 0.126928, σ(x) 0.119203
	// x =  0: loss 0.693147, σ(x) 0.500000
	// x =  2: loss 2.126928, σ(x) 0.880797
}
