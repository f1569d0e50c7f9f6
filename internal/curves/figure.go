package curves

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/focal"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/varifocal"
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
	black     = color.RGBA{0, 0, 0, 255}
	blue      = color.RGBA{0, 114, 178, 255}
	orange    = color.RGBA{230, 159, 0, 255}
	green     = color.RGBA{0, 158, 115, 255}
	vermilion = color.RGBA{213, 94, 0, 255}
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
	f.Pos, f.Neg = f.curves()
	return f
}

// curves returns the lines of the positive and the negative panels.
func (f *Figure) curves() (pos, neg []Curve) {
	b := bce.BCE{PosWeight: f.PosWeight}
	fo := focal.Focal{BCE: b, Gamma: f.Gamma, Alpha: f.Alpha}
	qf := focal.Quality{BCE: b, Gamma: f.Gamma, Alpha: f.Alpha}
	vf := varifocal.Varifocal{BCE: b, Gamma: f.Gamma, Alpha: f.Alpha}
	var (
		bceStyle   = lineStyle(black, 3)
		focalStyle = lineStyle(blue, 3)
		qStyle     = lineStyle(orange, 2.5, 7, 5)
		vfStyle    = lineStyle(green, 2.5, 2, 4)
		vfHalf     = lineStyle(vermilion, 2.5, 10, 4, 2, 4)
	)
	bceLabel := "BCE"
	if f.PosWeight != 1 {
		bceLabel = "BCE, pos_weight = obj_pw"
	}
	// For a hard target, |y − p|^γ = (1 − p_t)^γ, so qfocal is focal; and
	// varifocal weighs a positive by q, which is 1.
	pos = []Curve{
		{bceLabel, b, 1, bceStyle},
		{"varifocal, q = 1 (= BCE)", vf, 1, vfStyle},
		{"focal: α·(1−p)^γ·BCE", fo, 1, focalStyle},
		{"qfocal (= focal at y = 1)", qf, 1, qStyle},
		{"varifocal, q = 0.5", vf, 0.5, vfHalf},
	}
	neg = []Curve{
		{"BCE", b, 0, bceStyle},
		{"focal: (1−α)·p^γ·BCE", fo, 0, focalStyle},
		{"qfocal (= focal at y = 0)", qf, 0, qStyle},
		{"varifocal, q = 0: α·p^γ·BCE", vf, 0, vfStyle},
	}
	return pos, neg
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
