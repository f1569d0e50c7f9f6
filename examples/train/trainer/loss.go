package trainer

import (
	"slices"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
	"github.com/yolo-loss/yololoss/v8loss"
)

// This file is the only one that calls the loss engines (packages
// computeloss and v8loss): a change of an engine's API is a change here.

// lossEngine computes the loss and its gradient with respect to the raw
// outputs, for float32 outputs: YOLOv5's (layout [bs, na, ny, nx, 5+nc]) or,
// for the anchor-free head, ultralytics' v8DetectionLoss (layout [bs,
// 4·reg_max+nc, ny, nx]). Exactly one of v5 and v8 is set.
type lossEngine struct {
	v5    *computeloss.Engine[float32]
	v8    *v8loss.Engine[float32]
	preds []tensor.Tensor[float32]
	grads []tensor.Tensor[float32]
}

// lossItems are the loss items: each term after its gain, before the
// multiplication by the batch size. For the anchor-free head, which has no
// objectness, Obj holds the DFL term.
type lossItems struct{ Box, Obj, Cls float64 }

func (a lossItems) add(b lossItems) lossItems {
	return lossItems{a.Box + b.Box, a.Obj + b.Obj, a.Cls + b.Cls}
}

func (a lossItems) scale(s float64) lossItems { return lossItems{a.Box * s, a.Obj * s, a.Cls * s} }

// engineState is what a checkpoint keeps of the YOLOv5 engine: the
// objectness balance (it moves with autobalance) and the box loss's running
// state (WIoU's mean).
type engineState = computeloss.State

// engineStateV8 is what a checkpoint keeps of the anchor-free engine: the
// epoch and the box loss's running state.
type engineStateV8 = v8loss.State

func newLossEngine(h *hyp.Hyp, d model.Detect, autobalance bool) (*lossEngine, error) {
	e, err := computeloss.New[float32](h, d, &computeloss.Options{Autobalance: autobalance})
	if err != nil {
		return nil, err
	}
	return &lossEngine{v5: e}, nil
}

// newLossEngineV8 returns the anchor-free head's engine; v8loss.New takes
// the hyp's copy for that head (hyp.Hyp.For(hyp.HeadV8)).
func newLossEngineV8(h *hyp.Hyp, a model.AnchorFree) (*lossEngine, error) {
	e, err := v8loss.New[float32](h, a, nil)
	if err != nil {
		return nil, err
	}
	return &lossEngine{v8: e}, nil
}

// setEpoch tells the anchor-free engine the epoch (0-based) of the next
// calls; the YOLOv5 engine has none.
func (l *lossEngine) setEpoch(k int) {
	if l.v8 != nil {
		l.v8.SetEpoch(k)
	}
}

// loss returns the loss items and the total loss (YOLOv5: (box + obj +
// cls)·bs; anchor-free: (box + cls + dfl)·bs) of the outputs preds (flat data
// of the given shapes) for the labels; with grad, it returns ∂total/∂preds
// too, in buffers the next call reuses.
func (l *lossEngine) loss(preds [][]float32, shapes [][]int, labels []target.Label, grad bool) (lossItems, float64, [][]float32, error) {
	l.preds = l.preds[:0]
	for i, p := range preds {
		l.preds = append(l.preds, tensor.Tensor[float32]{Data: p, Shape: shapes[i]})
	}
	var grads []tensor.Tensor[float32]
	if grad {
		l.sizeGrads(shapes)
		grads = l.grads
	}
	var items lossItems
	var total float64
	var err error
	if l.v8 != nil {
		var r v8loss.Result
		r, err = l.v8.Loss(l.preds, labels, grads)
		items, total = lossItems{r.LBox, r.LDfl, r.LCls}, r.Loss
	} else {
		var r computeloss.Result
		r, err = l.v5.Loss(l.preds, labels, grads)
		items, total = lossItems{r.LBox, r.LObj, r.LCls}, r.Loss
	}
	if err != nil {
		return lossItems{}, 0, nil, err
	}
	if !grad {
		return items, total, nil, nil
	}
	out := make([][]float32, len(grads))
	for i := range grads {
		out[i] = grads[i].Data
	}
	return items, total, out, nil
}

func (l *lossEngine) sizeGrads(shapes [][]int) {
	if len(l.grads) == len(shapes) {
		same := true
		for i, sh := range shapes {
			same = same && slices.Equal(l.grads[i].Shape, sh)
		}
		if same {
			return
		}
	}
	l.grads = l.grads[:0]
	for _, sh := range shapes {
		l.grads = append(l.grads, tensor.New[float32](sh...))
	}
}

// state returns the engine's state: one of the two is set.
func (l *lossEngine) state() (engineState, *engineStateV8) {
	if l.v8 != nil {
		s := l.v8.State()
		return engineState{}, &s
	}
	return l.v5.State(), nil
}

// restore sets the engine's state from a checkpoint's.
func (l *lossEngine) restore(s engineState, s8 *engineStateV8) error {
	if l.v8 != nil {
		if s8 == nil {
			return errNoV8State
		}
		return l.v8.SetState(*s8)
	}
	return l.v5.SetState(s)
}
