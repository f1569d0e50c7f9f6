package varifocal_test

import (
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/internal/gradcheck"
	"github.com/yolo-loss/yololoss/varifocal"
)

// naive is the weight formula as the golden cases' PyTorch code writes it,
// for moderate logits.
func naive(x, q, g, a float64) float64 {
	s := 1 / (1 + math.Exp(-x))
	b := -(q*math.Log(s) + (1-q)*math.Log(1-s))
	w := a * math.Pow(math.Abs(s-q), g)
	if q > 0 {
		w = q
	}
	return b * w
}

func TestForward(t *testing.T) {
	for _, g := range []float64{0, 0.5, 1, 2, 3} {
		for _, a := range []float64{0.25, 0.75, 1} {
			for _, q := range []float64{0, 0.2, 0.9, 1} {
				for _, x := range []float64{-6, -1, 0, 0.5, 4} {
					v := varifocal.Varifocal{Gamma: g, Alpha: a}
					l, _ := v.Elem(x, q)
					if w := naive(x, q, g, a); math.Abs(l-w) > 1e-12*math.Max(1, w) {
						t.Errorf("%v x=%g q=%g: %.15g, want %.15g", v, x, q, l, w)
					}
				}
			}
		}
	}
}

func TestFiniteDifferences(t *testing.T) {
	for _, pw := range []float64{1, 1.5} {
		for _, g := range []float64{0, 0.5, 1.5, 2, 3} {
			for _, a := range []float64{0.25, 0.75, 1} {
				v := varifocal.Varifocal{BCE: bce.BCE{PosWeight: pw}, Gamma: g, Alpha: a}
				for _, q := range []float64{0, 1, 0.35, 0.8} {
					for _, x := range []float64{-7, -2.5, -0.3, 0, 0.4, 1.8, 6} {
						if err := gradcheck.Elem(v, x, q); err != nil {
							t.Error(err)
						}
					}
				}
			}
		}
	}
}

// TestExtremes: finite everywhere; for q = 0 and x → −∞,
// BCE ≈ e^{x} and σ(x) ≈ e^{x}, so ℓ ≈ α·e^{(1+γ)x} and ∂ℓ/∂x ≈ (1+γ)·ℓ.
func TestExtremes(t *testing.T) {
	for _, g := range []float64{0, 0.25, 0.5, 1, 1.5, 2, 3, 10} {
		v := varifocal.Varifocal{Gamma: g, Alpha: 0.75}
		for _, q := range []float64{0, 1, 0.5} {
			for _, x := range []float64{-1e4, -80, -20, 20, 80, 1e4} {
				l, d := v.Elem(x, q)
				if math.IsNaN(l) || math.IsInf(l, 0) || math.IsNaN(d) || math.IsInf(d, 0) {
					t.Errorf("%v at x=%g q=%g: loss %g, grad %g; want finite", v, x, q, l, d)
				}
			}
		}
		for _, x := range []float64{-30, -80} {
			l, d := v.Elem(x, 0)
			wl := 0.75 * math.Exp((1+g)*x)
			if math.Abs(l-wl) > 1e-9*wl || math.Abs(d-(1+g)*wl) > 1e-9*(1+g)*wl {
				t.Errorf("%v at x=%g q=0: (%g, %g), want (%g, %g)", v, x, l, d, wl, (1+g)*wl)
			}
		}
		if l, d := v.Elem(-1e4, 0); l != 0 || d != 0 {
			t.Errorf("%v at x=-1e4 q=0: (%g, %g), want (0, 0)", v, l, d)
		}
		// A positive's weight is q, constant: ℓ = q·BCE.
		l, d := v.Elem(1e4, 0.5)
		if math.Abs(l-0.25e4) > 1e-9 || math.Abs(d-0.25) > 1e-12 {
			t.Errorf("%v at x=1e4 q=0.5: (%g, %g), want (2500, 0.25)", v, l, d)
		}
	}
}

func TestString(t *testing.T) {
	got := varifocal.Varifocal{BCE: bce.BCE{PosWeight: 2}, Gamma: 2, Alpha: 0.75}.String()
	if want := "varifocal γ=2 α=0.75 pos_weight=2"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestElems(t *testing.T) {
	var xs []float64
	for x := -90.0; x <= 90; x += 0.7 {
		xs = append(xs, x)
	}
	for _, fast := range []bool{false, true} {
		v := varifocal.Varifocal{BCE: bce.BCE{Fast: fast}, Gamma: 2, Alpha: 0.75}
		if err := gradcheck.Batch(v, xs, []float64{0, 0.4, 1}); err != nil {
			t.Error(err)
		}
	}
}

func TestZeroTarget(t *testing.T) {
	xs := []float64{-1e4, -700, -300, 300, 700, 1e4}
	for x := -90.0; x <= 90; x += 0.7 {
		xs = append(xs, x)
	}
	for _, g := range []float64{0, 0.5, 1.5, 2, 3} {
		for _, a := range []float64{0.25, 0.75} {
			for _, fast := range []bool{false, true} {
				c := varifocal.Varifocal{BCE: bce.BCE{PosWeight: 2.5, Fast: fast}, Gamma: g, Alpha: a}
				if err := gradcheck.ZeroTarget(c, xs); err != nil {
					t.Error(err)
				}
			}
		}
	}
}
