package hyps_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/data/hyps"
)

func ExampleNames() {
	for _, name := range hyps.Names() {
		fmt.Println(name)
	}
	fmt.Println("default:", hyps.Default)
	// Output:
	// hyp.Objects365.yaml
	// hyp.VOC.yaml
	// hyp.no-augmentation.yaml
	// hyp.scratch-high.yaml
	// hyp.scratch-low.yaml
	// hyp.scratch-med.yaml
	// default: hyp.scratch-low.yaml
}
