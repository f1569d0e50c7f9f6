package fit

import (
	"fmt"
	"math"
	"time"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// Defaults of Settings.
const (
	// DefaultIterations caps the steps of a fit, over every round.
	DefaultIterations = 1000
	// DefaultRoundIterations is the number of steps between two refreshes
	// of the detached terms.
	DefaultRoundIterations = 50
	// DefaultBound bounds every free logit to [−16, 16]: σ(16) is still
	// below 1 in float32, and a BCE term at the bound is e^{−16} ≈ 1.1e-7.
	DefaultBound = 16
	// DefaultTolerance ends a fit when the loss after a refresh differs
	// from the previous round's by at most this fraction of it.
	DefaultTolerance = 1e-9
)

// Settings tune a fit. The zero value of a field means its default.
type Settings struct {
	Iterations      int           // at most this many steps in all (DefaultIterations)
	RoundIterations int           // steps per round (DefaultRoundIterations)
	Bound           float64       // free logits stay in [−Bound, Bound] (DefaultBound)
	Tolerance       float64       // relative change of the loss that ends the fit (DefaultTolerance)
	Timeout         time.Duration // stop after the step that exceeds it (none)
	// Progress, when not nil, is called after each round.
	Progress func(Round)
}

func (s *Settings) withDefaults() Settings {
	var o Settings
	if s != nil {
		o = *s
	}
	if o.Iterations <= 0 {
		o.Iterations = DefaultIterations
	}
	if o.RoundIterations <= 0 {
		o.RoundIterations = DefaultRoundIterations
	}
	if o.Bound <= 0 {
		o.Bound = DefaultBound
	}
	if o.Tolerance <= 0 {
		o.Tolerance = DefaultTolerance
	}
	return o
}

// Items are a loss and its terms, as computeloss.Result has them.
type Items struct {
	Loss, LBox, LObj, LCls float64
}

func itemsOf(r computeloss.Result) Items { return Items{r.Loss, r.LBox, r.LObj, r.LCls} }

// Round reports the end of a round.
type Round struct {
	Round      int   // 1, 2, …
	Iterations int   // steps so far, over every round
	Frozen     Items // the loss at the round's last point, with the terms the round froze
}

// Stop says why a fit ended.
type Stop int

const (
	Converged Stop = iota // the loss stopped changing between rounds
	Budget                // Settings.Iterations steps were taken
	Timeout               // Settings.Timeout passed
)

func (s Stop) String() string {
	switch s {
	case Converged:
		return "converged"
	case Budget:
		return "iteration budget spent"
	case Timeout:
		return "timeout"
	}
	return fmt.Sprintf("Stop(%d)", int(s))
}

// Result is what a fit did.
type Result struct {
	Start, End    Items      // the loss before and after, detached terms refreshed
	Before, After []LabelIoU // per label, before and after
	Free, Total   int        // free parameters, and prediction elements in all
	// Shared counts the matches whose cell another label also claims: their
	// boxes cannot fit every label, and the loss cannot reach 0.
	Shared      int
	Iterations  int // steps
	Evaluations int // engine calls
	Rounds      int
	Stop        Stop
	Elapsed     time.Duration
}

// Fit minimises the engine's loss over the free parameters of the
// predictions p (see the package doc), which it changes in place, for the
// labels. It leaves the engine unfrozen. The error is the engine's, for
// predictions or labels it rejects; p is then unchanged.
func Fit(e *computeloss.Engine[float64], p []tensor.Tensor[float64], labels []target.Label, s *Settings) (*Result, error) {
	set := s.withDefaults()
	return fit(e, p, labels, set, func(n int) stepper { return newRprop(n, set.Bound) })
}

// fit is Fit with the stepper that newStepper makes for n parameters.
func fit(e *computeloss.Engine[float64], p []tensor.Tensor[float64], labels []target.Label, set Settings, newStepper func(n int) stepper) (*Result, error) {
	t0 := time.Now()
	matches := feed.Matches(e.Model(), e.Hyp().AnchorT, p, labels)
	e.SetFrozen(false)
	defer e.SetFrozen(false)
	pr := newProblem(e, p, labels, matches)
	r := &Result{Free: pr.n(), Shared: sharedMatches(p, matches), Before: LabelIoUs(e.Model(), p, labels, matches)}
	for _, t := range p {
		r.Total += len(t.Data)
	}
	f := newFitter(pr, set, newStepper(pr.n()))
	if _, err := pr.eval(f.g); err != nil {
		return nil, err
	}
	r.Start = itemsOf(pr.res)
	f.project()
	if err := f.run(r, t0); err != nil {
		return nil, err
	}
	r.End = itemsOf(pr.res)
	r.After = LabelIoUs(e.Model(), p, labels, matches)
	r.Evaluations = pr.evals
	r.Elapsed = time.Since(t0)
	return r, nil
}

// stepper is a first-order method that moves the free parameters z, where
// the loss is f and its gradient g, from one evaluation to the next. Fit
// uses rprop; the benchmarks compare it with others.
type stepper interface {
	// restart starts a round: the function has changed.
	restart()
	// step moves z; it may change g.
	step(z, g []float64, f float64)
}

// fitter runs the rounds over a problem.
type fitter struct {
	pr   *problem
	set  Settings
	st   stepper
	z, g []float64 // the free parameters and the gradient there
}

func newFitter(pr *problem, set Settings, st stepper) *fitter {
	n := pr.n()
	f := &fitter{pr: pr, set: set, st: st,
		z: make([]float64, n), g: make([]float64, n)}
	pr.get(f.z)
	return f
}

// project clamps the free parameters into [−Bound, Bound].
func (f *fitter) project() {
	for k, v := range f.z {
		f.z[k] = min(max(v, -f.set.Bound), f.set.Bound)
	}
	f.pr.set(f.z)
}

// run alternates refreshes of the detached terms with rounds of steps on
// the loss with those terms frozen, until the refreshed loss stops
// changing, the budget is spent or the time is up. It ends on a refresh, so
// that pr.res holds the unfrozen loss at the final point.
func (f *fitter) run(r *Result, t0 time.Time) error {
	e := f.pr.e
	prev := math.NaN()
	for {
		e.SetFrozen(false)
		fr, err := f.pr.eval(f.g)
		if err != nil {
			return err
		}
		switch {
		case math.Abs(fr-prev) <= f.set.Tolerance*prev:
			r.Stop = Converged
		case r.Iterations >= f.set.Iterations:
			r.Stop = Budget
		case f.set.Timeout > 0 && time.Since(t0) >= f.set.Timeout:
			r.Stop = Timeout
		default:
			prev = fr
			e.SetFrozen(true)
			if err := f.round(r, t0); err != nil {
				return err
			}
			continue
		}
		return nil
	}
}

// round takes up to RoundIterations steps from the point just refreshed,
// whose loss and gradient pr.res and f.g hold, with the detached terms
// frozen.
func (f *fitter) round(r *Result, t0 time.Time) error {
	r.Rounds++
	f.st.restart()
	fx := f.pr.res.Loss
	n := min(f.set.RoundIterations, f.set.Iterations-r.Iterations)
	for range n {
		f.st.step(f.z, f.g, fx)
		f.pr.set(f.z)
		var err error
		if fx, err = f.pr.eval(f.g); err != nil {
			return err
		}
		r.Iterations++
		if f.set.Timeout > 0 && time.Since(t0) >= f.set.Timeout {
			break
		}
	}
	if f.set.Progress != nil {
		f.set.Progress(Round{Round: r.Rounds, Iterations: r.Iterations, Frozen: itemsOf(f.pr.res)})
	}
	return nil
}
