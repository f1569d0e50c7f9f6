package batchfile

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

const (
	// MaxLayers is the largest number of prediction layers (p0..p4) a
	// batch may have.
	MaxLayers = 5

	// MaxBytes is the default cap on the memory that the data of the
	// arrays read from one file take once read, over all of them (see
	// Options.MaxBytes). Headers are checked against it before anything
	// is allocated. Commands that read files from others pass a lower
	// one.
	MaxBytes int64 = 4 << 30
)

// Tensor is one named array of a file: a tensor.Array of float32 or
// float64 (float16 files are widened to float32 as they are read).
type Tensor struct {
	Name string
	tensor.Array
}

// check reports a tensor whose data does not match its shape.
func (t Tensor) check(name string) error {
	if (t.F32 == nil) == (t.F64 == nil) {
		return fmt.Errorf("array %q: exactly one of F32 and F64 must be non-nil", name)
	}
	n, ok := tensor.Size(t.Shape)
	if !ok {
		return fmt.Errorf("array %q: invalid shape %v", name, t.Shape)
	}
	if n != t.Len() {
		return fmt.Errorf("array %q: shape %v holds %d elements, but the data has %d", name, t.Shape, n, t.Len())
	}
	return nil
}

// Batch is one call's worth of inputs.
type Batch struct {
	Preds       []Tensor       // p0..p{nl-1}, each rank 5
	Targets     [][6]float64   // (image, class, x, y, w, h)
	AnchorsGrid [][][2]float64 // [nl][na] anchor (w, h) in grid units; nil when absent
	Strides     []float64      // [nl]; nil when absent
}

// NL returns the number of prediction layers, len(b.Preds).
func (b *Batch) NL() int { return len(b.Preds) }

// BS returns the batch size, dimension 0 of Preds[0]; like NA and NC, it
// returns 0 when Preds[0] is missing or not of rank 5.
func (b *Batch) BS() int { return b.dim(0) }

// NA returns the number of anchors per layer, dimension 1 of Preds[0].
func (b *Batch) NA() int { return b.dim(1) }

// NC returns the number of classes, the last dimension of Preds[0] less 5.
func (b *Batch) NC() int {
	if no := b.dim(4); no > 0 {
		return no - 5
	}
	return 0
}

func (b *Batch) dim(i int) int {
	if len(b.Preds) == 0 || len(b.Preds[0].Shape) != 5 {
		return 0
	}
	return b.Preds[0].Shape[i]
}

// PredName returns the name of prediction array i in a batch file: "p0",
// "p1", and so on.
func PredName(i int) string { return "p" + strconv.Itoa(i) }

// Tensors returns the batch as the arrays of its file: p0..p{nl-1}
// (sharing memory with Preds, named after their position), then
// "targets" [nt, 6], and "anchors" [nl, na, 2] and "strides" [nl] when
// present, those three as new float64 arrays.
func (b *Batch) Tensors() []Tensor {
	ts := make([]Tensor, 0, len(b.Preds)+3)
	for i, p := range b.Preds {
		p.Name = PredName(i)
		ts = append(ts, p)
	}
	tg := make([]float64, 0, 6*len(b.Targets))
	for _, row := range b.Targets {
		tg = append(tg, row[:]...)
	}
	ts = append(ts, Tensor{Name: "targets", Array: tensor.Array{Shape: []int{len(b.Targets), 6}, F64: tg}})
	if b.AnchorsGrid != nil {
		na := 0
		if len(b.AnchorsGrid) > 0 {
			na = len(b.AnchorsGrid[0])
		}
		an := make([]float64, 0, 2*na*len(b.AnchorsGrid))
		for _, layer := range b.AnchorsGrid {
			for _, a := range layer {
				an = append(an, a[0], a[1])
			}
		}
		ts = append(ts, Tensor{Name: "anchors", Array: tensor.Array{Shape: []int{len(b.AnchorsGrid), na, 2}, F64: an}})
	}
	if b.Strides != nil {
		ts = append(ts, Tensor{Name: "strides", Array: tensor.Array{Shape: []int{len(b.Strides)}, F64: append([]float64{}, b.Strides...)}})
	}
	return ts
}

// Validate checks that b is a consistent batch: one to MaxLayers
// prediction layers of rank 5 that agree on bs, na and 5+nc, with nc ≥ 1
// and no zero dimension; anchors of shape [nl, na, 2] and strides of shape
// [nl], finite and positive, when present; targets whose image index is an
// integer in [0, bs), class an integer in [0, nc), centre in [0, 1] and
// size in (0, 1]; and no NaN or Inf anywhere. Errors begin with
// "batchfile: " and name the array and the index.
func (b *Batch) Validate() error {
	if err := b.validate(); err != nil {
		return fmt.Errorf("batchfile: %w", err)
	}
	return nil
}

func (b *Batch) validate() error {
	if len(b.Preds) == 0 {
		return errors.New(`no predictions: array "p0" is missing`)
	}
	if len(b.Preds) > MaxLayers {
		return errTooManyLayers(len(b.Preds))
	}
	shapes := make([][]int, len(b.Preds))
	for i, p := range b.Preds {
		shapes[i] = p.Shape
	}
	if err := checkPredShapes(shapes); err != nil {
		return err
	}
	for i, p := range b.Preds {
		if err := p.check(PredName(i)); err != nil {
			return err
		}
	}
	nl, na := b.NL(), b.NA()
	if b.AnchorsGrid != nil {
		got := []int{len(b.AnchorsGrid), na, 2}
		for _, layer := range b.AnchorsGrid {
			if len(layer) != na {
				got[1] = len(layer)
				break
			}
		}
		if err := checkAnchorsShape(got, shapes); err != nil {
			return err
		}
	}
	if b.Strides != nil {
		if err := checkStridesShape([]int{len(b.Strides)}, nl); err != nil {
			return err
		}
	}

	for i, p := range b.Preds {
		if err := checkFinite(PredName(i), p.Shape, p.Len(), p.At); err != nil {
			return err
		}
	}
	if err := checkFinite("targets", []int{len(b.Targets), 6}, 6*len(b.Targets), func(i int) float64 {
		return b.Targets[i/6][i%6]
	}); err != nil {
		return err
	}
	if b.AnchorsGrid != nil {
		shape := []int{nl, na, 2}
		at := func(i int) float64 { return b.AnchorsGrid[i/(2*na)][i/2%na][i%2] }
		if err := checkFinite("anchors", shape, nl*na*2, at); err != nil {
			return err
		}
		if err := checkPositive("anchors", shape, nl*na*2, at); err != nil {
			return err
		}
	}
	if b.Strides != nil {
		at := func(i int) float64 { return b.Strides[i] }
		if err := checkFinite("strides", []int{nl}, nl, at); err != nil {
			return err
		}
		if err := checkPositive("strides", []int{nl}, nl, at); err != nil {
			return err
		}
	}
	return checkTargets(b.Targets, b.BS(), b.NC())
}

func errTooManyLayers(nl int) error {
	return fmt.Errorf("%d prediction layers (p0..p%d); at most %d are supported", nl, nl-1, MaxLayers)
}

// dimNames names the dimensions of a prediction array.
var dimNames = [5]string{"bs", "na", "ny", "nx", "5+nc"}

// checkPredShapes checks the shapes of p0..p{nl-1}: rank 5, no zero
// dimension, nc ≥ 1, and bs, na and 5+nc equal across layers.
func checkPredShapes(shapes [][]int) error {
	for i, s := range shapes {
		name := PredName(i)
		if len(s) != 5 {
			return fmt.Errorf("array %q: want rank 5 [bs, na, ny, nx, 5+nc], got shape %v", name, s)
		}
		for _, d := range s {
			if d <= 0 {
				return fmt.Errorf("array %q: zero dimension in shape %v", name, s)
			}
		}
		if s[4] < 6 {
			return fmt.Errorf("array %q: last dimension 5+nc = %d gives nc = %d; want nc >= 1", name, s[4], s[4]-5)
		}
		if i == 0 {
			continue
		}
		for _, k := range []int{0, 1, 4} {
			if s[k] != shapes[0][k] {
				return fmt.Errorf("array %q: %s %d disagrees with %s %d of array %q",
					name, dimNames[k], s[k], dimNames[k], shapes[0][k], "p0")
			}
		}
	}
	return nil
}

// checkAnchorsShape checks that anchors of shape got fit predictions of
// the given shapes, already checked by checkPredShapes.
func checkAnchorsShape(got []int, preds [][]int) error {
	nl, na := len(preds), preds[0][1]
	want := []int{nl, na, 2}
	if len(got) != 3 || got[2] != 2 {
		return fmt.Errorf("array %q: want shape [nl, na, 2] = %v, got %v", "anchors", want, got)
	}
	if got[0] != nl {
		return fmt.Errorf("array %q: nl %d disagrees with %d prediction layers (want shape %v, got %v)",
			"anchors", got[0], nl, want, got)
	}
	if got[1] != na {
		return fmt.Errorf("array %q: na %d disagrees with na %d of array %q (want shape %v, got %v)",
			"anchors", got[1], na, "p0", want, got)
	}
	return nil
}

func checkStridesShape(got []int, nl int) error {
	if len(got) != 1 || got[0] != nl {
		return fmt.Errorf("array %q: want shape [nl] = [%d], got %v", "strides", nl, got)
	}
	return nil
}

func checkTargetsShape(got []int) error {
	if len(got) != 2 || got[1] != 6 {
		return fmt.Errorf("array %q: want shape [nt, 6], got %v", "targets", got)
	}
	return nil
}

// unravel returns the C-order multi-index of flat index i in shape.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = i % shape[k]
			i /= shape[k]
		}
	}
	return idx
}

func checkFinite(name string, shape []int, n int, at func(int) float64) error {
	for i := range n {
		if v := at(i); math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("array %q: non-finite value %v at index %d %v", name, v, i, unravel(i, shape))
		}
	}
	return nil
}

func checkPositive(name string, shape []int, n int, at func(int) float64) error {
	for i := range n {
		if v := at(i); !(v > 0) {
			return fmt.Errorf("array %q: value %v at index %d %v is not > 0", name, v, i, unravel(i, shape))
		}
	}
	return nil
}

// checkTargets checks the rows of targets, which are finite, with
// target.CheckLabel: the one statement of what a label row must hold.
func checkTargets(targets [][6]float64, bs, nc int) error {
	for r, row := range targets {
		if err := target.CheckLabel(row, bs, nc); err != nil {
			return fmt.Errorf("targets[%d] (row %d): %w", r, r, err)
		}
	}
	return nil
}
