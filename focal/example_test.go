package focal_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/focal"
)

// Focal loss down-weights easy examples: a confident correct prediction
// costs far less than under plain BCE, a wrong one nearly as much.
func ExampleFocal() {
	f := focal.Focal{BCE: bce.BCE{PosWeight: 1}, Gamma: 1.5, Alpha: focal.DefaultAlpha}
	for _, x := range []float64{3, -3} {
		b, _ := bce.BCE{}.Elem(x, 1)
		l, g := f.Elem(x, 1)
		fmt.Printf("x=%+.0f y=1: BCE %.4f, %v %.6f (dℓ/dx %.6f)\n", x, b, f, l, g)
	}
	// Output:
	// x=+3 y=1: BCE 0.0486, focal γ=1.5 α=0.25 0.000125 (dℓ/dx -0.000302)
	// x=-3 y=1: BCE 3.0486, focal γ=1.5 α=0.25 0.708577 (dℓ/dx -0.271812)
}

func ExampleQuality() {
	q := focal.Quality{Gamma: 1.5, Alpha: 0.25}
	l, g := q.Elem(0, 0.8) // soft target 0.8, prediction 0.5
	fmt.Printf("%v: %.6f, dℓ/dx %.6f\n", q, l, g)
	// Output:
	// qfocal γ=1.5 α=0.25: 0.039863, dℓ/dx -0.067083
}
