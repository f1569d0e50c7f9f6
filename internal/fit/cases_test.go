package fit

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// fitCase is a hyp and a batch to fit.
type fitCase struct {
	name string
	h    *hyp.Hyp
	b    *batchfile.Batch
}

// goldenCase reads testdata/golden/<name>: random logits on small grids.
func goldenCase(t testing.TB, name string) fitCase {
	t.Helper()
	dir := filepath.Join("../../testdata/golden", name)
	h, err := hyp.Load(filepath.Join(dir, "hyp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := batchfile.ReadFile(filepath.Join(dir, "input.npz"))
	if err != nil {
		t.Fatal(err)
	}
	return fitCase{name, h, b}
}

// sampleCase is a built-in sample (80 classes, 256 px, near a solution)
// with the default hyp, or with varifocal γ 1.5.
func sampleCase(t testing.TB, c sample.Config, varifocal bool) fitCase {
	t.Helper()
	b, err := sample.Generate(c)
	if err != nil {
		t.Fatal(err)
	}
	h, name := hyp.Default(), fmt.Sprintf("sample P%d bce", c.Layers+2)
	if varifocal {
		h.FlGamma, h.FlType = 1.5, "varifocal"
		name = fmt.Sprintf("sample P%d varifocal", c.Layers+2)
	}
	return fitCase{name, h, b}
}

// criterionHyp returns the default hyp with the criterion crit: "bce",
// "focal" (γ 1.5) or "varifocal" (γ 2, α 0.75).
func criterionHyp(crit string) *hyp.Hyp {
	h := hyp.Default()
	switch crit {
	case "focal":
		h.FlGamma, h.FlType = 1.5, "focal"
	case "varifocal":
		h.FlGamma, h.FlType, h.FlAlpha = 2, "varifocal", 0.75
	case "bce":
	default:
		panic("criterionHyp: " + crit)
	}
	return h
}

// genCase makes a batch like the golden cases: 2 images with 2 to 5 labels
// each (centres uniform in the image, sides uniform in [0.02, 0.9]), nc
// classes, logits drawn from N(0, 1.5²), on P5 grids over 64 px (8, 4, 2
// cells) or P6 grids over 128 px (16, 8, 4, 2). With shared false, label
// sets are drawn again until no cell is claimed by two labels; with shared
// true, until some cell is.
func genCase(t testing.TB, seed uint64, layers, nc int, crit string, shared bool) fitCase {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	m, img := model.P5(nc), 64
	if layers == 4 {
		m, img = model.P6(nc), 128
	}
	b := &batchfile.Batch{AnchorsGrid: m.AnchorsGrid, Strides: m.Strides}
	for i, s := range m.Strides {
		g := img / int(s)
		d := make([]float64, 2*3*g*g*(5+nc))
		for k := range d {
			d[k] = 1.5 * rng.NormFloat64()
		}
		b.Preds = append(b.Preds, batchfile.Tensor{Name: batchfile.PredName(i), Array: tensor.Array{Shape: []int{2, 3, g, g, 5 + nc}, F64: d}})
	}
	h := criterionHyp(crit)
	for range 1000 {
		b.Targets = b.Targets[:0]
		for im := range 2 {
			for range 2 + rng.IntN(4) {
				b.Targets = append(b.Targets, [6]float64{float64(im), float64(rng.IntN(nc)),
					rng.Float64(), rng.Float64(), 0.02 + 0.88*rng.Float64(), 0.02 + 0.88*rng.Float64()})
			}
		}
		p := feed.Preds[float64](b)
		if (sharedMatches(p, feed.Matches(m, h.AnchorT, p, b.Targets)) > 0) == shared {
			name := fmt.Sprintf("seed %d P%d nc %d %s", seed, layers+2, nc, crit)
			if shared {
				name += " shared"
			}
			return fitCase{name, h, b}
		}
	}
	t.Fatalf("genCase: no label set with shared=%v in 1000 draws", shared)
	return fitCase{}
}

// fitCases are the inputs on which a fit must reach the goal of TestFit:
// the public golden cases with random logits, the built-in samples, and
// generated cases like the golden ones (P5 and P6 grids, BCE, focal and
// varifocal, 3 and 80 classes) in which no cell is claimed by two labels.
func fitCases(t testing.TB) []fitCase {
	cs := []fitCase{
		goldenCase(t, "bce_basic"),
		goldenCase(t, "varifocal_g2_a075"),
		goldenCase(t, "p6_four_layers"),
		sampleCase(t, sample.DefaultP5, false),
		sampleCase(t, sample.DefaultP6, false),
		sampleCase(t, sample.DefaultP5, true),
		sampleCase(t, sample.DefaultP6, true),
	}
	seed := uint64(1)
	for _, layers := range []int{3, 4} {
		for _, crit := range []string{"bce", "focal", "varifocal"} {
			for _, nc := range []int{3, 80} {
				cs = append(cs, genCase(t, seed, layers, nc, crit, false))
				seed++
			}
		}
	}
	// Each box loss and modifier once: the fit holds each one's detached
	// terms (Engine.SetFrozen) within a round.
	for _, bl := range []struct {
		name string
		set  func(*hyp.Hyp)
	}{
		{"iou", func(h *hyp.Hyp) { h.IoUType = "iou" }},
		{"giou", func(h *hyp.Hyp) { h.IoUType = "giou" }},
		{"diou", func(h *hyp.Hyp) { h.IoUType = "diou" }},
		{"eiou", func(h *hyp.Hyp) { h.IoUType = "eiou" }},
		{"siou", func(h *hyp.Hyp) { h.IoUType = "siou" }},
		{"wiou v1", func(h *hyp.Hyp) { h.IoUType, h.WIoUVersion = "wiou", 1 }},
		{"wiou v3", func(h *hyp.Hyp) { h.IoUType = "wiou" }},
		{"mpdiou", func(h *hyp.Hyp) { h.IoUType = "mpdiou" }},
		{"shape_iou 1.5", func(h *hyp.Hyp) { h.IoUType, h.ShapeIoUScale = "shape_iou", 1.5 }},
		{"alpha-ciou 3", func(h *hyp.Hyp) { h.IoUAlpha = 3 }},
		{"focal-eiou 0.5", func(h *hyp.Hyp) { h.IoUType, h.IoUFocalGamma = "eiou", 0.5 }},
		{"inner-siou 1.2", func(h *hyp.Hyp) { h.IoUType, h.IoUInnerRatio = "siou", 1.2 }},
		{"varifocal iou targets", func(h *hyp.Hyp) { h.FlGamma, h.FlType, h.ClsIoUTarget = 2, "varifocal", true }},
	} {
		c := genCase(t, seed, 3, 3, "bce", false)
		seed++
		bl.set(c.h)
		if err := c.h.Validate(); err != nil {
			t.Fatal(err)
		}
		c.name += " " + bl.name
		cs = append(cs, c)
	}
	return cs
}

// sharedCases have cells claimed by two labels: the golden case coco80 and
// generated ones.
func sharedCases(t testing.TB) []fitCase {
	return []fitCase{
		goldenCase(t, "coco80"),
		genCase(t, 1, 3, 3, "bce", true),
		genCase(t, 2, 3, 80, "focal", true),
		genCase(t, 3, 4, 3, "varifocal", true),
	}
}

// engine returns a float64 engine for c and a float64 copy of its
// predictions.
func (c fitCase) engine(t testing.TB) (*computeloss.Engine[float64], []tensor.Tensor[float64]) {
	t.Helper()
	m, err := feed.Model(c.b)
	if err != nil {
		t.Fatal(err)
	}
	e, err := computeloss.New[float64](c.h, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := feed.Preds[float64](c.b)
	for i := range p {
		p[i].Data = slices.Clone(p[i].Data) // the fit must not change the batch
	}
	return e, p
}
