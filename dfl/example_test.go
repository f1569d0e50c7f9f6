package dfl_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/dfl"
)

// One side of a box predicted with reg_max 4: the expected distance, and
// the distribution focal loss against a target of 1.25 bins, with its
// gradient.
func Example() {
	z := []float64{0, 2, 1, -1}
	p := make([]float64, len(z))
	d := dfl.Expect(p, z)
	dz := make([]float64, len(z))
	loss := dfl.Loss(dz, p, z, dfl.Clamp(1.25, len(z)), 1)
	fmt.Printf("d = %.4f, DFL = %.4f\n", d, loss)
	fmt.Printf("∂DFL/∂z = %.4f\n", dz)
	// Output:
	// d = 1.2139, DFL = 0.6902
	// ∂DFL/∂z = [0.0871 -0.1061 -0.0131 0.0321]
}
