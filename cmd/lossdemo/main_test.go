package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/data/hyps"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/iou"
)

// lossdemo runs the program in-process and returns its status and output.
func lossdemo(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// TestDefaultRun is the README's first command: the embedded hyp on the
// built-in sample.
func TestDefaultRun(t *testing.T) {
	code, out, errOut := lossdemo(t)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"lbox", "lobj", "lcls", "loss = (lbox + lobj + lcls) × bs", "criteria: BCE", "P3", "P5"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// goldenDir holds YOLOv5's own cases.
const goldenDir = "../../testdata/golden"

// goldenDirs hold YOLOv5's losses and autograd gradients, computed by
// PyTorch in float64: YOLOv5's own, the criteria's placement and IoU class
// targets, and the box-loss family.
var goldenDirs = []string{goldenDir, "../../testdata/golden-cls", "../../testdata/golden-iou"}

// goldenCases loads every case of goldenDirs, named dir/case.
func goldenCases(t *testing.T) []golden.Case {
	t.Helper()
	cases, err := golden.LoadAll(goldenDirs...)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// goldenRun runs `lossdemo -json -grad G [-iters N]` and the case's engine
// flags, with extra flags, on golden case gc, and returns the report and
// the gradient written.
func goldenRun(t *testing.T, gc *golden.Case, extra ...string) (*report, []batchfile.Tensor) {
	t.Helper()
	want := gc.Expect
	grad := filepath.Join(t.TempDir(), "grad.npz")
	args := []string{"-json", "-pred", filepath.Join(gc.Dir, "input.npz"), "-hyp", filepath.Join(gc.Dir, "hyp.yaml"),
		"-grad", grad, "-gr", fmt.Sprint(want.GR), "-iters", fmt.Sprint(want.Iters)}
	if want.Autobalance {
		args = append(args, "-autobalance")
	}
	if want.SortObjIoU {
		args = append(args, "-sort-obj-iou")
	}
	code, out, errOut := lossdemo(t, append(args, extra...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got report
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	g, err := golden.ReadGrad(grad, len(got.Layers))
	if err != nil {
		t.Fatal(err)
	}
	if got.GradNonFinite == nil || *got.GradNonFinite != 0 {
		t.Errorf("grad_nonfinite %v, want 0", got.GradNonFinite)
	}
	return &got, g
}

// history returns the items of each call of a report as expect.json
// records them, WIoU's means where want has them.
func history(r *report, want []golden.Items) []golden.Items {
	calls := r.History
	if calls == nil {
		calls = []items{r.items}
	}
	var out []golden.Items
	for k, h := range calls {
		it := golden.Items{Loss: h.Loss, LBox: h.LBox, LObj: h.LObj, LCls: h.LCls, Balance: h.Balance}
		if k < len(want) && want[k].WIoUMeans != nil {
			it.WIoUMeans = h.WIoUMeans
		}
		out = append(out, it)
	}
	return out
}

// TestGolden runs `lossdemo -json -grad` on every golden case and compares
// the printed items of every call (WIoU's running means included) within
// 1e-9 relative, and the written gradient within 1e-9 of each array's
// largest element, with YOLOv5's.
func TestGolden(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.Name, func(t *testing.T) {
			got, g := goldenRun(t, &gc)
			want := gc.Expect.History
			if d := cmp.Diff(want, history(got, want), cmpopts.EquateApprox(1e-9, 0)); d != "" {
				t.Errorf("items mismatch (-want +got):\n%s", d)
			}
			if got.DType != "float64" || got.InputDType != "" {
				t.Errorf("dtype %q, input_dtype %q; want float64 and none", got.DType, got.InputDType)
			}
			compareGrads(t, gc.Grads, g, 1e-9)
		})
	}
}

// TestGoldenFloat32 runs every golden case with -dtype float32: items
// within 1e-5 relative, gradients within 1e-4 of each array's largest
// element, written in float32, every element finite (where PyTorch's
// float32 run of YOLOv5's focal loss is not, in focal_g05_saturated).
func TestGoldenFloat32(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.Name, func(t *testing.T) {
			got, g := goldenRun(t, &gc, "-dtype", "float32")
			want := gc.Expect.History
			if d := cmp.Diff(want, history(got, want), cmpopts.EquateApprox(1e-5, 0)); d != "" {
				t.Errorf("items mismatch (-want +got):\n%s", d)
			}
			if got.DType != "float32" || got.InputDType != "float64" {
				t.Errorf("dtype %q, input_dtype %q; want float32 from float64", got.DType, got.InputDType)
			}
			compareGrads(t, gc.Grads, g, 1e-4)
		})
	}
}

// compareGrads compares the gradient arrays got with want, each element
// within tol of its array's largest.
func compareGrads(t *testing.T, want, got []batchfile.Tensor, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d gradient arrays, want %d", len(got), len(want))
	}
	for i, w := range want {
		var big float64
		for _, v := range w.F64 {
			big = math.Max(big, math.Abs(v))
		}
		g := make([]float64, got[i].Len())
		for k := range g {
			g[k] = got[i].At(k)
		}
		if d := cmp.Diff(w.F64, g, cmpopts.EquateApprox(0, tol*big)); d != "" {
			t.Errorf("gradient p%d mismatch beyond %g·%g (-want +got):\n%s", i, tol, big, d)
		}
	}
}

// TestShippedHyps: each of YOLOv5's hyp files runs through -hyp unchanged.
func TestShippedHyps(t *testing.T) {
	for _, name := range hyps.Names() {
		code, out, errOut := lossdemo(t, "-hyp", filepath.Join("../../data/hyps", name), "-json")
		if code != 0 {
			t.Errorf("%s: exit %d: %s", name, code, errOut)
			continue
		}
		var r report
		if err := json.Unmarshal([]byte(out), &r); err != nil || !(r.Loss > 0) {
			t.Errorf("%s: loss %v, err %v", name, r.Loss, err)
		}
	}
}

func TestBenchAndCompare(t *testing.T) {
	// One worker: with a pool worker the Go runtime itself may allocate
	// now and then (see computeloss's TestZeroAllocs), which is not ours.
	code, out, errOut := lossdemo(t, "-json", "-bench", "5", "-compare", "-sample", "p6", "-workers", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.MedianMs == nil || !(*r.MedianMs > 0) || r.AllocsPerCall == nil ||
		r.ForwardMs == nil || !(*r.ForwardMs > 0) || r.ClearMs == nil || !(*r.ClearMs > 0) {
		t.Fatalf("bench fields missing: %s", out)
	}
	if *r.AllocsPerCall != 0 {
		t.Errorf("allocs_per_call = %v, want 0", *r.AllocsPerCall)
	}
	if len(r.Compare) != 4 {
		t.Fatalf("%d compare rows, want 4", len(r.Compare))
	}
	// The default hyp is BCE: the BCE row is the main result.
	if c := r.Compare[0]; c.Criterion != "BCE" || c.Loss != r.Loss {
		t.Errorf("compare row 0 = %+v, want BCE with loss %v", c, r.Loss)
	}
	for i, name := range []string{"BCE", "focal γ=1.5 α=0.25", "qfocal γ=1.5 α=0.25", "varifocal γ=1.5 α=0.25"} {
		if r.Compare[i].Criterion != name {
			t.Errorf("compare row %d is %q, want %q", i, r.Compare[i].Criterion, name)
		}
	}
	checkCompareTables(t, &r)
}

// checkCompareTables checks the placements and box-loss tables of a
// -compare report on a default-hyp run.
func checkCompareTables(t *testing.T, r *report) {
	t.Helper()
	if len(r.Placements) != 5 {
		t.Fatalf("%d placement rows, want 5", len(r.Placements))
	}
	if p := r.Placements[1]; p.FlApply != criterion.Cls || p.Criterion != "focal γ=1.5 α=0.25 on cls, BCE on obj" {
		t.Errorf("placement row 1 = %q, fl_apply %q", p.Criterion, p.FlApply)
	}
	if p := r.Placements[4]; !p.ClsIoUTarget || p.LCls == r.Placements[3].LCls {
		t.Errorf("placement row 4 = %+v, want IoU class targets with their own lcls", p)
	}
	b := r.BoxLosses
	if b == nil || len(b.Rows) != len(iou.Variants()) || len(b.Layers) != len(r.Layers) {
		t.Fatalf("box losses %+v, want a row per variant and a share per layer", b)
	}
	for i, row := range b.Rows {
		if row.IoUType != iou.Names()[i] || row.Hyp != (row.IoUType == "ciou") || len(row.BoxGradShare) != len(r.Layers) {
			t.Errorf("box row %d: %s, hyp %v, %d shares", i, row.IoUType, row.Hyp, len(row.BoxGradShare))
		}
		if row.IoUType == "ciou" && row.Loss != r.Loss {
			t.Errorf("ciou row loss %v, the run's %v", row.Loss, r.Loss)
		}
	}
	if b.Matches != sumMatches(r.Layers) || !(b.MeanIoU > 0 && b.MeanIoU < 1) {
		t.Errorf("box losses: %d matches (layers have %d), mean IoU %v", b.Matches, sumMatches(r.Layers), b.MeanIoU)
	}
}

func sumMatches(layers []layerReport) int {
	var n int
	for _, l := range layers {
		n += l.Matches
	}
	return n
}

// TestCompareHuman: -compare prints the three tables, the box losses with
// the hyp's own marked and each layer's share.
func TestCompareHuman(t *testing.T) {
	code, out, errOut := lossdemo(t, "-compare")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"criteria compared on the same predictions",
		"where the criterion applies (fl_apply both, cls, obj)",
		"BCE on cls, focal γ=1.5 α=0.25 on obj",
		"varifocal γ=1.5 α=0.25 on cls and obj, IoU class targets",
		"box losses compared on the same predictions, each with its default parameters (94 matches, mean IoU 0.6351)",
		"ciou (hyp)", "WIoU v3 α=1.9 δ=3 momentum=0.01", "P3 28% P4 36% P5 36%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func writeBatch(t *testing.T, path string, mutate func(b *batchfile.Batch) []batchfile.Tensor) string {
	t.Helper()
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		t.Fatal(err)
	}
	if err := batchfile.WriteFile(path, mutate(b)); err != nil {
		t.Fatal(err)
	}
	return path
}

// panicTrace matches the header of a goroutine's stack trace.
var panicTrace = regexp.MustCompile(`goroutine \d+ \[`)

func TestInputErrors(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.npz")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	badHyp := filepath.Join(dir, "bad.yaml")
	hypText, _ := hyps.FS.ReadFile(hyps.Default)
	os.WriteFile(badHyp, bytes.Replace(hypText, []byte("fl_gamma:"), []byte("fl_gama:"), 1), 0o644)
	noAnchors := writeBatch(t, filepath.Join(dir, "noanchors.npz"), func(b *batchfile.Batch) []batchfile.Tensor {
		b.AnchorsGrid, b.Strides = nil, nil
		b.Preds = b.Preds[:2]
		return b.Tensors()
	})
	mixed := writeBatch(t, filepath.Join(dir, "mixed.npz"), func(b *batchfile.Batch) []batchfile.Tensor {
		p := b.Preds[1]
		p.F64 = make([]float64, len(p.F32))
		p.F32 = nil
		b.Preds[1] = p
		return b.Tensors()
	})
	corrupt := filepath.Join(dir, "corrupt.npz")
	os.WriteFile(corrupt, []byte("PK\x03\x04 this is not a zip"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"missing pred file", []string{"-pred", filepath.Join(dir, "none.npz")}, "none.npz"},
		{"missing hyp file", []string{"-hyp", filepath.Join(dir, "none.yaml")}, "none.yaml"},
		{"hyp typo", []string{"-hyp", badHyp}, `unknown key "fl_gama" (did you mean "fl_gamma"?)`},
		{"grad exists", []string{"-grad", existing}, "already exists"},
		{"bad sample", []string{"-sample", "p7"}, `-sample "p7"`},
		{"negative bench", []string{"-bench", "-1"}, "-bench -1"},
		{"bad dtype", []string{"-dtype", "float16"}, `-dtype "float16": want float32 or float64`},
		{"gr out of range", []string{"-gr", "2"}, "gr must be in [0, 1]"},
		{"no anchors, two layers", []string{"-pred", noAnchors}, "no \"anchors\" array"},
		{"mixed dtypes", []string{"-pred", mixed}, `array "p1" is float64 but "p0" is float32`},
		{"corrupt npz", []string{"-pred", corrupt}, "corrupt.npz"},
		{"curves bad extension", []string{"curves", "-o", filepath.Join(dir, "x.gif")}, ".gif"},
	} {
		code, _, errOut := lossdemo(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 naming %q", tc.name, code, errOut, tc.want)
		}
		if strings.Contains(errOut, "panic") || panicTrace.MatchString(errOut) {
			t.Errorf("%s: stderr shows a panic:\n%s", tc.name, errOut)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing -grad file was changed to %q", b)
	}
	// A failing write creates nothing: not the missing folder, not the
	// file. (That a write failing half-way leaves no temporary file is
	// internal/atomicfile's test.)
	missingDir := filepath.Join(dir, "nodir", "g.npz")
	if code, _, _ := lossdemo(t, "-grad", missingDir); code == 0 {
		t.Error("writing into a missing folder succeeded")
	}
	if _, err := os.Stat(filepath.Dir(missingDir)); !os.IsNotExist(err) {
		t.Errorf("the missing folder: Stat error %v, want not-exist", err)
	}
}

// TestSample: the written sample reads back as the built-in one.
func TestSample(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.npz")
	if code, _, errOut := lossdemo(t, "sample", "-sample", "p6", "-o", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, a, _ := lossdemo(t, "-json", "-pred", out)
	_, b, _ := lossdemo(t, "-json", "-sample", "p6")
	var ra, rb report
	json.Unmarshal([]byte(a), &ra)
	json.Unmarshal([]byte(b), &rb)
	if code != 0 || ra.Loss != rb.Loss || ra.Loss == 0 {
		t.Errorf("loss from the written sample %v, built-in %v (exit %d)", ra.Loss, rb.Loss, code)
	}
	if code, _, errOut := lossdemo(t, "sample", "-o", out); code != 2 || !strings.Contains(errOut, "already exists") {
		t.Errorf("sample over an existing file: exit %d, %q", code, errOut)
	}
}

func TestHelp(t *testing.T) {
	code, _, errOut := lossdemo(t, "-h")
	if code != 0 || !strings.Contains(errOut, "-compare") {
		t.Errorf("-h: exit %d, usage %q", code, errOut)
	}
}
