package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestInterp checks interp against NumPy's interp on a curve with a
// repeated x (NumPy 1.24: np.interp(x, xp, fp, left=-1, right=-2)).
func TestInterp(t *testing.T) {
	xp := []float64{0, 0.25, 0.25, 0.5, 1}
	fp := []float64{1, 0.8, 0.6, 0.6, 0.2}
	for _, tc := range []struct {
		name string
		x    float64
		want float64
	}{
		{"below: left", -0.1, -1},
		{"first point", 0, 1},
		{"between", 0.1, 0.92},
		{"repeated x: the last value", 0.25, 0.6},
		{"flat", 0.3, 0.6},
		{"on a point", 0.5, 0.6},
		{"falling", 0.75, 0.4},
		{"last point", 1, 0.2},
		{"above: right", 1.1, -2},
	} {
		if got := interp(tc.x, xp, fp, -1, -2); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%s: interp(%v) = %v, want %v", tc.name, tc.x, got, tc.want)
		}
	}
	one := []float64{0.4}
	for x, want := range map[float64]float64{0.3: -1, 0.4: 0.7, 0.5: -2} {
		if got := interp(x, one, []float64{0.7}, -1, -2); got != want {
			t.Errorf("one point: interp(%v) = %v, want %v", x, got, want)
		}
	}
}

// TestComputeAP checks compute_ap against NumPy's on YOLOv5's code.
func TestComputeAP(t *testing.T) {
	cumulated := func(tp []bool, nl float64) (r, p []float64) {
		n := 0
		for k, v := range tp {
			if v {
				n++
			}
			r, p = append(r, float64(n)/(nl+eps)), append(p, float64(n)/float64(k+1))
		}
		return r, p
	}
	for _, tc := range []struct {
		name string
		tp   []bool
		nl   float64
		want float64
	}{
		{"perfect: 0.995, not 1", []bool{true, true}, 2, 0.995},
		{"mixed", []bool{true, false, true, true, false, false, true}, 5, 0.669285714285714},
		{"nothing right", []bool{false, false}, 3, 0},
	} {
		var w apWork
		w.recall, w.precision = cumulated(tc.tp, tc.nl)
		if got := w.computeAP(); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%s: AP %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSmooth(t *testing.T) {
	flat := make([]float64, 1000)
	for i := range flat {
		flat[i] = 0.25
	}
	for i, v := range Smooth(flat, 0.1) {
		if math.Abs(v-0.25) > 1e-15 {
			t.Fatalf("a flat curve smoothed: [%d] = %v", i, v)
		}
	}
	// A step from 0 to 1 at 500: the window of 101 around k holds
	// k − 449 ones, and the edges are padded with their own values.
	step := make([]float64, 1000)
	for i := 500; i < 1000; i++ {
		step[i] = 1
	}
	s := Smooth(step, 0.1)
	for _, k := range []int{0, 449, 450, 500, 549, 550, 999} {
		want := float64(min(max(k-449, 0), 101)) / 101
		if math.Abs(s[k]-want) > 1e-14 {
			t.Errorf("step smoothed: [%d] = %v, want %v", k, s[k], want)
		}
	}
	if got := len(Smooth(step, 0.05)); got != 1000 {
		t.Errorf("Smooth(·, 0.05): %d points, want 1000", got)
	}
	if s := Smooth(step, 0.05); math.Abs(s[500]-26.0/51) > 1e-14 {
		t.Errorf("Smooth(·, 0.05) has not 51 taps: [500] = %v, want 26/51", s[500])
	}
	if got := argmax([]float64{0, 3, 1, 3}); got != 1 {
		t.Errorf("argmax: %d, want the first of the ties, 1", got)
	}
}

// TestPairwiseSum checks NumPy's summation order: it differs from a plain
// loop in the last bits, and equals the exact sum to rounding.
func TestPairwiseSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 100, 128, 129, 1000} {
		a := make([]float64, n)
		exact := 0.0
		for i := range a {
			a[i] = rng.Float64()
			exact += a[i]
		}
		if got := pairwiseSum(a); math.Abs(got-exact) > 1e-12*float64(n+1) {
			t.Errorf("n %d: %v, plain sum %v", n, got, exact)
		}
	}
	// NumPy 1.24: np.add.reduce(np.array([1e16, 1, 1, 1, 1, 1, 1, 1, 1, -1e16]))
	// is 8.0 (eight partial sums, then the last two one by one); a plain
	// loop gives 0, each 1 lost against 1e16.
	a := []float64{1e16, 1, 1, 1, 1, 1, 1, 1, 1, -1e16}
	if got := pairwiseSum(a); got != 8 {
		t.Errorf("pairwise order: %v, want NumPy's 8", got)
	}
	if d := cmp.Diff([]float64{0, 0.5, 1}, linspace(3), cmpopts.EquateApprox(0, 0)); d != "" {
		t.Errorf("linspace mismatch (-want +got):\n%s", d)
	}
}
