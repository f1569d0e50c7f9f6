package curves

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
)

// TestFigure checks what is drawn: γ = 1.5 replaces a fl_gamma of 0 and
// the title says so; the curves that coincide by the formulas do.
func TestFigure(t *testing.T) {
	h := hyp.Default()
	h.FlGamma, h.FlAlpha, h.ObjPw = 0, 0.4, 2
	f := New(h, "test.yaml")
	if d := cmp.Diff([3]float64{1.5, 0.4, 2}, [3]float64{f.Gamma, f.Alpha, f.PosWeight}); d != "" {
		t.Errorf("γ, α, obj_pw mismatch (-want +got):\n%s", d)
	}
	for _, want := range []string{"γ = 1.5", "α = 0.4", "obj_pw = 2", "fl_gamma is 0", "test.yaml", "pos_weight"} {
		if !strings.Contains(f.Title, want) && !strings.Contains(f.Pos[0].Label, want) {
			t.Errorf("title and BCE label lack %q: %q, %q", want, f.Title, f.Pos[0].Label)
		}
	}
	h.FlGamma = 2.5
	if f := New(h, "x"); f.Gamma != 2.5 || strings.Contains(f.Title, "fl_gamma is 0") {
		t.Errorf("fl_gamma 2.5: γ %v, title %q", f.Gamma, f.Title)
	}

	xs := Logits()
	if len(xs) < 300 || math.Abs(xs[0]+math.Log(999)) > 1e-12 || math.Abs(xs[len(xs)-1]-math.Log(999)) > 1e-12 {
		t.Errorf("logits: %d from %v to %v, want ~400 from logit(0.001) to logit(0.999)", len(xs), xs[0], xs[len(xs)-1])
	}
	// qfocal equals focal for hard targets, varifocal at q = 1 equals BCE.
	same := func(a, b Curve) {
		la, ga := Sample(a.Crit, a.Y, xs)
		lb, gb := Sample(b.Crit, b.Y, xs)
		if d := cmp.Diff(la, lb); d != "" {
			t.Errorf("%s and %s: loss mismatch (-want +got):\n%s", a.Label, b.Label, d)
		}
		if d := cmp.Diff(ga, gb); d != "" {
			t.Errorf("%s and %s: gradient mismatch (-want +got):\n%s", a.Label, b.Label, d)
		}
	}
	byLabel := func(cs []Curve, prefix string) Curve {
		for _, c := range cs {
			if strings.HasPrefix(c.Label, prefix) {
				return c
			}
		}
		t.Fatalf("no curve %q", prefix)
		return Curve{}
	}
	f = New(h, "x")
	same(byLabel(f.Pos, "focal"), byLabel(f.Pos, "qfocal"))
	same(byLabel(f.Neg, "focal"), byLabel(f.Neg, "qfocal"))
	same(byLabel(f.Pos, "BCE"), byLabel(f.Pos, "varifocal, q = 1"))
	if c := byLabel(f.Pos, "varifocal, q = 0.5"); c.Y != 0.5 {
		t.Errorf("varifocal q = 0.5 has target %v", c.Y)
	}
}

func TestTicks(t *testing.T) {
	var labels []string
	for _, tk := range (logTicks{}).Ticks(1e-8, 2) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	want := []string{"1e−8", "1e−7", "1e−6", "1e−5", "1e−4", "1e−3", "0.01", "0.1", "1"}
	if d := cmp.Diff(want, labels); d != "" {
		t.Errorf("log tick labels mismatch (-want +got):\n%s", d)
	}
	var lin []string
	for _, tk := range linearTicks(0, 7.2, 2, 1, 0) {
		if tk.Label != "" {
			lin = append(lin, tk.Label)
		}
	}
	if d := cmp.Diff([]string{"0", "2", "4", "6"}, lin); d != "" {
		t.Errorf("linear tick labels mismatch (-want +got):\n%s", d)
	}
	for _, tc := range []struct{ v, step float64 }{{0.07, 0.1}, {0.3, 0.5}, {1, 1}, {1.2, 2}, {6, 10}} {
		if got := niceStep(tc.v); math.Abs(got-tc.step) > 1e-12 {
			t.Errorf("niceStep(%v) = %v, want %v", tc.v, got, tc.step)
		}
	}
}

// TestLegendCorner: a legend goes in the corner that the fewest points
// of its panel's lines fall in.
func TestLegendCorner(t *testing.T) {
	h := hyp.Default()
	h.FlGamma = 2
	f := New(h, "x")
	ps, err := f.panels()
	if err != nil {
		t.Fatal(err)
	}
	// The positives' loss falls from top left to bottom right: the top
	// right corner is empty. The negatives' rises: the top left is.
	for _, tc := range []struct {
		panel int
		want  corner
	}{{0, topRight}, {2, topLeft}} {
		pn := ps[tc.panel]
		pn.placeLegend(pn.p.DataCanvas(draw.New(vgimg.New(6*vg.Inch, 4*vg.Inch))))
		if got := (corner{pn.p.Legend.Top, pn.p.Legend.Left}); got != tc.want {
			t.Errorf("panel %q: legend at %+v, want %+v", pn.title, got, tc.want)
		}
	}
}

// TestFigureTable: the lines come from package criterion's table: the
// known criteria keep their labels, order and styles, and a row the figure
// does not know is drawn too, labelled with its name, at y = 1 and y = 0.
func TestFigureTable(t *testing.T) {
	f := New(hyp.Default(), "x")
	labels := func(cs []Curve) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Label)
		}
		return out
	}
	wantPos := []string{"BCE", "varifocal, q = 1 (= BCE)", "focal: α·(1−p)^γ·BCE", "qfocal (= focal at y = 1)", "varifocal, q = 0.5"}
	wantNeg := []string{"BCE", "focal: (1−α)·p^γ·BCE", "qfocal (= focal at y = 0)", "varifocal, q = 0: α·p^γ·BCE"}
	if d := cmp.Diff(wantPos, labels(f.Pos)); d != "" {
		t.Errorf("positive lines mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff(wantNeg, labels(f.Neg)); d != "" {
		t.Errorf("negative lines mismatch (-want +got):\n%s", d)
	}
	scaled := criterion.Type{Name: "halfbce", New: func(b bce.BCE, _, _ float64) bce.Criterion { return halfBCE{b} }}
	pos, neg := f.curves(append(criterion.Types(), scaled))
	if d := cmp.Diff(append(wantPos, "halfbce"), labels(pos)); d != "" {
		t.Errorf("with a new row, positive lines mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff(append(wantNeg, "halfbce"), labels(neg)); d != "" {
		t.Errorf("with a new row, negative lines mismatch (-want +got):\n%s", d)
	}
	p, n := pos[len(pos)-1], neg[len(neg)-1]
	if p.Y != 1 || n.Y != 0 || p.Crit != (halfBCE{bce.BCE{PosWeight: 1}}) {
		t.Errorf("new row: y %v and %v, criterion %v", p.Y, n.Y, p.Crit)
	}
	for _, c := range pos[:len(pos)-1] {
		if c.Style.Color == p.Style.Color {
			t.Errorf("new row's colour is %s's", c.Label)
		}
	}
}

// halfBCE is a criterion outside package criterion's table: half of BCE.
type halfBCE struct{ b bce.BCE }

func (h halfBCE) Elem(x, y float64) (float64, float64) {
	l, g := h.b.Elem(x, y)
	return l / 2, g / 2
}
func (h halfBCE) Elems(loss, grad, x, y []float64) {
	for i := range x {
		if grad != nil {
			loss[i], grad[i] = h.Elem(x[i], y[i])
		} else {
			loss[i], _ = h.Elem(x[i], y[i])
		}
	}
}
func (h halfBCE) String() string { return "halfbce" }
