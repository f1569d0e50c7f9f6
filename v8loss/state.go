package v8loss

import (
	"fmt"

	"github.com/yolo-loss/yololoss/iou"
)

// State is what an engine carries from call to call, for checkpoints: the
// epoch (which sets an end-to-end head's branch weights) and each branch's
// box-loss running state (WIoU's mean), one-to-many first.
type State struct {
	Epoch int         `json:"epoch"`
	Box   []iou.State `json:"box"`
}

// State returns the engine's state (a copy).
func (e *Engine[T]) State() State {
	s := State{Epoch: e.epoch, Box: make([]iou.State, len(e.branches))}
	for k := range e.branches {
		s.Box[k] = e.branches[k].box.State()
	}
	return s
}

// SetState restores a state that State returned, from this engine or one
// with the same hyp and head. It returns an error, and changes nothing, if
// the state has a negative epoch, the wrong number of branches, or a box
// state the box loss rejects.
func (e *Engine[T]) SetState(s State) error {
	if s.Epoch < 0 {
		return fmt.Errorf("v8loss: state epoch %d, want ≥ 0", s.Epoch)
	}
	if len(s.Box) != len(e.branches) {
		return fmt.Errorf("v8loss: state has %d box states, the engine %d branches", len(s.Box), len(e.branches))
	}
	old := e.State()
	for k := range e.branches {
		if err := e.branches[k].box.SetState(s.Box[k]); err != nil {
			for j := range k {
				_ = e.branches[j].box.SetState(old.Box[j])
			}
			return fmt.Errorf("v8loss: state box %d: %w", k, err)
		}
	}
	e.epoch = s.Epoch
	return nil
}
