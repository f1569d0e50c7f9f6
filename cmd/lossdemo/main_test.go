package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/data/hyps"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/internal/sample"
)

const goldenDir = "../../testdata/golden"

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

// TestGolden runs `lossdemo -json -grad` on every golden case and compares
// the printed items and the written gradient with YOLOv5's, to 1e-9.
func TestGolden(t *testing.T) {
	cases, err := golden.Load(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, gc := range cases {
		t.Run(gc.Name, func(t *testing.T) {
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
			code, out, errOut := lossdemo(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got report
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			approx := cmpopts.EquateApprox(1e-9, 0)
			last := golden.Items{Loss: got.Loss, LBox: got.LBox, LObj: got.LObj, LCls: got.LCls, Balance: got.Balance}
			if d := cmp.Diff(want.History[len(want.History)-1], last, approx); d != "" {
				t.Errorf("items mismatch (-want +got):\n%s", d)
			}
			if want.Iters > 1 {
				var hist []golden.Items
				for _, h := range got.History {
					hist = append(hist, golden.Items{Loss: h.Loss, LBox: h.LBox, LObj: h.LObj, LCls: h.LCls, Balance: h.Balance})
				}
				if d := cmp.Diff(want.History, hist, approx); d != "" {
					t.Errorf("history mismatch (-want +got):\n%s", d)
				}
			}
			gotG, err := golden.ReadGrad(grad, len(got.Layers))
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range gc.Grads {
				if w.F64 == nil || gotG[i].F64 == nil {
					t.Fatalf("gradient p%d: want and got must be float64 (the golden cases are)", i)
				}
				if d := cmp.Diff(w.F64, gotG[i].F64, approx); d != "" {
					t.Errorf("gradient p%d mismatch (-want +got):\n%s", i, d)
				}
			}
		})
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
