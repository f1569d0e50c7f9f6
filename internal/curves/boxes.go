package curves

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/iou"
)

// The box figure's setting: a target of 4 × 2 grid cells at the origin of
// a 20 × 20 grid (a 128 × 64-pixel object at stride 32 on a 640-pixel
// image, YOLOv5's P5; MPDIoU normalises by the grid), and WIoU's running
// mean before each point's update.
var (
	boxTarget = iou.Box{0, 0, 4, 2}
	boxGrid   = iou.Grid{NY: 20, NX: 20}
	boxState  = iou.State{Mean: 0.5}
)

const (
	// maxOffset is the largest centre offset drawn, in target widths.
	maxOffset = 2.5
	// minAspect and maxAspect bound the aspect ratios drawn, as factors of
	// the target's.
	minAspect, maxAspect = 1.0 / 16, 16
)

// BoxCurve is one box loss as the box figure draws it.
type BoxCurve struct {
	Name  string   // iou_type
	Label string   // in the legend
	Loss  iou.Loss // with its running state, which BoxSample sets
	Style draw.LineStyle
}

// BoxFigure is what the box-loss figure shows: each variant of the box-loss
// table (iou.Variants) with its default parameters, and the hyp's own box
// loss where its parameters are not the defaults, around one target.
// Exactly one curve's label names the hyp, "ciou (hyp)": the table's row
// when the hyp's box loss has the default parameters, else the extra
// curve, and the table's row of that iou_type reads "ciou (defaults)".
type BoxFigure struct {
	Title  string
	Target iou.Box
	Grid   iou.Grid
	State  iou.State // the running state before each point (WIoU's mean)
	Curves []BoxCurve
}

// grey draws the hyp's own box loss where its parameters are not the
// defaults, beside the Okabe–Ito colours of the variants.
var grey = color.Gray{Y: 110}

// boxStyles are the variants' styles in table order (cycling): Okabe–Ito
// colours, widths falling in drawing order so that a line drawn over an
// equal one leaves the earlier's edges visible, and dash patterns.
var boxStyles = []draw.LineStyle{
	lineStyle(black, 6),
	lineStyle(orange, 5),
	lineStyle(skyBlue, 5, 14, 4),
	lineStyle(blue, 3.5),
	lineStyle(green, 3.5, 8, 4),
	lineStyle(vermilion, 3, 3, 3),
	lineStyle(reddishPurple, 3, 12, 3, 3, 3),
	lineStyle(yellow, 2.5),
	lineStyle(black, 1.5, 5, 3),
}

// NewBox chooses the box losses and writes the titles for hyp h, read from
// hypName. The error is a box loss's constructor's.
func NewBox(h *hyp.Hyp, hypName string) (*BoxFigure, error) {
	f := &BoxFigure{Target: boxTarget, Grid: boxGrid, State: boxState}
	own := h.BoxLoss()
	ownDefaults := iou.DefaultParams()
	ownDefaults.Type = own.Type
	for k, v := range iou.Variants() {
		p := iou.DefaultParams()
		p.Type = v.Name
		l, err := v.New(p)
		if err != nil {
			return nil, err
		}
		label := v.Name
		switch {
		case p == own:
			label += " (hyp)" // the hyp's own curve: its parameters are the defaults
		case v.Name == own.Type:
			label += " (defaults)" // the hyp's, with other parameters, is drawn below
		}
		f.Curves = append(f.Curves, BoxCurve{v.Name, label, l, boxStyles[k%len(boxStyles)]})
	}
	ownNote := "its iou_type " + own.Type + " has the default parameters"
	if own != ownDefaults {
		l, err := iou.New(own)
		if err != nil {
			return nil, err
		}
		// The table's own.Type curve has the default parameters and no
		// mark; this one is the hyp's.
		f.Curves = append(f.Curves, BoxCurve{own.Type, own.Type + " (hyp)", l, lineStyle(grey, 2.5, 1, 3)})
		ownNote = "its " + l.String() + " is drawn too (" + own.Type + " (hyp), grey; " + own.Type + " (defaults) has the default parameters)"
	}
	f.Title = fmt.Sprintf("Box losses around a target of %s × %s grid cells in a %d × %d grid: loss ℓ and |∂ℓ/∂(x, y, log w, log h)|\n"+
		"each iou_type with its default parameters (wiou: %s, its weight as for the one match of a layer, running mean %s before it); hyp: %s, %s",
		Num(f.Target[2]), Num(f.Target[3]), f.Grid.NY, f.Grid.NX, wiouName(f.Curves), Num(f.State.Mean), hypName, ownNote)
	return f, nil
}

// wiouName is the name with parameters of the wiou curve.
func wiouName(cs []BoxCurve) string {
	for _, c := range cs {
		if c.Name == "wiou" {
			return c.Loss.String()
		}
	}
	return "none"
}

// boxPoints is the number of boxes of a sweep. They are sampled at the
// midpoints of boxPoints equal steps, so that none falls on the kink at the
// target itself, where the loss is not differentiable and the halves rule
// (package iou) gives a gradient that neither side has.
const boxPoints = 400

// step returns the midpoint of step i of boxPoints from lo to hi.
func step(lo, hi float64, i int) float64 {
	return lo + (hi-lo)*(float64(i)+0.5)/boxPoints
}

// Offsets returns the centre offsets Δx sampled, from 0 to 2.5 widths of
// target t, and the predicted boxes: t's size, its centre moved by Δx
// along x.
func Offsets(t iou.Box) (dx []float64, preds []iou.Pred) {
	dx = make([]float64, boxPoints)
	preds = make([]iou.Pred, boxPoints)
	for i := range dx {
		dx[i] = step(0, maxOffset*t[2], i)
		preds[i] = iou.PredOf(iou.Box{t[0] + dx[i], t[1], t[2], t[3]})
	}
	return dx, preds
}

// Aspects returns the aspect ratios w/h sampled, evenly in log from 1/16 to
// 16 times that of target t, and the predicted boxes: t's centre and area
// at that ratio.
func Aspects(t iou.Box) (r []float64, preds []iou.Pred) {
	r = make([]float64, boxPoints)
	preds = make([]iou.Pred, boxPoints)
	r0, area := t[2]/t[3], t[2]*t[3]
	for i := range r {
		r[i] = r0 * math.Exp(step(math.Log(minAspect), math.Log(maxAspect), i))
		preds[i] = iou.PredOf(iou.Box{t[0], t[1], math.Sqrt(area * r[i]), math.Sqrt(area / r[i])})
	}
	return r, preds
}

// BoxSample returns the loss ℓ of box loss l and |∂ℓ/∂(x, y, log w, log h)|
// (the Euclidean norm) for each predicted box against target t in grid g,
// each as the only match of a layer of a call that starts from the running
// state s: the layer weight of Weigh (WIoU v2, v3), which carries no
// gradient, multiplies both. It leaves l in state s. The error is
// SetState's.
func BoxSample(l iou.Loss, preds []iou.Pred, t iou.Box, g iou.Grid, s iou.State) (loss, grad []float64, err error) {
	loss, grad = make([]float64, len(preds)), make([]float64, len(preds))
	w, base := make([]float64, 1), make([]float64, 1)
	for i, p := range preds {
		if err := l.SetState(s); err != nil {
			return nil, nil, err
		}
		var held iou.Held
		term := l.Eval(p, t, g, &held, false)
		base[0], w[0] = term.Base, 1
		l.Weigh(w, base)
		n := math.Hypot(math.Hypot(term.Grad[0], term.Grad[1]), math.Hypot(term.Grad[2], term.Grad[3]))
		loss[i], grad[i] = w[0]*term.Loss, w[0]*n
	}
	return loss, grad, l.SetState(s)
}

// coincideTol is how far apart, as a fraction of the panel's largest
// value, two lines may be and still coincide: less than a line's width.
const coincideTol = 1e-3

// equalGroups names the groups of lines that coincide, in the order of
// their first lines, as "diou = ciou = eiou"; lines that coincide with no
// other are left out. Lines coincide where every point is within
// coincideTol of the largest magnitude among all the points.
func equalGroups(names []string, data []plotter.XYs) []string {
	var scale float64
	for _, d := range data {
		for _, pt := range d {
			scale = math.Max(scale, math.Abs(pt.Y))
		}
	}
	tol := coincideTol * scale
	done := make([]bool, len(data))
	var groups []string
	for i := range data {
		if done[i] {
			continue
		}
		group := []string{names[i]}
		for j := i + 1; j < len(data); j++ {
			if !done[j] && sameData(data[i], data[j], tol) {
				group, done[j] = append(group, names[j]), true
			}
		}
		if len(group) > 1 {
			groups = append(groups, strings.Join(group, " = "))
		}
	}
	return groups
}

// sameData reports whether a and b have the same points, their y within
// tol.
func sameData(a, b plotter.XYs, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a[k].X != b[k].X || math.Abs(a[k].Y-b[k].Y) > tol {
			return false
		}
	}
	return true
}
