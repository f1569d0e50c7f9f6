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
	top := f.drawTitle(dc)
	if err := f.drawPanels(dc, top); err != nil {
		return err
	}
	_, err := cw.WriteTo(w)
	return err
}

// drawTitle draws the figure's title, a large first line, then the rest,
// wrapped to the figure's width, and returns the y below it.
func (f *Figure) drawTitle(dc draw.Canvas) vg.Length {
	top := dc.Max.Y - vg.Points(10)
	for i, para := range strings.Split(f.Title, "\n") {
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
	const lossLabel, gradLabel = "loss ℓ", "|∂ℓ/∂x|"
	specs := []struct {
		title, ylabel string
		cs            []Curve
		grad          bool
		prefer        [4]corner
	}{
		{"Positives (target y = 1): loss", lossLabel, f.Pos, false, [4]corner{topRight, bottomLeft, topLeft, bottomRight}},
		{"Positives (target y = 1): |∂ℓ/∂x|, log scale", gradLabel, f.Pos, true, [4]corner{bottomLeft, topRight, bottomRight, topLeft}},
		{"Negatives (target y = 0): loss", lossLabel, f.Neg, false, [4]corner{topLeft, bottomRight, topRight, bottomLeft}},
		{"Negatives (target y = 0): |∂ℓ/∂x|, log scale", gradLabel, f.Neg, true, [4]corner{bottomRight, topLeft, bottomLeft, topRight}},
	}
	var panels []*panel
	for _, s := range specs {
		pn, err := newPanel(s.title, s.ylabel, s.cs, xs, s.grad, s.prefer)
		if err != nil {
			return nil, err
		}
		panels = append(panels, pn)
	}
	return panels, nil
}

// drawPanels draws the panels in a 2×2 grid below top. Their titles are
// drawn here rather than by plot, so that they stand level above data
// areas that plot.Align has aligned.
func (f *Figure) drawPanels(dc draw.Canvas, top vg.Length) error {
	panels, err := f.panels()
	if err != nil {
		return err
	}
	plots := [][]*plot.Plot{make([]*plot.Plot, 2), make([]*plot.Plot, 2)}
	for i, pn := range panels {
		plots[i/2][i%2] = pn.p
	}
	titleStyle := text.Style{
		Color:   color.Black,
		Font:    fontOf(14),
		XAlign:  draw.XCenter,
		YAlign:  draw.YBottom,
		Handler: plot.DefaultTextHandler,
	}
	titleH := titleStyle.Rectangle("Mg").Size().Y + vg.Points(12)
	tiles := draw.Tiles{
		Rows: 2, Cols: 2,
		PadTop: dc.Max.Y - top + titleH, PadBottom: vg.Points(8),
		PadLeft: vg.Points(8), PadRight: vg.Points(16),
		PadX: vg.Points(36), PadY: vg.Points(16) + titleH,
	}
	canvases := plot.Align(plots, tiles, dc)
	for i, pn := range panels {
		c := canvases[i/2][i%2]
		data := pn.p.DataCanvas(c)
		pn.placeLegend(data)
		pn.p.Draw(c)
		dc.FillText(titleStyle, vg.Point{X: (data.Min.X + data.Max.X) / 2, Y: data.Max.Y + vg.Points(8)}, pn.title)
	}
	return nil
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
