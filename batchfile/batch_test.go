package batchfile

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/tensor"
)

func TestValidate(t *testing.T) {
	for _, test := range []struct {
		name   string
		mutate func(b *Batch)
		want   string // "" for a valid batch
	}{
		{name: "base", mutate: func(*Batch) {}},
		{name: "no anchors, strides or targets", mutate: func(b *Batch) { b.AnchorsGrid, b.Strides, b.Targets = nil, nil, nil }},
		{name: "float32 layer", mutate: func(b *Batch) { b.Preds[2] = Tensor{Array: tensor.Array{Shape: baseP2, F32: ramp32(prod(baseP2))}} }},
		{
			name:   "no predictions",
			mutate: func(b *Batch) { b.Preds = nil },
			want:   `batchfile: no predictions: array "p0" is missing`,
		},
		{
			name:   "six layers",
			mutate: func(b *Batch) { b.Preds = append(b.Preds, b.Preds[:3]...); b.AnchorsGrid, b.Strides = nil, nil },
			want:   "batchfile: 6 prediction layers (p0..p5); at most 5 are supported",
		},
		{
			name:   "both data slices",
			mutate: func(b *Batch) { b.Preds[1].F32 = ramp32(prod(baseP1)) },
			want:   `batchfile: array "p1": exactly one of F32 and F64 must be non-nil`,
		},
		{
			name:   "no data slice",
			mutate: func(b *Batch) { b.Preds[0].F64 = nil },
			want:   `batchfile: array "p0": exactly one of F32 and F64 must be non-nil`,
		},
		{
			name:   "short data",
			mutate: func(b *Batch) { b.Preds[2].F64 = b.Preds[2].F64[:10] },
			want:   `batchfile: array "p2": shape [2 3 10 10 10] holds 6000 elements, but the data has 10`,
		},
		{
			name:   "rank 4",
			mutate: func(b *Batch) { b.Preds[1].Shape = []int{2, 3, 2, 30} },
			want:   `batchfile: array "p1": want rank 5 [bs, na, ny, nx, 5+nc], got shape [2 3 2 30]`,
		},
		{
			name:   "negative dimension",
			mutate: func(b *Batch) { b.Preds[0].Shape = []int{2, 3, -4, 6, 10} },
			want:   `batchfile: array "p0": zero dimension in shape [2 3 -4 6 10]`,
		},
		{
			name: "ragged anchors",
			mutate: func(b *Batch) {
				b.AnchorsGrid = [][][2]float64{b.AnchorsGrid[0], b.AnchorsGrid[1][:2], b.AnchorsGrid[2]}
			},
			want: `batchfile: array "anchors": na 2 disagrees with na 3 of array "p0" (want shape [3 3 2], got [3 2 2])`,
		},
		{
			name:   "anchors for two layers",
			mutate: func(b *Batch) { b.AnchorsGrid = b.AnchorsGrid[:2] },
			want:   `batchfile: array "anchors": nl 2 disagrees with 3 prediction layers (want shape [3 3 2], got [2 3 2])`,
		},
		{
			name:   "empty anchors",
			mutate: func(b *Batch) { b.AnchorsGrid = [][][2]float64{} },
			want:   `batchfile: array "anchors": nl 0 disagrees with 3 prediction layers (want shape [3 3 2], got [0 3 2])`,
		},
		{
			name: "anchor h NaN",
			mutate: func(b *Batch) {
				b.AnchorsGrid = [][][2]float64{b.AnchorsGrid[0], b.AnchorsGrid[1], {{1, 1}, {1, math.NaN()}, {1, 1}}}
			},
			want: `batchfile: array "anchors": non-finite value NaN at index 15 [2 1 1]`,
		},
		{
			name:   "strides too short",
			mutate: func(b *Batch) { b.Strides = b.Strides[:2] },
			want:   `batchfile: array "strides": want shape [nl] = [3], got [2]`,
		},
		{
			name:   "stride negative",
			mutate: func(b *Batch) { b.Strides = []float64{8, 16, -32} },
			want:   `batchfile: array "strides": value -32 at index 2 [2] is not > 0`,
		},
		{
			name: "NaN in float32 layer",
			mutate: func(b *Batch) {
				v := ramp32(prod(baseP1))
				v[11] = float32(math.NaN())
				b.Preds[1] = Tensor{Array: tensor.Array{Shape: baseP1, F32: v}}
			},
			want: `batchfile: array "p1": non-finite value NaN at index 11 [0 0 0 1 1]`,
		},
		{
			name:   "NaN target",
			mutate: func(b *Batch) { b.Targets = [][6]float64{{0, 0, 0.5, 0.5, math.NaN(), 0.1}} },
			want:   `batchfile: array "targets": non-finite value NaN at index 4 [0 4]`,
		},
		{
			name:   "class out of range",
			mutate: func(b *Batch) { b.Targets = [][6]float64{baseTargets[0], {1, 9, 0.5, 0.5, 0.1, 0.1}} },
			want:   "batchfile: targets[1] (row 1): class (column 1) = 9 is not an integer in [0, 5)",
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			b := baseBatch()
			test.mutate(b)
			err := b.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(test.want, got); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDims(t *testing.T) {
	for _, test := range []struct {
		name string
		b    *Batch
		want [4]int // nl, bs, na, nc
	}{
		{name: "base", b: baseBatch(), want: [4]int{3, 2, 3, 5}},
		{name: "empty", b: &Batch{}, want: [4]int{0, 0, 0, 0}},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := [4]int{test.b.NL(), test.b.BS(), test.b.NA(), test.b.NC()}
			if diff := cmp.Diff(test.want, got); diff != "" {
				t.Errorf("dimensions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTensors(t *testing.T) {
	b := baseBatch()
	b.Preds[0].Name = "renamed"
	want := []Tensor{
		{Name: "p0", Array: tensor.Array{Shape: baseP0, F64: ramp(prod(baseP0))}},
		{Name: "p1", Array: tensor.Array{Shape: baseP1, F64: ramp(prod(baseP1))}},
		{Name: "p2", Array: tensor.Array{Shape: baseP2, F64: ramp(prod(baseP2))}},
		{Name: "targets", Array: tensor.Array{Shape: []int{4, 6}, F64: flatTargets(baseTargets)}},
		{Name: "anchors", Array: tensor.Array{Shape: []int{3, 3, 2}, F64: flatAnchors(baseAnchors)}},
		{Name: "strides", Array: tensor.Array{Shape: []int{3}, F64: baseStrides}},
	}
	if diff := cmp.Diff(want, b.Tensors(), exact); diff != "" {
		t.Errorf("tensors mismatch (-want +got):\n%s", diff)
	}

	b.AnchorsGrid, b.Strides, b.Targets = nil, nil, nil
	got := b.Tensors()
	if len(got) != 4 {
		t.Fatalf("want 4 tensors without anchors and strides, got %d", len(got))
	}
	// cmp.Diff tells an empty F64 from a nil one.
	wantTargets := Tensor{Name: "targets", Array: tensor.Array{Shape: []int{0, 6}, F64: []float64{}}}
	if diff := cmp.Diff(wantTargets, got[3]); diff != "" {
		t.Errorf("empty targets mismatch (-want +got):\n%s", diff)
	}
}

func TestTensorLen(t *testing.T) {
	for _, test := range []struct {
		name string
		t    Tensor
		want int
	}{
		{"float32", Tensor{Array: tensor.Array{Shape: []int{2, 2}, F32: make([]float32, 4)}}, 4},
		{"float64", Tensor{Array: tensor.Array{Shape: []int{3}, F64: make([]float64, 3)}}, 3},
		{"empty", Tensor{Array: tensor.Array{Shape: []int{0, 6}, F64: []float64{}}}, 0},
		{"no data", Tensor{}, 0},
	} {
		if got := test.t.Len(); got != test.want {
			t.Errorf("%s: Len() = %d, want %d", test.name, got, test.want)
		}
	}
}

func TestUnravel(t *testing.T) {
	for _, test := range []struct {
		i     int
		shape []int
		want  []int
	}{
		{0, []int{2, 3}, []int{0, 0}},
		{5, []int{2, 3}, []int{1, 2}},
		{1234, baseP2, []int{0, 1, 2, 3, 4}},
		{0, []int{}, []int{}},
	} {
		if diff := cmp.Diff(test.want, unravel(test.i, test.shape)); diff != "" {
			t.Errorf("unravel(%d, %v) mismatch (-want +got):\n%s", test.i, test.shape, diff)
		}
	}
}
