package synth_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/examples/train/synth"
)

// The objects of the second training image of the experiment's dataset, and
// the label file YOLOv5 reads for it.
func ExampleRender() {
	c := synth.Default()
	_, objs := synth.Render(c, c.TrainSeed, 1)
	for _, o := range objs {
		fmt.Printf("%-8s box (%g, %g)–(%g, %g)\n", synth.Names[o.Class], o.X0, o.Y0, o.X1, o.Y1)
	}
	fmt.Print(string(synth.LabelLines(objs, c.Size)))
	// Output:
	// ring     box (0, 32)–(15, 47)
	// square   box (4, 44)–(19, 59)
	// triangle box (14, 10)–(42, 38)
	// ring     box (23, 55)–(32, 64)
	// 3 0.117188 0.617188 0.234375 0.234375
	// 0 0.179688 0.804688 0.234375 0.234375
	// 2 0.437500 0.375000 0.437500 0.437500
	// 3 0.429688 0.929688 0.140625 0.140625
}
