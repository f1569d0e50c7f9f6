package decode_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// Decoding the stride-32 layer of a two-class model on a 64×64 input: a
// 2×2 grid with one anchor, background everywhere but one cell.
func ExampleLayer() {
	const nc = 2
	p := tensor.New[float32](1, 1, 2, 2, 5+nc)
	for i := range p.Data {
		p.Data[i] = -6
	}
	// Row 1, column 0: logits 0 put the centre in the middle of the cell
	// and give the anchor's size; high objectness, class 1.
	copy(p.Data[(1*2+0)*(5+nc):], []float32{0, 0, 0, 0, 4, -3, 3})
	anchors := [][2]float64{{116.0 / 32, 90.0 / 32}} // grid units

	dets := decode.Layer(nil, p, anchors, 32, 2, 0.25)
	for _, d := range dets {
		fmt.Printf("layer %d cell (%d, %d): box %v, obj %.3f, class %d (%.3f), conf %.3f\n",
			d.Layer, d.GJ, d.GI, d.Box.XYWH(), d.Obj, d.Class, d.ClassScore, d.Conf())
	}
	fmt.Println("corners", dets[0].Box.XYXY())

	// With no threshold every cell comes back, in the tensor's order.
	fmt.Println(len(decode.Layer(dets[:0], p, anchors, 32, 2, 0)), "cells")
	// Output:
	// layer 2 cell (1, 0): box [16 48 116 90], obj 0.982, class 1 (0.953), conf 0.935
	// corners [-42 3 74 93]
	// 4 cells
}

// GridBox gives the box in the frame of the loss: grid units, the centre
// relative to the cell's corner, as in the targets of package target.
func ExampleGridBox() {
	p := tensor.New[float64](1, 1, 4, 4, 5+1)
	// σ(ln 3) = 3/4: centre offset 2·3/4 − 0.5 = 1, size (2·3/4)² = 2.25 anchors.
	ln3 := 1.0986122886681098
	copy(p.Data[(2*4+1)*6:], []float64{ln3, 0, ln3, 0, 0, 0})
	fmt.Printf("%.4f\n", decode.GridBox(p, 0, 0, 2, 1, [2]float64{1.5, 2}))
	// Output:
	// [1.0000 0.5000 3.3750 2.0000]
}

// Inference writes Detect's inference output, the input of package nms:
// every cell of every layer, P3 first, each row (x, y, w, h, obj, cls…).
func ExampleInference() {
	const nc = 2
	p3 := tensor.New[float32](1, 1, 2, 2, 5+nc)                                 // stride 8: a 16×16 input
	p4 := tensor.New[float32](1, 1, 1, 1, 5+nc)                                 // stride 16
	anchors := [][][2]float64{{{10.0 / 8, 13.0 / 8}}, {{30.0 / 16, 61.0 / 16}}} // grid units
	strides := []float64{8, 16}

	out := decode.Inference(tensor.Tensor[float32]{}, []tensor.Tensor[float32]{p3, p4}, anchors, strides)
	fmt.Println("shape", out.Shape)
	for i := range out.Shape[1] {
		fmt.Printf("%.1f\n", out.Data[i*(5+nc):(i+1)*(5+nc)])
	}
	// Output:
	// shape [1 5 7]
	// [4.0 4.0 10.0 13.0 0.5 0.5 0.5]
	// [12.0 4.0 10.0 13.0 0.5 0.5 0.5]
	// [4.0 12.0 10.0 13.0 0.5 0.5 0.5]
	// [12.0 12.0 10.0 13.0 0.5 0.5 0.5]
	// [8.0 8.0 30.0 61.0 0.5 0.5 0.5]
}

// AnchorFree decodes the anchor-free head's raw outputs (YOLOv8, YOLO11,
// YOLO26) to ultralytics' inference layout [bs, 4+nc, A], channels first,
// the input of package nms with Options.Head = nms.V8. Here one stride-32
// layer of 1×2 cells on a 64×32 input, reg_max 4 and one class.
func ExampleAnchorFree() {
	head := model.AnchorFree{NC: 1, RegMax: 4, Strides: []float64{32}}
	p := tensor.New[float64](1, head.Channels(), 1, 2) // [bs, 4·reg_max + nc, ny, nx]
	// Cell (0, 1): every side's distribution peaks at bin 1 (one cell from
	// the centre); the class logit is 2.
	for k := range 4 {
		p.Data[(k*4+1)*2+1] = 20
	}
	p.Data[16*2+1] = 2

	out := decode.AnchorFree(tensor.Tensor[float64]{}, []tensor.Tensor[float64]{p}, head)
	fmt.Println("shape", out.Shape)
	for c, name := range []string{"cx", "cy", "w", "h", "cls0"} {
		fmt.Printf("%-4s %.2f\n", name, out.Data[c*2:c*2+2])
	}
	// Output:
	// shape [1 5 2]
	// cx   [16.00 48.00]
	// cy   [16.00 16.00]
	// w    [96.00 64.00]
	// h    [96.00 64.00]
	// cls0 [0.50 0.88]
}
