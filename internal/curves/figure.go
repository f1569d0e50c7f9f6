package curves

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
)

// The figure's size: 12×8 inches, 100 dpi for PNG (1200×800 pixels).
const (
	Width  = 12 * vg.Inch
	Height = 8 * vg.Inch
	DPI    = 100
)

const (
	// defaultGamma replaces a hyp's fl_gamma of 0 (plain BCE), which
	// would make the focal-family curves coincide with BCE.
	defaultGamma = 1.5
	// points is the number of logits sampled, evenly from logit(pMin) to
	// logit(1−pMin).
	points = 401
	pMin   = 0.001
	// gradFloor is the lowest |∂ℓ/∂x| the log axis may show.
	gradFloor = 1e-8
)

// Curve is one criterion at one target, as drawn in a panel.
type Curve struct {
	Label string
	Crit  bce.Criterion
	Y     float64 // the target
	Style draw.LineStyle
}

// Okabe–Ito colours, distinguishable with the common colour-vision
// deficiencies.
var (
	black         = color.RGBA{0, 0, 0, 255}
	orange        = color.RGBA{230, 159, 0, 255}
	skyBlue       = color.RGBA{86, 180, 233, 255}
	green         = color.RGBA{0, 158, 115, 255} // bluish green
	yellow        = color.RGBA{240, 228, 66, 255}
	blue          = color.RGBA{0, 114, 178, 255}
	vermilion     = color.RGBA{213, 94, 0, 255}
	reddishPurple = color.RGBA{204, 121, 167, 255}
)

// lineStyle returns a line style of the given colour, width in points and
// dash pattern in points (none for a solid line).
func lineStyle(c color.Color, width float64, dashes ...float64) draw.LineStyle {
	s := draw.LineStyle{Color: c, Width: vg.Points(width)}
	for _, d := range dashes {
		s.Dashes = append(s.Dashes, vg.Points(d))
	}
	return s
}

// Figure is what the figure shows: the criteria of a hyp.
type Figure struct {
	Gamma, Alpha, PosWeight float64 // γ, α and obj_pw as drawn
	Title                   string  // a first line, then a line about the hyp
	Pos, Neg                []Curve // drawn in this order; legends in the same order
}

// Num formats v as briefly as it round-trips.
func Num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// New chooses the criteria and writes the titles for hyp h, read from
// hypName.
func New(h *hyp.Hyp, hypName string) *Figure {
	f := &Figure{Gamma: h.FlGamma, Alpha: h.FlAlpha, PosWeight: h.ObjPw}
	g := Num(f.Gamma)
	var note string
	if f.Gamma == 0 {
		f.Gamma, g = defaultGamma, Num(defaultGamma)
		g += " (the hyp's fl_gamma is 0)"
		note = fmt.Sprintf("fl_gamma 0 selects plain BCE in training; the focal-family curves use γ = %s", Num(defaultGamma))
	} else {
		note = "it trains with " + h.DescribeCriteria()
	}
	f.Title = fmt.Sprintf("Objectness criteria against the predicted probability p = σ(x):  γ = %s,  α = %s,  obj_pw = %s\n"+
		"hyp: %s; %s",
		g, Num(f.Alpha), Num(f.PosWeight), hypName, note)
	f.Pos, f.Neg = f.curves(criterion.Types())
	return f
}

// curveSpec is one line that a criterion draws in a panel: at target y,
// with its label and style; rank orders the lines of a panel (drawing and
// legend), lower first.
type curveSpec struct {
	label string
	y     float64
	style draw.LineStyle
	rank  int
}

// knownCurves are the lines of the criteria of package criterion's table
// whose labels say what the formulas make them equal to: for a hard
// target |y − p|^γ = (1 − p_t)^γ, so qfocal is focal; varifocal weighs a
// positive by q, so at q = 1 it is BCE, and it is drawn at a soft q = 0.5
// as well. A criterion not here gets a line per panel labelled with its
// name (genericCurves).
var knownCurves = map[string]struct{ pos, neg []curveSpec }{
	"focal": {
		pos: []curveSpec{{"focal: α·(1−p)^γ·BCE", 1, lineStyle(blue, 3), 2}},
		neg: []curveSpec{{"focal: (1−α)·p^γ·BCE", 0, lineStyle(blue, 3), 1}},
	},
	"qfocal": {
		pos: []curveSpec{{"qfocal (= focal at y = 1)", 1, lineStyle(orange, 2.5, 7, 5), 3}},
		neg: []curveSpec{{"qfocal (= focal at y = 0)", 0, lineStyle(orange, 2.5, 7, 5), 2}},
	},
	"varifocal": {
		pos: []curveSpec{
			{"varifocal, q = 1 (= BCE)", 1, lineStyle(green, 2.5, 2, 4), 1},
			{"varifocal, q = 0.5", 0.5, lineStyle(vermilion, 2.5, 10, 4, 2, 4), 4},
		},
		neg: []curveSpec{{"varifocal, q = 0: α·p^γ·BCE", 0, lineStyle(green, 2.5, 2, 4), 3}},
	},
}

// genericStyles are the styles of the criteria that knownCurves lacks, in
// table order (cycling).
var genericStyles = []draw.LineStyle{
	lineStyle(skyBlue, 2.5, 12, 4),
	lineStyle(reddishPurple, 2.5, 4, 3),
	lineStyle(yellow, 3, 8, 3, 2, 3),
}

// genericCurves are the lines of a criterion that knownCurves lacks: its
// name at y = 1 and y = 0, drawn after the known ones.
func genericCurves(name string, k int) (pos, neg curveSpec) {
	st := genericStyles[k%len(genericStyles)]
	return curveSpec{name, 1, st, 100 + k}, curveSpec{name, 0, st, 100 + k}
}

// curves returns the lines of the positive and the negative panels: BCE,
// then each criterion of types (package criterion's table) at the figure's
// γ and α.
func (f *Figure) curves(types []criterion.Type) (pos, neg []Curve) {
	b := bce.BCE{PosWeight: f.PosWeight}
	bceLabel := "BCE"
	if f.PosWeight != 1 {
		bceLabel = "BCE, pos_weight = obj_pw"
	}
	var ps, ns []curveSpec
	var pc, nc []bce.Criterion
	ps, pc = append(ps, curveSpec{bceLabel, 1, lineStyle(black, 3), 0}), append(pc, b)
	ns, nc = append(ns, curveSpec{"BCE", 0, lineStyle(black, 3), 0}), append(nc, b)
	generic := 0
	for _, t := range types {
		c := t.New(b, f.Gamma, f.Alpha)
		known, ok := knownCurves[t.Name]
		if !ok {
			p, n := genericCurves(t.Name, generic)
			known.pos, known.neg = []curveSpec{p}, []curveSpec{n}
			generic++
		}
		for _, s := range known.pos {
			ps, pc = append(ps, s), append(pc, c)
		}
		for _, s := range known.neg {
			ns, nc = append(ns, s), append(nc, c)
		}
	}
	return ranked(ps, pc), ranked(ns, nc)
}

// ranked returns the curves of specs and their criteria, ordered by rank
// (stably).
func ranked(specs []curveSpec, crits []bce.Criterion) []Curve {
	idx := make([]int, len(specs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(specs[a].rank, specs[b].rank) })
	out := make([]Curve, len(idx))
	for k, i := range idx {
		out[k] = Curve{Label: specs[i].label, Crit: crits[i], Y: specs[i].y, Style: specs[i].style}
	}
	return out
}

// Logits returns the logits sampled: evenly spaced from logit(0.001) to
// logit(0.999), so that the sampling is densest where p is near 0 and 1.
func Logits() []float64 {
	hi := math.Log((1 - pMin) / pMin)
	xs := make([]float64, points)
	for i := range xs {
		xs[i] = -hi + 2*hi*float64(i)/float64(points-1)
	}
	return xs
}

// Sample returns (p, ℓ) and (p, |∂ℓ/∂x|) of criterion c at target y and
// the logits xs.
func Sample(c bce.Criterion, y float64, xs []float64) (loss, grad plotter.XYs) {
	loss, grad = make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs))
	for i, x := range xs {
		p, _ := bce.Sigmoid(x)
		l, g := c.Elem(x, y)
		loss[i] = plotter.XY{X: p, Y: l}
		grad[i] = plotter.XY{X: p, Y: math.Abs(g)}
	}
	return loss, grad
}
