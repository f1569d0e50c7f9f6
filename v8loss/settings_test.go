package v8loss

import (
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/criterion"
)

// TestClassCriterion checks the class criteria against the README's
// per-element formulas, focal without α when fl_alpha ≤ 0 included, and
// each one's target-0 form against its Elem.
func TestClassCriterion(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	bceOf := func(x, y float64) float64 { return math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x))) }
	for _, tc := range []struct {
		name string
		cfg  criterion.Config
		want func(x, y float64) float64
	}{
		{"bce", criterion.Config{}, bceOf},
		{"focal", criterion.Config{Type: "focal", Gamma: 1.5, Alpha: 0.25}, func(x, y float64) float64 {
			s := sig(x)
			pt := y*s + (1-y)*(1-s)
			return bceOf(x, y) * math.Pow(1-pt, 1.5) * (y*0.25 + (1-y)*0.75)
		}},
		{"focal α 0", criterion.Config{Type: "focal", Gamma: 1.5, Alpha: 0}, func(x, y float64) float64 {
			s := sig(x)
			pt := y*s + (1-y)*(1-s)
			return bceOf(x, y) * math.Pow(1-pt, 1.5)
		}},
		{"focal α −1", criterion.Config{Type: "focal", Gamma: 2, Alpha: -1}, func(x, y float64) float64 {
			s := sig(x)
			pt := y*s + (1-y)*(1-s)
			return bceOf(x, y) * math.Pow(1-pt, 2)
		}},
		{"qfocal", criterion.Config{Type: "qfocal", Gamma: 1.5, Alpha: 0.25}, func(x, y float64) float64 {
			return bceOf(x, y) * math.Pow(math.Abs(y-sig(x)), 1.5) * (y*0.25 + (1-y)*0.75)
		}},
		{"varifocal", criterion.Config{Type: "varifocal", Gamma: 2, Alpha: 0.75}, func(x, y float64) float64 {
			label := 0.0
			if y > 0 {
				label = 1
			}
			return bceOf(x, y) * (0.75*math.Pow(sig(x), 2)*(1-label) + y*label)
		}},
	} {
		c, err := classCriterion(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		z, ok := c.(bce.ZeroTargeter)
		if !ok {
			t.Fatalf("%s: no target-0 form", tc.name)
		}
		for _, x := range []float64{-6, -1.3, 0, 0.4, 2.5, 7} {
			for _, y := range []float64{0, 0.2, 0.7, 1} {
				got, _ := c.Elem(x, y)
				if w := tc.want(x, y); math.Abs(got-w) > 1e-12*max(1, math.Abs(w)) {
					t.Errorf("%s: ℓ(%v, %v) = %v, want %v", tc.name, x, y, got, w)
				}
			}
			l, g := make([]float64, 1), make([]float64, 1)
			z.ZeroTarget().Elems(l, g, []float64{x})
			wl, wg := c.Elem(x, 0)
			if math.Abs(l[0]-wl) > 1e-12*max(1, wl) || math.Abs(g[0]-wg) > 1e-12*max(1, math.Abs(wg)) {
				t.Errorf("%s: target-0 form at %v: %v, %v; Elem %v, %v", tc.name, x, l[0], g[0], wl, wg)
			}
		}
	}
}
