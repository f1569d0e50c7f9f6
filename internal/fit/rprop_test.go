package fit

import (
	"math"
	"testing"
)

// TestRpropScaleFree: on Σ a_k (z_k − c_k)² with curvatures a_k from 1e-12
// to 1e4, every coordinate converges at the same pace, because a step
// depends on the sign of the derivative only.
func TestRpropScaleFree(t *testing.T) {
	a := []float64{1e-12, 1e-8, 1e-4, 1, 1e4}
	c := []float64{3, -2, 0.5, 7, -11}
	z := make([]float64, len(a))
	g := make([]float64, len(a))
	r := newRprop(len(a), 16)
	for range 200 {
		f := 0.0
		for k := range z {
			d := z[k] - c[k]
			f += a[k] * d * d
			g[k] = 2 * a[k] * d
		}
		r.step(z, g, f)
	}
	for k := range z {
		if d := math.Abs(z[k] - c[k]); d > 1e-6 {
			t.Errorf("a = %g: z = %.9g, want %g (off by %.2g)", a[k], z[k], c[k], d)
		}
	}
}

// TestRpropBound: a loss that always falls towards −∞ drives the
// parameters to −bound, not past it.
func TestRpropBound(t *testing.T) {
	z := []float64{0, 15.9, -20}
	r := newRprop(len(z), 16)
	for range 100 {
		r.step(z, []float64{1, 1, 1}, 0)
	}
	for k, v := range z {
		if v != -16 {
			t.Errorf("z[%d] = %v, want -16", k, v)
		}
	}
}

// TestRpropTinyGradient: a derivative of 1e-300, as in a sigmoid's flat
// tail, moves a parameter as far as a derivative of 1.
func TestRpropTinyGradient(t *testing.T) {
	z := []float64{10, 10}
	r := newRprop(2, 16)
	for range 5 {
		r.step(z, []float64{1e-300, 1}, 1)
	}
	if z[0] != z[1] || z[0] >= 10 {
		t.Errorf("after 5 steps: %v and %v; want equal and below 10", z[0], z[1])
	}
}

// TestRpropSignChange: after a step over a minimum (the derivative changes
// sign), the step size halves; the step is taken back when the loss rose,
// and kept when it fell.
func TestRpropSignChange(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     float64 // the loss after the first step (1 before it)
		wantZ float64
	}{
		{"loss rose: step taken back", 2, 0},
		{"loss fell: step kept", 0.5, -rpropDelta},
	} {
		z := []float64{0}
		r := newRprop(1, 16)
		r.step(z, []float64{1}, 1) // z = −Δ
		g := []float64{-1}
		r.step(z, g, tc.f)
		if z[0] != tc.wantZ || r.delta[0] != rpropDelta*rpropDec || g[0] != 0 {
			t.Errorf("%s: z %v, Δ %v, g %v; want z %v, Δ %v, g 0", tc.name, z[0], r.delta[0], g[0], tc.wantZ, rpropDelta*rpropDec)
		}
	}
}

// TestRpropRestart: a restart forgets the last derivative, so the first
// step of a round neither grows nor shrinks the step, nor takes one back.
func TestRpropRestart(t *testing.T) {
	z := []float64{0}
	r := newRprop(1, 16)
	r.step(z, []float64{1}, 1)
	r.restart()
	r.step(z, []float64{-1}, 5)
	if want := 0.0; z[0] != want || r.delta[0] != rpropDelta {
		t.Errorf("z %v, Δ %v; want %v, %v", z[0], r.delta[0], want, rpropDelta)
	}
}
