package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npz"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/goldeneval"
	"github.com/yolo-loss/yololoss/tensor"
)

const (
	goldenDir   = "../../testdata/golden-eval"    // YOLOv5's val.py
	goldenV8Dir = "../../testdata/golden-v8-eval" // ultralytics' DetectionValidator, -head v8
)

// yoloval runs the program in-process and returns its status and output.
func yoloval(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// flagsOf returns the command-line flags of a golden case's settings.
func flagsOf(c goldeneval.Config) []string {
	f := []string{
		"-conf-thres", fmt.Sprint(c.ConfThres), "-iou-thres", fmt.Sprint(c.IoUThres), "-max-det", fmt.Sprint(c.MaxDet),
		fmt.Sprintf("-multi-label=%v", c.MultiLabel), fmt.Sprintf("-agnostic=%v", c.Agnostic),
	}
	if c.Head != "" {
		f = append(f, "-head", c.Head)
	}
	return f
}

// readDet reads the detections and the correct matrix of a -det file.
func readDet(t *testing.T, path string, bs int) ([]batchfile.Tensor, [][10]bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	names := make([]string, bs)
	for b := range names {
		names[b] = fmt.Sprintf("det%d", b)
	}
	dets, err := batchfile.ReadTensors(f, fi.Size(), names...)
	if err != nil {
		t.Fatal(err)
	}
	r, err := npz.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := r.Header("correct.npy")
	if h == nil || strings.Trim(h.Descr.Type, "'") != "|b1" || len(h.Descr.Shape) != 2 || h.Descr.Shape[1] != 10 {
		t.Fatalf("correct: header %+v, want a bool [N, 10]", h)
	}
	rows := make([][10]bool, h.Descr.Shape[0])
	if len(rows) > 0 {
		var flat []bool
		if err := r.Read("correct.npy", &flat); err != nil {
			t.Fatal(err)
		}
		for i := range rows {
			copy(rows[i][:], flat[10*i:])
		}
	}
	return dets, rows
}

// TestGolden runs `yoloval -json -det` on every golden case, YOLOv5's and
// (with -head v8) ultralytics': the printed metrics to 1e-9 relative, the
// written detections and correct matrix exactly.
func TestGolden(t *testing.T) {
	for _, dir := range []string{goldenDir, goldenV8Dir} {
		cases, err := goldeneval.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, gc := range cases {
			t.Run(gc.Name, func(t *testing.T) {
				checkGolden(t, gc, flagsOf(gc.Config))
			})
		}
	}
}

// checkGolden runs yoloval with args on a golden case's input and
// compares its JSON and -det file with the case.
func checkGolden(t *testing.T, gc goldeneval.Case, args []string) {
	t.Helper()
	det := filepath.Join(t.TempDir(), "det.npz")
	args = append([]string{"-json", "-pred", gc.Input(), "-det", det}, args...)
	code, out, errOut := yoloval(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got report
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	e := gc.Expect
	want := report{Head: "v5", MAP50: e.MAP50, MAP: e.MAP, MP: e.MP, MR: e.MR, NT: e.NT, EvalMs: got.EvalMs}
	if gc.Config.Head != "" {
		want.Head = gc.Config.Head
	}
	for i, c := range e.APClass {
		want.Classes = append(want.Classes, classReport{c, e.NT[c], e.TP[i], e.FP[i], e.P[i], e.R[i], e.F1[i], e.AP50[i], e.AP[i]})
	}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(1e-9, 1e-12)); d != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s", d)
	}
	if !(got.EvalMs > 0) {
		t.Errorf("eval_ms %v", got.EvalMs)
	}
	dets, correct := readDet(t, det, len(gc.Dets))
	for b, w := range gc.Dets {
		if d := cmp.Diff(w.Shape, dets[b].Shape); d != "" || dets[b].F64 == nil || !slicesEqual(w.Data, dets[b].F64) {
			t.Errorf("det%d: shape %v dtype float64 %v; detections differ", b, dets[b].Shape, dets[b].F64 != nil)
		}
	}
	if d := cmp.Diff(gc.Correct, correct, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("correct mismatch (-want +got):\n%s", d)
	}
}

func slicesEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestJSONFields: the JSON object has exactly the named fields.
func TestJSONFields(t *testing.T) {
	code, out, errOut := yoloval(t, "-json", "-pred", filepath.Join(goldenDir, "val_default", "input.npz"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	if d := cmp.Diff([]string{"classes", "eval_ms", "head", "map", "map50", "mp", "mr", "nt"}, keys, cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
		t.Errorf("fields mismatch (-want +got):\n%s", d)
	}
	var classes []map[string]json.RawMessage
	if err := json.Unmarshal(m["classes"], &classes); err != nil || len(classes) == 0 {
		t.Fatalf("classes: %v", err)
	}
	keys = keys[:0]
	for k := range classes[0] {
		keys = append(keys, k)
	}
	if d := cmp.Diff([]string{"ap", "ap50", "class", "f1", "fp", "labels", "p", "r", "tp"}, keys, cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
		t.Errorf("class fields mismatch (-want +got):\n%s", d)
	}
}

// TestTable checks val.py's table for the val.py case.
func TestTable(t *testing.T) {
	code, out, errOut := yoloval(t, "-pred", filepath.Join(goldenDir, "val_default", "input.npz"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"                 Class     Images  Instances          P          R      mAP50   mAP50-95\n",
		"                   all          4          9      0.577      0.475      0.452      0.281\n",
		"                     0          4          2      0.415        0.5      0.249     0.0995\n",
		"                     4          4          1          1          0     0.0553     0.0497\n",
		"5 classes, float64; YOLOv5's head and NMS (-head v5); conf 0.001, IoU 0.6, multi-label, max_det 300\n",
		"946 detections; NMS, matching and metrics took ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\n                     3 ") {
		t.Errorf("class 3 has no labels and must not be listed:\n%s", out)
	}
}

// writeInput writes pred and targets to a new .npz in dir.
func writeInput(t testing.TB, dir string, pred batchfile.Tensor, targets batchfile.Tensor) string {
	t.Helper()
	path := filepath.Join(dir, "in.npz")
	pred.Name, targets.Name = "pred", "targets"
	if err := batchfile.WriteFile(path, []batchfile.Tensor{pred, targets}); err != nil {
		t.Fatal(err)
	}
	return path
}

// goodInput is one image, two classes: one correct detection.
func goodInput() (pred, targets batchfile.Tensor) {
	pred = batchfile.Tensor{Array: tensor.Array{Shape: []int{1, 2, 7}, F32: []float32{
		100, 100, 40, 40, 0.9, 0.8, 0.1,
		300, 300, 20, 20, 0.5, 0.1, 0.7,
	}}}
	targets = batchfile.Tensor{Array: tensor.Array{Shape: []int{1, 6}, F32: []float32{0, 0, 100, 100, 40, 40}}}
	return pred, targets
}

// TestInputErrors: bad input exits 2 with a message naming the array and
// the index, and writes nothing.
func TestInputErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(pred, targets *batchfile.Tensor)
		want   string
	}{
		{"objectness logit", func(p, _ *batchfile.Tensor) { p.F32[4] = 2.2 },
			`array "pred": index [0 0 4] (objectness) = 2.2: a probability outside [0, 1]; raw logits? apply the sigmoid / decode first`},
		{"class logit", func(p, _ *batchfile.Tensor) { p.F32[7+6] = -3 }, `array "pred": index [0 1 6] (class 1) = -3`},
		{"negative size", func(p, _ *batchfile.Tensor) { p.F32[3] = -1 }, `array "pred": index [0 0 3] (h) = -1: a negative box size; raw logits?`},
		{"NaN in pred", func(p, _ *batchfile.Tensor) { p.F32[8] = float32(math.NaN()) }, `array "pred": index [0 1 1] (cy) = NaN: not a finite number`},
		{"pred of rank 2", func(p, _ *batchfile.Tensor) { p.Shape = []int{2, 7} }, `array "pred": shape [2 7] is not [bs, n, 5+nc]`},
		{"no class channel", func(p, _ *batchfile.Tensor) { p.Shape, p.F32 = []int{1, 2, 5}, p.F32[:10] }, `array "pred": shape [1 2 5] has 5 channels`},
		{"target class out of range", func(_, tg *batchfile.Tensor) { tg.F32[1] = 2 }, `array "targets": index [0 1] (class) = 2: not a class, an integer in [0, 2)`},
		{"target image out of range", func(_, tg *batchfile.Tensor) { tg.F32[0] = 1 }, `array "targets": index [0 0] (image) = 1: not an image index`},
		{"target image fractional", func(_, tg *batchfile.Tensor) { tg.F32[0] = 0.5 }, `index [0 0] (image) = 0.5`},
		{"negative target width", func(_, tg *batchfile.Tensor) { tg.F32[4] = -4 }, `array "targets": index [0 4] (w) = -4: a negative box size`},
		{"targets of 5 columns", func(_, tg *batchfile.Tensor) { tg.Shape, tg.F32 = []int{1, 5}, tg.F32[:5] }, `array "targets": shape [1 5] is not [nt, 6]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			pred, targets := goodInput()
			tc.change(&pred, &targets)
			in := writeInput(t, dir, pred, targets)
			det, plots := filepath.Join(dir, "det.npz"), filepath.Join(dir, "plots")
			code, out, errOut := yoloval(t, "-pred", in, "-det", det, "-plots", plots)
			if code != 2 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, in+": ") {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
			if out != "" {
				t.Errorf("stdout %q", out)
			}
			for _, p := range []string{det, plots} {
				if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
	t.Run("missing targets", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "in.npz")
		pred, _ := goodInput()
		pred.Name = "pred"
		if err := batchfile.WriteFile(path, []batchfile.Tensor{pred}); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := yoloval(t, "-pred", path); code != 2 || !strings.Contains(errOut, `array "targets" is missing`) {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
}

func TestFlagErrors(t *testing.T) {
	in := filepath.Join(goldenDir, "val_default", "input.npz")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "missing -pred"},
		{[]string{"-pred", in, "-conf-thres", "1.5"}, "-conf-thres 1.5: want a value in [0, 1]"},
		{[]string{"-pred", in, "-iou-thres", "-0.1"}, "-iou-thres -0.1: want a value in [0, 1]"},
		{[]string{"-pred", in, "-max-det", "0"}, "-max-det 0: want a count ≥ 1"},
		{[]string{"-pred", in, "-nope"}, "flag provided but not defined: -nope"},
		{[]string{"-pred", in, "extra"}, `unexpected argument "extra"`},
		{[]string{"-pred", filepath.Join(goldenDir, "nope.npz")}, "no such file"},
		{[]string{"-pred", in, "-det", filepath.Join(t.TempDir(), "no", "d.npz")}, "does not exist"},
		{[]string{"-pred", in, "-plots", in}, "not a folder"},
	} {
		code, _, errOut := yoloval(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if code, _, _ := yoloval(t, "-h"); code != 0 {
		t.Errorf("-h: exit %d", code)
	}
}

// TestForce: an existing output is kept, with exit 2, unless -force
// replaces it.
func TestForce(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(goldenDir, "val_default", "input.npz")
	det, plots := filepath.Join(dir, "det.npz"), filepath.Join(dir, "plots")
	if err := os.WriteFile(det, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := yoloval(t, "-pred", in, "-det", det); code != 2 || !strings.Contains(errOut, "already exists") {
		t.Errorf("existing -det: exit %d, %q", code, errOut)
	}
	if b, _ := os.ReadFile(det); string(b) != "old" {
		t.Errorf("the existing file was changed")
	}
	if code, _, errOut := yoloval(t, "-pred", in, "-det", det, "-plots", plots, "-force"); code != 0 {
		t.Fatalf("-force: exit %d, %s", code, errOut)
	}
	if _, correct := readDet(t, det, 4); len(correct) != 946 {
		t.Errorf("replaced -det has %d rows", len(correct))
	}
	for _, name := range []string{prFile, f1File} {
		if b, err := os.ReadFile(filepath.Join(plots, name)); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s: %v, not a PNG", name, err)
		}
	}
	if code, _, errOut := yoloval(t, "-pred", in, "-plots", plots); code != 2 || !strings.Contains(errOut, prFile+": the file already exists") {
		t.Errorf("existing plots: exit %d, %q", code, errOut)
	}
	if code, _, errOut := yoloval(t, "-pred", in, "-plots", plots, "-force"); code != 0 {
		t.Errorf("existing plots, -force: exit %d, %q", code, errOut)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("left behind in %s: %v", dir, ents)
	}
}

// TestNoMetrics: when no detection is correct the means are 0, classes is
// empty, and -plots writes nothing.
func TestNoMetrics(t *testing.T) {
	dir := t.TempDir()
	pred, targets := goodInput()
	targets.F32[2] = 500 // the label moves away from every detection
	in := writeInput(t, dir, pred, targets)
	plots := filepath.Join(dir, "plots")
	code, out, errOut := yoloval(t, "-json", "-pred", in, "-plots", plots)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"classes": []`) || !strings.Contains(out, `"map": 0,`) || !strings.Contains(out, `"nt": [`) {
		t.Errorf("JSON:\n%s", out)
	}
	if !strings.Contains(errOut, "no figures written") {
		t.Errorf("stderr %q", errOut)
	}
	if ents, _ := os.ReadDir(plots); len(ents) != 0 {
		t.Errorf("figures written: %v", ents)
	}
}

// TestFloat32: float32 input is evaluated in float32; its detections come
// back in float32, and its metrics stay near the float64 ones.
func TestFloat32(t *testing.T) {
	for _, dir := range []string{goldenDir, goldenV8Dir} {
		cases, err := goldeneval.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		gc := cases[len(cases)-1] // val_default, v8_val_default
		if !strings.HasSuffix(gc.Name, "val_default") {
			t.Fatalf("%s: last case %s", dir, gc.Name)
		}
		testFloat32(t, gc)
	}
}

func testFloat32(t *testing.T, gc goldeneval.Case) {
	dir := t.TempDir()
	p32 := make([]float32, len(gc.Pred.Data))
	for i, v := range gc.Pred.Data {
		p32[i] = float32(v)
	}
	in := writeInput(t, dir, batchfile.Tensor{Array: tensor.Array{Shape: gc.Pred.Shape, F32: p32}}, batchfile.Tensor{Array: tensor.Array{Shape: gc.Targets.Shape, F64: gc.Targets.Data}})
	det := filepath.Join(dir, "det.npz")
	code, out, errOut := yoloval(t, append([]string{"-json", "-pred", in, "-det", det}, flagsOf(gc.Config)...)...)
	if code != 0 {
		t.Fatalf("%s: exit %d: %s", gc.Name, code, errOut)
	}
	var got report
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if math.Abs(got.MAP-gc.Expect.MAP) > 1e-3 || math.Abs(got.MAP50-gc.Expect.MAP50) > 1e-3 {
		t.Errorf("%s float32: mAP %v mAP50 %v, float64 %v %v", gc.Name, got.MAP, got.MAP50, gc.Expect.MAP, gc.Expect.MAP50)
	}
	dets, _ := readDet(t, det, gc.Pred.Shape[0])
	if dets[0].F32 == nil {
		t.Errorf("%s: float32 input gave float64 detections", gc.Name)
	}
}
