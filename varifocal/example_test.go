package varifocal_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/varifocal"
)

// Varifocal weighs a positive by its IoU target q and a negative by
// α·σ(x)^γ, so confident false positives dominate the negatives' loss.
func ExampleVarifocal() {
	v := varifocal.Varifocal{Gamma: 2, Alpha: 0.75}
	for _, c := range []struct{ x, q float64 }{{1, 0.8}, {-4, 0}, {2, 0}} {
		l, g := v.Elem(c.x, c.q)
		fmt.Printf("x=%+g q=%.1f: loss %.4g, dℓ/dx %+.4g\n", c.x, c.q, l, g)
	}
	// Output:
	// x=+1 q=0.8: loss 0.4106, dℓ/dx -0.05515
	// x=-4 q=0.0: loss 4.404e-06, dℓ/dx +1.301e-05
	// x=+2 q=0.0: loss 1.238, dℓ/dx +0.8075
}
