package feed

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
)

func sampleBatch(t *testing.T) *batchfile.Batch {
	t.Helper()
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestModel(t *testing.T) {
	p5 := model.P5(80)
	for _, tc := range []struct {
		name    string
		mutate  func(b *batchfile.Batch)
		want    model.Detect
		wantErr string
	}{
		{"anchors and strides from the file", func(b *batchfile.Batch) {}, p5, ""},
		{"no anchors: YOLOv5's P5", func(b *batchfile.Batch) { b.AnchorsGrid = nil }, p5, ""},
		{"no strides: 8·2^i", func(b *batchfile.Batch) { b.Strides = nil }, p5, ""},
		{"no anchors, two layers", func(b *batchfile.Batch) { b.AnchorsGrid, b.Preds = nil, b.Preds[:2] },
			model.Detect{}, `no "anchors" array, and the default P5 anchors need 3 layers of 3 anchors; the file has 2 layers of 3`},
		{"strides out of order", func(b *batchfile.Batch) { b.Strides = []float64{8, 0, 32} }, model.Detect{}, "stride"},
	} {
		b := sampleBatch(t)
		tc.mutate(b)
		got, err := Model(b)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if d := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b float64) bool { return a == b || (a-b)*(a-b) < 1e-24 })); d != "" {
			t.Errorf("%s: model mismatch (-want +got):\n%s", tc.name, d)
		}
	}
	b := sampleBatch(t)
	b.AnchorsGrid, b.Preds = nil, b.Preds[:2]
	if _, err := Model(b); !errors.Is(err, ErrNoAnchors) {
		t.Errorf("no anchors, two layers: %v is not ErrNoAnchors", err)
	}
}

func TestFloat32(t *testing.T) {
	b := sampleBatch(t)
	if f32, err := Float32(b); !f32 || err != nil {
		t.Errorf("sample: %v, %v; want float32", f32, err)
	}
	p := b.Preds[1]
	p.F64, p.F32 = make([]float64, len(p.F32)), nil
	b.Preds[1] = p
	want := `array "p1" is float64 but "p0" is float32: all prediction layers must have one dtype`
	if _, err := Float32(b); err == nil || err.Error() != want {
		t.Errorf("mixed: error %v, want %q", err, want)
	}
}

// TestPreds: the engine's tensors view the file's data when the element
// types agree, and are rounded copies when they do not.
func TestPreds(t *testing.T) {
	b := sampleBatch(t) // float32
	p32 := Preds[float32](b)
	p32[0].Data[7] = 99
	if b.Preds[0].F32[7] != 99 {
		t.Error("float32 from a float32 file: not a view")
	}
	p64 := Preds[float64](b)
	p64[0].Data[7] = -1
	if b.Preds[0].F32[7] != 99 || p64[0].Data[8] != float64(b.Preds[0].F32[8]) {
		t.Error("float64 from a float32 file: not a copy of the values")
	}
	for i, pt := range p64 {
		if !slices.Equal(pt.Shape[:], b.Preds[i].Shape) {
			t.Errorf("layer %d: shape %v, want %v", i, pt.Shape, b.Preds[i].Shape)
		}
	}
	b64 := WithPreds(b, model.P5(80), p64, false)
	back := Preds[float32](b64)
	if got, want := back[0].Data[9], float32(p64[0].Data[9]); got != want {
		t.Errorf("float32 from a float64 file: %v, want %v", got, want)
	}
}

// TestWithPreds: the batch written after a fit holds the predictions in
// the asked type, the targets, and the model's anchors and strides.
func TestWithPreds(t *testing.T) {
	b := sampleBatch(t)
	b.Strides = nil
	m, err := Model(b)
	if err != nil {
		t.Fatal(err)
	}
	p := Preds[float64](b)
	p[2].Data[0] = 1.0 / 3
	for _, f32 := range []bool{true, false} {
		out := WithPreds(b, m, p, f32)
		if err := out.Validate(); err != nil {
			t.Fatalf("f32 %v: %v", f32, err)
		}
		if got, _ := Float32(out); got != f32 {
			t.Errorf("f32 %v: batch is float32: %v", f32, got)
		}
		if d := cmp.Diff([]float64{8, 16, 32}, out.Strides); d != "" {
			t.Errorf("strides mismatch (-want +got):\n%s", d)
		}
		if len(out.Targets) != len(b.Targets) || len(out.AnchorsGrid) != 3 {
			t.Errorf("f32 %v: %d targets, %d anchor layers", f32, len(out.Targets), len(out.AnchorsGrid))
		}
		if got := Preds[float64](out)[2].Data[0]; f32 && got != float64(float32(1.0/3)) || !f32 && got != 1.0/3 {
			t.Errorf("f32 %v: element %v", f32, got)
		}
	}
	arr := Arrays(p)
	if arr[1].Name != "p1" || &arr[1].F64[0] != &p[1].Data[0] {
		t.Errorf("Arrays: %q, sharing %v", arr[1].Name, &arr[1].F64[0] == &p[1].Data[0])
	}
}

// TestMatches: the matches are the assigner's, layer by layer, and
// MatchedCells marks exactly their cells.
func TestMatches(t *testing.T) {
	b := sampleBatch(t)
	m, err := Model(b)
	if err != nil {
		t.Fatal(err)
	}
	p := Preds[float32](b)
	got := Matches(m, 4, p, b.Targets)
	for i, pt := range p {
		want := target.Build(nil, target.Layer{NY: pt.Shape[2], NX: pt.Shape[3], Anchors: m.AnchorsGrid[i]}, b.Targets, 4)
		if d := cmp.Diff(want, got[i]); d != "" {
			t.Errorf("layer %d: matches mismatch (-want +got):\n%s", i, d)
		}
		cells := map[int]bool{}
		for _, mt := range want {
			cells[mt.Cell(pt.Shape[1], pt.Shape[2], pt.Shape[3])] = true
		}
		n := 0
		for c, on := range MatchedCells(got[i], pt.Shape) {
			if on != cells[c] {
				t.Errorf("layer %d, cell %d: marked %v", i, c, on)
			}
			if on {
				n++
			}
		}
		if n == 0 || n != len(cells) {
			t.Errorf("layer %d: %d cells marked, want %d (> 0)", i, n, len(cells))
		}
	}
}
