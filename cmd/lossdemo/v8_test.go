package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// v8GoldenDir holds the anchor-free head's cases, computed by ultralytics
// 8.4.35 under PyTorch in float64.
const v8GoldenDir = "../../testdata/golden-v8"

// v8Run runs `lossdemo -hyp H -pred P -json -grad G [-iters N]` with
// extra flags on case c and returns the report and the gradient written.
func v8GoldenRun(t *testing.T, c *golden.V8Case, extra ...string) (*v8Report, []batchfile.Tensor) {
	t.Helper()
	grad := filepath.Join(t.TempDir(), "grad.npz")
	args := []string{"-hyp", c.HypPath, "-pred", filepath.Join(c.Dir, "input.npz"), "-json", "-grad", grad}
	if c.Expect.Iters > 1 {
		args = append(args, "-iters", fmt.Sprint(c.Expect.Iters))
	}
	code, out, errOut := lossdemo(t, append(args, extra...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r v8Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	var names []string
	for i := range c.GradP {
		names = append(names, fmt.Sprintf("p%d", i))
	}
	for i := range c.GradQ {
		names = append(names, fmt.Sprintf("q%d", i))
	}
	return &r, readArrays(t, grad, names...)
}

// readArrays reads the named arrays of the .npz at path.
func readArrays(t *testing.T, path string, names ...string) []batchfile.Tensor {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := batchfile.ReadTensors(f, st.Size(), names...)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// testV8Golden runs every anchor-free golden case through lossdemo and
// compares every call's items (relative) and the gradient of the last
// (relative to each array's largest element), all finite.
func testV8Golden(t *testing.T, tolItem, tolGrad float64, extra ...string) {
	cases, err := golden.LoadV8(v8GoldenDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 28 {
		t.Fatalf("%d cases, want 28", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r, g := v8GoldenRun(t, &c, extra...)
			if r.Head != "v8" || r.RegMax != c.Expect.RegMax || r.NC != c.Expect.NC || r.End2End != c.Expect.End2End {
				t.Errorf("head %q, reg_max %d, nc %d, end2end %v; want v8, %d, %d, %v", r.Head, r.RegMax, r.NC, r.End2End,
					c.Expect.RegMax, c.Expect.NC, c.Expect.End2End)
			}
			calls := r.History
			if calls == nil {
				calls = []v8Items{r.v8Items}
			}
			if len(calls) != len(c.Expect.History) {
				t.Fatalf("%d calls, want %d", len(calls), len(c.Expect.History))
			}
			for k, want := range c.Expect.History {
				got := calls[k]
				if got.FG != want.FG {
					t.Errorf("call %d: fg %d, want %d", k, got.FG, want.FG)
				}
				items := []struct {
					name      string
					got, want float64
				}{{"loss", got.Loss, want.Loss}, {"lbox", got.LBox, want.LBox}, {"lcls", got.LCls, want.LCls},
					{"ldfl", got.LDfl, want.LDfl}, {"tss", got.TSS, want.TSS}}
				if c.Expect.End2End {
					if got.O2M == nil || got.O2O == nil {
						t.Fatalf("call %d: no o2m, o2o", k)
					}
					items = append(items, struct {
						name      string
						got, want float64
					}{"o2m", *got.O2M, want.O2M}, struct {
						name      string
						got, want float64
					}{"o2o", *got.O2O, want.O2O})
				}
				if want.WIoUMean != nil {
					if got.WIoUMean == nil {
						t.Fatalf("call %d: no wiou_mean", k)
					}
					items = append(items, struct {
						name      string
						got, want float64
					}{"wiou_mean", *got.WIoUMean, *want.WIoUMean})
				}
				for _, it := range items {
					d := math.Abs(it.got-it.want) / math.Max(math.Abs(it.want), 1e-300)
					if it.want == 0 {
						d = math.Abs(it.got)
					}
					if !(d <= tolItem) {
						t.Errorf("call %d: %s = %.15g, want %.15g (rel %.3g)", k, it.name, it.got, it.want, d)
					}
				}
			}
			want := append(append([]batchfile.Tensor(nil), c.GradP...), c.GradQ...)
			if len(g) != len(want) {
				t.Fatalf("%d gradient arrays, want %d", len(g), len(want))
			}
			for i, w := range want {
				var big float64
				for j := range w.Len() {
					big = math.Max(big, math.Abs(w.At(j)))
				}
				if g[i].Len() != w.Len() {
					t.Fatalf("gradient %s: %d elements, want %d", w.Name, g[i].Len(), w.Len())
				}
				for j := range w.Len() {
					v := g[i].At(j)
					if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v-w.At(j)) > tolGrad*math.Max(big, 1e-300) {
						t.Errorf("gradient %s[%v] = %.12g, want %.12g (largest %.3g)", w.Name, unravel(j, w.Shape), v, w.At(j), big)
						break
					}
				}
			}
		})
	}
}

// TestV8Golden: every anchor-free golden case through lossdemo in
// float64, within 1e-9.
func TestV8Golden(t *testing.T) { testV8Golden(t, 1e-9, 1e-9) }

// TestV8GoldenFloat32: the same with -dtype float32, within 1e-5 (items)
// and 1e-4 (gradients), every element finite.
func TestV8GoldenFloat32(t *testing.T) { testV8Golden(t, 1e-5, 1e-4, "-dtype", "float32") }

// TestV8Model: -model on each of ultralytics' eight model files runs the
// built-in sample shaped by its head, and says so (the strides, reg_max
// and end2end of testdata/ultralytics-8.4.35/README.md's table); a YOLOv5
// model file runs YOLOv5's loss on a sample of its head.
func TestV8Model(t *testing.T) {
	dir := "../../testdata/ultralytics-8.4.35/models"
	p3, p2, p6 := []float64{8, 16, 32}, []float64{4, 8, 16, 32}, []float64{8, 16, 32, 64}
	for _, tc := range []struct {
		file    string
		strides []float64
		regMax  int
		e2e     bool
	}{
		{"yolov8.yaml", p3, 16, false}, {"yolo11.yaml", p3, 16, false},
		{"yolov8-p2.yaml", p2, 16, false}, {"yolov8-p6.yaml", p6, 16, false},
		{"yolo26.yaml", p3, 1, true}, {"yolo26-p2.yaml", p2, 1, true}, {"yolo26-p6.yaml", p6, 1, true},
		{"yolov10n.yaml", p3, 16, true},
	} {
		path := filepath.Join(dir, tc.file)
		code, out, errOut := lossdemo(t, "-model", path, "-json")
		var r v8Report
		if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
			t.Fatalf("%s: exit %d, %v: %s", tc.file, code, err, errOut)
		}
		if r.Head != "v8" || r.NC != 80 || !slices.Equal(r.Strides, tc.strides) || r.RegMax != tc.regMax || r.End2End != tc.e2e {
			t.Errorf("%s: head %s nc %d strides %v reg_max %d end2end %v", tc.file, r.Head, r.NC, r.Strides, r.RegMax, r.End2End)
		}
		if !(r.Loss > 0) || r.FG == 0 || !(r.LBox > 0) || !(r.LCls > 0) || !(r.LDfl > 0) {
			t.Errorf("%s: loss %v, fg %d, items %v %v %v", tc.file, r.Loss, r.FG, r.LBox, r.LCls, r.LDfl)
		}
		code, out, errOut = lossdemo(t, "-model", path)
		want := fmt.Sprintf("reg_max %d) on built-in sample shaped by %s", tc.regMax, path)
		if code != 0 || !strings.Contains(out, want) || strings.Contains(out, "end-to-end") != tc.e2e ||
			!strings.Contains(out, fmt.Sprintf("(stride %g)\n", tc.strides[len(tc.strides)-1])) {
			t.Errorf("%s: exit %d %s; want %q, end-to-end %v:\n%s", tc.file, code, errOut, want, tc.e2e, out)
		}
	}
	code, out, errOut := lossdemo(t, "-hyp", "../../testdata/ultralytics-8.4.35/default.yaml", "-model", filepath.Join(dir, "yolov8.yaml"))
	if code != 0 || !strings.Contains(out, "box 7.5, cls 0.5, dfl 1.5") {
		t.Errorf("-hyp default.yaml -model yolov8.yaml: exit %d %s\n%s", code, errOut, out)
	}
	code, out, errOut = lossdemo(t, "-model", "../../model/testdata/p5.yaml", "-json")
	var r report
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || r.Head != "v5" || r.NC != 80 || len(r.Strides) != 3 || !(r.Loss > 0) {
		t.Errorf("-model p5.yaml: exit %d %v %s: head %q nc %d strides %v loss %v", code, err, errOut, r.Head, r.NC, r.Strides, r.Loss)
	}
}

// writeV8 writes an anchor-free file: the outputs of the built-in
// sample of head a as mutate leaves them, with its targets, strides and
// reg_max (float64 scalars are accepted as integers).
func writeV8(t *testing.T, path string, a model.AnchorFree, mutate func(ts []batchfile.Tensor) []batchfile.Tensor) string {
	t.Helper()
	s, err := sample.ForAnchorFree(a, 64, 3)
	if err != nil {
		t.Fatal(err)
	}
	tg := make([]float64, 0, 6*len(s.Targets))
	for _, l := range s.Targets {
		tg = append(tg, l[:]...)
	}
	ts := append(append([]batchfile.Tensor(nil), s.P...), s.Q...)
	ts = append(ts,
		batchfile.Tensor{Name: "targets", Array: tensor.Array{Shape: []int{len(s.Targets), 6}, F64: tg}},
		batchfile.Tensor{Name: "strides", Array: tensor.Array{Shape: []int{len(a.Strides)}, F64: a.Strides}},
		batchfile.Tensor{Name: "reg_max", Array: tensor.Array{Shape: []int{}, F64: []float64{float64(a.RegMax)}}})
	if mutate != nil {
		ts = mutate(ts)
	}
	if err := batchfile.WriteFile(path, ts); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestV8Inputs: anchor-free files that cannot be right are input errors
// naming the array; the flags that mean nothing for the head are refused;
// a loss that overflows names the branch, the item and the logit.
func TestV8Inputs(t *testing.T) {
	dir := t.TempDir()
	a := model.AnchorFree{NC: 3, RegMax: 4, Strides: []float64{8, 16, 32}}
	e2e := model.AnchorFree{NC: 3, RegMax: 4, Strides: []float64{8, 16, 32}, End2End: true}
	good := writeV8(t, filepath.Join(dir, "good.npz"), a, nil)
	drop := func(name string) func([]batchfile.Tensor) []batchfile.Tensor {
		return func(ts []batchfile.Tensor) []batchfile.Tensor {
			return slices.DeleteFunc(ts, func(x batchfile.Tensor) bool { return x.Name == name })
		}
	}
	set := func(name string, k int, v float64) func([]batchfile.Tensor) []batchfile.Tensor {
		return func(ts []batchfile.Tensor) []batchfile.Tensor {
			for i := range ts {
				if ts[i].Name == name && ts[i].F32 != nil {
					ts[i].F32[k] = float32(v)
				} else if ts[i].Name == name {
					ts[i].F64[k] = v
				}
			}
			return ts
		}
	}
	bigCls := func(ts []batchfile.Tensor) []batchfile.Tensor {
		for i := range ts[:3] {
			f := make([]float64, ts[i].Len())
			for k := range f {
				f[k] = ts[i].At(k)
			}
			g := ts[i].Shape[2] * ts[i].Shape[3]
			for k := range f {
				if (k/g)%ts[i].Shape[1] >= 16 {
					f[k] = 1e308
				}
			}
			ts[i].F32, ts[i].F64 = nil, f
		}
		return ts
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"one q missing", []string{"-pred", writeV8(t, filepath.Join(dir, "q.npz"), e2e, drop("q2"))}, "2 arrays q0… for 3 arrays p0…"},
		{"no targets", []string{"-pred", writeV8(t, filepath.Join(dir, "t.npz"), a, drop("targets"))}, `no array "targets"`},
		{"reg_max 0", []string{"-pred", writeV8(t, filepath.Join(dir, "r.npz"), a, func(ts []batchfile.Tensor) []batchfile.Tensor {
			ts[len(ts)-1].F64[0] = 0
			return ts
		})}, `array "reg_max": 0: want an integer from 1 to 256`},
		{"NaN logit", []string{"-pred", writeV8(t, filepath.Join(dir, "n.npz"), a, set("p1", 7, math.NaN()))}, `array "p1": non-finite value NaN at [0 0 1 3]`},
		{"class 5 of 3", []string{"-pred", writeV8(t, filepath.Join(dir, "c.npz"), a, set("targets", 1, 5))}, `array "targets"`},
		{"-gr", []string{"-pred", good, "-gr", "0.5"}, "-gr: YOLOv5's objectness option"},
		{"fit", []string{"fit", "-pred", good, "-o", filepath.Join(dir, "f.npz")}, "fit is for the YOLOv5 head only"},
		{"-model and -pred", []string{"-pred", good, "-model", "../../model/testdata/p5.yaml"}, "not with -pred or -sample"},
		{"YOLOv5 key", []string{"-pred", good, "-hyp", "../../data/hyps/hyp.scratch-low.yaml"}, "means nothing for the v8 head"},
		{"overflow", []string{"-pred", writeV8(t, filepath.Join(dir, "big.npz"), a, bigCls), "-grad", filepath.Join(dir, "g.npz")},
			"the loss is +Inf from finite inputs: lcls of the branch is +Inf; its largest class logit is p0[0 16 0 0] = 1e+308"},
		{"float32 range", []string{"-pred", filepath.Join(dir, "big.npz"), "-dtype", "float32"}, "p0[0 16 0 0] = 1e+308 is beyond float32's range"},
	} {
		code, out, errOut := lossdemo(t, tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 naming %q", tc.name, code, out, errOut, tc.want)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "g.npz")); err == nil {
		t.Error("the overflowing run wrote its gradient")
	}
	if code, _, errOut := lossdemo(t, "-pred", good, "-iters", "2"); code != 0 {
		t.Errorf("the good file: exit %d: %s", code, errOut)
	}
}

// TestV8CompareBench: -compare and -bench on the anchor-free head: a row
// per criterion and per box loss, the hyp's own equal to the run, the
// medians with no allocation per call, and the -grad file the run's own,
// not the comparisons' scratch.
func TestV8CompareBench(t *testing.T) {
	c := "../../testdata/golden-v8/v8_e2e_yolo26"
	dir := t.TempDir()
	args := []string{"-hyp", filepath.Join(c, "hyp.yaml"), "-pred", filepath.Join(c, "input.npz"), "-iters", "2", "-json", "-workers", "1"}
	code, out, errOut := lossdemo(t, append(args, "-grad", filepath.Join(dir, "plain.npz"))...)
	var plain v8Report
	if err := json.Unmarshal([]byte(out), &plain); code != 0 || err != nil {
		t.Fatalf("exit %d %v: %s", code, err, errOut)
	}
	code, out, errOut = lossdemo(t, append(args, "-grad", filepath.Join(dir, "both.npz"), "-compare", "-bench", "3")...)
	var r v8Report
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
		t.Fatalf("exit %d %v: %s", code, err, errOut)
	}
	if len(r.Compare) != 4 || len(r.BoxLosses) != len(iou.Variants()) {
		t.Fatalf("%d criteria rows, %d box rows", len(r.Compare), len(r.BoxLosses))
	}
	if row := r.Compare[0]; !row.Hyp || row.Loss != r.Loss || row.Name != "BCE" {
		t.Errorf("BCE row %+v, the run's loss %v", row, r.Loss)
	}
	if row := r.BoxLosses[slices.Index(iou.Names(), "ciou")]; !row.Hyp || row.Loss != r.Loss {
		t.Errorf("ciou row %+v, the run's loss %v", row, r.Loss)
	}
	if r.MedianMs == nil || !(*r.MedianMs > 0) || r.AllocsPerCall == nil || *r.AllocsPerCall != 0 || r.Calls != 3 {
		t.Errorf("bench: median %v, allocs %v, calls %d", r.MedianMs, r.AllocsPerCall, r.Calls)
	}
	names := []string{"p0", "p1", "p2", "q0", "q1", "q2"}
	a, b := readArrays(t, filepath.Join(dir, "plain.npz"), names...), readArrays(t, filepath.Join(dir, "both.npz"), names...)
	for i := range a {
		if !slices.Equal(a[i].F64, b[i].F64) {
			t.Errorf("gradient %s differs with -compare -bench", names[i])
		}
	}
	code, out, _ = lossdemo(t, "-pred", filepath.Join(c, "input.npz"), "-compare")
	for _, want := range []string{"BCE (hyp)", "ciou (CIoU) (hyp)", "class criteria compared", "box losses compared"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("-compare text: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
}
