package curves

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// panel is one plot of the figure with the data of its lines, for placing
// the legend where the lines are not.
type panel struct {
	p      *plot.Plot
	title  string // drawn above the data area, level with its row's
	note   string // a smaller line under the title; may be empty
	data   []plotter.XYs
	legend bool      // the panel has a legend of its lines
	prefer [4]corner // legend corners in order of preference
}

// corner is a legend position.
type corner struct{ top, left bool }

var (
	topLeft     = corner{top: true, left: true}
	topRight    = corner{top: true}
	bottomLeft  = corner{left: true}
	bottomRight = corner{}
)

// fontOf is the figure's font at size points.
func fontOf(size float64) font.Font { return font.From(plot.DefaultFont, vg.Points(size)) }

// line is one curve of a panel: its legend label, style and points.
type line struct {
	label string
	style draw.LineStyle
	data  plotter.XYs
}

// axes are a panel's axis labels and x range; the y axis is linear from 0,
// or logarithmic (logY) over the decades of the data.
type axes struct {
	xlabel, ylabel string
	xmin, xmax     float64
	xTicks         plot.Ticker
	xLog, logY     bool
}

// newPanel returns the plot of lines on axes ax, with a legend of their
// labels when legend is set (placed later, by placeLegend, in the first
// of the corners prefer that the fewest points fall in).
func newPanel(title string, ax axes, lines []line, legend bool, prefer [4]corner) (*panel, error) {
	p := newPlot(ax.xlabel, ax.ylabel)
	pn := &panel{p: p, title: title, legend: legend, prefer: prefer}
	for _, l := range lines {
		pn.data = append(pn.data, l.data)
	}
	ylo, yhi := pn.setYAxis(ax.logY)
	p.X.Tick.Marker = ax.xTicks
	if ax.xLog {
		p.X.Scale = plot.LogScale{}
	}
	for _, l := range lines {
		pl, err := plotter.NewLine(l.data)
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %w", title, l.label, err)
		}
		pl.LineStyle = l.style
		p.Add(pl)
		if legend {
			p.Legend.Add(l.label, pl)
		}
	}
	// Set after Add, which widens the axes to the data.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = ax.xmin, ax.xmax, ylo, yhi
	return pn, nil
}

// newPlot returns an empty plot with the figure's fonts, grid and labels.
func newPlot(xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = fontOf(12.5)
		a.Tick.Label.Font = fontOf(11)
	}
	p.Legend.TextStyle.Font = fontOf(12)
	p.Legend.ThumbnailWidth = vg.Points(40)
	p.Legend.Padding = vg.Points(3)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	p.Add(grid)
	return p
}

// setYAxis chooses the y axis's scale and ticks for the panel's data and
// returns its range. The log axis (logY) spans decades from the smallest
// value, but not below gradFloor, to twice the largest. The log of 0 (a
// gradient vanishes where σ(x) meets a soft target) is −∞: such points are
// moved far below the axis, so the line runs off its bottom.
func (pn *panel) setYAxis(logY bool) (lo, hi float64) {
	ymin, ymax := math.Inf(1), 0.0
	for _, data := range pn.data {
		for _, pt := range data {
			ymax = math.Max(ymax, pt.Y)
			if pt.Y > 0 {
				ymin = math.Min(ymin, pt.Y)
			}
		}
	}
	lo, hi = 0, 1.05*ymax
	if logY {
		lo, hi = gradFloor, 2*ymax
		if !math.IsInf(ymin, 1) {
			lo = math.Max(lo, math.Pow(10, math.Floor(math.Log10(ymin))))
		}
		for _, data := range pn.data {
			for i := range data {
				data[i].Y = math.Max(data[i].Y, lo*1e-6)
			}
		}
		pn.p.Y.Scale = plot.LogScale{}
		pn.p.Y.Tick.Marker = logTicks{}
	} else {
		step := niceStep(hi / 6)
		pn.p.Y.Tick.Marker = plot.ConstantTicks(linearTicks(0, hi, step, step/2, digits(step)))
	}
	if !(hi > lo) {
		hi = lo + 1 // only for curves that are 0 everywhere
	}
	return lo, hi
}

// placeLegend puts the legend in the corner of the data area, drawn on dc,
// that the fewest line points fall in, preferring earlier corners on ties.
func (pn *panel) placeLegend(dc draw.Canvas) {
	p := pn.p
	const inset = 6 // points between the legend and the axes
	size := p.Legend.Rectangle(dc).Size()
	// The legend's share of the data area, with a margin around it.
	w := float64(size.X+4*vg.Points(inset)) / float64(dc.Max.X-dc.Min.X)
	h := float64(size.Y+4*vg.Points(inset)) / float64(dc.Max.Y-dc.Min.Y)
	best, bestN := pn.prefer[0], math.MaxInt
	for _, c := range pn.prefer {
		x0, x1, y0, y1 := 0.0, w, 0.0, h
		if !c.left {
			x0, x1 = 1-w, 1
		}
		if c.top {
			y0, y1 = 1-h, 1
		}
		n := 0
		for _, data := range pn.data {
			for _, pt := range data {
				x, y := p.X.Norm(pt.X), p.Y.Norm(pt.Y)
				if x >= x0 && x <= x1 && y >= y0 && y <= y1 {
					n++
				}
			}
		}
		if n < bestN {
			best, bestN = c, n
		}
	}
	p.Legend.Top, p.Legend.Left = best.top, best.left
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(inset), vg.Points(inset)
	if best.left {
		p.Legend.XOffs = vg.Points(inset)
	}
	if best.top {
		p.Legend.YOffs = -vg.Points(inset)
	}
}
