package iou

import (
	"math"
	"testing"
)

// TestWeighSequence follows WIoU's running mean through layers and calls:
// mean ← (1 − m)·mean + m·mean(L) per layer with matches, from 1, the
// layer's β = L/mean with the mean after its own update, and the weights
// of each version; an empty layer leaves the mean alone.
func TestWeighSequence(t *testing.T) {
	layers := [][]float64{{0.2, 0.4}, {0.9}, {}, {0, 1, 0.5, 0.05}}
	for _, c := range []struct {
		version     int
		m, alpha, d float64
		weight      func(beta float64) float64
	}{
		{1, 0.01, 1.9, 3, nil},
		{2, 0.05, 1.9, 3, math.Sqrt},
		{3, 0.01, 1.9, 3, func(b float64) float64 { return b / (3 * math.Pow(1.9, b-3)) }},
		{3, 0.3, 0.8, 1.5, func(b float64) float64 { return b / (1.5 * math.Pow(0.8, b-1.5)) }},
	} {
		p := DefaultParams()
		p.Type, p.WIoUVersion, p.WIoUMomentum, p.WIoUAlpha, p.WIoUDelta = "wiou", c.version, c.m, c.alpha, c.d
		l, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		mean := 1.0
		for k, base := range layers {
			if len(base) > 0 {
				s := 0.0
				for _, b := range base {
					s += b
				}
				mean = (1-c.m)*mean + c.m*s/float64(len(base))
			}
			w := make([]float64, len(base))
			for i := range w {
				w[i] = -7 // untouched when Weigh has no weights
			}
			has := l.Weigh(w, base)
			if got := l.State().Mean; math.Abs(got-mean) > 1e-15 {
				t.Errorf("%v layer %d: mean %.17g, want %.17g", l, k, got, mean)
			}
			if has != (c.weight != nil) {
				t.Errorf("%v: Weigh reports weights %v", l, has)
			}
			for i, b := range base {
				want := -7.0
				if c.weight != nil {
					want = c.weight(b / mean)
				}
				if math.Abs(w[i]-want) > 1e-14*max(1, math.Abs(want)) {
					t.Errorf("%v layer %d: w[%d] = %.17g, want %.17g", l, k, i, w[i], want)
				}
			}
		}
	}
}

// TestWIoUState: State and SetState carry the running mean across
// engines (a checkpoint), SetState refuses means outside [0, 1] and keeps
// the old one, and a mean of 0 (momentum 1 after a perfect layer) gives β
// = 0 rather than 0/0.
func TestWIoUState(t *testing.T) {
	p := DefaultParams()
	p.Type, p.WIoUVersion, p.WIoUMomentum = "wiou", 2, 1
	a, _ := New(p)
	b, _ := New(p)
	a.Weigh(make([]float64, 2), []float64{0.3, 0.5})
	if err := b.SetState(a.State()); err != nil {
		t.Fatal(err)
	}
	wa, wb := make([]float64, 1), make([]float64, 1)
	a.Weigh(wa, []float64{0.2})
	b.Weigh(wb, []float64{0.2})
	if a.State() != b.State() || wa[0] != wb[0] {
		t.Errorf("restored engine: state %v weight %v, original %v %v", b.State(), wb, a.State(), wa)
	}
	for _, bad := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1)} {
		if err := b.SetState(State{Mean: bad}); err == nil || b.State() != a.State() {
			t.Errorf("SetState(%v): error %v, state %v", bad, err, b.State())
		}
	}
	w := []float64{-1, -1}
	b.Weigh(w, []float64{0, 0})
	if b.State().Mean != 0 || w[0] != 0 || w[1] != 0 {
		t.Errorf("perfect layer with momentum 1: mean %v, weights %v, want 0 and 0", b.State().Mean, w)
	}
	defer func() {
		if recover() == nil {
			t.Error("Weigh with lengths 1 and 2 did not panic")
		}
	}()
	b.Weigh(make([]float64, 1), make([]float64, 2))
}

// TestStateless: the variants without a running state report mean 1,
// accept any state, and have no layer weights.
func TestStateless(t *testing.T) {
	for _, l := range family(t) {
		if _, ok := l.(*wiou); ok {
			continue
		}
		w := []float64{-3}
		if l.Weigh(w, []float64{0.5}) || w[0] != -3 || l.State() != (State{Mean: 1}) || l.SetState(State{Mean: 0.2}) != nil {
			t.Errorf("%v: Weigh %v (w %v), State %v", l, l.Weigh(w, []float64{0.5}), w, l.State())
		}
	}
}
