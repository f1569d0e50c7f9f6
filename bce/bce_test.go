package bce_test

import (
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/internal/gradcheck"
)

// naive is BCE with logits written the textbook way, for moderate x only.
func naive(x, y, pw float64) float64 {
	s := 1 / (1 + math.Exp(-x))
	return -(pw*y*math.Log(s) + (1-y)*math.Log(1-s))
}

func TestBCEValues(t *testing.T) {
	for _, tc := range []struct {
		name      string
		x, y, pw  float64
		loss, grd float64 // exact values where known; NaN: compare with naive
	}{
		{name: "zero logit, y=1", x: 0, y: 1, pw: 1, loss: math.Ln2, grd: -0.5},
		{name: "zero logit, y=0", x: 0, y: 0, pw: 1, loss: math.Ln2, grd: 0.5},
		{name: "zero logit, y=1, pw=3", x: 0, y: 1, pw: 3, loss: 3 * math.Ln2, grd: -1.5},
		{name: "pw 0 means 1", x: 0, y: 1, pw: 0, loss: math.Ln2, grd: -0.5},
		{name: "saturated right, y=0", x: 1e4, y: 0, pw: 1, loss: 1e4, grd: 1},
		{name: "saturated left, y=1", x: -1e4, y: 1, pw: 2, loss: 2e4, grd: -2},
		{name: "saturated right, y=1", x: 1e4, y: 1, pw: 2, loss: 0, grd: 0},
		{name: "saturated left, soft y", x: -1e4, y: 0.25, pw: 1, loss: 2500, grd: -0.25},
		{name: "moderate", x: 1.3, y: 0.2, pw: 1.7, loss: naive(1.3, 0.2, 1.7), grd: math.NaN()},
		{name: "moderate negative", x: -2.1, y: 0.9, pw: 0.5, loss: naive(-2.1, 0.9, 0.5), grd: math.NaN()},
	} {
		l, g := bce.BCE{PosWeight: tc.pw}.Elem(tc.x, tc.y)
		if math.Abs(l-tc.loss) > 1e-12*math.Max(1, math.Abs(tc.loss)) {
			t.Errorf("%s: loss = %.17g, want %.17g", tc.name, l, tc.loss)
		}
		if !math.IsNaN(tc.grd) && math.Abs(g-tc.grd) > 1e-12 {
			t.Errorf("%s: grad = %.17g, want %.17g", tc.name, g, tc.grd)
		}
		if err := gradcheck.Elem(bce.BCE{PosWeight: tc.pw}, tc.x, tc.y); err != nil && math.Abs(tc.x) < 100 {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestBCEFiniteDifferences(t *testing.T) {
	for _, pw := range []float64{1, 0.5, 2.5} {
		for _, y := range []float64{0, 1, 0.3, 0.95} {
			for _, x := range []float64{-9, -3, -0.4, 0, 0.7, 2.5, 8} {
				if err := gradcheck.Elem(bce.BCE{PosWeight: pw}, x, y); err != nil {
					t.Error(err)
				}
			}
		}
	}
}

func TestLogistic(t *testing.T) {
	for _, x := range []float64{-1e4, -80, -20, -1, 0, 1, 20, 80, 1e4} {
		s, sc, sp := bce.Logistic(x)
		if s < 0 || s > 1 || sc < 0 || sc > 1 {
			t.Errorf("Logistic(%g) = %g, %g out of [0, 1]", x, s, sc)
		}
		// σ(−x) must keep relative precision where it is tiny.
		want := math.Exp(-x) / (1 + math.Exp(-x))
		if x > 0 && math.Abs(sc-want) > 1e-15*want {
			t.Errorf("σ(−%g) = %g, want %g", x, sc, want)
		}
		if wsp := math.Log1p(math.Exp(-math.Abs(x))); sp != wsp {
			t.Errorf("softplus term at %g = %g, want %g", x, sp, wsp)
		}
	}
}

func TestMean(t *testing.T) {
	x := []float64{-2, 0.5, 3, -0.1}
	y := []float64{0, 1, 0.6, 0.2}
	c := bce.BCE{PosWeight: 1.5}
	dst := make([]float64, len(x))
	got := bce.Mean(c, dst, x, y)
	var want float64
	for i := range x {
		want += naive(x[i], y[i], 1.5)
	}
	want /= float64(len(x))
	if math.Abs(got-want) > 1e-14 {
		t.Errorf("Mean = %.17g, want %.17g", got, want)
	}
	f := func(v []float64) float64 { return bce.Mean(c, nil, v, y) }
	if err := gradcheck.Gradient(f, x, dst, 1e-6, 1e-10); err != nil {
		t.Error(err)
	}
	if m := bce.Mean(c, nil, nil, nil); m != 0 {
		t.Errorf("Mean of nothing = %g, want 0", m)
	}
	defer func() {
		if r := recover(); r != "bce: slice lengths do not match" {
			t.Errorf("Mean with short y: recovered %v, want the length panic", r)
		}
	}()
	bce.Mean(c, nil, x, y[:2])
}

func TestPow(t *testing.T) {
	for _, g := range []float64{0, 0.5, 1, 1.5, 2, 2.5, 3, 0.7, 10} {
		for _, q := range []float64{0, 1e-300, 0.01, 0.5, 1} {
			got, want := bce.Pow(q, g), math.Pow(q, g)
			if math.Abs(got-want) > 4e-16*want {
				t.Errorf("Pow(%g, %g) = %g, want %g", q, g, got, want)
			}
		}
	}
}

// TestElems: the batched form equals the elementwise one, exact and fast,
// over more than one block; fast agrees with exact to 1e-12 relative.
func TestElems(t *testing.T) {
	var xs []float64
	for x := -90.0; x <= 90; x += 0.7 {
		xs = append(xs, x)
	}
	ys := []float64{0, 1, 0.3}
	for _, c := range []bce.BCE{{PosWeight: 1}, {PosWeight: 2, Fast: true}} {
		if err := gradcheck.Batch(c, xs, ys); err != nil {
			t.Error(err)
		}
	}
	for _, x := range xs {
		for _, y := range ys {
			l, g := bce.BCE{}.Elem(x, y)
			fl, fg := bce.BCE{Fast: true}.Elem(x, y)
			if math.Abs(l-fl) > 1e-12*math.Abs(l) || math.Abs(g-fg) > 1e-12*math.Abs(g) {
				t.Errorf("x=%g y=%g: exact (%g, %g), fast (%g, %g)", x, y, l, g, fl, fg)
			}
		}
	}
}

func TestZeroTarget(t *testing.T) {
	xs := []float64{-1e4, -745, -700, -300, 0, 300, 700, 1e4}
	for x := -90.0; x <= 90; x += 0.3 {
		xs = append(xs, x)
	}
	for _, c := range []bce.BCE{{}, {PosWeight: 3}, {Fast: true}, {PosWeight: 0.5, Fast: true}} {
		if err := gradcheck.ZeroTarget(c, xs); err != nil {
			t.Error(err)
		}
	}
}
