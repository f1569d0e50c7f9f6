package main

import (
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/data/hyps"
	"github.com/yolo-loss/yololoss/focal"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/atomicfile"
	"github.com/yolo-loss/yololoss/varifocal"
)

// The figure: 12×8 inches, 100 dpi for PNG (1200×800 pixels).
const (
	curvesWidth  = 12 * vg.Inch
	curvesHeight = 8 * vg.Inch
	curvesDPI    = 100

	// curvesGamma replaces a hyp's fl_gamma of 0 (plain BCE), which would
	// make the focal-family curves coincide with BCE.
	curvesGamma = 1.5
	// curvesPoints is the number of logits sampled, evenly from
	// logit(pMin) to logit(1−pMin).
	curvesPoints = 401
	curvesPMin   = 0.001
	// curvesGradFloor is the lowest |∂ℓ/∂x| the log axis may show.
	curvesGradFloor = 1e-8
)

// curveFormats maps an output extension to its format name.
var curveFormats = map[string]string{".png": "PNG", ".svg": "SVG", ".pdf": "PDF"}

// runCurves is `lossdemo curves`: it draws the loss and |∂ℓ/∂x| of BCE,
// focal, quality focal and varifocal loss against the predicted probability,
// for positives and negatives, to a PNG, SVG or PDF file.
func runCurves(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("lossdemo curves", flag.ContinueOnError)
	usage(flags, stderr, "usage: lossdemo curves [-hyp FILE] -o OUT.png|OUT.svg|OUT.pdf")
	hypPath := flags.String("hyp", "", "hyp YAML `file` whose fl_gamma, fl_alpha and obj_pw are drawn (default: the embedded data/hyps/"+hyps.Default+")")
	out := flags.String("o", "", "output `file`: .png (1200×800), .svg or .pdf; never overwritten")
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	if *out == "" {
		return inputErr("curves: missing -o OUT.png, OUT.svg or OUT.pdf (see lossdemo curves -h)")
	}
	ext := strings.ToLower(filepath.Ext(*out))
	format, ok := curveFormats[ext]
	if !ok {
		if ext == "" {
			return inputErr("curves: -o %s has no extension; want .png, .svg or .pdf", *out)
		}
		return inputErr("curves: -o %s: unsupported extension %q; want .png, .svg or .pdf", *out, ext)
	}

	h, hypName, err := loadHyp(*hypPath)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(*out); err == nil {
		return inputErr("curves: -o %s: the file already exists; not overwriting it", *out)
	}
	if dir := filepath.Dir(*out); !curvesIsDir(dir) {
		return inputErr("curves: -o %s: folder %s does not exist", *out, dir)
	}

	fig := newCurveFigure(h, hypName)
	err = atomicfile.Write(*out, func(w io.Writer) error { return fig.render(w, ext) })
	if errors.Is(err, fs.ErrExist) {
		return inputErr("curves: -o %s: the file already exists; not overwriting it", *out)
	}
	if err != nil {
		return outputErr(fmt.Errorf("curves: -o %s: %w", *out, err))
	}
	size := ""
	if ext == ".png" {
		size = fmt.Sprintf(" %d×%d px", int(curvesWidth/vg.Inch*curvesDPI), int(curvesHeight/vg.Inch*curvesDPI))
	}
	fmt.Fprintf(stdout, "curves: wrote %s (%s%s): BCE, focal, qfocal and varifocal at γ=%s α=%s, obj_pw=%s, from %s\n",
		*out, format, size, curvesNum(fig.gamma), curvesNum(fig.alpha), curvesNum(fig.pw), hypName)
	return nil
}

// curvesIsDir reports whether path is a directory.
func curvesIsDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// curvesNum formats v as briefly as it round-trips.
func curvesNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// curve is one criterion at one target, as drawn in a panel.
type curve struct {
	label string
	crit  bce.Criterion
	y     float64 // the target
	style draw.LineStyle
}

// Okabe–Ito colours, distinguishable with the common colour-vision
// deficiencies.
var (
	curveBlack     = color.RGBA{0, 0, 0, 255}
	curveBlue      = color.RGBA{0, 114, 178, 255}
	curveOrange    = color.RGBA{230, 159, 0, 255}
	curveGreen     = color.RGBA{0, 158, 115, 255}
	curveVermilion = color.RGBA{213, 94, 0, 255}
)

// curveStyle returns a line style of the given colour, width in points and
// dash pattern in points (none for a solid line).
func curveStyle(c color.Color, width float64, dashes ...float64) draw.LineStyle {
	s := draw.LineStyle{Color: c, Width: vg.Points(width)}
	for _, d := range dashes {
		s.Dashes = append(s.Dashes, vg.Points(d))
	}
	return s
}

// curveFigure is what the figure shows: the criteria of a hyp.
type curveFigure struct {
	gamma, alpha, pw float64
	title            string
	pos, neg         []curve // drawn in this order; legends in the same order
}

// newCurveFigure chooses the criteria and writes the titles for hyp h.
func newCurveFigure(h *hyp.Hyp, hypName string) *curveFigure {
	f := &curveFigure{gamma: h.FlGamma, alpha: h.FlAlpha, pw: h.ObjPw}
	g, a := curvesNum(f.gamma), curvesNum(f.alpha)
	var note string
	if f.gamma == 0 {
		f.gamma, g = curvesGamma, curvesNum(curvesGamma)
		g += " (the hyp's fl_gamma is 0)"
		note = fmt.Sprintf("fl_gamma 0 selects plain BCE in training; the focal-family curves use γ = %s", curvesNum(curvesGamma))
	} else {
		note = "it trains with " + h.DescribeCriteria()
	}
	f.title = fmt.Sprintf("Objectness criteria against the predicted probability p = σ(x):  γ = %s,  α = %s,  obj_pw = %s\n"+
		"hyp: %s; %s",
		g, a, curvesNum(f.pw), hypName, note)

	b := bce.BCE{PosWeight: f.pw}
	fo := focal.Focal{BCE: b, Gamma: f.gamma, Alpha: f.alpha}
	qf := focal.Quality{BCE: b, Gamma: f.gamma, Alpha: f.alpha}
	vf := varifocal.Varifocal{BCE: b, Gamma: f.gamma, Alpha: f.alpha}
	var (
		bceStyle   = curveStyle(curveBlack, 3)
		focalStyle = curveStyle(curveBlue, 3)
		qStyle     = curveStyle(curveOrange, 2.5, 7, 5)
		vfStyle    = curveStyle(curveGreen, 2.5, 2, 4)
		vfHalf     = curveStyle(curveVermilion, 2.5, 10, 4, 2, 4)
	)
	bceLabel := "BCE"
	if f.pw != 1 {
		bceLabel = "BCE, pos_weight = obj_pw"
	}
	// For a hard target, |y − p|^γ = (1 − p_t)^γ, so qfocal is focal; and
	// varifocal weighs a positive by q, which is 1.
	f.pos = []curve{
		{bceLabel, b, 1, bceStyle},
		{"varifocal, q = 1 (= BCE)", vf, 1, vfStyle},
		{"focal: α·(1−p)^γ·BCE", fo, 1, focalStyle},
		{"qfocal (= focal at y = 1)", qf, 1, qStyle},
		{"varifocal, q = 0.5", vf, 0.5, vfHalf},
	}
	f.neg = []curve{
		{"BCE", b, 0, bceStyle},
		{"focal: (1−α)·p^γ·BCE", fo, 0, focalStyle},
		{"qfocal (= focal at y = 0)", qf, 0, qStyle},
		{"varifocal, q = 0: α·p^γ·BCE", vf, 0, vfStyle},
	}
	return f
}

// curveLogits returns curvesPoints logits evenly spaced from logit(pMin) to
// logit(1−pMin), so that the sampling is densest where p is near 0 and 1.
func curveLogits() []float64 {
	hi := math.Log((1 - curvesPMin) / curvesPMin)
	xs := make([]float64, curvesPoints)
	for i := range xs {
		xs[i] = -hi + 2*hi*float64(i)/float64(curvesPoints-1)
	}
	return xs
}

// curveSample returns (p, ℓ) and (p, |∂ℓ/∂x|) at the logits xs.
func curveSample(c bce.Criterion, y float64, xs []float64) (loss, grad plotter.XYs) {
	loss, grad = make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs))
	for i, x := range xs {
		p, _ := bce.Sigmoid(x)
		l, g := c.Elem(x, y)
		loss[i] = plotter.XY{X: p, Y: l}
		grad[i] = plotter.XY{X: p, Y: math.Abs(g)}
	}
	return loss, grad
}

// curvePanel is one plot of the figure with the data of its lines, for
// placing the legend where the lines are not.
type curvePanel struct {
	p      *plot.Plot
	title  string // drawn above the data area, level with its row's
	data   []plotter.XYs
	prefer [4]curveCorner // legend corners in order of preference
}

// curveCorner is a legend position.
type curveCorner struct{ top, left bool }

var (
	cornerTopLeft     = curveCorner{top: true, left: true}
	cornerTopRight    = curveCorner{top: true}
	cornerBottomLeft  = curveCorner{left: true}
	cornerBottomRight = curveCorner{}
)

// curveFont is the figure's font at size points.
func curveFont(size float64) font.Font { return font.From(plot.DefaultFont, vg.Points(size)) }

// newCurvePanel returns the plot of the loss, or of |∂ℓ/∂x| when grad is
// set, of the criteria cs at their targets over the logits xs.
func newCurvePanel(title, ylabel string, cs []curve, xs []float64, grad bool, prefer [4]curveCorner) (*curvePanel, error) {
	p := plot.New()
	p.X.Label.Text = "predicted probability p = σ(x)"
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = curveFont(12.5)
		a.Tick.Label.Font = curveFont(11)
	}
	p.Legend.TextStyle.Font = curveFont(12)
	p.Legend.ThumbnailWidth = vg.Points(40)
	p.Legend.Padding = vg.Points(3)
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 225}
	grid.Horizontal.Color = color.Gray{Y: 225}
	p.Add(grid)

	cp := &curvePanel{p: p, title: title, prefer: prefer}
	ymin, ymax := math.Inf(1), 0.0
	for _, c := range cs {
		loss, g := curveSample(c.crit, c.y, xs)
		data := loss
		if grad {
			data = g
		}
		for _, pt := range data {
			ymax = math.Max(ymax, pt.Y)
			if pt.Y > 0 {
				ymin = math.Min(ymin, pt.Y)
			}
		}
		cp.data = append(cp.data, data)
	}
	// The axes' ranges. The log axis spans decades from the smallest
	// value, but not below the floor, to twice the largest. The log of 0
	// (a gradient vanishes where σ(x) meets a soft target) is −∞: such
	// points are moved far below the axis, so the line runs off its bottom.
	xlo, xhi, ylo, yhi := 0.0, 1.0, 0.0, 1.05*ymax
	if grad {
		ylo, yhi = curvesGradFloor, 2*ymax
		if !math.IsInf(ymin, 1) {
			ylo = math.Max(ylo, math.Pow(10, math.Floor(math.Log10(ymin))))
		}
		for _, data := range cp.data {
			for i := range data {
				data[i].Y = math.Max(data[i].Y, ylo*1e-6)
			}
		}
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = curveLogTicks{}
	} else {
		step := curveNiceStep(yhi / 6)
		p.Y.Tick.Marker = plot.ConstantTicks(curveLinearTicks(0, yhi, step, step/2, curveDigits(step)))
	}
	if !(yhi > ylo) {
		yhi = ylo + 1 // only for criteria that are 0 everywhere
	}
	p.X.Tick.Marker = plot.ConstantTicks(curveLinearTicks(0, 1, 0.1, 0.05, 1))
	for i, c := range cs {
		l, err := plotter.NewLine(cp.data[i])
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %w", title, c.label, err)
		}
		l.LineStyle = c.style
		p.Add(l)
		p.Legend.Add(c.label, l)
	}
	// Set after Add, which widens the axes to the data.
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xlo, xhi, ylo, yhi
	return cp, nil
}

// placeLegend puts the legend in the corner of the data area, drawn on dc,
// that the fewest line points fall in, preferring earlier corners on ties.
func (cp *curvePanel) placeLegend(dc draw.Canvas) {
	p := cp.p
	const inset = 6 // points between the legend and the axes
	size := p.Legend.Rectangle(dc).Size()
	// The legend's share of the data area, with a margin around it.
	w := float64(size.X+4*vg.Points(inset)) / float64(dc.Max.X-dc.Min.X)
	h := float64(size.Y+4*vg.Points(inset)) / float64(dc.Max.Y-dc.Min.Y)
	best, bestN := cp.prefer[0], math.MaxInt
	for _, c := range cp.prefer {
		x0, x1, y0, y1 := 0.0, w, 0.0, h
		if !c.left {
			x0, x1 = 1-w, 1
		}
		if c.top {
			y0, y1 = 1-h, 1
		}
		n := 0
		for _, data := range cp.data {
			for _, pt := range data {
				x := p.X.Norm(pt.X)
				y := p.Y.Norm(pt.Y)
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

// curveNiceStep returns 1, 2 or 5 times a power of ten, the smallest not
// below v.
func curveNiceStep(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}

// curveDigits returns the decimals needed to print multiples of step.
func curveDigits(step float64) int {
	return max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
}

// curveLinearTicks returns labelled ticks every step and unlabelled ones
// every minor step from lo to hi.
func curveLinearTicks(lo, hi, step, minor float64, digits int) []plot.Tick {
	var ticks []plot.Tick
	for i := 0; ; i++ {
		v := lo + float64(i)*minor
		if v > hi*(1+1e-9) {
			break
		}
		t := plot.Tick{Value: v}
		if k := v / step; math.Abs(k-math.Round(k)) < 1e-6 {
			t.Label = strconv.FormatFloat(v, 'f', digits, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// curveLogTicks labels the powers of ten of a log axis and marks 2…9 times
// them.
type curveLogTicks struct{}

func (curveLogTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for k := int(math.Floor(math.Log10(lo))); k <= int(math.Ceil(math.Log10(hi))); k++ {
		d := math.Pow(10, float64(k))
		for m := 1; m <= 9; m++ {
			v := float64(m) * d
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = curvePow10(k)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// curvePow10 writes 10^k: 1, 0.1 and 0.01, else as 1e−3 (the fonts have
// no superscript minus).
func curvePow10(k int) string {
	if k >= -2 && k <= 2 {
		return strconv.FormatFloat(math.Pow(10, float64(k)), 'f', -1, 64)
	}
	return strings.Replace("1e"+strconv.Itoa(k), "-", "−", 1)
}

// curveWrap breaks s into lines no wider than width in sty, at spaces.
func curveWrap(sty text.Style, s string, width vg.Length) []string {
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

// render draws the figure and writes it to w in the format of ext.
func (f *curveFigure) render(w io.Writer, ext string) error {
	var cw vg.CanvasWriterTo
	switch ext {
	case ".png":
		cw = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(curvesWidth, curvesHeight), vgimg.UseDPI(curvesDPI))}
	case ".svg":
		cw = vgsvg.New(curvesWidth, curvesHeight)
	case ".pdf":
		cw = vgpdf.New(curvesWidth, curvesHeight)
	default:
		return fmt.Errorf("unsupported extension %q", ext)
	}
	dc := draw.New(cw)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	// The figure's title: a large first line, then the rest, wrapped to
	// the figure's width.
	top := dc.Max.Y - vg.Points(10)
	for i, para := range strings.Split(f.title, "\n") {
		sty := text.Style{
			Color:   color.Black,
			Font:    curveFont(17),
			XAlign:  draw.XCenter,
			YAlign:  draw.YTop,
			Handler: plot.DefaultTextHandler,
		}
		if i > 0 {
			sty.Font = curveFont(13)
			sty.Color = color.Gray{Y: 60}
		}
		for _, ln := range curveWrap(sty, para, dc.Max.X-dc.Min.X-vg.Points(40)) {
			dc.FillText(sty, vg.Point{X: dc.Center().X, Y: top}, ln)
			top -= sty.Rectangle(ln).Size().Y + vg.Points(3)
		}
	}

	xs := curveLogits()
	const lossLabel, gradLabel = "loss ℓ", "|∂ℓ/∂x|"
	specs := []struct {
		title, ylabel string
		cs            []curve
		grad          bool
		prefer        [4]curveCorner
	}{
		{"Positives (target y = 1): loss", lossLabel, f.pos, false, [4]curveCorner{cornerTopRight, cornerBottomLeft, cornerTopLeft, cornerBottomRight}},
		{"Positives (target y = 1): |∂ℓ/∂x|, log scale", gradLabel, f.pos, true, [4]curveCorner{cornerBottomLeft, cornerTopRight, cornerBottomRight, cornerTopLeft}},
		{"Negatives (target y = 0): loss", lossLabel, f.neg, false, [4]curveCorner{cornerTopLeft, cornerBottomRight, cornerTopRight, cornerBottomLeft}},
		{"Negatives (target y = 0): |∂ℓ/∂x|, log scale", gradLabel, f.neg, true, [4]curveCorner{cornerBottomRight, cornerTopLeft, cornerBottomLeft, cornerTopRight}},
	}
	var panels []*curvePanel
	plots := [][]*plot.Plot{make([]*plot.Plot, 2), make([]*plot.Plot, 2)}
	for i, s := range specs {
		cp, err := newCurvePanel(s.title, s.ylabel, s.cs, xs, s.grad, s.prefer)
		if err != nil {
			return err
		}
		panels = append(panels, cp)
		plots[i/2][i%2] = cp.p
	}
	// The panels' titles are drawn here rather than by plot, so that they
	// stand level above data areas that plot.Align has aligned.
	titleStyle := text.Style{
		Color:   color.Black,
		Font:    curveFont(14),
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
	for i, cp := range panels {
		c := canvases[i/2][i%2]
		data := cp.p.DataCanvas(c)
		cp.placeLegend(data)
		cp.p.Draw(c)
		dc.FillText(titleStyle, vg.Point{X: (data.Min.X + data.Max.X) / 2, Y: data.Max.Y + vg.Points(8)}, cp.title)
	}
	_, err := cw.WriteTo(w)
	return err
}
