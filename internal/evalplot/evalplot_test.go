package evalplot

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/yolo-loss/yololoss/internal/goldeneval"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/nms"
)

// result evaluates a golden case.
func result(t *testing.T, name string) metrics.Result {
	t.Helper()
	cases, err := goldeneval.Load("../../testdata/golden-eval")
	if err != nil {
		t.Fatal(err)
	}
	for _, gc := range cases {
		if gc.Name != name {
			continue
		}
		c := gc.Config
		s, err := nms.New[float64](&nms.Options{ConfThres: new(c.ConfThres), IoUThres: new(c.IoUThres), MultiLabel: c.MultiLabel, Agnostic: c.Agnostic, MaxDet: c.MaxDet})
		if err != nil {
			t.Fatal(err)
		}
		acc := metrics.NewAccumulator[float64](c.NC)
		if err := acc.AddBatch(s.Batch(gc.Pred), gc.Targets); err != nil {
			t.Fatal(err)
		}
		return acc.Compute()
	}
	t.Fatalf("no golden case %s", name)
	return metrics.Result{}
}

// inked counts the pixels of img that are not white, in the left (axes)
// and right (legend) parts.
func inked(img image.Image, split int) (left, right int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r&g&bl < 0xf000 {
				if x < split {
					left++
				} else {
					right++
				}
			}
		}
	}
	return left, right
}

// TestFigures draws both figures for a case with few classes (a legend)
// and one with many (grey lines, the mean alone in the legend), and checks
// that each is a 1350×900 PNG with ink on the axes and in the legend. Set
// EVALPLOT_DIR to keep the images for a look.
func TestFigures(t *testing.T) {
	for _, name := range []string{"val_default", "coco80"} {
		r := result(t, name)
		for fig, draw := range map[string]func(*bytes.Buffer, *metrics.Result) error{
			"PR": func(b *bytes.Buffer, r *metrics.Result) error { return PR(b, r) },
			"F1": func(b *bytes.Buffer, r *metrics.Result) error { return F1(b, r) },
		} {
			var buf bytes.Buffer
			if err := draw(&buf, &r); err != nil {
				t.Fatalf("%s %s: %v", name, fig, err)
			}
			if dir := os.Getenv("EVALPLOT_DIR"); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, name+"_"+fig+".png"), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			img, err := png.Decode(&buf)
			if err != nil {
				t.Fatalf("%s %s: not a PNG: %v", name, fig, err)
			}
			if s := img.Bounds().Size(); s.X != 1350 || s.Y != 900 {
				t.Errorf("%s %s: %v pixels, want 1350×900", name, fig, s)
			}
			left, right := inked(img, 1350*3/4)
			if left < 20000 || right < 500 {
				t.Errorf("%s %s: %d inked pixels on the axes side, %d in the legend: a line or the legend is missing", name, fig, left, right)
			}
		}
	}
}

func TestNoCurves(t *testing.T) {
	var r metrics.Result
	if err := PR(&bytes.Buffer{}, &r); !errors.Is(err, ErrNoCurves) {
		t.Errorf("PR of an empty result: %v", err)
	}
	if err := F1(&bytes.Buffer{}, &r); !errors.Is(err, ErrNoCurves) {
		t.Errorf("F1 of an empty result: %v", err)
	}
}
