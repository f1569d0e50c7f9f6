package curves

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/iou"
)

// TestNewBox: a curve per row of the box-loss table, in its order; the
// hyp's own parameters drawn as one more curve when they are not the
// defaults. Exactly one label names the hyp, that of the curve with the
// hyp's own parameters: the table's row where they are the defaults, else
// the extra curve.
func TestNewBox(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   func(h *hyp.Hyp)
		own   string // the one label that names the hyp
		extra string // the extra curve's label, "" for none
		title []string
	}{
		{"default hyp", func(*hyp.Hyp) {}, "ciou (hyp)", "", []string{"iou_type ciou has the default parameters", "running mean 0.5"}},
		{"giou, default parameters", func(h *hyp.Hyp) { h.IoUType = "giou" }, "giou (hyp)", "", []string{"iou_type giou"}},
		{"wiou v2", func(h *hyp.Hyp) { h.IoUType, h.WIoUVersion = "wiou", 2 }, "wiou (hyp)", "wiou (hyp)", []string{"WIoU v2 momentum=0.01 is drawn too", "wiou (defaults) has the default parameters"}},
		{"ciou α 3", func(h *hyp.Hyp) { h.IoUAlpha = 3 }, "ciou (hyp)", "ciou (hyp)", []string{"α-CIoU α=3 is drawn too"}},
	} {
		h := hyp.Default()
		tc.set(h)
		f, err := NewBox(h, "h.yaml")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var names, labels []string
		for _, c := range f.Curves {
			names, labels = append(names, c.Name), append(labels, c.Label)
		}
		want := iou.Names()
		if tc.extra != "" {
			want = append(want, h.BoxLoss().Type)
		}
		if d := cmp.Diff(want, names); d != "" {
			t.Errorf("%s: curves mismatch (-want +got):\n%s", tc.name, d)
		}
		n := slices.Index(labels, tc.own)
		if n < 0 || strings.Count(strings.Join(labels, "|"), "hyp") != 1 {
			t.Fatalf("%s: labels %q, want exactly %q naming the hyp", tc.name, labels, tc.own)
		}
		if l, _ := iou.New(h.BoxLoss()); f.Curves[n].Loss.String() != l.String() {
			t.Errorf("%s: the hyp's curve %q draws %s, the hyp runs %s", tc.name, tc.own, f.Curves[n].Loss, l)
		}
		if tc.extra != "" && (labels[len(labels)-1] != tc.extra || !slices.Contains(labels, h.BoxLoss().Type+" (defaults)")) {
			t.Errorf("%s: labels %q, want the last %q and the table's row marked (defaults)", tc.name, labels, tc.extra)
		}
		for _, s := range append(tc.title, "h.yaml", "4 × 2 grid cells") {
			if !strings.Contains(f.Title, s) {
				t.Errorf("%s: title lacks %q: %q", tc.name, s, f.Title)
			}
		}
	}
}

// TestSweeps: the offsets keep the target's size and run from near 0 to
// 2.5 widths; the aspect ratios keep its area and centre and run from
// 1/16 to 16 times its ratio; no box is the target itself.
func TestSweeps(t *testing.T) {
	tg := iou.Box{1, -1, 4, 2}
	dx, offs := Offsets(tg)
	r, asps := Aspects(tg)
	if len(dx) != boxPoints || len(offs) != boxPoints || len(r) != boxPoints || len(asps) != boxPoints {
		t.Fatalf("lengths %d %d %d %d, want %d", len(dx), len(offs), len(r), len(asps), boxPoints)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	for i := range boxPoints {
		o, a := offs[i].Box, asps[i].Box
		if !near(o[0]-tg[0], dx[i]) || o[1] != tg[1] || o[2] != tg[2] || o[3] != tg[3] {
			t.Errorf("offset %d: box %v for Δx %v", i, o, dx[i])
		}
		if a[0] != tg[0] || a[1] != tg[1] || !near(a[2]*a[3], 8) || !near(a[2]/a[3], r[i]) {
			t.Errorf("aspect %d: box %v for ratio %v", i, a, r[i])
		}
		if o == tg || a == tg {
			t.Errorf("sample %d is the target", i)
		}
	}
	if !(dx[0] > 0 && dx[0] < 0.05 && dx[boxPoints-1] < 10 && dx[boxPoints-1] > 9.95) {
		t.Errorf("offsets from %v to %v, want just inside (0, 10)", dx[0], dx[boxPoints-1])
	}
	if !(r[0] > 2.0/16 && r[0] < 1.02*2/16 && r[boxPoints-1] < 32 && r[boxPoints-1] > 32/1.02) {
		t.Errorf("ratios from %v to %v, want just inside (1/8, 32)", r[0], r[boxPoints-1])
	}
}

// TestBoxSample: a variant without layer weights gives Eval's loss and the
// norm of its gradient; WIoU v3 multiplies both by its weight
// β/(δ·α^(β−δ)), β = L/mean after the mean moves to (1 − m)·mean + m·L;
// the running state is left as given; a bad state is an error.
func TestBoxSample(t *testing.T) {
	tg, g := iou.Box{0, 0, 4, 2}, iou.Grid{NY: 20, NX: 20}
	preds := []iou.Pred{iou.PredOf(iou.Box{1, 0.5, 3, 2}), iou.PredOf(iou.Box{5, 0, 4, 2}), iou.PredOf(iou.Box{0, 0, 8, 1})}
	newLoss := func(p iou.Params) iou.Loss {
		l, err := iou.New(p)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	for _, typ := range []string{"ciou", "giou", "wiou"} {
		p := iou.DefaultParams()
		p.Type, p.WIoUVersion = typ, 3
		l := newLoss(p)
		s := iou.State{Mean: 0.4}
		loss, grad, err := BoxSample(l, preds, tg, g, s)
		if err != nil {
			t.Fatal(err)
		}
		ref := newLoss(p)
		for i, pr := range preds {
			var h iou.Held
			term := ref.Eval(pr, tg, g, &h, false)
			w := 1.0
			if typ == "wiou" {
				mean := (1-p.WIoUMomentum)*s.Mean + p.WIoUMomentum*term.Base
				beta := term.Base / mean
				w = beta / (p.WIoUDelta * math.Pow(p.WIoUAlpha, beta-p.WIoUDelta))
			}
			n := math.Sqrt(term.Grad[0]*term.Grad[0] + term.Grad[1]*term.Grad[1] + term.Grad[2]*term.Grad[2] + term.Grad[3]*term.Grad[3])
			if math.Abs(loss[i]-w*term.Loss) > 1e-12 || math.Abs(grad[i]-w*n) > 1e-12 {
				t.Errorf("%s, box %d: (ℓ, |g|) = (%v, %v), want %v·(%v, %v)", typ, i, loss[i], grad[i], w, term.Loss, n)
			}
			if !(grad[i] > 0) {
				t.Errorf("%s, box %d: gradient magnitude %v, want > 0 away from the target", typ, i, grad[i])
			}
		}
		if got := l.State(); typ == "wiou" && got != s {
			t.Errorf("%s: state after %+v, want %+v", typ, got, s)
		}
	}
	p := iou.DefaultParams()
	p.Type = "wiou"
	if _, _, err := BoxSample(newLoss(p), preds, tg, g, iou.State{Mean: 2}); err == nil {
		t.Error("running mean 2: no error")
	}
}

func TestEqualGroups(t *testing.T) {
	line := func(ys ...float64) plotter.XYs {
		out := make(plotter.XYs, len(ys))
		for i, y := range ys {
			out[i] = plotter.XY{X: float64(i), Y: y}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		data []plotter.XYs
		want []string
	}{
		{"none equal", []plotter.XYs{line(0, 1), line(0, 2), line(1, 1)}, nil},
		{"two groups", []plotter.XYs{line(0, 1), line(0, 2), line(0, 1), line(0, 2.001), line(5, 5)}, []string{"a = c", "b = d"}},
		{"within 0.1% of the panel's largest", []plotter.XYs{line(0, 10), line(0.009, 10)}, []string{"a = b"}},
		{"beyond it", []plotter.XYs{line(0, 10), line(0.011, 10)}, nil},
		{"all three", []plotter.XYs{line(1, 2), line(1, 2), line(1, 2)}, []string{"a = b = c"}},
	} {
		names := []string{"a", "b", "c", "d", "e"}[:len(tc.data)]
		if d := cmp.Diff(tc.want, equalGroups(names, tc.data)); d != "" {
			t.Errorf("%s: groups mismatch (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestRatioTicks(t *testing.T) {
	var labels []string
	var n int
	for _, tk := range (ratioTicks{}).Ticks(0.125, 32) {
		n++
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if d := cmp.Diff([]string{"1/4", "1", "4", "16"}, labels); d != "" || n != 9 {
		t.Errorf("%d ticks; labels mismatch (-want +got):\n%s", n, d)
	}
}

// TestBoxLayout: the data areas of the box figure's panels line up in
// columns and rows, and leave the legend's column free, with the hyp's own
// curve (a longer legend) and without.
func TestBoxLayout(t *testing.T) {
	for _, set := range []func(*hyp.Hyp){func(*hyp.Hyp) {}, func(h *hyp.Hyp) { h.IoUType, h.WIoUVersion = "wiou", 2 }} {
		h := hyp.Default()
		set(h)
		f, err := NewBox(h, "x")
		if err != nil {
			t.Fatal(err)
		}
		panels, leg, err := f.panels()
		if err != nil {
			t.Fatal(err)
		}
		dc := draw.New(vgimg.New(Width, Height))
		width := leg.Rectangle(dc).Size().X
		plots := [][]*plot.Plot{{panels[0].p, panels[1].p}, {panels[2].p, panels[3].p}}
		cs := plot.Align(plots, draw.Tiles{Rows: 2, Cols: 2, PadTop: 100, PadRight: width + 36, PadX: 36, PadY: 40}, dc)
		var data [2][2]draw.Canvas
		for r := range 2 {
			for c := range 2 {
				data[r][c] = plots[r][c].DataCanvas(cs[r][c])
			}
		}
		for c := range 2 {
			if a, b := data[0][c].Rectangle, data[1][c].Rectangle; math.Abs(float64(a.Min.X-b.Min.X)) > 0.5 || math.Abs(float64(a.Max.X-b.Max.X)) > 0.5 {
				t.Errorf("%s: column %d: data areas %v and %v do not line up", h.IoUType, c, a, b)
			}
		}
		if right := data[0][1].Max.X; right > dc.Max.X-width {
			t.Errorf("%s: panels reach %v, into the legend from %v", h.IoUType, right, dc.Max.X-width)
		}
	}
}
