package computeloss_test

import (
	"fmt"
	"log"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// A training step: predictions in, loss and gradients out, with the
// gradient buffers allocated once and reused on every step.
func ExampleEngine_Loss() {
	const nc = 3
	model := model.P5(nc) // YOLOv5's P5 anchors, strides 8, 16, 32
	h := hyp.Default()
	h.ScaleGains(model.NL(), nc, 256) // the gains for 3 layers, 3 classes, 256-pixel images, as YOLOv5's train.py sets them
	e, err := computeloss.New[float32](h, model, nil)
	if err != nil {
		log.Fatal(err)
	}
	var preds, grads []tensor.Tensor[float32]
	for _, g := range []int{32, 16, 8} { // a 256×256 image
		sh := [5]int{1, 3, g, g, 5 + nc}
		p := tensor.New[float32](sh[:]...)
		for c := 4; c < len(p.Data); c += sh[4] {
			p.Data[c] = -4 // low objectness everywhere
		}
		preds = append(preds, p)
		grads = append(grads, tensor.New[float32](sh[:]...))
	}
	labels := []target.Label{{0, 1, 0.5, 0.5, 0.2, 0.3}} // image, class, x, y, w, h

	for step := range 2 {
		r, err := e.Loss(preds, labels, grads)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("step %d: loss %.4f (lbox %.4f lobj %.4f lcls %.4f)\n", step, r.Loss, r.LBox, r.LObj, r.LCls)
		// A trainer backpropagates grads here; we take one plain gradient
		// step on the predictions themselves.
		for i := range preds {
			for k, g := range grads[i].Data {
				preds[i].Data[k] -= 50 * g
			}
		}
	}
	// Output:
	// step 0: loss 0.1694 (lbox 0.1088 lobj 0.0216 lcls 0.0390)
	// step 1: loss 0.1615 (lbox 0.1010 lobj 0.0224 lcls 0.0381)
}
