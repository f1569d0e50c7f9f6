package v8loss

import (
	"errors"
	"fmt"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/iou"
)

// End-to-end constants of ultralytics' E2ELoss.
const (
	e2eTopKO2M = 10 // one2many = v8DetectionLoss(tal_topk=10)
	e2eTopKO2O = 7  // one2one = v8DetectionLoss(tal_topk=7, tal_topk2=1)
)

// E2ELoss's o2m at epoch 0 and final_o2m: variables, so that o2mStart −
// o2mFinal rounds in float64 as Python computes it, not exactly as a Go
// constant expression would.
var o2mStart, o2mFinal = 0.8, 0.1

// settings are what the loss reads of the hyperparameters.
type settings struct {
	box, cls, dfl float64
	epochs, topk  int
	crit          criterion.Config
	boxLoss       iou.Params
}

// settingsOf returns the settings of h's copy for the anchor-free head,
// h.For(hyp.HeadV8): its errors name the key and line of a key that
// means nothing here.
func settingsOf(h *hyp.Hyp) (settings, error) {
	if h == nil {
		return settings{}, errors.New("v8loss: nil hyp")
	}
	v8, err := h.For(hyp.HeadV8)
	if err != nil {
		return settings{}, err
	}
	s := settings{
		box: v8.Box, cls: v8.Cls, dfl: v8.Dfl, epochs: v8.Epochs, topk: v8.TalTopk,
		crit:    criterion.Config{Type: v8.FlType, Gamma: v8.FlGamma, Alpha: v8.FlAlpha},
		boxLoss: v8.BoxLoss(),
	}
	return s, s.check()
}

// check reports settings outside their ranges.
func (s settings) check() error {
	for _, g := range []struct {
		key string
		v   float64
	}{{"box", s.box}, {"cls", s.cls}, {"dfl", s.dfl}} {
		if !(g.v >= 0) || g.v > 1e6 {
			return fmt.Errorf("v8loss: %s = %v, want a gain in [0, 1e6]", g.key, g.v)
		}
	}
	if s.topk < 1 {
		return fmt.Errorf("v8loss: tal_topk = %d, want ≥ 1", s.topk)
	}
	if s.epochs < 1 {
		return fmt.Errorf("v8loss: epochs = %d, want ≥ 1", s.epochs)
	}
	return nil
}

// classCriterion returns the class criterion of c: criterion.Select's, but
// focal without its α factor when fl_alpha ≤ 0, as ultralytics'
// FocalLoss skips it.
func classCriterion(c criterion.Config) (bce.Criterion, error) {
	name := c.Type
	if name == "" {
		name = criterion.DefaultType
	}
	noAlpha := c.Gamma > 0 && name == "focal" && c.Alpha <= 0
	if noAlpha {
		c.Alpha = 0.5 // α_t = 0.5 for every target: twice that is 1
	}
	cls, _, err := criterion.Select(c)
	if err != nil {
		return nil, fmt.Errorf("v8loss: %w", err)
	}
	if noAlpha {
		return scaled{c: cls, k: 2}, nil
	}
	return cls, nil
}

// scaled is a criterion times a constant k.
type scaled struct {
	c bce.Criterion
	k float64
}

func (s scaled) Elem(x, y float64) (float64, float64) {
	l, g := s.c.Elem(x, y)
	return s.k * l, s.k * g
}

func (s scaled) Elems(loss, grad, x, y []float64) {
	s.c.Elems(loss, grad, x, y)
	for i := range loss {
		loss[i] *= s.k
		if grad != nil {
			grad[i] *= s.k
		}
	}
}

func (s scaled) String() string { return s.c.String() + " without α" }

// ZeroTarget is the wrapped criterion's form at target 0, times k.
func (s scaled) ZeroTarget() bce.ZeroTarget {
	z := s.c.(bce.ZeroTargeter).ZeroTarget()
	z.A *= s.k
	return z
}
