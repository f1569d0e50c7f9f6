package iou

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// pairsFile is testdata/iou-pairs/<iou_type>.json, written by
// tools/iou_reference.py pairs: each configuration's value, loss and
// gradient (with respect to x, y, log w, log h) on box pairs, computed in
// float64 by a PyTorch transcription of the variant's reference, and for
// wiou the layer weights and the running mean after each layer.
type pairsFile struct {
	Type    string `json:"iou_type"`
	Configs []struct {
		Params  map[string]float64 `json:"params"`
		Grid    [2]int             `json:"grid"`
		Dropped []string           `json:"dropped"`
		Layers  []struct {
			Pairs     []refPair `json:"pairs"`
			MeanAfter *float64  `json:"mean_after"`
			Weights   []float64 `json:"weights"`
		} `json:"layers"`
	} `json:"configs"`
}

type refPair struct {
	Name   string     `json:"name"`
	Pred   Box        `json:"pred"`
	LogWH  [2]float64 `json:"log_wh"`
	Target Box        `json:"target"`
	Value  float64    `json:"value"`
	Loss   float64    `json:"loss"`
	Grad   [4]float64 `json:"grad"`
	Base   *float64   `json:"base"`
}

// paramsOf returns the defaults with a configuration's keys.
func paramsOf(t testing.TB, typ string, m map[string]float64) Params {
	p := DefaultParams()
	p.Type = typ
	for k, v := range m {
		switch k {
		case KeyAlpha:
			p.Alpha = v
		case KeyFocalGamma:
			p.FocalGamma = v
		case KeyInnerRatio:
			p.InnerRatio = v
		case KeyWIoUVersion:
			p.WIoUVersion = int(v)
		case KeyWIoUAlpha:
			p.WIoUAlpha = v
		case KeyWIoUDelta:
			p.WIoUDelta = v
		case KeyWIoUMomentum:
			p.WIoUMomentum = v
		case KeyShapeScale:
			p.ShapeScale = v
		default:
			t.Fatalf("%s: unknown key %q", typ, k)
		}
	}
	return p
}

// pairsTol is the tolerance against the PyTorch numbers, relative to
// max(|x|, 1) for values and losses and to max(the pair's largest gradient
// element, 1) for gradients: both are O(1) in grid units, and where they
// are far smaller they are differences of O(1) terms (identical boxes have
// a gradient near 1e-8 made of terms near 0.1) whose rounding no two
// orders of evaluation share.
const pairsTol = 1e-12

// relErr is |got − want| over max(|want|, floor).
func relErr(got, want, floor float64) float64 {
	return math.Abs(got-want) / max(math.Abs(want), floor)
}

// TestPairs reproduces testdata/iou-pairs: every variant and modifier
// against its reference's formula transcribed in PyTorch, the held
// constants computed (unfrozen), then reused (frozen) to the same numbers.
func TestPairs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "iou-pairs", "*.json"))
	if err != nil || len(files) != len(variants) {
		t.Fatalf("want one pairs file per variant (%d), found %d (%v)", len(variants), len(files), err)
	}
	for _, f := range files {
		var pf pairsFile
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &pf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var worst, strict [3]float64 // value, loss, gradient: against pairsTol, and plain relative errors
		n := 0
		for _, c := range pf.Configs {
			p := paramsOf(t, pf.Type, c.Params)
			l, err := New(p)
			if err != nil {
				t.Fatalf("%s %v: %v", pf.Type, c.Params, err)
			}
			g := Grid{NY: c.Grid[0], NX: c.Grid[1]}
			for li, lay := range c.Layers {
				base := make([]float64, len(lay.Pairs))
				for k, r := range lay.Pairs {
					e, s := checkPair(t, l, g, r)
					for i := range worst {
						worst[i], strict[i] = max(worst[i], e[i]), max(strict[i], s[i])
					}
					base[k] = l.Eval(Pred{r.Pred, r.LogWH[0], r.LogWH[1]}, r.Target, g, new(Held), false).Base
					n++
				}
				checkWeigh(t, l, li, base, lay.Weights, lay.MeanAfter)
			}
		}
		t.Logf("%-9s %3d pairs: max error value %.2g, loss %.2g, gradient %.2g (plain relative: %.2g, %.2g, %.2g)",
			pf.Type, n, worst[0], worst[1], worst[2], strict[0], strict[1], strict[2])
	}
}

// checkPair compares one pair's Term, unfrozen and frozen, with the
// reference's numbers. It returns the errors as pairsTol measures them and
// the plain relative errors.
func checkPair(t *testing.T, l Loss, g Grid, r refPair) (e, strict [3]float64) {
	t.Helper()
	p := Pred{Box: r.Pred, LogW: r.LogWH[0], LogH: r.LogWH[1]}
	var h Held
	got := l.Eval(p, r.Target, g, &h, false)
	if again := l.Eval(p, r.Target, g, &h, true); again != got {
		t.Errorf("%v %s: frozen Eval %+v, unfrozen %+v", l, r.Name, again, got)
	}
	scale := 0.0
	for _, v := range r.Grad {
		scale = max(scale, math.Abs(v))
	}
	for i, floor := range []float64{1, 1e-300} {
		e := &e
		if i == 1 {
			e = &strict
		}
		e[0] = relErr(got.Value, r.Value, floor)
		e[1] = relErr(got.Loss, r.Loss, floor)
		if r.Base != nil {
			e[1] = max(e[1], relErr(got.Base, *r.Base, floor))
		}
		for k := range r.Grad {
			e[2] = max(e[2], relErr(got.Grad[k], r.Grad[k], max(scale, floor)))
		}
	}
	if e[0] > pairsTol || e[1] > pairsTol || e[2] > pairsTol {
		t.Errorf("%v %s p=%v t=%v:\n got value %.17g loss %.17g grad %.17g\nwant value %.17g loss %.17g grad %.17g",
			l, r.Name, r.Pred, r.Target, got.Value, got.Loss, got.Grad, r.Value, r.Loss, r.Grad)
	}
	return e, strict
}

// checkWeigh runs Weigh on one WIoU layer and compares the weights and the
// running mean after it; for the other variants it checks that Weigh has
// no weights.
func checkWeigh(t *testing.T, l Loss, layer int, base, want []float64, mean *float64) {
	t.Helper()
	w := make([]float64, len(base))
	has := l.Weigh(w, base)
	if mean == nil {
		if has {
			t.Errorf("%v: Weigh reports layer weights", l)
		}
		return
	}
	if got := l.State().Mean; relErr(got, *mean, 1e-300) > pairsTol {
		t.Errorf("%v layer %d: running mean %.17g, want %.17g", l, layer, got, *mean)
	}
	if !has {
		w = want[:0:0]
		for range base {
			w = append(w, 1)
		}
	}
	for k := range want {
		if relErr(w[k], want[k], 1e-300) > pairsTol {
			t.Errorf("%v layer %d: weight %d = %.17g, want %.17g", l, layer, k, w[k], want[k])
		}
	}
}
