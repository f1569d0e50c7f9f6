package iou

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/yolo-loss/yololoss/internal/gradcheck"
)

// cornerPair is a corner-frame prediction and target with a name for
// messages.
type cornerPair struct {
	name string
	p, t Box
}

// testDiag2 is the squared image diagonal of the tests' anchors, in stride
// units: a 640×480 image at stride 16.
const testDiag2 = 40*40 + 30*30

// xyxyFamily returns a new XYXYLoss of each of configs.
func xyxyFamily(tb testing.TB) []XYXYLoss {
	tb.Helper()
	var ls []XYXYLoss
	for _, c := range configs {
		l, err := NewXYXY(paramsOf(tb, c.typ, c.keys))
		if err != nil {
			tb.Fatalf("%s %v: %v", c.typ, c.keys, err)
		}
		ls = append(ls, l)
	}
	return ls
}

// corners returns the corners of the box (x, y, w, h).
func corners(b Box) Box { return Box{b[0] - b[2]/2, b[1] - b[3]/2, b[0] + b[2]/2, b[1] + b[3]/2} }

// randomCornerPair returns a prediction and a target as the anchor-free
// head sees them, in stride units: the target about the anchor point
// (0.5, 0.5) with sides e^[−2, 2.5], the prediction the anchor point less
// and plus distances in [0, 6] (as reg_max 16's expectation gives them,
// so that its sides may be 0).
func randomCornerPair(rng *rand.Rand) (p, t Box) {
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	t = corners(Box{u(-1, 2), u(-1, 2), math.Exp(u(-2, 2.5)), math.Exp(u(-2, 2.5))})
	d := func() float64 {
		if rng.IntN(10) == 0 {
			return 0
		}
		return u(0, 6)
	}
	return Box{0.5 - d(), 0.5 - d(), 0.5 + d(), 0.5 + d()}, t
}

// degenerateCorners are the corner pairs where references give NaN or
// where min, max and the clamps tie: identical boxes, coincident centres
// (nested and crossed), zero overlap (disjoint, and sharing an edge),
// and predictions of zero height, width and size.
func degenerateCorners() []cornerPair {
	return []cornerPair{
		{"identical", Box{-0.5, -1, 1.5, 2}, Box{-0.5, -1, 1.5, 2}},
		{"nested_centred", corners(Box{0.5, 0.5, 1, 1}), corners(Box{0.5, 0.5, 2, 2})},
		{"crossed_centred", corners(Box{0.5, 0.5, 1, 3}), corners(Box{0.5, 0.5, 3, 1})},
		{"nested_in_pred", corners(Box{0.25, 0.75, 3, 2.5}), corners(Box{0.25, 0.75, 0.5, 0.4})},
		{"disjoint", corners(Box{0, 0, 2, 2}), corners(Box{3, 0.5, 2, 2})},
		{"disjoint_diagonal", corners(Box{-0.3, 1.2, 0.2, 0.3}), corners(Box{1.1, -0.2, 0.5, 0.4})},
		{"shared_edge", Box{0, 0, 2, 2}, Box{2, 0.5, 4, 2.5}},
		{"zero_height", Box{0, 0.5, 2, 0.5}, Box{-0.5, 0, 1.5, 1}},
		{"zero_height_centred", Box{-0.5, 0.5, 1.5, 0.5}, Box{-0.5, 0, 1.5, 1}},
		{"zero_width", Box{0.5, -0.25, 0.5, 1.75}, Box{-0.5, 0, 1.5, 1}},
		{"zero_size", Box{0.5, 0.5, 0.5, 0.5}, Box{-0.5, 0, 1.5, 1}},
		{"zero_size_outside", Box{3, 3, 3, 3}, Box{-0.5, 0, 1.5, 1}},
		{"tiny", corners(Box{0.4, 0.6, 1e-3, 2e-3}), corners(Box{0.5, 0.5, 1.2, 0.8})},
	}
}

// TestXYXYFiniteDifferences checks every variant and modifier's corner
// gradient against central differences of its loss in (x₁, y₁, x₂, y₂),
// with the held constants fixed at their values at the point (a frozen
// Eval), over random pairs and the degenerate ones.
//
// SIoU's angle varies on the scale of iou.py's centre offset ε where the
// centres coincide in an axis, far below the step: there only the
// direction of that axis that keeps the centre (∂/∂x₂ − ∂/∂x₁ or ∂/∂y₂ −
// ∂/∂y₁) is checked, as TestFiniteDifferences does.
func TestXYXYFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pairs := degenerateCorners()
	for k := range 100 {
		p, b := randomCornerPair(rng)
		pairs = append(pairs, cornerPair{fmt.Sprintf("random %d", k), p, b})
	}
	for _, l := range xyxyFamily(t) {
		isSIoU := false
		if x, ok := l.(xyxy); ok {
			_, isSIoU = x.evaluator.(siou)
		}
		for _, c := range pairs {
			// SIoU's angle varies on the scale of ε in an axis whose centres
			// coincide: there only the size direction of that axis is checked.
			var centred [2]bool
			for i := range centred {
				centred[i] = isSIoU && math.Abs(c.p[i]+c.p[i+2]-c.t[i]-c.t[i+2]) < 2e-3
			}
			if x, ok := l.(xyxy); ok && strings.HasPrefix(l.String(), "α-GIoU α=0.") {
				q := newPairXYXY(c.p, c.t, x.hr)
				if cc := q.cw*q.ch + Eps; math.Abs((cc-q.union)/cc+Eps) < 1e-12 {
					// GIoU's base (C − U)/C + ε is 0 to rounding (a box of
					// height ε nested in the other), and its power below 1
					// has no derivative there (doc.go)
					continue
				}
			}
			if err := checkFDXYXY(l, c.p, c.t, centred); err != nil {
				t.Errorf("%v, %s p=%v t=%v: %v", l, c.name, c.p, c.t, err)
			}
		}
	}
}

// checkFDXYXY compares l's gradient at (p, t) with finite differences of
// its loss along each corner, or for an axis i with sizesOnly[i] along
// the direction that widens (i = 0) or heightens (1) the prediction about
// its centre, with the held constants of the point.
//
// Corner boxes meet kinks where checkFD's do not (edges that just touch,
// sides of zero length, identical boxes), and there the reference's rules
// give one of the one-sided derivatives (clamp(·, 0) passes the gradient
// at 0) or their mean (min and max split it on a tie). So the gradient is
// compared with both one-sided derivatives and their mean, each from
// Richardson-extrapolated one-sided differences (error O(step²) on either
// side of a kink), and must match one of them; away from kinks the three
// agree. Two steps are tried: 1e-5, and 1e-5 times the pair's smallest
// non-zero extent (a side, with the frame's ε on heights, or an overlap;
// at least 1e-9), for losses that vary on that scale; the absolute slack
// is 1e-8 plus six times the loss's rounding noise (noiseAt) over the
// step.
func checkFDXYXY(l XYXYLoss, p, t Box, sizesOnly [2]bool) error {
	var h Held
	tm := l.Eval(p, t, testDiag2, &h, false)
	if !finiteXYXY(tm) {
		return fmt.Errorf("not finite: %+v", tm)
	}
	hr := heightsRaw
	if x, ok := l.(xyxy); ok {
		hr = x.hr
	}
	q := newPairXYXY(p, t, hr)
	scale := 1.0
	for _, v := range []float64{q.w, q.h, q.iw, q.ih} {
		if v = math.Abs(v); v > 0 {
			scale = min(scale, v)
		}
	}
	step := 1e-5 * max(scale, 1e-9)
	var c float64 = 1 // a power of 2 above every coordinate: steps are multiples of its ulp
	for _, v := range p {
		for c < math.Abs(v) {
			c *= 2
		}
	}
	exact := func(s float64) float64 { return 2 * ((c + s/2) - c) } // p ± k·s/2 rounds nowhere
	f0 := 0.0
	var dirs [][4]float64
	for i := range 2 {
		if sizesOnly[i] {
			var d [4]float64
			d[i], d[i+2] = -1, 1
			dirs = append(dirs, d)
			continue
		}
		var d1, d2 [4]float64
		d1[i], d2[i+2] = 1, 1
		dirs = append(dirs, d1, d2)
	}
	for _, d := range dirs {
		f := func(x []float64) float64 {
			hc := h
			q := Box{p[0] + x[0]*d[0], p[1] + x[0]*d[1], p[2] + x[0]*d[2], p[3] + x[0]*d[3]}
			return l.Eval(q, t, testDiag2, &hc, true).Loss
		}
		g := tm.Grad[0]*d[0] + tm.Grad[1]*d[1] + tm.Grad[2]*d[2] + tm.Grad[3]*d[3]
		f0 = f([]float64{0})
		side := func(s float64) float64 { // Richardson: 2·D(s/2) − D(s), D the one-sided difference
			d1 := (f([]float64{s}) - f0) / s
			d2 := (f([]float64{s / 2}) - f0) / (s / 2)
			return 2*d2 - d1
		}
		var msg string
		ok := false
		for _, st := range []float64{exact(1e-5), exact(step)} {
			right, left := side(st), side(-st)
			slack := 1e-8 + 6*noiseAt(f, g, max(exact(st*1e-3), c*0x1p-52))/st
			for _, want := range []float64{(right + left) / 2, right, left} {
				ok = ok || gradcheck.Close(g, want, 1e-6, slack)
			}
			msg += fmt.Sprintf("; step %.3g: one-sided differences %.12g (right), %.12g (left) (slack %.3g)", st, right, left, slack)
		}
		if !ok {
			return fmt.Errorf("∂ℓ/∂%v: analytic %.12g%s", d, g, msg)
		}
	}
	return nil
}

// noiseAt returns the largest deviation of f from its linearisation g·d
// about 0 over d = ±s, ±2s, ±3s, ±4s: the rounding noise of f on the scale
// of a step of 1000·s, where the curvature's share (f″·d²) is small. The
// α-IoU powers with α < 1 of bases near ε amplify rounding errors made on
// O(1) numbers, noise that checkFD's finer probes can miss.
func noiseAt(f func([]float64) float64, g, s float64) float64 {
	f0 := f([]float64{0})
	var n float64
	for k := 1; k <= 4; k++ {
		for _, d := range []float64{-float64(k) * s, float64(k) * s} {
			n = max(n, math.Abs(f([]float64{d})-f0-g*d))
		}
	}
	return n
}

// finiteXYXY reports whether every number of a term is finite.
func finiteXYXY(tm XYXYTerm) bool {
	return finiteTerm(Term{Value: tm.Value, Loss: tm.Loss, Grad: tm.Grad, Base: tm.Base})
}

// TestXYXYFinite: for every variant and modifier, value, loss, base and
// gradient are finite, unfrozen and frozen, over predictions with every
// combination of corner distances from the anchor point that reg_max 1's
// raw outputs can give (0, tiny, negative, large) against a middling, a
// tiny, a wide and an empty target; for WIoU, whose e^{ρ²/c²} overflows
// as the reference's does where a prediction's corners are out of order,
// over ordered predictions.
func TestXYXYFinite(t *testing.T) {
	dists := []float64{0, 1e-300, 1e-8, 0.5, 3, -0.7, -1e-8, 1e4, -1e4, 1e6}
	targets := []Box{{-0.5, 0, 1.5, 1}, {0.5, 0.5, 0.5 + 1e-9, 0.5 + 2e-9}, {-40, 0.25, 40, 0.75}, {0.5, 0.5, 0.5, 0.5}}
	for _, l := range xyxyFamily(t) {
		isWIoU := strings.HasPrefix(l.String(), "WIoU")
		bad := 0
		for _, d0 := range dists {
			for _, d1 := range dists {
				for _, d2 := range dists {
					for _, d3 := range dists {
						p := Box{0.5 - d0, 0.5 - d1, 0.5 + d2, 0.5 + d3}
						if isWIoU && (p[2] < p[0] || p[3] < p[1]) {
							continue // e^{ρ²/c²} overflows with the reference's (doc.go)
						}
						for _, tb := range targets {
							var h Held
							for _, frozen := range []bool{false, true} {
								tm := l.Eval(p, tb, testDiag2, &h, frozen)
								if !finiteXYXY(tm) && bad < 5 {
									bad++
									t.Errorf("%v, p %v, target %v, frozen %v: %+v", l, p, tb, frozen, tm)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestCIoUXYXY checks the assigner's overlap against the ciou XYXYLoss's
// value and against hand-computed numbers of 8.4's formula.
func TestCIoUXYXY(t *testing.T) {
	l, err := NewXYXY(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	// p = (0, 0, 2, 1), t = (1, 0, 3, 2): w = 2, h = 1 + ε; w_t = 2, h_t = 2 + ε;
	// I = 1·1, U = 2(1 + ε) + 2(2 + ε) − 1 + ε, c² = 3² + 2² + ε, ρ² = (2² + 1²)/4.
	u := 2*(1+Eps) + 2*(2+Eps) - 1 + Eps
	iou := 1 / u
	v := kAspect * math.Pow(math.Atan(2/(2+Eps))-math.Atan(2/(1+Eps)), 2)
	want := iou - (1.25/(13+Eps) + v*v/(v-iou+1+Eps))
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name string
		p, t Box
		want float64
	}{
		{"by hand", Box{0, 0, 2, 1}, Box{1, 0, 3, 2}, want},
		{"identical", Box{1, 2, 3, 5}, Box{1, 2, 3, 5}, 6 / (6 + 5*Eps)},
	}
	for k := range 50 {
		p, b := randomCornerPair(rng)
		cases = append(cases, struct {
			name string
			p, t Box
			want float64
		}{fmt.Sprintf("random %d", k), p, b, l.Eval(p, b, 0, new(Held), false).Value})
	}
	for _, c := range cases {
		if got := CIoUXYXY(c.p, c.t); math.Abs(got-c.want) > 1e-15*max(1, math.Abs(c.want)) {
			t.Errorf("%s: CIoUXYXY(%v, %v) = %.17g, want %.17g", c.name, c.p, c.t, got, c.want)
		}
	}
}

// chainToCorners returns the gradient in (x₁, y₁, x₂, y₂) of a box whose
// gradient in (x, y, log w, log h) is g: x = (x₁ + x₂)/2, log w =
// log(x₂ − x₁), so ∂/∂x₁ = ∂/∂x/2 − ∂/∂log w/w (likewise the others).
func chainToCorners(g [4]float64, w, h float64) [4]float64 {
	return [4]float64{g[0]/2 - g[2]/w, g[1]/2 - g[3]/h, g[0]/2 + g[2]/w, g[1]/2 + g[3]/h}
}

// TestXYXYFrames checks the corner frame against the log frame, whose
// variants testdata/iou-pairs pins to PyTorch: every variant and modifier
// evaluated on corner boxes with raw heights (y₂ − y₁, as the log frame's
// boxes have) gives the log frame's value, loss and base on the same
// boxes, and its gradient chained to the corners, unfrozen and frozen.
func TestXYXYFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, l := range family(t) {
		x := xyxy{evaluator: l.(evaluator), hr: heightsRaw}
		for k := range 200 {
			pp, tt := randomPair(rng)
			p, tc := corners(pp.Box), corners(tt)
			// the log frame's boxes from the corners, as the corner frame sees them
			pb := Box{(p[0] + p[2]) / 2, (p[1] + p[3]) / 2, p[2] - p[0], p[3] - p[1]}
			tb := Box{(tc[0] + tc[2]) / 2, (tc[1] + tc[3]) / 2, tc[2] - tc[0], tc[3] - tc[1]}
			var hl, hc Held
			for _, frozen := range []bool{false, true} {
				want := l.Eval(PredOf(pb), tb, testGrid, &hl, frozen)
				got := x.Eval(p, tc, float64(testGrid.NY*testGrid.NY+testGrid.NX*testGrid.NX), &hc, frozen)
				wg := chainToCorners(want.Grad, pb[2], pb[3])
				scale := 1.0
				for _, v := range wg {
					scale = max(scale, math.Abs(v))
				}
				bad := relErr(got.Value, want.Value, 1) > 1e-12 || relErr(got.Loss, want.Loss, 1) > 1e-12 ||
					relErr(got.Base, want.Base, 1) > 1e-12
				for i := range wg {
					bad = bad || relErr(got.Grad[i], wg[i], scale) > 1e-11
				}
				if bad {
					t.Errorf("%v pair %d frozen %v: corner frame %+v, log frame %+v with gradient %v", l, k, frozen, got, want, wg)
				}
			}
		}
	}
}

// TestXYXYPairs reproduces the numbers of testdata/iou-pairs (PyTorch
// transcriptions of the references, on (x, y, w, h) boxes) with the
// XYXYLoss of each configuration whose references take the sizes as they
// are (WIoU on corners, Shape-IoU and Inner-IoU on the boxes converted to
// (x, y, w, h)): the pair's corners give the same boxes, and the
// reference's gradient chained to the corners is the corner gradient.
// WIoU's layer weights and running means follow with Weigh.
func TestXYXYPairs(t *testing.T) {
	n := 0
	for _, typ := range []string{"wiou", "shape_iou", "ciou", "siou"} {
		var pf pairsFile
		b, err := os.ReadFile(filepath.Join("..", "testdata", "iou-pairs", typ+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &pf); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		for _, c := range pf.Configs {
			p := paramsOf(t, pf.Type, c.Params)
			if (typ == "ciou" || typ == "siou") && p.InnerRatio == 1 {
				continue // heights with ε on corners: not the same boxes
			}
			l, err := NewXYXY(p)
			if err != nil {
				t.Fatalf("%s %v: %v", typ, c.Params, err)
			}
			for li, lay := range c.Layers {
				base := make([]float64, len(lay.Pairs))
				for k, r := range lay.Pairs {
					got := l.Eval(corners(r.Pred), corners(r.Target), 0, new(Held), false)
					wg := chainToCorners(r.Grad, r.Pred[2], r.Pred[3])
					scale := 1.0
					for _, v := range wg {
						scale = max(scale, math.Abs(v))
					}
					bad := relErr(got.Value, r.Value, 1) > 1e-12 || relErr(got.Loss, r.Loss, 1) > 1e-12
					if r.Base != nil {
						bad = bad || relErr(got.Base, *r.Base, 1) > 1e-12
					}
					for i := range wg {
						bad = bad || relErr(got.Grad[i], wg[i], scale) > 1e-11
					}
					if bad {
						t.Errorf("%v %s: got %+v, want value %.17g loss %.17g gradient %v", l, r.Name, got, r.Value, r.Loss, wg)
					}
					base[k] = got.Base
					n++
				}
				checkWeighXYXY(t, l, li, base, lay.Weights, lay.MeanAfter)
			}
		}
	}
	if n == 0 {
		t.Fatal("no pairs checked")
	}
}

// checkWeighXYXY is checkWeigh for an XYXYLoss.
func checkWeighXYXY(t *testing.T, l XYXYLoss, layer int, base, want []float64, mean *float64) {
	t.Helper()
	w := make([]float64, len(base))
	has := l.Weigh(w, base)
	if mean == nil {
		if has {
			t.Errorf("%v: Weigh reports weights", l)
		}
		return
	}
	if got := l.State().Mean; relErr(got, *mean, 1e-300) > pairsTol {
		t.Errorf("%v layer %d: running mean %.17g, want %.17g", l, layer, got, *mean)
	}
	if !has {
		w = w[:0]
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

// xyxyPairsFile is testdata/iou-pairs-xyxy/<iou_type>.json, written by
// tools/iou_xyxy_reference.py: each configuration's value, loss and
// gradient (with respect to the prediction's corners) on corner pairs,
// computed in float64 by PyTorch transcriptions of the references on
// corner boxes, and for wiou the weights and the running mean after each
// call.
type xyxyPairsFile struct {
	Type    string `json:"iou_type"`
	Configs []struct {
		Params  map[string]float64 `json:"params"`
		Diag2   float64            `json:"diag2"`
		Dropped []string           `json:"dropped"`
		Calls   []struct {
			Pairs []struct {
				Name   string     `json:"name"`
				Pred   Box        `json:"pred"`
				Target Box        `json:"target"`
				Value  float64    `json:"value"`
				Loss   float64    `json:"loss"`
				Grad   [4]float64 `json:"grad"`
				Base   *float64   `json:"base"`
			} `json:"pairs"`
			MeanAfter *float64  `json:"mean_after"`
			Weights   []float64 `json:"weights"`
		} `json:"calls"`
	} `json:"configs"`
}

// TestXYXYReference reproduces testdata/iou-pairs-xyxy: every variant and
// modifier on corner boxes against its reference transcribed in PyTorch
// with 8.4's conventions, unfrozen and then frozen to the same numbers,
// and WIoU's weights and running means with one Weigh per call. The
// tolerance is TestPairs' (pairsTol, relative to max(|x|, 1) and to the
// pair's largest gradient element).
func TestXYXYReference(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "iou-pairs-xyxy", "*.json"))
	if err != nil || len(files) != len(variants) {
		t.Fatalf("want one pairs file per variant (%d), found %d (%v)", len(variants), len(files), err)
	}
	for _, f := range files {
		var pf xyxyPairsFile
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &pf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var worst [3]float64
		n := 0
		for _, c := range pf.Configs {
			l, err := NewXYXY(paramsOf(t, pf.Type, c.Params))
			if err != nil {
				t.Fatalf("%s %v: %v", pf.Type, c.Params, err)
			}
			for ci, call := range c.Calls {
				base := make([]float64, len(call.Pairs))
				for k, r := range call.Pairs {
					var h Held
					got := l.Eval(r.Pred, r.Target, c.Diag2, &h, false)
					if again := l.Eval(r.Pred, r.Target, c.Diag2, &h, true); again != got {
						t.Errorf("%v %s: frozen Eval %+v, unfrozen %+v", l, r.Name, again, got)
					}
					scale := 1.0
					for _, v := range r.Grad {
						scale = max(scale, math.Abs(v))
					}
					e := [3]float64{relErr(got.Value, r.Value, 1), relErr(got.Loss, r.Loss, 1), 0}
					if r.Base != nil {
						e[1] = max(e[1], relErr(got.Base, *r.Base, 1))
					}
					for i := range r.Grad {
						e[2] = max(e[2], relErr(got.Grad[i], r.Grad[i], scale))
					}
					if e[0] > pairsTol || e[1] > pairsTol || e[2] > pairsTol {
						t.Errorf("%v %s p=%v t=%v:\n got value %.17g loss %.17g grad %.17g\nwant value %.17g loss %.17g grad %.17g",
							l, r.Name, r.Pred, r.Target, got.Value, got.Loss, got.Grad, r.Value, r.Loss, r.Grad)
					}
					for i := range worst {
						worst[i] = max(worst[i], e[i])
					}
					base[k] = got.Base
					n++
				}
				checkWeighXYXY(t, l, ci, base, call.Weights, call.MeanAfter)
			}
		}
		t.Logf("%-9s %3d pairs: max error value %.2g, loss %.2g, gradient %.2g", pf.Type, n, worst[0], worst[1], worst[2])
	}
}

// TestXYXYNoAlloc: a corner-frame Eval allocates nothing, for every
// variant and modifier (the engine calls it once per foreground anchor).
func TestXYXYNoAlloc(t *testing.T) {
	p, b := Box{-1.2, -0.3, 2.1, 1.6}, Box{-0.5, 0, 1.5, 1}
	for _, l := range xyxyFamily(t) {
		var h Held
		if n := testing.AllocsPerRun(50, func() { l.Eval(p, b, testDiag2, &h, false) }); n != 0 {
			t.Errorf("%v: Eval allocates %v times", l, n)
		}
	}
	if n := testing.AllocsPerRun(50, func() { CIoUXYXY(p, b) }); n != 0 {
		t.Errorf("CIoUXYXY allocates %v times", n)
	}
}

// TestXYXYConcurrent: Eval may run on several goroutines at once (the
// engine's workers share one XYXYLoss), each with its own Held, and gives
// the terms of a sequential run; run it under -race.
func TestXYXYConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 64
	ps, ts := make([]Box, n), make([]Box, n)
	for i := range ps {
		ps[i], ts[i] = randomCornerPair(rng)
	}
	for _, l := range xyxyFamily(t) {
		want := make([]XYXYTerm, n)
		for i := range want {
			want[i] = l.Eval(ps[i], ts[i], testDiag2, new(Held), false)
		}
		const workers = 4
		got := make([][]XYXYTerm, workers)
		var wg sync.WaitGroup
		for w := range workers {
			got[w] = make([]XYXYTerm, n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range n {
					got[w][i] = l.Eval(ps[i], ts[i], testDiag2, new(Held), false)
				}
			}()
		}
		wg.Wait()
		for w := range workers {
			for i := range n {
				if got[w][i] != want[i] {
					t.Fatalf("%v: goroutine %d, pair %d: %+v, sequentially %+v", l, w, i, got[w][i], want[i])
				}
			}
		}
	}
}

// TestCIoUTarget checks that a prepared target gives CIoUXYXY bit for bit:
// random pairs, the degenerate ones (both ways round), heights of exactly
// −ε (h = 0 after the ε), zero and negative sizes, and non-finite corners.
func TestCIoUTarget(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var pairs []cornerPair
	for k := range 2000 {
		p, b := randomCornerPair(rng)
		pairs = append(pairs, cornerPair{fmt.Sprintf("random %d", k), p, b})
	}
	for _, c := range degenerateCorners() {
		pairs = append(pairs, c, cornerPair{c.name + " swapped", c.t, c.p})
	}
	inf, nan := math.Inf(1), math.NaN()
	odd := []Box{
		{0, 1, 2, 1 - Eps}, {0, 1, 0, 1 - Eps}, {1, 1, -2, 1 - Eps}, // h = 0
		{0, 0, 0, 0}, {1, 2, -1, -3}, {-2, 0.5, 3, 0.25},
		{0, 0, inf, 1}, {-inf, 0, 1, 1}, {0, nan, 1, 1}, {nan, nan, nan, nan},
		{1e300, 1e300, 2e300, 3e300}, {1e-300, 0, 2e-300, 1e-300},
	}
	for i, a := range odd {
		for j, b := range odd {
			pairs = append(pairs, cornerPair{fmt.Sprintf("odd %d/%d", i, j), a, b})
		}
		pairs = append(pairs, cornerPair{fmt.Sprintf("odd %d/box", i), a, Box{0, 0, 1, 2}},
			cornerPair{fmt.Sprintf("box/odd %d", i), Box{0.5, -1, 1, 2}, a})
	}
	for _, c := range pairs {
		want := CIoUXYXY(c.p, c.t)
		ct := NewCIoUTarget(c.t)
		got := ct.CIoU(c.p)
		if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("%s: CIoUTarget(%v).CIoU(%v) = %.17g, CIoUXYXY %.17g", c.name, c.t, c.p, got, want)
		}
	}
}
