package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// TestAnchorWarning: labels that a layer's anchors cannot match (here all
// of a few pixels, as anchors given in pixels where grid units are
// expected would make every label) leave the larger-stride layers without
// matches; lossdemo says so on stderr, and in the JSON, and computes as
// asked. Right anchors, or no labels, give no warning. Anchors in pixels
// themselves are refused by model.FromGrid (TestPixelAnchors).
func TestAnchorWarning(t *testing.T) {
	dir := t.TempDir()
	pixels := writeBatch(t, filepath.Join(dir, "tiny.npz"), func(b *batchfile.Batch) []batchfile.Tensor {
		for i := range b.Targets {
			b.Targets[i][4], b.Targets[i][5] = 0.02, 0.02
		}
		return b.Tensors()
	})
	noLabels := writeBatch(t, filepath.Join(dir, "nolabels.npz"), func(b *batchfile.Batch) []batchfile.Tensor {
		b.Targets = b.Targets[:0]
		return b.Tensors()
	})
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"tiny labels", []string{"-pred", pixels}, []string{
			"P4: no label matched its anchors; anchors in pixels?", "P5: no label matched its anchors; anchors in pixels?"}},
		{"built-in sample", nil, nil},
		{"no labels", []string{"-pred", noLabels, "-compare"}, nil},
	} {
		code, out, errOut := lossdemo(t, tc.args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, errOut)
		}
		var lines []string
		for _, w := range tc.want {
			lines = append(lines, "lossdemo: warning: "+w+"\n")
		}
		if d := cmp.Diff(strings.Join(lines, ""), errOut); d != "" {
			t.Errorf("%s: stderr mismatch (-want +got):\n%s", tc.name, d)
		}
		if !strings.Contains(out, "loss = ") || tc.name == "no labels" && !strings.Contains(out, "default parameters (no matches):") {
			t.Errorf("%s: no loss printed:\n%s", tc.name, out)
		}
		code, out, errOut = lossdemo(t, append(tc.args, "-json")...)
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil || code != 0 || errOut != "" {
			t.Fatalf("%s -json: exit %d, %v, stderr %q", tc.name, code, err, errOut)
		}
		if d := cmp.Diff(tc.want, r.Warnings); d != "" {
			t.Errorf("%s: JSON warnings mismatch (-want +got):\n%s", tc.name, d)
		}
	}
}

// TestPixelAnchors: anchors in pixels where the file holds grid units
// are an input error that says so.
func TestPixelAnchors(t *testing.T) {
	pixels := writeBatch(t, filepath.Join(t.TempDir(), "pixels.npz"), func(b *batchfile.Batch) []batchfile.Tensor {
		b.AnchorsGrid = model.P5(b.NC()).AnchorsPixels()
		return b.Tensors()
	})
	code, out, errOut := lossdemo(t, "-pred", pixels)
	if code != 2 || out != "" || !strings.Contains(errOut, "anchors in pixels?") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 and a hint at pixels", code, out, errOut)
	}
}

// TestGradReport: -grad says how many elements it wrote and how many are
// not finite; -dtype float32 on a float64 file runs in float32 and says
// so. The saturated golden case is the README's: finite here, where
// PyTorch's float32 gradient has 59 NaN elements.
func TestGradReport(t *testing.T) {
	dir := t.TempDir()
	c := "../../testdata/golden-cls/focal_g05_saturated"
	for _, tc := range []struct {
		name  string
		dtype string
		want  []string
	}{
		{"float64", "", []string{"2 images, 4 classes, 7 labels, float64\n", "(p0…p2, float64): 4536 elements, all finite"}},
		{"float32", "float32", []string{"7 labels, float32 (the file's float64, converted)\n", "(p0…p2, float32): 4536 elements, all finite"}},
	} {
		grad := filepath.Join(dir, tc.name+".npz")
		args := []string{"-hyp", filepath.Join(c, "hyp.yaml"), "-pred", filepath.Join(c, "input.npz"), "-grad", grad}
		if tc.dtype != "" {
			args = append(args, "-dtype", tc.dtype)
		}
		code, out, errOut := lossdemo(t, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.name, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, w, out)
			}
		}
		g, err := golden.ReadGrad(grad, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := g[0].DType(), map[string]string{"": "float64", "float32": "float32"}[tc.dtype]; got != want {
			t.Errorf("%s: gradient written in %s, want %s", tc.name, got, want)
		}
	}
}

// TestRecordGradCounts: the counts of elements and of those not finite
// (NaN, ±Inf) that -grad reports.
func TestRecordGradCounts(t *testing.T) {
	g := []tensor.Tensor[float32]{
		{Data: []float32{1, float32(math.NaN()), 0}, Shape: []int{1, 1, 1, 1, 3}},
		{Data: []float32{float32(math.Inf(-1)), 2, float32(math.Inf(1)), 0}, Shape: []int{1, 1, 1, 1, 4}},
	}
	var r report
	r.Layers = make([]layerReport, 2)
	r.DType = "float32"
	path := filepath.Join(t.TempDir(), "g.npz")
	recordGrad(&r, path, g)
	if *r.GradElements != 7 || *r.GradNonFinite != 3 {
		t.Errorf("elements %d, not finite %d; want 7 and 3", *r.GradElements, *r.GradNonFinite)
	}
	var out strings.Builder
	printGrad(&out, &r)
	if want := "gradient written to " + path + " (p0…p1, float32): 7 elements, 3 not finite (NaN or ±Inf)\n"; out.String() != want {
		t.Errorf("printGrad: %q, want %q", out.String(), want)
	}
}
