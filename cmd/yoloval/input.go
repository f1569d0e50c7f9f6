package main

import (
	"fmt"
	"math"
	"os"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// readArrays reads pred and targets from the .npz file at path, with
// batchfile's checks on headers and sizes.
func readArrays(path string) (pred, targets tensor.Array, err error) {
	f, err := os.Open(path)
	if err != nil {
		return pred, targets, cli.AsInput(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return pred, targets, cli.AsInput(err)
	}
	ts, err := batchfile.ReadTensors(f, fi.Size(), "pred", "targets")
	if err != nil {
		return pred, targets, cli.AsInput(fmt.Errorf("%s: %w", path, err))
	}
	return toArray(ts[0]), toArray(ts[1]), nil
}

// toArray views a file tensor as a tensor.Array.
func toArray(t batchfile.Tensor) tensor.Array {
	return tensor.Array{Shape: t.Shape, F32: t.F32, F64: t.F64}
}

// inputs are a checked pred and targets in the element type T.
type inputs[T tensor.Float] struct {
	pred    tensor.Tensor[T] // [bs, n, 5+nc]
	targets tensor.Tensor[T] // [nt, 6]
	nc      int
}

// checkInputs checks pred and targets and returns them in pred's element
// type T (targets converted when their dtype differs). Every problem is
// an input error naming the file, the array and the index.
func checkInputs[T tensor.Float](path string, pa, ta tensor.Array) (*inputs[T], error) {
	pred, _ := tensor.As[T](pa)
	if err := nms.Check(pred); err != nil {
		return nil, cli.Inputf("%s: array \"pred\": %w", path, err)
	}
	if len(pred.Shape) != 3 {
		return nil, cli.Inputf("%s: array \"pred\": shape %v is not [bs, n, 5+nc]", path, pred.Shape)
	}
	in := &inputs[T]{pred: pred, targets: tensor.Convert[T](ta), nc: pred.Shape[2] - 5}
	if err := checkTargets(in.targets, pred.Shape[0], in.nc); err != nil {
		return nil, cli.Inputf("%s: array \"targets\": %w", path, err)
	}
	return in, nil
}

// targetColumns name the columns of targets.
var targetColumns = [6]string{"image", "class", "cx", "cy", "w", "h"}

// checkTargets reports the first bad value of targets [nt, 6]: an image
// index or class that is not an integer in range, a non-finite number, a
// negative size.
func checkTargets[T tensor.Float](t tensor.Tensor[T], bs, nc int) error {
	if len(t.Shape) != 2 || t.Shape[1] != 6 {
		return fmt.Errorf("shape %v is not [nt, 6] (image, class, cx, cy, w, h)", t.Shape)
	}
	for i := range t.Shape[0] {
		for c, v := range t.Data[6*i : 6*i+6] {
			if what := checkTarget(float64(v), c, bs, nc); what != "" {
				return fmt.Errorf("index [%d %d] (%s) = %v: %s", i, c, targetColumns[c], v, what) // %v of a T prints it at its own precision
			}
		}
	}
	return nil
}

// checkTarget returns what is wrong with v in column c, or "".
func checkTarget(v float64, c, bs, nc int) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "not a finite number"
	case c == 0 && !(v >= 0 && v < float64(bs) && v == math.Trunc(v)):
		return fmt.Sprintf("not an image index, an integer in [0, %d)", bs)
	case c == 1 && !(v >= 0 && v < float64(nc) && v == math.Trunc(v)):
		return fmt.Sprintf("not a class, an integer in [0, %d) (pred has %d classes)", nc, nc)
	case c >= 4 && v < 0:
		return "a negative box size"
	}
	return ""
}
