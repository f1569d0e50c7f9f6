package iou_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/iou"
)

// Each variant scores the same prediction differently: here a box shifted
// off its target and twice as wide.
func Example() {
	pred := iou.PredOf(iou.Box{0.6, 0.5, 2, 1})
	target := iou.Box{0.5, 0.5, 1, 1}
	for _, name := range iou.Names() {
		p := iou.DefaultParams()
		p.Type = name
		l, err := iou.New(p)
		if err != nil {
			panic(err)
		}
		var h iou.Held
		t := l.Eval(pred, target, iou.Grid{NY: 20, NX: 20}, &h, false)
		fmt.Printf("%-22v value %.4f  loss %.4f  ∂ℓ/∂x %+.4f\n", l, t.Value, t.Loss, t.Grad[0])
	}
	// Output:
	// IoU                    value 0.5000  loss 0.5000  ∂ℓ/∂x +0.0000
	// GIoU                   value 0.5000  loss 0.5000  ∂ℓ/∂x +0.0000
	// DIoU                   value 0.4980  loss 0.5020  ∂ℓ/∂x +0.0400
	// CIoU                   value 0.4948  loss 0.5052  ∂ℓ/∂x +0.0400
	// EIoU                   value 0.2480  loss 0.7520  ∂ℓ/∂x +0.0400
	// SIoU                   value 0.4855  loss 0.5145  ∂ℓ/∂x +0.0498
	// WIoU v3 α=1.9 δ=3 momentum=0.01 value 0.5000  loss 0.5010  ∂ℓ/∂x +0.0200
	// MPDIoU                 value 0.4993  loss 0.5007  ∂ℓ/∂x +0.0005
	// Shape-IoU scale=0      value 0.4860  loss 0.5140  ∂ℓ/∂x +0.0400
}

// WIoU v3 weighs each match of a layer by its outlier degree β = L/mean,
// against a running mean of L = 1 − IoU that the layer updates first.
func ExampleLoss_Weigh() {
	p := iou.DefaultParams()
	p.Type = "wiou"
	l, _ := iou.New(p)
	base := []float64{0.05, 0.5, 0.95} // L_IoU of three matches (Term.Base)
	w := make([]float64, len(base))
	l.Weigh(w, base)
	fmt.Printf("mean %.4f, weights %.4f\n", l.State().Mean, w)
	// Output:
	// mean 0.9950, weights [0.1112 0.8322 1.1828]
}

// The engine decodes a match's box logits into a prediction, evaluates the
// term and chains its gradient back to the logits.
func ExamplePredFromLogits() {
	pred, chain := iou.PredFromLogits([4]float64{0.2, -0.4, 0.1, 0.3}, [2]float64{1.25, 1.625}, false)
	l, _ := iou.New(iou.DefaultParams()) // YOLOv5's CIoU
	var h iou.Held
	t := l.Eval(pred, iou.Box{0.7, 0.2, 1.5, 2}, iou.Grid{NY: 80, NX: 80}, &h, false)
	var dt [4]float64
	for i := range dt {
		dt[i] = t.Grad[i] * chain[i]
	}
	fmt.Printf("box %.4f\nloss %.4f, ∂ℓ/∂logits %.4f\n", pred.Box, t.Loss, dt)
	// Output:
	// box [0.5997 0.3026 1.3780 2.1449]
	// loss 0.2084, ∂ℓ/∂logits [-0.5407 0.3609 -0.0260 -0.0598]
}

// The anchor-free head's loss works on corner boxes in each anchor's
// stride units: the prediction is the anchor point less and plus its
// predicted distances, the assigner's overlap is CIoUXYXY, and the box term
// comes with its gradient in the prediction's corners.
func ExampleNewXYXY() {
	ax, ay := 4.5, 2.5                  // the anchor point (a cell centre)
	d := [4]float64{1.2, 0.8, 2.1, 1.4} // predicted distances: left, top, right, bottom
	pred := iou.Box{ax - d[0], ay - d[1], ax + d[2], ay + d[3]}
	target := iou.Box{3.1, 1.5, 6.9, 4.2}              // the target's corners over the stride
	diag2 := (640.0/8)*(640.0/8) + (480.0/8)*(480.0/8) // MPDIoU: the image diagonal², stride 8
	fmt.Printf("CIoUXYXY %.4f\n", iou.CIoUXYXY(pred, target))
	for _, name := range []string{"ciou", "giou", "mpdiou"} {
		p := iou.DefaultParams()
		p.Type = name
		l, err := iou.NewXYXY(p)
		if err != nil {
			panic(err)
		}
		var h iou.Held
		t := l.Eval(pred, target, diag2, &h, false)
		// ∂ℓ/∂d: the left and top distances move x₁, y₁ down
		dd := [4]float64{-t.Grad[0], -t.Grad[1], t.Grad[2], t.Grad[3]}
		fmt.Printf("%-6v loss %.4f  ∂ℓ/∂d %+.4f\n", l, t.Loss, dd)
	}
	// Output:
	// CIoUXYXY 0.7074
	// CIoU   loss 0.2926  ∂ℓ/∂d [-0.2121 -0.3193 -0.2167 -0.3239]
	// GIoU   loss 0.2924  ∂ℓ/∂d [-0.2144 -0.3216 -0.2144 -0.3216]
	// MPDIoU loss 0.2924  ∂ℓ/∂d [-0.2145 -0.3217 -0.2145 -0.3217]
}
