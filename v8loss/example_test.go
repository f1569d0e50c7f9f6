package v8loss_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
	"github.com/yolo-loss/yololoss/v8loss"
)

// A YOLOv8-style head on 64×64 images: three layers, 2 classes, reg_max
// 16. Every box distance logit is 0 (each side's expectation is 7.5
// cells) and every class logit −3; one label.
func ExampleEngine_Loss() {
	head := model.AnchorFree{NC: 2, RegMax: 16, Strides: []float64{8, 16, 32}}
	e, err := v8loss.New[float32](hyp.DefaultV8(), head, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	var p []tensor.Tensor[float32]
	for _, s := range head.Strides {
		n := 64 / int(s)
		t := tensor.New[float32](1, head.Channels(), n, n)
		for i := 4 * head.RegMax * n * n; i < len(t.Data); i++ {
			t.Data[i] = -3 // class logits; the box logits stay 0
		}
		p = append(p, t)
	}
	labels := []target.Label{{0, 1, 0.5, 0.5, 0.9, 0.9}} // image 0, class 1, a box of most of the image
	grad := tensor.Like(nil, p)
	r, err := e.Loss(p, labels, grad)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("fg %d, tss %.3f\n", r.FG, r.TSS)
	fmt.Printf("loss %.4f = lbox %.4f + lcls %.4f + ldfl %.4f\n", r.Loss, r.LBox, r.LCls, r.LDfl)
	// Output:
	// fg 10, tss 2.140
	// loss 13.3651 = lbox 5.7994 + lcls 3.4068 + ldfl 4.1589
}

// An end-to-end head (YOLO26: reg_max 1) takes the one-to-many layers,
// then the one-to-one layers; the trainer sets the epoch, which moves the
// branches' weights.
func ExampleEngine_SetEpoch() {
	head := model.AnchorFree{NC: 1, RegMax: 1, Strides: []float64{8, 16, 32}, End2End: true}
	h := hyp.DefaultV8()
	h.Epochs = 5
	e, err := v8loss.New[float64](h, head, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for k := range 5 {
		e.SetEpoch(k)
		o2m, o2o := e.Weights()
		fmt.Printf("epoch %d: o2m %.3f, o2o %.3f\n", k, o2m, o2o)
	}
	// Output:
	// epoch 0: o2m 0.800, o2o 0.200
	// epoch 1: o2m 0.625, o2o 0.375
	// epoch 2: o2m 0.450, o2o 0.550
	// epoch 3: o2m 0.275, o2o 0.725
	// epoch 4: o2m 0.100, o2o 0.900
}
