package evalplot

import (
	"errors"
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/yolo-loss/yololoss/metrics"
)

// The figure: YOLOv5's 9×6 inches, at 150 dpi (1350×900 pixels).
const (
	width  = 9 * vg.Inch
	height = 6 * vg.Inch
	dpi    = 150

	// maxLabelled is the most classes whose lines get a legend entry
	// (YOLOv5's 0 < len(names) < 21).
	maxLabelled = 20
	// f1Smooth is the fraction of the points the mean F1 line is
	// smoothed over (plot_mc_curve's smooth(py.mean(0), 0.05)).
	f1Smooth = 0.05
)

// ErrNoCurves reports a result without curves: YOLOv5 computes none when
// no detection is correct.
var ErrNoCurves = errors.New("evalplot: no curves: no detection is correct, so there are no metrics")

var (
	meanColor = color.RGBA{0, 0, 255, 255} // YOLOv5's blue for the mean
	greyColor = color.Gray{Y: 128}
)

// line is one curve of a figure.
type line struct {
	label string // "" for no legend entry
	y     []float64
	style draw.LineStyle
}

// figure is one plot: its texts and lines, drawn in order.
type figure struct {
	title, xlabel, ylabel string
	x                     []float64
	lines                 []line
}

// PR writes the precision-recall figure of r to w as a PNG image.
func PR(w io.Writer, r *metrics.Result) error {
	if len(r.Classes) == 0 {
		return ErrNoCurves
	}
	cv := r.Curves
	f := &figure{title: "Precision-Recall Curve", xlabel: "Recall", ylabel: "Precision", x: cv.Conf}
	var drawn [][]float64
	for i, c := range r.Classes {
		if cv.PR[i] == nil {
			continue // a class without detections has no curve
		}
		drawn = append(drawn, cv.PR[i])
		f.lines = append(f.lines, classLine(len(r.Classes), len(drawn)-1, fmt.Sprintf("%d %.3f", c.Class, c.AP50), cv.PR[i]))
	}
	if len(drawn) > 0 {
		mean := line{label: fmt.Sprintf("all classes %.3f mAP@0.5", r.MAP50), y: metrics.MeanCurve(drawn), style: meanStyle()}
		f.lines = append(f.lines, mean)
	}
	return f.render(w)
}

// F1 writes the F1-confidence figure of r to w as a PNG image.
func F1(w io.Writer, r *metrics.Result) error {
	if len(r.Classes) == 0 {
		return ErrNoCurves
	}
	cv := r.Curves
	f := &figure{title: "F1-Confidence Curve", xlabel: "Confidence", ylabel: "F1", x: cv.Conf}
	for i, c := range r.Classes {
		f.lines = append(f.lines, classLine(len(r.Classes), i, fmt.Sprint(c.Class), cv.F1[i]))
	}
	mean := metrics.Smooth(metrics.MeanCurve(cv.F1), f1Smooth)
	best := 0
	for k, v := range mean {
		if v > mean[best] {
			best = k
		}
	}
	label := fmt.Sprintf("all classes %.2f at %.3f", mean[best], cv.Conf[best])
	f.lines = append(f.lines, line{label: label, y: mean, style: meanStyle()})
	return f.render(w)
}

// classLine is the line of the k-th drawn class out of n: coloured and
// labelled when there are few classes, grey and unlabelled when many.
func classLine(n, k int, label string, y []float64) line {
	if n > maxLabelled {
		return line{y: y, style: draw.LineStyle{Color: greyColor, Width: vg.Points(0.75)}}
	}
	return line{label: label, y: y, style: draw.LineStyle{
		Color: plotutil.Color(k), Width: vg.Points(1.25), Dashes: plotutil.Dashes(k / len(plotutil.DefaultColors)),
	}}
}

// unitTicks marks [0, 1] every 0.1 and labels every 0.2.
type unitTicks struct{}

func (unitTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for i := 0; i <= 10; i++ {
		t := plot.Tick{Value: float64(i) / 10}
		if i%2 == 0 {
			t.Label = fmt.Sprintf("%.1f", t.Value)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

func meanStyle() draw.LineStyle { return draw.LineStyle{Color: meanColor, Width: vg.Points(3)} }

func figureFont(size float64) font.Font { return font.From(plot.DefaultFont, vg.Points(size)) }

// render draws the figure, with the legend right of the axes, and writes
// it as PNG.
func (f *figure) render(w io.Writer) error {
	p := plot.New()
	p.Title.Text = f.title
	p.Title.TextStyle.Font = figureFont(14)
	p.Title.Padding = vg.Points(8)
	p.X.Label.Text, p.Y.Label.Text = f.xlabel, f.ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = figureFont(12)
		a.Tick.Label.Font = figureFont(10)
		a.Tick.Marker = unitTicks{}
	}
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.Top, leg.Left = true, true
	leg.TextStyle.Font = figureFont(10)
	leg.ThumbnailWidth = vg.Points(24)
	labelled := 0
	for _, l := range f.lines {
		xy := make(plotter.XYs, len(f.x))
		for k := range xy {
			xy[k] = plotter.XY{X: f.x[k], Y: l.y[k]}
		}
		pl, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("evalplot: %s: %w", f.title, err)
		}
		pl.LineStyle = l.style
		p.Add(pl)
		if l.label != "" {
			leg.Add(l.label, pl)
			labelled++
		}
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1 // after Add, which widens the axes to the data

	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	legendWidth := vg.Length(0)
	if labelled > 0 {
		legendWidth = leg.Rectangle(dc).Size().X + vg.Points(24)
	}
	plotArea := dc
	plotArea.Max.X -= legendWidth
	p.Draw(plotArea)
	legendArea := dc
	legendArea.Min.X = plotArea.Max.X + vg.Points(12)
	legendArea.Max.Y -= vg.Points(40) // level with the top of the axes, below the title
	leg.Draw(legendArea)
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(w); err != nil {
		return fmt.Errorf("evalplot: %s: %w", f.title, err)
	}
	return nil
}
