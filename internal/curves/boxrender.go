package curves

import (
	"fmt"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/yolo-loss/yololoss/iou"
)

// Render draws the box figure and writes it to w in the format of ext, a
// key of Formats.
func (f *BoxFigure) Render(w io.Writer, ext string) error {
	return render(w, ext, func(dc draw.Canvas) error {
		panels, leg, err := f.panels()
		if err != nil {
			return err
		}
		top := drawTitle(dc, f.Title)
		const margin = 10 // points between the legend and what surrounds it
		width := leg.Rectangle(dc).Size().X + 2*vg.Points(margin)
		drawGrid(dc, top, width, panels, 2)
		leg.Top, leg.Left = true, true
		leg.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: dc.Max.X - width, Y: dc.Min.Y},
			Max: vg.Point{X: dc.Max.X - vg.Points(margin), Y: top - vg.Points(40)},
		}})
		return nil
	})
}

// sweep is one of the figure's two families of predicted boxes.
type sweep struct {
	name  string // in the panel titles
	ax    axes
	xs    []float64
	preds []iou.Pred
}

// sweeps returns the centre-offset and the aspect-ratio sweeps around the
// target.
func (f *BoxFigure) sweeps() []sweep {
	t := f.Target
	dx, offs := Offsets(t)
	r, asps := Aspects(t)
	return []sweep{
		{"(a) centre offset", axes{
			xlabel: fmt.Sprintf("centre offset Δx of a %s × %s box, grid cells", Num(t[2]), Num(t[3])),
			xmin:   0, xmax: maxOffset * t[2], xTicks: plot.ConstantTicks(linearTicks(0, maxOffset*t[2], 1, 0.5, 0)),
		}, dx, offs},
		{"(b) aspect ratio", axes{
			xlabel: "w/h of a box of the target's area and centre",
			xmin:   minAspect * t[2] / t[3], xmax: maxAspect * t[2] / t[3], xTicks: ratioTicks{}, xLog: true,
		}, r, asps},
	}
}

// panels returns the four panels, the centre offset on top and the aspect
// ratio below, the loss on the left and the gradient's magnitude on the
// right, and the figure's legend.
func (f *BoxFigure) panels() ([]*panel, plot.Legend, error) {
	leg := plot.NewLegend()
	leg.TextStyle.Font = fontOf(12.5)
	leg.ThumbnailWidth = vg.Points(48)
	leg.Padding = vg.Points(5)
	var panels []*panel
	for _, s := range f.sweeps() {
		var loss, grad []line
		for _, c := range f.Curves {
			l, g, err := BoxSample(c.Loss, s.preds, f.Target, f.Grid, f.State)
			if err != nil {
				return nil, leg, err
			}
			loss = append(loss, line{c.Label, c.Style, xys(s.xs, l)})
			grad = append(grad, line{c.Label, c.Style, xys(s.xs, g)})
		}
		for k, ls := range [][]line{loss, grad} {
			ax := s.ax
			ax.ylabel, ax.xlabel = "loss ℓ", s.ax.xlabel
			title := s.name + ": loss ℓ"
			if k == 1 {
				ax.ylabel, title = "|∂ℓ/∂(x, y, log w, log h)|", s.name+": gradient magnitude"
			}
			pn, err := newPanel(title, ax, ls, false, [4]corner{})
			if err != nil {
				return nil, leg, err
			}
			pn.note = equalNote(f.names(), pn.data)
			panels = append(panels, pn)
		}
	}
	for _, c := range f.Curves {
		leg.Add(c.Label, &plotter.Line{LineStyle: c.Style})
	}
	return panels, leg, nil
}

// names returns the curves' iou_type names, as the equality notes give
// them.
func (f *BoxFigure) names() []string {
	n := make([]string, len(f.Curves))
	for i, c := range f.Curves {
		n[i] = c.Label
	}
	return n
}

// equalNote says which lines of a panel coincide, or nothing.
func equalNote(names []string, data []plotter.XYs) string {
	g := equalGroups(names, data)
	if len(g) == 0 {
		return ""
	}
	return "coincide here: " + strings.Join(g, ";  ")
}

// xys pairs xs with ys.
func xys(xs, ys []float64) plotter.XYs {
	out := make(plotter.XYs, len(xs))
	for i := range xs {
		out[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	return out
}

// ratioTicks labels the powers of two of an aspect-ratio axis: 1/16, 1/4,
// 1, 4, …, with unlabelled ticks at the odd powers.
type ratioTicks struct{}

func (ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for k := int(math.Ceil(math.Log2(lo) - 1e-9)); k <= int(math.Floor(math.Log2(hi)+1e-9)); k++ {
		t := plot.Tick{Value: math.Ldexp(1, k)}
		if k%2 == 0 {
			t.Label = ratioLabel(k)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// ratioLabel writes 2^k as 1/2^−k for k < 0.
func ratioLabel(k int) string {
	if k < 0 {
		return fmt.Sprintf("1/%d", 1<<-k)
	}
	return fmt.Sprint(1 << k)
}
