package computeloss

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/target"
)

// Autobalance update constants of YOLOv5's ComputeLoss:
// balance ← balance·0.9999 + 0.0001/obj.
const (
	abKeep = 0.9999
	abStep = 0.0001
	// abFloor bounds the update's divisor: a mean objectness loss below
	// it, far below any a model produces, counts as abFloor. The balance
	// then stays under abStep/abFloor/(1 − abKeep) = 1e12.
	abFloor = 1e-12
)

// autobalance is the per-layer objectness balance and its update.
type autobalance struct {
	on       bool
	balance  []float64 // InitialBalance(nl), then moved by update
	refLayer int       // the stride-16 layer, whose balance the others are divided by
}

// update moves layer i's balance by its mean objectness loss obj, as
// YOLOv5 does after each layer; normalize finishes the call's update. The
// divisor is floored at abFloor: where every cell's loss has underflowed,
// YOLOv5's balance becomes infinite, then NaN.
func (a *autobalance) update(i int, obj float64) {
	a.balance[i] = a.balance[i]*abKeep + abStep/max(obj, abFloor)
}

func (a *autobalance) normalize() {
	ref := a.balance[a.refLayer]
	for i := range a.balance {
		a.balance[i] /= ref
	}
}

// State is what an engine carries from call to call, for checkpoints: the
// autobalance balance and the box loss's running state (WIoU's mean).
type State struct {
	Balance []float64 `json:"balance"`
	Box     iou.State `json:"box"`
}

// State returns the engine's state (a copy).
func (e *Engine[T]) State() State {
	return State{Balance: slices.Clone(e.balance.balance), Box: e.box.State()}
}

// SetState restores a state that State returned, from this engine or one
// with the same hyp and model: it returns an error, and changes nothing, if
// the balance has the wrong length or a value that is not finite and
// positive, or the box loss rejects its state.
func (e *Engine[T]) SetState(s State) error {
	if len(s.Balance) != len(e.balance.balance) {
		return fmt.Errorf("computeloss: state has %d balance entries, the engine %d", len(s.Balance), len(e.balance.balance))
	}
	for i, v := range s.Balance {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("computeloss: state balance[%d] = %v, want a finite value > 0", i, v)
		}
	}
	old := e.box.State()
	if err := e.box.SetState(s.Box); err != nil {
		_ = e.box.SetState(old)
		return fmt.Errorf("computeloss: state: %w", err)
	}
	copy(e.balance.balance, s.Balance)
	return nil
}

// frozenRecord is what the terms that carry no gradient depend on, as of
// the last unfrozen call that succeeded: its labels and its shapes. A frozen
// call must have exactly these.
type frozenRecord struct {
	on     bool // calls are frozen
	have   bool // an unfrozen call has succeeded
	labels []target.Label
	shapes [][5]int
}

// record keeps the labels and shapes of a successful unfrozen call.
func (r *frozenRecord) record(labels []target.Label, shapes [][5]int) {
	r.have = true
	r.labels = append(r.labels[:0], labels...)
	r.shapes = append(r.shapes[:0], shapes...)
}

// check reports whether a frozen call with these labels and shapes may
// reuse the recorded terms.
func (r *frozenRecord) check(labels []target.Label, shapes [][5]int) error {
	if !r.have {
		return errors.New("computeloss: frozen call before any unfrozen one: nothing to reuse")
	}
	if !slices.Equal(shapes, r.shapes) {
		return fmt.Errorf("computeloss: frozen call with shapes %v, the last unfrozen call had %v", shapes, r.shapes)
	}
	if len(labels) != len(r.labels) {
		return fmt.Errorf("computeloss: frozen call with %d labels, the last unfrozen call had %d", len(labels), len(r.labels))
	}
	for k := range labels {
		if labels[k] != r.labels[k] {
			return fmt.Errorf("computeloss: frozen call: label %d is %v, in the last unfrozen call %v", k, labels[k], r.labels[k])
		}
	}
	return nil
}
