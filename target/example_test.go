package target_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/target"
)

func ExampleBuild() {
	// One 20×20 layer with two anchors (grid units), one label.
	layer := target.Layer{NY: 20, NX: 20, Anchors: [][2]float64{{1.25, 1.625}, {2, 3.75}}}
	labels := []target.Label{{0, 3, 0.31, 0.64, 0.1, 0.15}} // image 0, class 3
	for _, m := range target.Build(nil, layer, labels, 4) {
		fmt.Printf("anchor %d cell (gj %d, gi %d) tbox %.2f\n", m.Anchor, m.GJ, m.GI, m.Box)
	}
	// Output:
	// anchor 0 cell (gj 12, gi 6) tbox [0.20 0.80 2.00 3.00]
	// anchor 1 cell (gj 12, gi 6) tbox [0.20 0.80 2.00 3.00]
	// anchor 0 cell (gj 12, gi 5) tbox [1.20 0.80 2.00 3.00]
	// anchor 1 cell (gj 12, gi 5) tbox [1.20 0.80 2.00 3.00]
	// anchor 0 cell (gj 13, gi 6) tbox [0.20 -0.20 2.00 3.00]
	// anchor 1 cell (gj 13, gi 6) tbox [0.20 -0.20 2.00 3.00]
}

// CheckLabel names the column at fault; the caller adds where the row is.
func ExampleCheckLabel() {
	const bs, nc = 2, 80
	for i, l := range []target.Label{
		{0, 3, 0.31, 0.64, 0.1, 0.15},
		{1, 3.0000001, 0.31, 0.64, 0.1, 0.15},
		{1, 3, 0.31, 0.64, 0, 0.15},
	} {
		fmt.Printf("label %d: %v\n", i, target.CheckLabel(l, bs, nc))
	}
	// Output:
	// label 0: <nil>
	// label 1: class (column 1) = 3.0000001 is not an integer in [0, 80)
	// label 2: w (column 4) = 0 is not in (0, 1]
}
