package metrics_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

func TestPixelTargets(t *testing.T) {
	labels := []target.Label{
		{0, 2, 0.5, 0.25, 0.1, 0.2},
		{3, 0, 1, 0, 1, 1},
	}
	got := metrics.PixelTargets(tensor.Tensor[float64]{}, labels, 640, 480)
	want := tensor.Tensor[float64]{Shape: []int{2, 6}, Data: []float64{
		0, 2, 320, 120, 64, 96,
		3, 0, 640, 0, 640, 480,
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
	// float32: the label rounded to float32, then the product rounded, as
	// a float32 tensor times the image size.
	x := 0.1234567891234
	got32 := metrics.PixelTargets(tensor.Tensor[float32]{}, []target.Label{{0, 0, x, x, x, x}}, 640, 333)
	if w, h := float32(x)*640, float32(x)*333; got32.Data[2] != w || got32.Data[5] != h || float64(got32.Data[2]) == x*640 {
		t.Errorf("float32: %v, want x·640 = %v and y·333 = %v in float32", got32.Data, w, h)
	}
	// Reuse: no allocation when dst is large enough, and nt = 0 works.
	if a := testing.AllocsPerRun(5, func() { got = metrics.PixelTargets(got, labels, 640, 480) }); a != 0 {
		t.Errorf("%v allocations with a large enough dst", a)
	}
	if e := metrics.PixelTargets(got, nil, 640, 480); e.Shape[0] != 0 || e.Shape[1] != 6 || len(e.Data) != 0 {
		t.Errorf("no labels: %v", e)
	}
	defer func() {
		if r, _ := recover().(string); !strings.Contains(r, "image size 0×480") {
			t.Errorf("width 0: recovered %q", r)
		}
	}()
	metrics.PixelTargets(got, labels, 0, 480)
}

func TestCheckUnits(t *testing.T) {
	for _, tc := range []struct {
		name          string
		targets       []float64
		width, height float64
		warn          bool
	}{
		{"normalised", []float64{0, 1, 0.5, 0.5, 0.2, 0.3, 1, 0, 0.1, 0.9, 0.05, 0.05}, 640, 640, true},
		{"normalised at the edges", []float64{0, 0, 0, 1, 1, 0}, 64, 32, true},
		{"pixels", []float64{0, 1, 320, 320, 64, 96}, 640, 640, false},
		{"one target in pixels", []float64{0, 1, 0.5, 0.5, 0.2, 0.3, 0, 0, 0.5, 0.5, 2, 1}, 640, 640, false},
		{"a 1×1 image", []float64{0, 1, 0.5, 0.5, 0.2, 0.3}, 1, 1, false},
		{"no targets", nil, 640, 640, false},
		{"NaN", []float64{0, 1, math.NaN(), 0.5, 0.2, 0.3}, 640, 640, false},
	} {
		tg := tensor.Tensor[float32]{Shape: []int{len(tc.targets) / 6, 6}, Data: make([]float32, len(tc.targets))}
		for i, v := range tc.targets {
			tg.Data[i] = float32(v)
		}
		err := metrics.CheckUnits(tg, tc.width, tc.height)
		if (err != nil) != tc.warn || (err != nil && !errors.Is(err, metrics.ErrNormalisedTargets)) {
			t.Errorf("%s: %v, want a warning: %v", tc.name, err, tc.warn)
		}
		if err != nil && !strings.Contains(err.Error(), "metrics.PixelTargets") {
			t.Errorf("%s: %v does not say how to convert", tc.name, err)
		}
	}
}
