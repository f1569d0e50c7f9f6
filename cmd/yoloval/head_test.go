package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/goldeneval"
	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/tensor"
)

const goldenV8LossDir = "../../testdata/golden-v8" // raw anchor-free outputs, as lossdemo reads them

// TestHeadDefaults: with -head v8 and no thresholds, the defaults are
// ultralytics' validator's (conf 0.001, IoU 0.7, max_det 300): the
// val-default case reproduces without its flags, and the table says so.
func TestHeadDefaults(t *testing.T) {
	cases, err := goldeneval.Load(goldenV8Dir)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cases, func(c goldeneval.Case) bool { return c.Name == "v8_val_default" })
	if i < 0 {
		t.Fatal("no case v8_val_default")
	}
	gc := cases[i]
	if c := gc.Config; c.ConfThres != 0.001 || c.IoUThres != 0.7 || c.MaxDet != 300 || !c.MultiLabel || c.Agnostic {
		t.Fatalf("v8_val_default's settings %+v are not the validator's", c)
	}
	checkGolden(t, gc, []string{"-head", "v8"})
	code, out, errOut := yoloval(t, "-head", "v8", "-pred", gc.Input())
	if code != 0 || !strings.Contains(out, "anchor-free head, ultralytics' NMS (-head v8); conf 0.001, IoU 0.7, multi-label, max_det 300\n") {
		t.Errorf("exit %d, table:\n%s%s", code, out, errOut)
	}
}

// TestWrongHead: an anchor-free pred read as YOLOv5's is refused, with the
// hint that the shape reads as the other layout.
func TestWrongHead(t *testing.T) {
	in := filepath.Join(goldenV8Dir, "v8_val_default", "input.npz")
	code, _, errOut := yoloval(t, "-pred", in)
	if code != 2 || !strings.Contains(errOut, `array "pred": `) || !strings.Contains(errOut, "the anchor-free head's layout: -head v8?") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	in = filepath.Join(goldenDir, "val_default", "input.npz")
	code, _, errOut = yoloval(t, "-head", "v8", "-pred", in)
	if code != 2 || !strings.Contains(errOut, "YOLOv5's layout: -head v5?") {
		t.Errorf("-head v8 on a v5 file: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := yoloval(t, "-head", "v9", "-pred", in); code != 2 || !strings.Contains(errOut, `"v9": want v5`) {
		t.Errorf("-head v9: exit %d, stderr %q", code, errOut)
	}
}

// jsonOf runs yoloval -json with args and returns its report.
func jsonOf(t *testing.T, args ...string) (report, string) {
	t.Helper()
	code, out, errOut := yoloval(t, append([]string{"-json"}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return r, errOut
}

// TestRawV5: the raw outputs that `lossdemo sample` writes are decoded, and
// their normalised targets scaled by the image size: the same metrics as
// the decoded file with pixel targets, made by hand from the same arrays.
func TestRawV5(t *testing.T) {
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	raw := filepath.Join(dir, "raw.npz")
	if err := batchfile.WriteFile(raw, b.Tensors()); err != nil {
		t.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		t.Fatal(err)
	}
	ps := feed.Preds[float32](b)
	pred := decode.Inference(tensor.Tensor[float32]{}, ps, m.AnchorsGrid, m.Strides)
	side := float32(ps[0].Shape[3]) * float32(m.Strides[0])
	var tg []float32
	for _, l := range b.Targets {
		tg = append(tg, float32(l[0]), float32(l[1]), float32(l[2])*side, float32(l[3])*side, float32(l[4])*side, float32(l[5])*side)
	}
	dec := writeInput(t, dir, batchfile.Tensor{Array: tensor.View(pred)}, batchfile.Tensor{Array: tensor.Array{Shape: []int{len(b.Targets), 6}, F32: tg}})

	got, _ := jsonOf(t, "-pred", raw)
	want, _ := jsonOf(t, "-pred", dec)
	got.EvalMs, want.EvalMs = 0, 0
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("raw file against its decoded form: mismatch (-want +got):\n%s", d)
	}
	if len(got.Classes) == 0 || !(got.MAP50 > 0) {
		t.Errorf("the sample's metrics are empty: %+v", got)
	}
	code, out, errOut := yoloval(t, "-pred", raw)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("decoded from the raw outputs p0 … p2 (3 anchors per cell, strides [8 16 32]): images of %d×%d pixels", int(side), int(side))) || errOut != "" {
		t.Errorf("exit %d, stdout:\n%s\nstderr %q", code, out, errOut)
	}
	if code, _, errOut := yoloval(t, "-head", "v8", "-pred", raw); code != 2 || !strings.Contains(errOut, `"p0" has rank 5, the raw output of the v5 head, but -head is v8`) {
		t.Errorf("-head v8 on YOLOv5's layers: exit %d, %q", code, errOut)
	}
}

// rawV8 writes a file of one anchor-free layer (reg_max 1, stride 8, 8×8
// cells: a 64×64 image, 2 classes) with one confident cell whose box is
// exactly the one target, given normalised.
func rawV8(t testing.TB, dir string, withRegMax bool) string {
	t.Helper()
	const ny, nx, nc = 8, 8, 2
	p := make([]float64, (4+nc)*ny*nx)
	for i := range p {
		p[i] = 0.5 // distances of half a cell
	}
	for i := 4 * ny * nx; i < len(p); i++ {
		p[i] = -10 // σ(−10) < 0.001: no candidate
	}
	// Cell (3, 2): centre (2.5, 3.5) cells; one cell to each side: (20, 28) px, 16×16.
	cell := 3*nx + 2
	for k := range 4 {
		p[k*ny*nx+cell] = 1
	}
	p[(4+1)*ny*nx+cell] = 3 // class 1
	ts := []batchfile.Tensor{
		{Name: "p0", Array: tensor.Array{Shape: []int{1, 4 + nc, ny, nx}, F64: p}},
		{Name: "targets", Array: tensor.Array{Shape: []int{1, 6}, F64: []float64{0, 1, 20.0 / 64, 28.0 / 64, 0.25, 0.25}}},
		{Name: "strides", Array: tensor.Array{Shape: []int{1}, F64: []float64{8}}},
	}
	path := filepath.Join(dir, "raw.npz")
	if err := batchfile.WriteFile(path, ts); err != nil {
		t.Fatal(err)
	}
	if withRegMax {
		addRegMax(t, path, 1)
	}
	return path
}

// regMaxNPY returns the .npy of an int64 scalar, as NumPy's save writes
// np.int64(v).
func regMaxNPY(v int64) []byte {
	header := "{'descr': '<i8', 'fortran_order': False, 'shape': (), }"
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	npy := append([]byte("\x93NUMPY\x01\x00"), byte(len(header)), byte(len(header)>>8))
	npy = append(npy, header...)
	for i := range 8 {
		npy = append(npy, byte(v>>(8*i)))
	}
	return npy
}

// addRegMax adds an int64 scalar "reg_max" to the .npz at path.
func addRegMax(t testing.TB, path string, v int64) {
	t.Helper()
	addRegMaxNPY(t, path, regMaxNPY(v))
}

// addRegMaxNPY adds the .npy npy as "reg_max" to the .npz at path.
func addRegMaxNPY(t testing.TB, path string, npy []byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	tmp := path + ".new"
	f, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, e := range zr.File {
		if err := zw.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create("reg_max.npy")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(npy); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestRawV8: the anchor-free head's raw outputs are decoded with their
// reg_max and strides, and the normalised target scaled by the 64×64
// image: the one detection matches it exactly.
func TestRawV8(t *testing.T) {
	for _, withRegMax := range []bool{true, false} {
		raw := rawV8(t, t.TempDir(), withRegMax)
		if !withRegMax {
			// Without reg_max, ultralytics' 16 is taken: 6 channels cannot hold 4·16 bins.
			code, _, errOut := yoloval(t, "-pred", raw)
			if code != 2 || !strings.Contains(errOut, `array "p0": 6 channels leave nc = 6 − 4·16 = -58 classes with reg_max 16 (ultralytics' default; the file has no "reg_max")`) {
				t.Errorf("no reg_max: exit %d, %q", code, errOut)
			}
			continue
		}
		r, errOut := jsonOf(t, "-pred", raw)
		if r.Head != "v8" || r.MAP50 != 0.995 || math.Abs(r.MAP-0.995) > 1e-12 || errOut != "" {
			t.Errorf("report %+v, stderr %q; want head v8 and a perfect class (0.995)", r, errOut)
		}
		code, out, _ := yoloval(t, "-pred", raw)
		if code != 0 || !strings.Contains(out, "decoded from the raw outputs p0 … p0 (reg_max 1, strides [8]): images of 64×64 pixels") {
			t.Errorf("exit %d, table:\n%s", code, out)
		}
	}
}

// TestRawV8Golden: the loss goldens' inputs (raw anchor-free outputs with
// an int64 reg_max, as ultralytics' tensors are saved) are read and
// decoded, at the image size of each case.
func TestRawV8Golden(t *testing.T) {
	for _, name := range []string{"v8_basic", "v8_regmax1_l1", "v8_p6", "v8_rect", "v8_empty_image"} {
		dir := filepath.Join(goldenV8LossDir, name)
		var e struct {
			RegMax int   `json:"reg_max"`
			ImgSz  []int `json:"imgsz"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "expect.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := yoloval(t, "-pred", filepath.Join(dir, "input.npz"))
		want := fmt.Sprintf("(reg_max %d, strides ", e.RegMax)
		size := fmt.Sprintf("images of %d×%d pixels", e.ImgSz[1], e.ImgSz[0])
		if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, size) || !strings.Contains(out, "(-head v8)") {
			t.Errorf("%s: exit %d, want %q and %q:\n%s%s", name, code, want, size, out, errOut)
		}
	}
}

// TestMissingArrays: with neither pred nor p0 the error lists what was
// expected and what the file holds.
func TestMissingArrays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.npz")
	ts := []batchfile.Tensor{
		{Name: "preds", Array: tensor.Array{Shape: []int{1, 2, 7}, F32: make([]float32, 14)}},
		{Name: "targets", Array: tensor.Array{Shape: []int{0, 6}, F32: []float32{}}},
	}
	if err := batchfile.WriteFile(path, ts); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := yoloval(t, "-pred", path)
	for _, want := range []string{`no predictions: want "pred"`, `"p0", "p1"`, `"targets"`, `"anchors"`, `"strides"`, `"reg_max"`, "the file's arrays: preds, targets"} {
		if code != 2 || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, stderr %q; want %q", code, errOut, want)
		}
	}
	if code, _, errOut := yoloval(t, "-pred", filepath.Join(goldenDir, "README.md")); code != 2 || !strings.Contains(errOut, "not an .npz file") {
		t.Errorf("a text file: exit %d, %q", code, errOut)
	}
}

// TestNormalisedWarning: normalised targets with pixel predictions get a
// warning naming the conversion; pixel targets get none.
func TestNormalisedWarning(t *testing.T) {
	dir := t.TempDir()
	pred, targets := goodInput()
	targets.F32 = []float32{0, 0, 100.0 / 640, 100.0 / 640, 40.0 / 640, 40.0 / 640}
	in := writeInput(t, dir, pred, targets)
	code, _, errOut := yoloval(t, "-pred", in)
	if code != 0 || !strings.Contains(errOut, "yoloval: warning: "+in+": metrics: targets look normalised") || !strings.Contains(errOut, "metrics.PixelTargets") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	pred, targets = goodInput()
	in = filepath.Join(dir, "pixels.npz")
	pred.Name, targets.Name = "pred", "targets"
	if err := batchfile.WriteFile(in, []batchfile.Tensor{pred, targets}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := yoloval(t, "-pred", in); code != 0 || errOut != "" {
		t.Errorf("pixel targets: exit %d, stderr %q", code, errOut)
	}
}

// TestHelpGrammar walks -h: it lists every flag, the same ones as the
// command's doc, in the grammar every command shares: -force replaces an
// existing output; -det names the detections file (yoloval writes no one
// output file of its own, so it has no -o); no -out; an unknown flag is
// reported once.
func TestHelpGrammar(t *testing.T) {
	code, out, errOut := yoloval(t, "-h")
	if code != 0 || out != "" {
		t.Fatalf("-h: exit %d, stdout %q", code, out)
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	var help []string
	for _, m := range flagLine.FindAllStringSubmatch(errOut, -1) {
		help = append(help, m[1])
	}
	want := []string{"agnostic", "conf-thres", "det", "force", "head", "iou-thres", "json", "max-det", "multi-label", "plots", "pred"}
	if d := cmp.Diff(want, help, cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
		t.Errorf("-h flags mismatch (-want +got):\n%s\n%s", d, errOut)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	var doc []string
	for _, m := range regexp.MustCompile(`(?m)^//\t-([a-z-]+) `).FindAllStringSubmatch(string(src), -1) {
		doc = append(doc, m[1])
	}
	if d := cmp.Diff(help, doc, cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
		t.Errorf("the doc's flags differ from -h's (-help +doc):\n%s", d)
	}
	for _, bad := range []string{"out", "o", "output", "overwrite"} {
		if slices.Contains(help, bad) {
			t.Errorf("-%s is not the grammar's", bad)
		}
	}
	if !regexp.MustCompile(`(?m)^  -force\n\s+replace existing output files`).MatchString(errOut) {
		t.Errorf("-force does not say it replaces existing outputs:\n%s", errOut)
	}
	for _, w := range []string{"-head v5|v8", "(default 0.6 for v5, 0.7 for v8", "p0, p1"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("-h lacks %q:\n%s", w, errOut)
		}
	}
	code, _, errOut = yoloval(t, "-pred", "x.npz", "-nope")
	if code != 2 || strings.Count(errOut, "-nope") != 1 {
		t.Errorf("unknown flag: exit %d, reported %d times:\n%s", code, strings.Count(errOut, "-nope"), errOut)
	}
}

// TestRawErrors: bad raw files are input errors naming the array.
func TestRawErrors(t *testing.T) {
	good := func() []batchfile.Tensor {
		return []batchfile.Tensor{
			{Name: "p0", Array: tensor.Array{Shape: []int{1, 6, 4, 4}, F64: make([]float64, 96)}},
			{Name: "p1", Array: tensor.Array{Shape: []int{1, 6, 2, 2}, F64: make([]float64, 24)}},
			{Name: "targets", Array: tensor.Array{Shape: []int{1, 6}, F64: []float64{0, 1, 0.5, 0.5, 0.2, 0.2}}},
			{Name: "strides", Array: tensor.Array{Shape: []int{2}, F64: []float64{8, 16}}},
		}
	}
	for _, tc := range []struct {
		name   string
		change func([]batchfile.Tensor) []batchfile.Tensor
		want   string
	}{
		{"pixel targets", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[2].F64 = []float64{0, 1, 16, 16, 8, 8}
			return ts
		}, `array "targets": row 0: x (column 2) = 16 is not`},
		{"class out of range", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[2].F64[1] = 2
			return ts
		}, `array "targets": row 0: class (column 1) = 2`},
		{"strides that do not fit", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[3].F64 = []float64{8, 32}
			return ts
		}, `array "p1": 2×2 cells of stride 32 cover 64×64 pixels, but p0's 4×4 cells of stride 8 cover 32×32`},
		{"rank 3", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[0].Shape = []int{6, 4, 4}
			return ts
		}, `array "p0": shape [6 4 4] is neither`},
		{"mixed ranks", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[1].Shape = []int{1, 1, 6, 2, 2}
			return ts
		}, `array "p1": shape [1 1 6 2 2], want rank 4`},
		{"channels", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[1].Shape, ts[1].F64 = []int{1, 7, 2, 2}, make([]float64, 28)
			return ts
		}, `layer 1: shape [1 7 2 2] has 7 channels, want 4·reg_max + nc = 4·1 + 2 = 6`},
		{"NaN logit", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[1].F64[5] = math.NaN()
			return ts
		}, `array "p1": non-finite value NaN at index [0 1 0 1]`},
		{"strides of rank 2", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[3].Shape = []int{1, 2}
			return ts
		}, `array "strides": want shape [nl], got [1 2]`},
		{"decreasing strides", func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[3].F64 = []float64{16, 8}
			return ts
		}, `stride 1 (8) is not larger than stride 0 (16)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "raw.npz")
			if err := batchfile.WriteFile(path, tc.change(good())); err != nil {
				t.Fatal(err)
			}
			addRegMax(t, path, 1)
			code, out, errOut := yoloval(t, "-pred", path, "-det", filepath.Join(dir, "det.npz"))
			if code != 2 || !strings.Contains(errOut, tc.want) || out != "" {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "det.npz")); err == nil {
				t.Error("det.npz was written")
			}
		})
	}
	// The good file passes, so that each case above fails for its own reason.
	dir := t.TempDir()
	path := filepath.Join(dir, "raw.npz")
	if err := batchfile.WriteFile(path, good()); err != nil {
		t.Fatal(err)
	}
	addRegMax(t, path, 1)
	if code, _, errOut := yoloval(t, "-pred", path); code != 0 {
		t.Errorf("good raw file: exit %d, %s", code, errOut)
	}
}

// npy returns a .npy file of the given header dict and data bytes.
func npy(dict string, data ...byte) []byte {
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
	return append(append(b, dict...), data...)
}

// TestRegMaxFile: the "reg_max" of a file of raw anchor-free outputs,
// read by batchfile.ReadInt: NumPy's scalars of any integer type, a float
// holding an integer; an array of two, a fraction, a value out of range
// and a damaged header refused naming the array.
func TestRegMaxFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" for a good file
	}{
		{"int64", regMaxNPY(1), ""},
		{"int32 of shape (1,)", npy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", 1, 0, 0, 0), ""},
		{"big-endian int64", npy("{'descr': '>i8', 'fortran_order': False, 'shape': (), }", 0, 0, 0, 0, 0, 0, 0, 1), ""},
		{"uint8", npy("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", 1), ""},
		{"float64", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 0, 0, 0, 0, 0, 0, 0xf0, 0x3f), ""},
		{"two values", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", make([]byte, 16)...),
			`array "reg_max": shape (2,): want one integer, shape () or (1,)`},
		{"a fraction", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 0, 0, 0, 0, 0, 0, 0xf8, 0x3f),
			`array "reg_max": element [] = 1.5 is not an integer`},
		{"zero", regMaxNPY(0), `array "reg_max": 0; want an integer in [1, 65536]`},
		{"truncated data", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (), }", 16, 0),
			`array "reg_max": header declares int64 [] (8 bytes of data), but the entry holds 2 bytes of data`},
		{"version 9", []byte("\x93NUMPY\x09\x00\x00\x00"), `array "reg_max": unsupported .npy format version 9.0`},
	} {
		path := rawV8(t, t.TempDir(), false)
		addRegMaxNPY(t, path, tc.b)
		code, _, errOut := yoloval(t, "-pred", path)
		if tc.want == "" && code != 0 || tc.want != "" && (code != 2 || !strings.Contains(errOut, tc.want)) {
			t.Errorf("%s: exit %d, %q; want %q", tc.name, code, errOut, tc.want)
		}
	}
}
