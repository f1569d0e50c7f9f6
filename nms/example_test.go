package nms_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// One image, two classes: two overlapping boxes of class 0 and a third
// box, with val.py's settings. The weaker class-0 box is suppressed; the
// first box is also kept as class 1, whose conf 0.9·0.3 passes 0.001.
func ExampleNMS_Batch() {
	pred := tensor.Tensor[float32]{Shape: []int{1, 3, 7}, Data: []float32{
		// cx, cy,  w,  h, obj, cls0, cls1
		100, 100, 40, 40, 0.9, 0.8, 0.3,
		104, 102, 40, 40, 0.7, 0.9, 0.001,
		300, 200, 20, 60, 0.6, 0.1, 0.9,
	}}
	if err := nms.Check(pred); err != nil {
		fmt.Println(err)
		return
	}
	s, err := nms.New[float32](nms.Val())
	if err != nil {
		fmt.Println(err)
		return
	}
	for b, dets := range s.Batch(pred) {
		fmt.Println("image", b, "shape", dets.Shape)
		for i := range dets.Shape[0] {
			d := dets.Data[6*i : 6*i+6]
			fmt.Printf("  box (%g, %g, %g, %g) conf %.3f class %g\n", d[0], d[1], d[2], d[3], d[4], d[5])
		}
	}
	// Output:
	// image 0 shape [4 6]
	//   box (80, 80, 120, 120) conf 0.720 class 0
	//   box (290, 170, 310, 230) conf 0.540 class 1
	//   box (80, 80, 120, 120) conf 0.270 class 1
	//   box (290, 170, 310, 230) conf 0.060 class 0
}

// Raw logits instead of probabilities are the commonest slip; Check
// names the value and says so.
func ExampleCheck() {
	pred := tensor.Tensor[float64]{Shape: []int{1, 2, 6}, Data: []float64{
		10, 10, 4, 4, 0.9, 0.8,
		20, 20, 4, 4, 2.3, -1.1,
	}}
	fmt.Println(nms.Check(pred))
	// Output:
	// index [0 1 4] (objectness) = 2.3: a probability outside [0, 1]; raw logits? apply the sigmoid / decode first (decode.Inference)
}

// The anchor-free head (YOLOv8, YOLO11, YOLO26) returns its rows channels
// first, [bs, 4+nc, n], without objectness: the conf of a (box, class)
// pair is the class probability itself. With ultralytics' validator
// settings the second box (class 0, 0.9) suppresses the first one's class 0
// (IoU 0.75 > 0.7), and a pair at exactly conf_thres is no candidate.
func ExampleValV8() {
	pred := tensor.Tensor[float32]{Shape: []int{1, 6, 3}, Data: []float32{
		100, 104, 300, // cx
		100, 102, 200, // cy
		40, 40, 20, // w
		40, 40, 60, // h
		0.8, 0.9, 0.1, // class 0
		0.3, 0.001, 0.9, // class 1
	}}
	if err := nms.CheckV8(pred); err != nil {
		fmt.Println(err)
		return
	}
	s, err := nms.New[float32](nms.ValV8())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range s.Batch(pred)[0].Data {
		fmt.Printf("%g ", d)
	}
	fmt.Println()
	// Output:
	// 84 82 124 122 0.9 0 290 170 310 230 0.9 1 80 80 120 120 0.3 1 290 170 310 230 0.1 0
}
