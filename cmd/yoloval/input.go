package main

import (
	"archive/zip"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// defaultRegMax is ultralytics' reg_max, taken when a file of raw
// anchor-free outputs has no "reg_max" array.
const defaultRegMax = 16

// maxRegMax bounds reg_max, far above ultralytics' 16 and 1.
const maxRegMax = 1 << 16

// loaded is what the -pred file holds, before the element type is
// chosen: either the head's decoded inference output (pred) with pixel
// targets, or its raw outputs (raw).
type loaded struct {
	pred, targets tensor.Array // the decoded form
	raw           *rawFile     // the raw form; nil for the decoded one
	f32           bool         // the predictions are float32
}

// rawFile is a file of the head's raw outputs p0 … p{nl−1}, with its
// targets normalised, as lossdemo reads it.
type rawFile struct {
	head   nms.Head
	preds  []tensor.Array
	labels []target.Label   // normalised
	v5     model.Detect     // head v5: anchors and strides
	v8     model.AnchorFree // head v8: reg_max and strides
	regMax string           // where reg_max came from, for people
	width  int              // the image size the grids and strides give, pixels
	height int
}

// strides are the head's strides, one per layer.
func (r *rawFile) strides() []float64 {
	if r.head == nms.V5 {
		return r.v5.Strides
	}
	return r.v8.Strides
}

// expected lists the arrays yoloval reads, for the error when neither form
// is in the file.
const expected = `"pred" (decoded: [bs, n, 5+nc] for -head v5, [bs, 4+nc, n] for -head v8; pixels and probabilities) with "targets" [nt, 6] in pixels, ` +
	`or the head's raw outputs "p0", "p1", … ([bs, na, ny, nx, 5+nc] for v5, [bs, 4·reg_max+nc, ny, nx] for v8) with "targets" [nt, 6] normalised ` +
	`and optionally "strides" [nl], "anchors" [nl, na, 2] in grid units (v5) and "reg_max" (v8)`

// load reads the -pred file. head is the -head flag's value and headSet
// whether it was given; a raw file's layers choose the head otherwise.
func load(path string, head nms.Head, headSet bool) (*loaded, error) {
	names, err := arrayNames(path)
	if err != nil {
		return nil, err
	}
	has := func(n string) bool { return slices.Contains(names, n) }
	switch {
	case has("pred"):
		pa, ta, err := readArrays(path)
		if err != nil {
			return nil, err
		}
		return &loaded{pred: pa, targets: ta, f32: pa.F32 != nil}, nil
	case has("p0"):
		raw, err := readRaw(path, names, head, headSet)
		if err != nil {
			return nil, err
		}
		return &loaded{raw: raw, f32: raw.preds[0].F32 != nil}, nil
	}
	shown := strings.Join(names, ", ")
	if len(names) == 0 {
		shown = "none"
	}
	return nil, cli.Inputf("%s: no predictions: want %s; the file's arrays: %s", path, expected, shown)
}

// arrayNames lists the arrays of the .npz file at path, without ".npy",
// in the archive's order.
func arrayNames(path string) ([]string, error) {
	f, size, err := cli.OpenInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return nil, cli.Inputf("%s: not an .npz file (a zip archive of .npy arrays): %v", path, err)
	}
	var names []string
	for _, e := range zr.File {
		names = append(names, strings.TrimSuffix(e.Name, ".npy"))
	}
	return names, nil
}

// readTensors reads the named arrays of the .npz file at path, with
// batchfile's checks on headers and sizes.
func readTensors(path string, names ...string) ([]batchfile.Tensor, error) {
	f, size, err := cli.OpenInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ts, err := cli.ReadOptions("").ReadTensors(f, size, names...)
	if err != nil {
		return nil, cli.AsInput(fmt.Errorf("%s: %w", path, err))
	}
	return ts, nil
}

// readArrays reads pred and targets from the .npz file at path.
func readArrays(path string) (pred, targets tensor.Array, err error) {
	ts, err := readTensors(path, "pred", "targets")
	if err != nil {
		return pred, targets, err
	}
	return ts[0].Array, ts[1].Array, nil
}

// readRaw reads a file of raw head outputs: p0 … p{nl−1}, targets, and
// strides, anchors (v5) and reg_max (v8) when present. The rank of p0
// gives the head: 5 for v5, 4 for v8.
func readRaw(path string, names []string, head nms.Head, headSet bool) (*rawFile, error) {
	var want []string
	nl := 0
	for slices.Contains(names, batchfile.PredName(nl)) {
		want = append(want, batchfile.PredName(nl))
		nl++
	}
	if nl > model.MaxLayers {
		return nil, cli.Inputf("%s: %d prediction layers (p0 … p%d); at most %d are supported", path, nl, nl-1, model.MaxLayers)
	}
	want = append(want, "targets")
	for _, opt := range []string{"strides", "anchors"} {
		if slices.Contains(names, opt) {
			want = append(want, opt)
		}
	}
	ts, err := readTensors(path, want...)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]tensor.Array, len(ts))
	for i, t := range ts {
		byName[want[i]] = t.Array
	}
	r := &rawFile{}
	for i := range nl {
		r.preds = append(r.preds, byName[batchfile.PredName(i)])
	}
	rank := len(r.preds[0].Shape)
	switch {
	case rank == 5:
		r.head = nms.V5
	case rank == 4:
		r.head = nms.V8
	default:
		return nil, cli.Inputf("%s: array \"p0\": shape %v is neither YOLOv5's raw layer [bs, na, ny, nx, 5+nc] (rank 5) nor the anchor-free head's [bs, 4·reg_max+nc, ny, nx] (rank 4)", path, r.preds[0].Shape)
	}
	if headSet && head != r.head {
		return nil, cli.Inputf("%s: array \"p0\" has rank %d, the raw output of the %s head, but -head is %s", path, rank, r.head, head)
	}
	if r.head == nms.V5 {
		err = r.checkV5(byName)
	} else {
		err = r.checkV8(path, names, byName)
	}
	if err != nil {
		return nil, cli.Inputf("%s: %w", path, err)
	}
	if err := r.imageSize(); err != nil {
		return nil, cli.Inputf("%s: %w", path, err)
	}
	return r, nil
}

// checkV5 checks a YOLOv5 head's raw file as lossdemo does
// (batchfile.Batch.Validate) and takes its anchors and strides, with
// lossdemo's defaults for those absent (feed.Model).
func (r *rawFile) checkV5(byName map[string]tensor.Array) error {
	b := &batchfile.Batch{}
	for i, p := range r.preds {
		b.Preds = append(b.Preds, batchfile.Tensor{Name: batchfile.PredName(i), Array: p})
	}
	labels, err := labelsOf(byName["targets"])
	if err != nil {
		return err
	}
	b.Targets = labels
	if a, ok := byName["anchors"]; ok {
		if len(a.Shape) != 3 || a.Shape[2] != 2 {
			return fmt.Errorf("array \"anchors\": want shape [nl, na, 2], got %v", a.Shape)
		}
		b.AnchorsGrid = make([][][2]float64, a.Shape[0])
		for l := range b.AnchorsGrid {
			b.AnchorsGrid[l] = make([][2]float64, a.Shape[1])
			for k := range b.AnchorsGrid[l] {
				i := 2 * (l*a.Shape[1] + k)
				b.AnchorsGrid[l][k] = [2]float64{a.At(i), a.At(i + 1)}
			}
		}
	}
	if s, ok := byName["strides"]; ok {
		if b.Strides, err = stridesOf(s); err != nil {
			return err
		}
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if _, err := feed.Float32(b); err != nil {
		return err
	}
	if r.v5, err = feed.Model(b); err != nil {
		return err
	}
	r.labels = b.Targets
	return nil
}

// checkV8 checks an anchor-free head's raw file: layers of rank 4 and one
// dtype, every value finite, reg_max and strides that fit them, targets
// normalised.
func (r *rawFile) checkV8(path string, names []string, byName map[string]tensor.Array) error {
	for i, p := range r.preds {
		name := batchfile.PredName(i)
		if len(p.Shape) != 4 {
			return fmt.Errorf("array %q: shape %v, want rank 4 [bs, 4·reg_max+nc, ny, nx] as p0", name, p.Shape)
		}
		if (p.F32 != nil) != (r.preds[0].F32 != nil) {
			return fmt.Errorf("array %q is %s but \"p0\" is %s: all prediction layers must have one dtype", name, p.DType(), r.preds[0].DType())
		}
		if err := finite(name, p); err != nil {
			return err
		}
	}
	r.v8 = model.AnchorFree{RegMax: defaultRegMax}
	r.regMax = fmt.Sprintf("reg_max %d (ultralytics' default; the file has no \"reg_max\")", defaultRegMax)
	if slices.Contains(names, "reg_max") {
		v, err := readRegMax(path)
		if err != nil {
			return err
		}
		if v < 1 || v > maxRegMax {
			return fmt.Errorf("array \"reg_max\": %d; want an integer in [1, %d]", v, maxRegMax)
		}
		r.v8.RegMax, r.regMax = int(v), fmt.Sprintf("reg_max %d", v)
	}
	r.v8.NC = r.preds[0].Shape[1] - 4*r.v8.RegMax
	if r.v8.NC < 1 {
		return fmt.Errorf("array \"p0\": %d channels leave nc = %d − 4·%d = %d classes with %s; want 4·reg_max + nc with nc ≥ 1",
			r.preds[0].Shape[1], r.preds[0].Shape[1], r.v8.RegMax, r.v8.NC, r.regMax)
	}
	if s, ok := byName["strides"]; ok {
		var err error
		if r.v8.Strides, err = stridesOf(s); err != nil {
			return err
		}
	} else {
		r.v8.Strides = model.DefaultStrides(len(r.preds))
	}
	if err := r.v8.Validate(); err != nil {
		return fmt.Errorf("array \"strides\" or \"reg_max\": %w", err)
	}
	if err := checkAnchorFreeShapes(r.preds, r.v8); err != nil {
		return err
	}
	labels, err := labelsOf(byName["targets"])
	if err != nil {
		return err
	}
	bs := r.preds[0].Shape[0]
	for i, l := range labels {
		if err := target.CheckLabel(l, bs, r.v8.NC); err != nil {
			return fmt.Errorf("array \"targets\": row %d: %w (a file of raw outputs holds normalised targets, as the loss takes them)", i, err)
		}
	}
	r.labels = labels
	return nil
}

// checkAnchorFreeShapes is decode.CheckAnchorFree on the layers, of one
// dtype, naming the arrays.
func checkAnchorFreeShapes(preds []tensor.Array, head model.AnchorFree) error {
	var err error
	if preds[0].F32 != nil {
		err = checkAnchorFree[float32](preds, head)
	} else {
		err = checkAnchorFree[float64](preds, head)
	}
	if err != nil {
		return fmt.Errorf("arrays \"p0\" … (layer i is \"pi\"): %w", err)
	}
	return nil
}

func checkAnchorFree[T tensor.Float](preds []tensor.Array, head model.AnchorFree) error {
	ps := make([]tensor.Tensor[T], len(preds))
	for i, p := range preds {
		ps[i], _ = tensor.As[T](p) // one dtype: checked
	}
	return decode.CheckAnchorFree(ps, head)
}

// finite reports the first value of p that is NaN or infinite.
func finite(name string, p tensor.Array) error {
	for i := range p.Len() {
		if v := p.At(i); math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("array %q: non-finite value %v at index %v", name, v, unravel(i, p.Shape))
		}
	}
	return nil
}

// labelsOf returns the rows of a targets array [nt, 6].
func labelsOf(t tensor.Array) ([]target.Label, error) {
	if len(t.Shape) != 2 || t.Shape[1] != 6 {
		return nil, fmt.Errorf("array \"targets\": want shape [nt, 6] (image, class, x, y, w, h), got %v", t.Shape)
	}
	labels := make([]target.Label, t.Shape[0])
	for i := range labels {
		for c := range 6 {
			labels[i][c] = t.At(6*i + c)
		}
	}
	return labels, nil
}

// stridesOf returns the values of a strides array [nl].
func stridesOf(s tensor.Array) ([]float64, error) {
	if len(s.Shape) != 1 {
		return nil, fmt.Errorf("array \"strides\": want shape [nl], got %v", s.Shape)
	}
	out := make([]float64, s.Shape[0])
	for i := range out {
		out[i] = s.At(i)
	}
	return out, nil
}

// readRegMax reads the "reg_max" integer scalar of the .npz file at path.
func readRegMax(path string) (int64, error) {
	f, size, err := cli.OpenInput(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return cli.ReadOptions("").ReadInt(f, size, "reg_max")
}

// imageSize sets the image size the grids and strides give: every
// layer's nx·stride and ny·stride must agree.
func (r *rawFile) imageSize() error {
	strides := r.strides()
	for l, p := range r.preds {
		ny, nx := p.Shape[2], p.Shape[3]
		s := strides[l]
		w, h := float64(nx)*s, float64(ny)*s
		if w != math.Trunc(w) || h != math.Trunc(h) || w > 1<<20 || h > 1<<20 {
			return fmt.Errorf("array %q: %d×%d cells of stride %v give no image size in whole pixels", batchfile.PredName(l), ny, nx, s)
		}
		if l == 0 {
			r.width, r.height = int(w), int(h)
			continue
		}
		if int(w) != r.width || int(h) != r.height {
			return fmt.Errorf("array %q: %d×%d cells of stride %v cover %v×%v pixels, but p0's %d×%d cells of stride %v cover %d×%d (width × height): the strides do not fit the grids",
				batchfile.PredName(l), ny, nx, s, w, h, r.preds[0].Shape[2], r.preds[0].Shape[3], strides[0], r.width, r.height)
		}
	}
	return nil
}

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

// inputs are checked predictions in the head's inference layout and
// pixel targets, in the element type T.
type inputs[T tensor.Float] struct {
	head    nms.Head
	pred    tensor.Tensor[T] // [bs, n, 5+nc] (v5) or [bs, 4+nc, n] (v8)
	targets tensor.Tensor[T] // [nt, 6], pixels
	nc      int
	raw     *rawFile // the raw outputs pred was decoded from; nil for a decoded file
	warning error    // targets that look normalised (metrics.CheckUnits)
}

// prepare returns the inputs in T: a decoded file checked, a raw file
// decoded with its targets scaled to pixels.
func prepare[T tensor.Float](path string, head nms.Head, ld *loaded) (*inputs[T], error) {
	if ld.raw != nil {
		return decodeRaw[T](ld.raw), nil
	}
	return checkInputs[T](path, head, ld.pred, ld.targets)
}

// decodeRaw decodes a checked raw file's layers and scales its targets by
// the image size.
func decodeRaw[T tensor.Float](r *rawFile) *inputs[T] {
	ps := make([]tensor.Tensor[T], len(r.preds))
	for i, p := range r.preds {
		ps[i] = tensor.Convert[T](p)
	}
	in := &inputs[T]{head: r.head, raw: r}
	if r.head == nms.V8 {
		in.pred = decode.AnchorFree(tensor.Tensor[T]{}, ps, r.v8)
		in.nc = r.v8.NC
	} else {
		in.pred = decode.Inference(tensor.Tensor[T]{}, ps, r.v5.AnchorsGrid, r.v5.Strides)
		in.nc = r.v5.NC
	}
	in.targets = metrics.PixelTargets(tensor.Tensor[T]{}, r.labels, r.width, r.height)
	return in
}

// checkInputs checks a decoded file's pred and targets and returns them in
// pred's element type T (targets converted when their dtype differs).
// Every problem is an input error naming the file, the array and the
// index.
func checkInputs[T tensor.Float](path string, head nms.Head, pa, ta tensor.Array) (*inputs[T], error) {
	pred, _ := tensor.As[T](pa)
	check, layout := nms.Check[T], "[bs, n, 5+nc]"
	if head == nms.V8 {
		check, layout = nms.CheckV8[T], "[bs, 4+nc, n]"
	}
	if err := check(pred); err != nil {
		return nil, cli.Inputf("%s: array \"pred\": %w%s", path, err, layoutHint(head, pred.Shape))
	}
	if len(pred.Shape) != 3 {
		return nil, cli.Inputf("%s: array \"pred\": shape %v is not %s", path, pred.Shape, layout)
	}
	in := &inputs[T]{head: head, pred: pred, targets: tensor.Convert[T](ta), nc: pred.Shape[2] - 5}
	if head == nms.V8 {
		in.nc = pred.Shape[1] - 4
	}
	if err := checkTargets(in.targets, pred.Shape[0], in.nc); err != nil {
		return nil, cli.Inputf("%s: array \"targets\": %w", path, err)
	}
	w, h := extent(pred, head)
	in.warning = metrics.CheckUnits(in.targets, w, h)
	return in, nil
}

// layoutHint adds, to an error about pred, the likely cause when its
// shape reads better in the other head's layout: rows outnumber channels
// in a real head's output.
func layoutHint(head nms.Head, shape []int) string {
	if len(shape) != 3 {
		return ""
	}
	switch {
	case head == nms.V5 && shape[1] < shape[2]:
		return fmt.Sprintf(" (shape %v reads as [bs, 4+nc, n], the anchor-free head's layout: -head v8?)", shape)
	case head == nms.V8 && shape[1] > shape[2]:
		return fmt.Sprintf(" (shape %v reads as [bs, n, 5+nc], YOLOv5's layout: -head v5?)", shape)
	}
	return ""
}

// extent returns the largest right and bottom edges cx + w/2, cy + h/2 of
// the predicted boxes: a lower bound of the image size, in pixels.
func extent[T tensor.Float](pred tensor.Tensor[T], head nms.Head) (w, h float64) {
	bs, d1, d2 := pred.Shape[0], pred.Shape[1], pred.Shape[2]
	for b := range bs {
		x := pred.Data[b*d1*d2 : (b+1)*d1*d2]
		if head == nms.V8 {
			for r := range d2 {
				w = max(w, float64(x[r]+x[2*d2+r]/2))
				h = max(h, float64(x[d2+r]+x[3*d2+r]/2))
			}
			continue
		}
		for r := range d1 {
			v := x[r*d2 : r*d2+4]
			w, h = max(w, float64(v[0]+v[2]/2)), max(h, float64(v[1]+v[3]/2))
		}
	}
	return w, h
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
