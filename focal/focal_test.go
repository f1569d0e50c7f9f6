package focal_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/focal"
	"github.com/yolo-loss/yololoss/internal/gradcheck"
)

var (
	gammas = []float64{0, 0.5, 1.5, 2, 3}
	alphas = []float64{0.25, 0.5, 0.95}
	xs     = []float64{-7, -2.5, -0.3, 0, 0.4, 1.8, 6}
	ys     = []float64{0, 1, 0.3, 0.8} // hard and soft targets
)

func criteria(g, a, pw float64) []bce.Criterion {
	b := bce.BCE{PosWeight: pw}
	return []bce.Criterion{focal.Focal{BCE: b, Gamma: g, Alpha: a}, focal.Quality{BCE: b, Gamma: g, Alpha: a}}
}

// naiveFocal and naiveQuality are YOLOv5's forward formulas, written as
// directly as possible, for moderate logits.
func naiveFocal(x, y, g, a, pw float64) float64 {
	s := 1 / (1 + math.Exp(-x))
	b := -(pw*y*math.Log(s) + (1-y)*math.Log(1-s))
	pt := y*s + (1-y)*(1-s)
	return b * (y*a + (1-y)*(1-a)) * math.Pow(1-pt, g)
}

func naiveQuality(x, y, g, a, pw float64) float64 {
	s := 1 / (1 + math.Exp(-x))
	b := -(pw*y*math.Log(s) + (1-y)*math.Log(1-s))
	return b * (y*a + (1-y)*(1-a)) * math.Pow(math.Abs(y-s), g)
}

func TestForwardMatchesYOLOv5Formula(t *testing.T) {
	for _, g := range gammas {
		for _, a := range alphas {
			for _, y := range ys {
				for _, x := range xs {
					f, _ := focal.Focal{BCE: bce.BCE{PosWeight: 1.3}, Gamma: g, Alpha: a}.Elem(x, y)
					if w := naiveFocal(x, y, g, a, 1.3); math.Abs(f-w) > 1e-12*math.Max(1, w) {
						t.Errorf("focal γ=%g α=%g x=%g y=%g: %.15g, want %.15g", g, a, x, y, f, w)
					}
					q, _ := focal.Quality{BCE: bce.BCE{PosWeight: 1.3}, Gamma: g, Alpha: a}.Elem(x, y)
					if w := naiveQuality(x, y, g, a, 1.3); math.Abs(q-w) > 1e-12*math.Max(1, w) {
						t.Errorf("qfocal γ=%g α=%g x=%g y=%g: %.15g, want %.15g", g, a, x, y, q, w)
					}
				}
			}
		}
	}
}

// TestFiniteDifferences checks both criteria's derivatives against central
// differences over hard and soft targets, every γ and several α.
func TestFiniteDifferences(t *testing.T) {
	for _, pw := range []float64{1, 2} {
		for _, g := range gammas {
			for _, a := range alphas {
				for _, c := range criteria(g, a, pw) {
					for _, y := range ys {
						for _, x := range xs {
							if err := gradcheck.Elem(c, x, y); err != nil {
								t.Error(err)
							}
						}
					}
				}
			}
		}
	}
}

// TestExtremes: for every γ in [0, 10] and |x| up to 1e4 the loss and the
// derivative are finite, and where the prediction saturates towards the
// target they take their limits. PyTorch returns NaN gradients at |x| = 80
// for γ < 1.
func TestExtremes(t *testing.T) {
	for _, g := range []float64{0, 0.25, 0.5, 0.99, 1, 1.5, 2, 3, 7.5, 10} {
		for _, c := range criteria(g, 0.25, 1) {
			for _, y := range []float64{0, 1, 0.5, 0.05} {
				for _, x := range []float64{-1e4, -80, -20, 20, 80, 1e4} {
					l, d := c.Elem(x, y)
					if math.IsNaN(l) || math.IsInf(l, 0) || math.IsNaN(d) || math.IsInf(d, 0) {
						t.Errorf("%v at x=%g y=%g: loss %g, grad %g; want finite", c, x, y, l, d)
					}
				}
			}
		}
	}
}

// TestSaturatedLimits compares with the asymptotic forms. For y = 1 and
// x → +∞, BCE ≈ e^{−x} and 1 − p_t ≈ e^{−x}, so
//
//	ℓ ≈ α·e^{−(1+γ)x},   ∂ℓ/∂x ≈ −(1+γ)·α·e^{−(1+γ)x},
//
// to a relative O(e^{−x}); for y = 0 and x → −∞ the mirror image with 1−α.
// At x = 1e4 both are 0.
func TestSaturatedLimits(t *testing.T) {
	for _, g := range []float64{0.25, 0.5, 1, 1.5, 2, 3} {
		for _, c := range criteria(g, 0.25, 1) {
			for _, tc := range []struct {
				x, y, a float64
			}{{80, 1, 0.25}, {-80, 0, 0.75}, {30, 1, 0.25}, {-30, 0, 0.75}} {
				l, d := c.Elem(tc.x, tc.y)
				ax := math.Abs(tc.x)
				wl := tc.a * math.Exp(-(1+g)*ax)
				wd := -(1 + g) * wl
				if tc.y == 0 {
					wd = -wd
				}
				if math.Abs(l-wl) > 1e-9*wl || math.Abs(d-wd) > 1e-9*math.Abs(wd) {
					t.Errorf("%v at x=%g y=%g: (%g, %g), want (%g, %g)", c, tc.x, tc.y, l, d, wl, wd)
				}
			}
			for _, tc := range []struct{ x, y float64 }{{1e4, 1}, {-1e4, 0}} {
				if l, d := c.Elem(tc.x, tc.y); l != 0 || d != 0 {
					t.Errorf("%v at x=%g y=%g: (%g, %g), want (0, 0)", c, tc.x, tc.y, l, d)
				}
			}
		}
	}
}

// TestWrongAndSaturated: a saturated wrong prediction has the BCE slope
// times the α factor, and the modulating factor 1.
func TestWrongAndSaturated(t *testing.T) {
	for _, c := range criteria(0.5, 0.25, 1) {
		l, d := c.Elem(1e4, 0) // wrong: y=0, σ=1
		if math.Abs(l-0.75e4) > 1e-9 || math.Abs(d-0.75) > 1e-12 {
			t.Errorf("%v at x=1e4 y=0: (%g, %g), want (7500, 0.75)", c, l, d)
		}
	}
}

// TestQualityCusp: for a soft target and γ < 1, |y − σ(x)|^γ has a cusp
// where σ(x) = y; the derivative there is defined as that of the BCE term
// times 0, i.e. 0, and it is finite.
func TestQualityCusp(t *testing.T) {
	y := 0.5
	l, d := focal.Quality{Gamma: 0.5, Alpha: 0.25}.Elem(0, y)
	if l != 0 || d != 0 {
		t.Errorf("qfocal at σ(x) = y: (%g, %g), want (0, 0)", l, d)
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		c    fmt.Stringer
		want string
	}{
		{focal.Focal{Gamma: 1.5, Alpha: 0.25}, "focal γ=1.5 α=0.25"},
		{focal.Quality{BCE: bce.BCE{PosWeight: 2}, Gamma: 2, Alpha: 0.5}, "qfocal γ=2 α=0.5 pos_weight=2"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestElems(t *testing.T) {
	var xs []float64
	for x := -90.0; x <= 90; x += 0.7 {
		xs = append(xs, x)
	}
	for _, fast := range []bool{false, true} {
		for _, c := range criteria(1.5, 0.25, 1) {
			switch c := c.(type) {
			case focal.Focal:
				c.BCE.Fast = fast
				if err := gradcheck.Batch(c, xs, ys); err != nil {
					t.Error(err)
				}
			case focal.Quality:
				c.BCE.Fast = fast
				if err := gradcheck.Batch(c, xs, ys); err != nil {
					t.Error(err)
				}
			}
		}
	}
}

func TestZeroTarget(t *testing.T) {
	xs := []float64{-1e4, -700, -300, 300, 700, 1e4}
	for x := -90.0; x <= 90; x += 0.7 {
		xs = append(xs, x)
	}
	for _, g := range gammas {
		for _, a := range alphas {
			for _, fast := range []bool{false, true} {
				b := bce.BCE{PosWeight: 2.5, Fast: fast}
				for _, c := range []bce.ZeroTargeter{focal.Focal{BCE: b, Gamma: g, Alpha: a}, focal.Quality{BCE: b, Gamma: g, Alpha: a}} {
					if err := gradcheck.ZeroTarget(c, xs); err != nil {
						t.Error(err)
					}
				}
			}
		}
	}
}
