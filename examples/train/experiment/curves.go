package experiment

import (
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/yolo-loss/yololoss/examples/train/trainer"
)

// WritePNG draws the group's validation mAP@0.5 and mAP@0.5:0.95 against the
// epoch, side by side: per run, the mean over its seeds as a line with a dot
// per epoch, and a translucent band from the lowest to the highest seed.
func (g Group) WritePNG(w io.Writer) error {
	left, err := g.panel(g.Name+": mAP@0.5", map50)
	if err != nil {
		return err
	}
	right, err := g.panel(g.Name+": mAP@0.5:0.95", mapAll)
	if err != nil {
		return err
	}
	return trainer.WritePanelsPNG(w, left, right)
}

// band returns, per epoch present in every seed, the mean, lowest and
// highest value of m over the seeds.
func (o Outcome) band(m metric) (mean, lo, hi plotter.XYs) {
	epochs := len(o.Seeds[0].Rows)
	for _, s := range o.Seeds {
		epochs = min(epochs, len(s.Rows))
	}
	for e := range epochs {
		vs := make([]float64, len(o.Seeds))
		for k, s := range o.Seeds {
			vs[k] = m(s.Rows[e])
		}
		mu, _ := meanStd(vs)
		l, h := vs[0], vs[0]
		for _, v := range vs {
			l, h = min(l, v), max(h, v)
		}
		x := float64(e + 1)
		mean = append(mean, plotter.XY{X: x, Y: mu})
		lo = append(lo, plotter.XY{X: x, Y: l})
		hi = append(hi, plotter.XY{X: x, Y: h})
	}
	return mean, lo, hi
}

func (g Group) panel(title string, m metric) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "epoch"
	p.Y.Label.Text = "validation (mean over seeds, band: min to max)"
	// The y axis runs from 0 to the highest band (Add widens it to the
	// data), so that a group far below mAP 1 still shows its differences;
	// the legend sits top left, where rising curves are not.
	p.Y.Min, p.Y.Max = 0, 0
	p.Legend.Top, p.Legend.Left = true, true
	p.Add(plotter.NewGrid())
	epochs := 0
	for i, o := range g.Outcomes {
		mean, lo, hi := o.band(m)
		epochs = max(epochs, len(mean))
		c := plotutil.Color(i)
		r, gg, b, _ := c.RGBA()
		faint := color.NRGBA{R: uint8(r >> 8), G: uint8(gg >> 8), B: uint8(b >> 8), A: 48}
		if len(mean) > 1 {
			ring := append(plotter.XYs{}, lo...)
			for j := len(hi) - 1; j >= 0; j-- {
				ring = append(ring, hi[j])
			}
			poly, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, err
			}
			poly.Color = faint
			poly.LineStyle.Width = 0
			p.Add(poly)
		} else { // one epoch: the band is a bar from the lowest to the highest seed
			bar, err := plotter.NewLine(plotter.XYs{lo[0], hi[0]})
			if err != nil {
				return nil, err
			}
			bar.Color, bar.Width = faint, vg.Points(6)
			p.Add(bar)
		}
		l, dots, err := plotter.NewLinePoints(mean)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = c, vg.Points(1.5)
		l.Dashes = plotutil.Dashes(i / 7)
		dots.Color, dots.Shape, dots.Radius = c, draw.CircleGlyph{}, vg.Points(2)
		p.Add(l, dots)
		p.Legend.Add(o.Run.Name, l, dots)
	}
	if p.Y.Max <= 0 { // every value 0: an axis of some height
		p.Y.Max = 1
	}
	if epochs == 1 {
		p.X.Min, p.X.Max = 0.5, 1.5
	}
	return p, nil
}
