package feed

import (
	"errors"
	"fmt"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// ErrNoAnchors reports a batch without anchors whose layout the default P5
// anchors do not fit.
var ErrNoAnchors = errors.New(`no "anchors" array`)

// Model returns the engine's description of the model that made b: its
// classes, anchors and strides, with the defaults of the package doc for
// the arrays b lacks. It returns an error wrapping ErrNoAnchors when b has
// no anchors and not 3 layers of 3 anchors, and the model's own error when
// the description is not usable.
func Model(b *batchfile.Batch) (computeloss.Model, error) {
	m := computeloss.Model{NC: b.NC(), Anchors: b.Anchors, Strides: b.Strides}
	if m.Anchors == nil {
		if b.NL() != 3 || b.NA() != 3 {
			return computeloss.Model{}, fmt.Errorf("%w, and the default P5 anchors need 3 layers of 3 anchors; the file has %d layers of %d",
				ErrNoAnchors, b.NL(), b.NA())
		}
		m.Anchors = computeloss.P5Model(b.NC()).Anchors
	}
	if m.Strides == nil {
		for i := range b.NL() {
			m.Strides = append(m.Strides, float64(int(8)<<i)) // YOLOv5's P3, P4, … strides
		}
	}
	if err := m.Validate(); err != nil {
		return computeloss.Model{}, err
	}
	return m, nil
}

// Float32 reports whether the predictions of b are float32, and an error
// naming the first layer whose element type differs from p0's.
func Float32(b *batchfile.Batch) (bool, error) {
	f32 := b.Preds[0].F32 != nil
	for i, p := range b.Preds {
		if (p.F32 != nil) != f32 {
			return false, fmt.Errorf("array %q is %s but %q is %s: all prediction layers must have one dtype",
				batchfile.PredName(i), DTypeName(p.F32 != nil), batchfile.PredName(0), DTypeName(f32))
		}
	}
	return f32, nil
}

// DTypeName returns "float32" or "float64".
func DTypeName(f32 bool) string {
	if f32 {
		return "float32"
	}
	return "float64"
}

// Preds returns the predictions of b as engine tensors of element type T:
// views of b's data where its element type is T, converted copies
// elsewhere. It panics if a layer is not of rank 5 (batchfile.Batch.Validate
// rejects such a batch).
func Preds[T computeloss.Float](b *batchfile.Batch) []computeloss.Tensor[T] {
	p := make([]computeloss.Tensor[T], len(b.Preds))
	for i, t := range b.Preds {
		p[i] = computeloss.Tensor[T]{Data: data[T](t), Shape: shape5(t.Shape)}
	}
	return p
}

// data returns t's elements as []T, sharing them when t holds T.
func data[T computeloss.Float](t batchfile.Tensor) []T {
	if d, ok := any(t.F32).([]T); ok && t.F32 != nil {
		return d
	}
	if d, ok := any(t.F64).([]T); ok && t.F64 != nil {
		return d
	}
	out := make([]T, t.Len())
	for k, v := range t.F32 {
		out[k] = T(v)
	}
	for k, v := range t.F64 {
		out[k] = T(v)
	}
	return out
}

func shape5(s []int) [5]int {
	if len(s) != 5 {
		panic(fmt.Sprintf("feed: prediction of rank %d, want 5", len(s)))
	}
	return [5]int(s)
}

// Tensor returns an engine tensor as a tensor.Tensor sharing its data and
// shape, the type of package decode. (The engine's own tensor type is to
// become tensor.Tensor; this is then the identity.)
func Tensor[T computeloss.Float](t computeloss.Tensor[T]) tensor.Tensor[T] {
	return tensor.Tensor[T]{Data: t.Data, Shape: t.Shape[:]}
}

// Grads returns zeroed tensors of the shapes of p, for the engine's
// gradient.
func Grads[T computeloss.Float](p []computeloss.Tensor[T]) []computeloss.Tensor[T] {
	g := make([]computeloss.Tensor[T], len(p))
	for i, t := range p {
		g[i] = computeloss.NewTensor[T](t.Shape)
	}
	return g
}

// Arrays returns engine tensors as file arrays named p0, p1, …, sharing
// their data.
func Arrays[T computeloss.Float](p []computeloss.Tensor[T]) []batchfile.Tensor {
	out := make([]batchfile.Tensor, len(p))
	for i, t := range p {
		a := batchfile.Tensor{Name: batchfile.PredName(i), Shape: t.Shape[:]}
		switch d := any(t.Data).(type) {
		case []float32:
			a.F32 = d
		case []float64:
			a.F64 = d
		}
		out[i] = a
	}
	return out
}

// WithPreds returns a batch holding p as its predictions, in float32 when
// f32 is set (rounded to nearest) and float64 otherwise, with b's targets
// and m's anchors and strides: what a file written after the engine changed
// the predictions holds. The float64 arrays share p's data.
func WithPreds(b *batchfile.Batch, m computeloss.Model, p []computeloss.Tensor[float64], f32 bool) *batchfile.Batch {
	out := &batchfile.Batch{Targets: b.Targets, Anchors: m.Anchors, Strides: m.Strides}
	for i, a := range Arrays(p) {
		if f32 {
			a.F32 = make([]float32, len(p[i].Data))
			for k, v := range p[i].Data {
				a.F32[k] = float32(v)
			}
			a.F64 = nil
		}
		out.Preds = append(out.Preds, a)
	}
	return out
}

// Matches returns, per layer, the assigner's matches of the labels over the
// layers of p, as the engine builds them for a model m and an anchor_t.
func Matches[T computeloss.Float](m computeloss.Model, anchorT float64, p []computeloss.Tensor[T], labels []target.Label) [][]target.Match {
	out := make([][]target.Match, len(p))
	for i, t := range p {
		geo := target.Layer{NY: t.Shape[2], NX: t.Shape[3], Anchors: m.Anchors[i]}
		out[i] = target.Build([]target.Match{}, geo, labels, anchorT)
	}
	return out
}

// MatchedCells marks the cells of a layer of the given shape that some of
// its matches assign to, indexed as target.Match.Cell.
func MatchedCells(matches []target.Match, shape [5]int) []bool {
	cells := make([]bool, shape[0]*shape[1]*shape[2]*shape[3])
	for _, mt := range matches {
		cells[mt.Cell(shape[1], shape[2], shape[3])] = true
	}
	return cells
}
