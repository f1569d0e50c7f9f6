package trainer

import (
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// This file is the only one that calls the loss engine (package
// computeloss): a change of the engine's API is a change here.

// lossEngine computes YOLOv5's loss and its gradient with respect to the raw
// outputs, for float32 outputs in the layout [bs, na, ny, nx, 5+nc].
type lossEngine struct {
	e     *computeloss.Engine[float32]
	preds []tensor.Tensor[float32]
	grads []tensor.Tensor[float32]
}

// lossItems are YOLOv5's loss items: each term after its gain, before the
// multiplication by the batch size.
type lossItems struct{ Box, Obj, Cls float64 }

func (a lossItems) add(b lossItems) lossItems {
	return lossItems{a.Box + b.Box, a.Obj + b.Obj, a.Cls + b.Cls}
}

func (a lossItems) scale(s float64) lossItems { return lossItems{a.Box * s, a.Obj * s, a.Cls * s} }

// engineState is what a checkpoint keeps of the engine: the objectness
// balance (it moves with autobalance) and the box loss's running state
// (WIoU's mean).
type engineState = computeloss.State

func newLossEngine(h *hyp.Hyp, d model.Detect, autobalance bool) (*lossEngine, error) {
	e, err := computeloss.New[float32](h, d, &computeloss.Options{Autobalance: autobalance})
	if err != nil {
		return nil, err
	}
	return &lossEngine{e: e}, nil
}

// loss returns the loss items and total = (box + obj + cls)·bs of the outputs
// preds (flat data of the given shapes) for the labels; with grad, it returns
// ∂total/∂preds too, in buffers the next call reuses.
func (l *lossEngine) loss(preds [][]float32, shapes [][5]int, labels []target.Label, grad bool) (lossItems, float64, [][]float32, error) {
	l.preds = l.preds[:0]
	for i, p := range preds {
		l.preds = append(l.preds, tensor.Tensor[float32]{Data: p, Shape: shapes[i][:]})
	}
	var grads []tensor.Tensor[float32]
	if grad {
		l.sizeGrads(shapes)
		grads = l.grads
	}
	r, err := l.e.Loss(l.preds, labels, grads)
	if err != nil {
		return lossItems{}, 0, nil, err
	}
	items := lossItems{r.LBox, r.LObj, r.LCls}
	if !grad {
		return items, r.Loss, nil, nil
	}
	out := make([][]float32, len(grads))
	for i := range grads {
		out[i] = grads[i].Data
	}
	return items, r.Loss, out, nil
}

func (l *lossEngine) sizeGrads(shapes [][5]int) {
	if len(l.grads) == len(shapes) {
		same := true
		for i, sh := range shapes {
			same = same && [5]int(l.grads[i].Shape) == sh
		}
		if same {
			return
		}
	}
	l.grads = l.grads[:0]
	for _, sh := range shapes {
		l.grads = append(l.grads, tensor.New[float32](sh[:]...))
	}
}

func (l *lossEngine) state() engineState { return l.e.State() }

func (l *lossEngine) restore(s engineState) error { return l.e.SetState(s) }
