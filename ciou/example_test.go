package ciou_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/ciou"
)

func ExampleGrad() {
	pred := ciou.Box{0.6, 0.5, 1.2, 2.0} // x, y, w, h in grid units
	tgt := ciou.Box{0.5, 0.5, 1.0, 2.0}
	c, d, _ := ciou.Grad(pred, tgt)
	fmt.Printf("IoU %.4f CIoU %.4f\n∂CIoU/∂(x,y,w,h) %.4f\n", ciou.IoU(pred, tgt), c, d)
	// Output:
	// IoU 0.8333 CIoU 0.8315
	// ∂CIoU/∂(x,y,w,h) [-0.8002 0.0000 -0.3122 -0.0339]
}
