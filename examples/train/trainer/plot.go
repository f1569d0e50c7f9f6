package trainer

import (
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// series is one line of a panel: a name and a value per row.
type series struct {
	name string
	get  func(Row) float64
	dash bool
}

// writeResultsPNG draws the rows as two panels side by side: the loss items
// (training solid, validation dashed) and the metrics, against the epoch
// (1-based), and encodes them as a PNG. The second loss item is named obj
// ("obj" for YOLOv5, "dfl" for the anchor-free head).
func writeResultsPNG(w io.Writer, title string, rows []Row, obj string) error {
	metrics := []series{
		{"mAP@0.5", func(r Row) float64 { return r.MAP50 }, false},
		{"mAP@0.5:0.95", func(r Row) float64 { return r.MAP }, false},
		{"precision", func(r Row) float64 { return r.P }, true},
		{"recall", func(r Row) float64 { return r.R }, true},
	}
	left, err := lossPanel(title, rows, obj)
	if err != nil {
		return err
	}
	right, err := panel(title+": validation", "", rows, metrics)
	if err != nil {
		return err
	}
	right.Y.Min, right.Y.Max = 0, 1
	right.Legend.Left = true // the metrics rise: the top left is free
	return WritePanelsPNG(w, left, right)
}

// WritePanelsPNG draws two plots side by side on a 12 by 4.5 inch canvas and
// encodes it as a PNG: the layout of results.png, which the experiment's
// curves share.
func WritePanelsPNG(w io.Writer, left, right *plot.Plot) error {
	const width, height = 12 * vg.Inch, 4.5 * vg.Inch
	img := vgimg.New(width, height)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 4, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	for i, p := range []*plot.Plot{left, right} {
		p.Draw(tiles.At(dc, i, 0))
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

func panel(title, ylabel string, rows []Row, ss []series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = ylabel
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	for i, s := range ss {
		pts := make(plotter.XYs, len(rows))
		for j, r := range rows {
			pts[j] = plotter.XY{X: float64(r.Epoch + 1), Y: s.get(r)}
		}
		l, dots, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		l.Color = plotutil.Color(i % 3)
		if len(ss) <= 4 {
			l.Color = plotutil.Color(i)
		}
		l.Width = vg.Points(1.5)
		if s.dash {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		// A point per epoch: one epoch draws no line, but its dots.
		dots.Color = l.Color
		dots.Shape = draw.CircleGlyph{}
		dots.Radius = vg.Points(2)
		p.Add(l, dots)
		p.Legend.Add(s.name, l, dots)
	}
	if len(rows) == 1 { // widen the axis around the one epoch
		p.X.Min, p.X.Max = 0.5, 1.5
	}
	return p, nil
}

// lossPanel draws the loss items against the epoch. They span decades (the
// box loss is often ten times the class loss), so the axis is logarithmic,
// and labelled so, unless a loss is 0 (one class: no class loss), which a
// log axis cannot show.
func lossPanel(title string, rows []Row, obj string) (*plot.Plot, error) {
	losses := []series{
		{"train box", func(r Row) float64 { return r.TrainBox }, false},
		{"train " + obj, func(r Row) float64 { return r.TrainObj }, false},
		{"train cls", func(r Row) float64 { return r.TrainCls }, false},
		{"val box", func(r Row) float64 { return r.ValBox }, true},
		{"val " + obj, func(r Row) float64 { return r.ValObj }, true},
		{"val cls", func(r Row) float64 { return r.ValCls }, true},
	}
	positive := true
	for _, r := range rows {
		for _, s := range losses {
			positive = positive && s.get(r) > 0
		}
	}
	ylabel := "loss"
	if positive {
		ylabel = "loss (log scale)"
	}
	p, err := panel(title+": losses", ylabel, rows, losses)
	if err != nil {
		return nil, err
	}
	if positive {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		// Room above the curves for the legend: half a decade.
		p.Y.Max *= math.Sqrt(10)
	}
	return p, nil
}

// logTicks labels a log axis at 1, 2 and 5 times each power of ten, with
// unlabelled minor ticks at the other integers: the labels of gonum's
// LogTicks, powers of ten only, leave a one-decade axis with one label.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		p := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * p
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}
