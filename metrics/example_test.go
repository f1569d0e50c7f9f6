package metrics_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// A trainer's validation: the raw outputs of the Detect head go through
// decode.Inference, nms and an Accumulator, batch after batch, and Compute
// gives val.py's numbers at the end. Here one batch of one 64×64 image,
// two layers (strides 8 and 16, one anchor each) and two classes.
func Example() {
	const nc = 2
	anchors := [][][2]float64{{{2, 2}}, {{2.5, 2}}} // grid units: 16×16 and 40×32 pixels
	strides := []float64{8, 16}
	p3 := tensor.New[float32](1, 1, 8, 8, 5+nc)
	p4 := tensor.New[float32](1, 1, 4, 4, 5+nc)
	for _, p := range []tensor.Tensor[float32]{p3, p4} {
		for i := 4; i < len(p.Data); i += 5 + nc {
			p.Data[i] = -8 // background: objectness σ(−8) < 0.001
		}
	}
	// Logits 0 put a box at its cell's centre with its anchor's size.
	copy(p3.Data[(2*8+3)*(5+nc):], []float32{0, 0, 0, 0, 3, 4, -4}) // class 0 at (28, 20), 16×16
	copy(p4.Data[(1*4+2)*(5+nc):], []float32{0, 0, 0, 0, 2, -4, 3}) // class 1 at (40, 24), 40×32
	copy(p3.Data[(6*8+6)*(5+nc):], []float32{0, 0, 0, 0, 0, -4, 1}) // class 1 at (52, 52): a false positive
	// The labels as the loss takes them: image, class, x, y, w, h,
	// normalised by the image's 64×64 pixels.
	labels := []target.Label{
		{0, 0, 28.0 / 64, 20.0 / 64, 16.0 / 64, 16.0 / 64},
		{0, 1, 40.0 / 64, 24.0 / 64, 40.0 / 64, 32.0 / 64},
		{0, 0, 10.0 / 64, 50.0 / 64, 12.0 / 64, 12.0 / 64}, // missed
	}

	// Once: the buffers that every batch reuses.
	s, err := nms.New[float32](nms.Val())
	if err != nil {
		panic(err)
	}
	acc := metrics.NewAccumulator[float32](nc)
	var inf, targets tensor.Tensor[float32]

	// Per batch (one here): no allocation once the buffers are warm. The
	// metrics take targets in pixels.
	inf = decode.Inference(inf, []tensor.Tensor[float32]{p3, p4}, anchors, strides)
	targets = metrics.PixelTargets(targets, labels, 64, 64)
	if err := metrics.CheckUnits(targets, 64, 64); err != nil {
		fmt.Println("warning:", err) // not printed: the targets are in pixels
	}
	dets := s.Batch(inf)
	if err := acc.AddBatch(dets, targets); err != nil {
		panic(err)
	}

	// At the end of the validation set.
	r := acc.Compute()
	fmt.Printf("%d image, %d detections; mP %.3f mR %.3f mAP50 %.3f mAP50-95 %.3f\n",
		r.Images, len(acc.Correct()), r.MP, r.MR, r.MAP50, r.MAP)
	for _, c := range r.Classes {
		fmt.Printf("class %d: %d labels, P %.3f R %.3f AP50 %.3f\n", c.Class, c.Labels, c.P, c.R, c.AP50)
	}
	// Output:
	// 1 image, 6 detections; mP 0.934 mR 0.750 mAP50 0.787 mAP50-95 0.787
	// class 0: 2 labels, P 0.920 R 0.500 AP50 0.580
	// class 1: 1 labels, P 0.947 R 1.000 AP50 0.995
}
