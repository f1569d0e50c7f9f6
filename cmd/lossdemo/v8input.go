package main

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
)

// v8Inputs are an anchor-free head's inputs: its outputs P (and Q, the
// one-to-one branch's, for an end-to-end head), the labels and the head.
type v8Inputs struct {
	p, q    []batchfile.Tensor
	targets []target.Label
	head    model.AnchorFree
	source  string
	f32     bool // the outputs are float32
	// fileDType is the file's dtype of the outputs where -dtype converted
	// them as they were read; "" otherwise.
	fileDType string
}

// regMaxName is the array that marks a file as an anchor-free head's.
const regMaxName = "reg_max"

// zipNames returns the array names (without ".npy") of the .npz at path,
// or nil when it cannot be read as one (batchfile then says why).
func zipNames(path string) map[string]bool {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil
	}
	defer z.Close()
	names := map[string]bool{}
	for _, f := range z.File {
		n := f.Name
		if len(n) > 4 && n[len(n)-4:] == ".npy" {
			n = n[:len(n)-4]
		}
		names[n] = true
	}
	return names
}

// readV8 reads an anchor-free head's file: p0… [bs, 4·reg_max + nc, ny,
// nx], optionally q0… of the same shapes (an end-to-end head), reg_max
// (an integer scalar), targets [nt, 6] and optionally strides [nl] (else
// 8·2^i), under cli.MaxInputBytes in all, the outputs converted to dtype
// ("": the file's) as they are read.
func readV8(path string, names map[string]bool, dtype string) (*v8Inputs, error) {
	in := &v8Inputs{source: path}
	nl, nq := countPrefix(names, "p"), countPrefix(names, "q")
	switch {
	case nl == 0:
		return nil, cli.Inputf("%s: no array p0: an anchor-free head's file holds p0, p1, … [bs, 4·reg_max + nc, ny, nx]", path)
	case nq != 0 && nq != nl:
		return nil, cli.Inputf("%s: %d arrays q0… for %d arrays p0…: the one-to-one branch has one per layer", path, nq, nl)
	case !names["targets"]:
		return nil, cli.Inputf("%s: no array \"targets\" [nt, 6]", path)
	}
	var outputs []string
	for i := range nl {
		outputs = append(outputs, batchfile.PredName(i))
	}
	for i := range nq {
		outputs = append(outputs, "q"+strconv.Itoa(i))
	}
	rest := []string{"targets"}
	if names["strides"] {
		rest = append(rest, "strides")
	}
	f, size, err := cli.OpenInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	regMax, err := readRegMax(f, size, path) // first: it is small
	if err != nil {
		return nil, err
	}
	// The outputs are converted as they are read; the targets and strides
	// keep their precision. The cap holds for both reads together.
	o := cli.ReadOptions(dtype)
	outs, err := o.ReadTensors(f, size, outputs...)
	if err != nil {
		return nil, readErr(path, dtype, err)
	}
	o.MaxBytes, o.DType = max(1, o.MaxBytes-memOf(outs)), ""
	ts, err := o.ReadTensors(f, size, rest...)
	if err != nil {
		return nil, cli.Inputf("%s: %v", path, err)
	}
	if in.fileDType, err = fileDType(f, size, path, dtype); err != nil {
		return nil, err
	}
	ts = append(ts[:1:1], append(outs, ts[1:]...)...)
	in.p, in.q = ts[1:1+nl], ts[1+nl:1+nl+nq]
	var strides []float64
	if names["strides"] {
		s := ts[len(ts)-1]
		if len(s.Shape) != 1 || s.Shape[0] != nl {
			return nil, cli.Inputf("%s: array \"strides\" has shape %v, want [%d]", path, s.Shape, nl)
		}
		for k := range s.Len() {
			strides = append(strides, s.At(k))
		}
	} else {
		strides = model.DefaultStrides(nl)
	}
	if err := in.setHead(regMax, strides); err != nil {
		return nil, cli.Inputf("%s: %v", path, err)
	}
	if in.targets, err = readTargets(ts[0]); err != nil {
		return nil, cli.Inputf("%s: %v", path, err)
	}
	if err := target.CheckLabels(in.targets, in.p[0].Shape[0], in.head.NC); err != nil {
		return nil, cli.Inputf("%s: array \"targets\": %v", path, err)
	}
	return in, nil
}

// countPrefix returns n for the arrays prefix0 … prefix{n−1}.
func countPrefix(names map[string]bool, prefix string) int {
	n := 0
	for names[prefix+strconv.Itoa(n)] {
		n++
	}
	return n
}

// setHead checks the outputs' shapes, types and values and sets the head
// they describe.
func (in *v8Inputs) setHead(regMax int, strides []float64) error {
	first := in.p[0]
	if len(first.Shape) != 4 {
		return fmt.Errorf("array \"p0\" has shape %v; an anchor-free head's outputs are [bs, 4·reg_max + nc, ny, nx]", first.Shape)
	}
	in.head = model.AnchorFree{NC: first.Shape[1] - 4*regMax, RegMax: regMax, Strides: strides, End2End: len(in.q) > 0}
	if in.head.NC < 1 {
		return fmt.Errorf("array \"p0\" has %d channels: fewer than 4·reg_max + 1 = %d", first.Shape[1], 4*regMax+1)
	}
	if err := in.head.Validate(); err != nil {
		return err
	}
	in.f32 = first.F32 != nil
	for _, t := range slices.Concat(in.p, in.q) {
		switch {
		case len(t.Shape) != 4 || t.Shape[0] != first.Shape[0] || t.Shape[1] != first.Shape[1]:
			return fmt.Errorf("array %q has shape %v; want [%d, %d, ny, nx] as p0", t.Name, t.Shape, first.Shape[0], first.Shape[1])
		case (t.F32 != nil) != in.f32:
			return fmt.Errorf("array %q is %s but \"p0\" is %s", t.Name, t.DType(), first.DType())
		}
		for k := range t.Len() {
			if v := t.At(k); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("array %q: non-finite value %v at %v", t.Name, v, unravel(k, t.Shape))
			}
		}
	}
	for i, q := range in.q {
		if !slices.Equal(q.Shape, in.p[i].Shape) {
			return fmt.Errorf("array %q has shape %v, %q %v: the branches' outputs have the same shapes", q.Name, q.Shape, in.p[i].Name, in.p[i].Shape)
		}
	}
	return nil
}

// readTargets returns the rows of a targets array [nt, 6].
func readTargets(t batchfile.Tensor) ([]target.Label, error) {
	if len(t.Shape) != 2 || t.Shape[1] != 6 {
		return nil, fmt.Errorf("array \"targets\" has shape %v, want [nt, 6]", t.Shape)
	}
	out := make([]target.Label, t.Shape[0])
	for i := range out {
		for j := range 6 {
			out[i][j] = t.At(6*i + j)
		}
	}
	return out, nil
}

// maxRegMax bounds reg_max: ultralytics uses 16 or 1.
const maxRegMax = 256

// readRegMax reads the reg_max scalar of the .npz at path, open as f of
// size bytes.
func readRegMax(f io.ReaderAt, size int64, path string) (int, error) {
	v, err := cli.ReadOptions("").ReadInt(f, size, regMaxName)
	if err != nil {
		return 0, cli.Inputf("%s: %v", path, err)
	}
	if v < 1 || v > maxRegMax {
		return 0, cli.Inputf("%s: array %q: %d: want an integer from 1 to %d", path, regMaxName, v, maxRegMax)
	}
	return int(v), nil
}

// memOf returns the memory of the data of ts, in bytes.
func memOf(ts []batchfile.Tensor) int64 {
	var n int64
	for _, t := range ts {
		if t.F32 != nil {
			n += 4 * int64(len(t.F32))
		} else {
			n += 8 * int64(len(t.F64))
		}
	}
	return n
}

// v8Sample returns the built-in sample shaped by the anchor-free head a.
func v8Sample(a model.AnchorFree, source string) (*v8Inputs, error) {
	s, err := sample.ForAnchorFree(a, sampleSize(a.Strides), 8)
	if err != nil {
		return nil, cli.AsInput(err)
	}
	return &v8Inputs{p: s.P, q: s.Q, targets: s.Targets, head: a, source: source, f32: true}, nil
}

// sampleSize is the image size of the built-in samples shaped by a model
// file: 256 pixels, or the largest stride where that is larger.
func sampleSize(strides []float64) int {
	return max(256, int(strides[len(strides)-1]))
}

// loadLossInputs reads what the loss breakdown computes on: an anchor-free
// head's file (one with reg_max) or the built-in sample shaped by an
// ultralytics model file (-model) as in8, else YOLOv5's inputs as in.
func loadLossInputs(o *lossOpts) (in *inputs, in8 *v8Inputs, err error) {
	if o.model == "" {
		if o.pred != "" && o.sample == "" {
			if names := zipNames(o.pred); names[regMaxName] {
				in8, err = readV8(o.pred, names, o.dtype)
				return nil, in8, err
			}
		}
		in, err = loadInputsAs(o.hyp, o.pred, o.sample, o.dtype)
		return in, nil, err
	}
	if o.pred != "" || o.sample != "" {
		return nil, nil, cli.Inputf("-model %s: the built-in sample shaped by the model file; not with -pred or -sample", o.model)
	}
	f, err := model.LoadFile(o.model, nil)
	if err != nil {
		return nil, nil, cli.AsInput(err)
	}
	source := "built-in sample shaped by " + o.model
	if f.Head == model.HeadV8 {
		in8, err = v8Sample(*f.V8, source)
		return nil, in8, err
	}
	in = &inputs{model: *f.V5, source: source, f32: true, fromModel: true}
	if in.hyp, in.hypName, err = loadHyp(o.hyp); err != nil {
		return nil, nil, err
	}
	if in.batch, err = sample.ForDetect(*f.V5, sampleSize(f.V5.Strides), 5); err != nil {
		return nil, nil, cli.AsInput(err)
	}
	return in, nil, nil
}
