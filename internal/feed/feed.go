package feed

import (
	"errors"
	"fmt"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// ErrNoAnchors reports a batch without anchors whose layout the default P5
// anchors do not fit.
var ErrNoAnchors = errors.New(`no "anchors" array`)

// Model returns the Detect head that made b: its classes, anchors (grid
// units) and strides, with the defaults of the package doc for the arrays b
// lacks. It returns an error wrapping ErrNoAnchors when b has no anchors and
// not 3 layers of 3 anchors, and the model's own error when the description
// is not usable.
func Model(b *batchfile.Batch) (model.Detect, error) {
	anchors := b.AnchorsGrid
	if anchors == nil {
		if b.NL() != 3 || b.NA() != 3 {
			return model.Detect{}, fmt.Errorf("%w, and the default P5 anchors need 3 layers of 3 anchors; the file has %d layers of %d",
				ErrNoAnchors, b.NL(), b.NA())
		}
		anchors = model.P5(b.NC()).AnchorsGrid
	}
	return model.FromGrid(b.NC(), anchors, b.Strides) // nil strides: model.DefaultStrides
}

// Float32 reports whether the predictions of b are float32, and an error
// naming the first layer whose element type differs from p0's.
func Float32(b *batchfile.Batch) (bool, error) {
	f32 := b.Preds[0].F32 != nil
	for i, p := range b.Preds {
		if (p.F32 != nil) != f32 {
			return false, fmt.Errorf("array %q is %s but %q is %s: all prediction layers must have one dtype",
				batchfile.PredName(i), p.DType(), batchfile.PredName(0), b.Preds[0].DType())
		}
	}
	return f32, nil
}

// Preds returns the predictions of b as engine tensors of element type T:
// views of b's data where its element type is T, converted copies
// elsewhere (tensor.Convert).
func Preds[T tensor.Float](b *batchfile.Batch) []tensor.Tensor[T] {
	p := make([]tensor.Tensor[T], len(b.Preds))
	for i, t := range b.Preds {
		p[i] = tensor.Convert[T](t.Array)
	}
	return p
}

// Grads returns zeroed tensors of the shapes of p, for the engine's
// gradient.
func Grads[T tensor.Float](p []tensor.Tensor[T]) []tensor.Tensor[T] {
	g := make([]tensor.Tensor[T], len(p))
	for i, t := range p {
		g[i] = tensor.New[T](t.Shape...)
	}
	return g
}

// Arrays returns engine tensors as file arrays named p0, p1, …, sharing
// their data.
func Arrays[T tensor.Float](p []tensor.Tensor[T]) []batchfile.Tensor {
	out := make([]batchfile.Tensor, len(p))
	for i, t := range p {
		out[i] = batchfile.Tensor{Name: batchfile.PredName(i), Array: tensor.View(t)}
	}
	return out
}

// WithPreds returns a batch holding p as its predictions, in float32 when
// f32 is set (rounded to nearest) and float64 otherwise, with b's targets
// and m's anchors and strides: what a file written after the engine changed
// the predictions holds. The float64 arrays share p's data.
func WithPreds(b *batchfile.Batch, m model.Detect, p []tensor.Tensor[float64], f32 bool) *batchfile.Batch {
	out := &batchfile.Batch{Targets: b.Targets, AnchorsGrid: m.AnchorsGrid, Strides: m.Strides}
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
func Matches[T tensor.Float](m model.Detect, anchorT float64, p []tensor.Tensor[T], labels []target.Label) [][]target.Match {
	out := make([][]target.Match, len(p))
	for i, t := range p {
		geo := target.Layer{NY: t.Shape[2], NX: t.Shape[3], Anchors: m.AnchorsGrid[i]}
		out[i] = target.Build([]target.Match{}, geo, labels, anchorT)
	}
	return out
}

// MatchedCells marks the cells of a layer of the given shape that some of
// its matches assign to, indexed as target.Match.Cell.
func MatchedCells(matches []target.Match, shape []int) []bool {
	cells := make([]bool, shape[0]*shape[1]*shape[2]*shape[3])
	for _, mt := range matches {
		cells[mt.Cell(shape[1], shape[2], shape[3])] = true
	}
	return cells
}
