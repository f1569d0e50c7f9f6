package curves

import (
	"fmt"
	"image/color"
	"io"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Formats maps an output file's extension, in lower case, to the name of
// its format.
var Formats = map[string]string{".png": "PNG", ".svg": "SVG", ".pdf": "PDF"}

// Render draws the figure and writes it to w in the format of ext, a key of
// Formats.
func (f *Figure) Render(w io.Writer, ext string) error {
	return render(w, ext, func(dc draw.Canvas) error {
		panels, err := f.panels()
		if err != nil {
			return err
		}
		drawGrid(dc, drawTitle(dc, f.Title), 0, panels, 2)
		return nil
	})
}

// render makes a white canvas of the figure's size for ext, a key of
// Formats, has paint draw on it and writes it to w.
func render(w io.Writer, ext string, paint func(draw.Canvas) error) error {
	var cw vg.CanvasWriterTo
	switch ext {
	case ".png":
		cw = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))}
	case ".svg":
		cw = vgsvg.New(Width, Height)
	case ".pdf":
		cw = vgpdf.New(Width, Height)
	default:
		return fmt.Errorf("curves: unsupported extension %q", ext)
	}
	dc := draw.New(cw)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	if err := paint(dc); err != nil {
		return err
	}
	_, err := cw.WriteTo(w)
	return err
}

// drawTitle draws a figure's title, a large first line, then the rest,
// wrapped to the figure's width, and returns the y below it.
func drawTitle(dc draw.Canvas, title string) vg.Length {
	top := dc.Max.Y - vg.Points(10)
	for i, para := range strings.Split(title, "\n") {
		sty := text.Style{
			Color:   color.Black,
			Font:    fontOf(17),
			XAlign:  draw.XCenter,
			YAlign:  draw.YTop,
			Handler: plot.DefaultTextHandler,
		}
		if i > 0 {
			sty.Font = fontOf(13)
			sty.Color = color.Gray{Y: 60}
		}
		for _, ln := range wrap(sty, para, dc.Max.X-dc.Min.X-vg.Points(40)) {
			dc.FillText(sty, vg.Point{X: dc.Center().X, Y: top}, ln)
			top -= sty.Rectangle(ln).Size().Y + vg.Points(3)
		}
	}
	return top
}

// panels returns the four panels: positives on top, negatives below; the
// loss on the left, |∂ℓ/∂x| on the right.
func (f *Figure) panels() ([]*panel, error) {
	xs := Logits()
	loss := axes{xlabel: "predicted probability p = σ(x)", ylabel: "loss ℓ", xmin: 0, xmax: 1,
		xTicks: plot.ConstantTicks(linearTicks(0, 1, 0.1, 0.05, 1))}
	grad := loss
	grad.ylabel, grad.logY = "|∂ℓ/∂x|", true
	specs := []struct {
		title  string
		ax     axes
		cs     []Curve
		prefer [4]corner
	}{
		{"Positives (target y = 1): loss", loss, f.Pos, [4]corner{topRight, bottomLeft, topLeft, bottomRight}},
		{"Positives (target y = 1): |∂ℓ/∂x|, log scale", grad, f.Pos, [4]corner{bottomLeft, topRight, bottomRight, topLeft}},
		{"Negatives (target y = 0): loss", loss, f.Neg, [4]corner{topLeft, bottomRight, topRight, bottomLeft}},
		{"Negatives (target y = 0): |∂ℓ/∂x|, log scale", grad, f.Neg, [4]corner{bottomRight, topLeft, bottomLeft, topRight}},
	}
	var panels []*panel
	for _, s := range specs {
		var lines []line
		for _, c := range s.cs {
			l, g := Sample(c.Crit, c.Y, xs)
			if s.ax.logY {
				l = g
			}
			lines = append(lines, line{c.Label, c.Style, l})
		}
		pn, err := newPanel(s.title, s.ax, lines, true, s.prefer)
		if err != nil {
			return nil, err
		}
		panels = append(panels, pn)
	}
	return panels, nil
}

// drawGrid draws the panels in a grid of cols columns, in the area of dc
// below top that leaves right free on the right. Their titles (and notes)
// are drawn here rather than by plot, so that they stand level above data
// areas that plot.Align has aligned; each panel with a legend places it.
func drawGrid(dc draw.Canvas, top, right vg.Length, panels []*panel, cols int) {
	rows := (len(panels) + cols - 1) / cols
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		plots[i/cols][i%cols] = pn.p
	}
	titleStyle := textStyle(14, color.Black)
	noteStyle := textStyle(11.5, color.Gray{Y: 70})
	titleH := titleStyle.Rectangle("Mg").Size().Y + vg.Points(12)
	noteH := vg.Length(0)
	for _, pn := range panels {
		if pn.note != "" {
			noteH = noteStyle.Rectangle("Mg").Size().Y + vg.Points(3)
		}
	}
	tiles := draw.Tiles{
		Rows: rows, Cols: cols,
		PadTop: dc.Max.Y - top + titleH + noteH, PadBottom: vg.Points(8),
		PadLeft: vg.Points(8), PadRight: vg.Points(16) + right,
		PadX: vg.Points(36), PadY: vg.Points(16) + titleH + noteH,
	}
	canvases := plot.Align(plots, tiles, dc)
	for i, pn := range panels {
		c := canvases[i/cols][i%cols]
		data := pn.p.DataCanvas(c)
		if pn.legend {
			pn.placeLegend(data)
		}
		pn.p.Draw(c)
		x := (data.Min.X + data.Max.X) / 2
		dc.FillText(titleStyle, vg.Point{X: x, Y: data.Max.Y + vg.Points(8) + noteH}, pn.title)
		if pn.note != "" {
			dc.FillText(noteStyle, vg.Point{X: x, Y: data.Max.Y + vg.Points(8)}, pn.note)
		}
	}
}

// textStyle is a centred text style of the figure's font at size points,
// aligned on its bottom.
func textStyle(size float64, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    fontOf(size),
		XAlign:  draw.XCenter,
		YAlign:  draw.YBottom,
		Handler: plot.DefaultTextHandler,
	}
}

// wrap breaks s into lines no wider than width in sty, at spaces.
func wrap(sty text.Style, s string, width vg.Length) []string {
	if sty.Width(s) <= width {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case sty.Width(line+" "+w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}
