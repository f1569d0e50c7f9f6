package dfl

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
)

func TestExpNonPos(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 200000 {
		u := -rng.Float64() * 40
		if i%4 == 0 {
			u = -rng.Float64() * 700
		}
		got, want := expNonPos(u), math.Exp(u)
		if d := math.Abs(got-want) / want; d > 1e-15 {
			t.Fatalf("expNonPos(%v) = %v, math.Exp %v (rel %.3g)", u, got, want, d)
		}
	}
	if expNonPos(0) != 1 || expNonPos(-800) != 0 {
		t.Errorf("expNonPos(0), (−800) = %v, %v", expNonPos(0), expNonPos(-800))
	}
}

// TestGradients checks Expect's and Loss's gradients against central
// differences, for several bin counts and targets (past the clamp too).
func TestGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, r := range []int{2, 8, 16} {
		for _, target := range []float64{0, 0.3, 3.7, float64(r) - 1.2, float64(r) + 5} {
			z := make([]float64, r)
			for k := range z {
				z[k] = 3 * rng.NormFloat64()
			}
			p := make([]float64, r)
			tc := Clamp(target, r)
			for k := range z {
				f := func(v float64) (d, l float64) {
					old := z[k]
					z[k] = v
					defer func() { z[k] = old }()
					q := make([]float64, r)
					d = Expect(q, z)
					return d, Loss(nil, q, z, tc, 1)
				}
				numD := fd.Derivative(func(v float64) float64 { d, _ := f(v); return d }, z[k], &fd.Settings{Formula: fd.Central})
				numL := fd.Derivative(func(v float64) float64 { _, l := f(v); return l }, z[k], &fd.Settings{Formula: fd.Central})
				d := Expect(p, z)
				gd := make([]float64, r)
				AddExpectGrad(gd, p, d, 1)
				gl := make([]float64, r)
				Loss(gl, p, z, tc, 1)
				if math.Abs(gd[k]-numD) > 1e-7 || math.Abs(gl[k]-numL) > 1e-7 {
					t.Errorf("R %d, target %v, z[%d]: ∂d %v (fd %v), ∂DFL %v (fd %v)", r, target, k, gd[k], numD, gl[k], numL)
				}
			}
		}
	}
}

// TestKnown checks values worked by hand.
func TestKnown(t *testing.T) {
	p := make([]float64, 4)
	if d := Expect(p, []float64{0, 0, 0, 0}); math.Abs(d-1.5) > 1e-15 {
		t.Errorf("uniform expectation %v, want 1.5", d)
	}
	// Target 1.25 between bins 1 and 2: 0.75·CE(1) + 0.25·CE(2), CE = log 4 for uniform logits.
	if l := Loss(nil, p, []float64{0, 0, 0, 0}, 1.25, 1); math.Abs(l-math.Log(4)) > 1e-15 {
		t.Errorf("uniform DFL %v, want log 4", l)
	}
	if c := Clamp(20, 16); c != 15-0.01 {
		t.Errorf("Clamp(20, 16) = %v", c)
	}
	for _, tc := range []struct{ d, t, want, g float64 }{{3, 1, 2 * 8 / 64.0, 8 / 64.0}, {1, 3, 2 * 8 / 64.0, -8 / 64.0}, {2, 2, 0, 0}} {
		if l, g := L1(tc.d, tc.t, 8, 64); math.Abs(l-tc.want) > 1e-15 || g != tc.g {
			t.Errorf("L1(%v, %v) = %v, %v, want %v, %v", tc.d, tc.t, l, g, tc.want, tc.g)
		}
	}
}

// TestLSE checks that ExpectLSE returns Expect's distance and softmax and
// the log-sum-exp with which LossLSE is Loss, bit for bit, and the
// log-sum-exp itself against package math.
func TestLSE(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, r := range []int{1, 2, 7, 16} {
		for range 200 {
			z := make([]float64, r)
			for k := range z {
				z[k] = 4 * rng.NormFloat64()
			}
			p, q := make([]float64, r), make([]float64, r)
			d, lse := ExpectLSE(p, z)
			if d0 := Expect(q, z); math.Float64bits(d) != math.Float64bits(d0) {
				t.Fatalf("r=%d: ExpectLSE d %v, Expect %v", r, d, d0)
			}
			var want float64
			for _, v := range z {
				want += math.Exp(v)
			}
			if want = math.Log(want); math.Abs(lse-want) > 1e-13*max(1, math.Abs(want)) {
				t.Fatalf("r=%d: lse %v, want %v", r, lse, want)
			}
			if r < 2 {
				continue
			}
			tg := Clamp(rng.Float64()*float64(r), r)
			dz, dz0 := make([]float64, r), make([]float64, r)
			l, l0 := LossLSE(dz, p, z, tg, 0.25, lse), Loss(dz0, p, z, tg, 0.25)
			if math.Float64bits(l) != math.Float64bits(l0) {
				t.Fatalf("r=%d: LossLSE %v, Loss %v", r, l, l0)
			}
			for k := range dz {
				if math.Float64bits(dz[k]) != math.Float64bits(dz0[k]) {
					t.Fatalf("r=%d: dz[%d] %v, Loss's %v", r, k, dz[k], dz0[k])
				}
			}
		}
	}
}
