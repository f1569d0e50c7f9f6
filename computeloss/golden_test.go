package computeloss_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
)

// goldenDir holds YOLOv5's own losses and autograd gradients, computed by
// PyTorch in float64 (see its README).
const goldenDir = "../testdata/golden"

type goldenItems struct {
	Loss    float64   `json:"loss"`
	LBox    float64   `json:"lbox"`
	LObj    float64   `json:"lobj"`
	LCls    float64   `json:"lcls"`
	Balance []float64 `json:"balance"`
}

type goldenExpect struct {
	NC          int           `json:"nc"`
	Autobalance bool          `json:"autobalance"`
	SortObjIoU  bool          `json:"sort_obj_iou"`
	GR          float64       `json:"gr"`
	Iters       int           `json:"iters"`
	History     []goldenItems `json:"history"`
}

type goldenCase struct {
	name   string
	hyp    *hyp.Hyp
	batch  *batchfile.Batch
	expect goldenExpect
	grads  []batchfile.Tensor
}

func loadGolden(t testing.TB) []goldenCase {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*", "expect.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases under %s: %v", goldenDir, err)
	}
	var cases []goldenCase
	for _, f := range dirs {
		dir := filepath.Dir(f)
		gc := goldenCase{name: filepath.Base(dir)}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &gc.expect); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if gc.hyp, err = hyp.Load(filepath.Join(dir, "hyp.yaml")); err != nil {
			t.Fatal(err)
		}
		if gc.batch, err = batchfile.ReadFile(filepath.Join(dir, "input.npz")); err != nil {
			t.Fatal(err)
		}
		names := make([]string, gc.batch.NL())
		for i := range names {
			names[i] = fmt.Sprintf("p%d", i)
		}
		gf, err := os.Open(filepath.Join(dir, "grad.npz"))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := gf.Stat()
		gc.grads, err = batchfile.ReadTensors(gf, st.Size(), names...)
		gf.Close()
		if err != nil {
			t.Fatalf("%s/grad.npz: %v", dir, err)
		}
		cases = append(cases, gc)
	}
	return cases
}

func (gc *goldenCase) model() computeloss.Model {
	return computeloss.Model{NC: gc.expect.NC, Anchors: gc.batch.Anchors, Strides: gc.batch.Strides}
}

func (gc *goldenCase) options() *computeloss.Options {
	return &computeloss.Options{Autobalance: gc.expect.Autobalance, SortObjIoU: gc.expect.SortObjIoU, GR: gc.expect.GR}
}

// preds converts the case's float64 predictions to T.
func preds[T computeloss.Float](b *batchfile.Batch) (p, g []computeloss.Tensor[T]) {
	for _, t := range b.Preds {
		var sh [5]int
		copy(sh[:], t.Shape)
		x := computeloss.NewTensor[T](sh)
		for k, v := range t.F64 {
			x.Data[k] = T(v)
		}
		p = append(p, x)
		g = append(g, computeloss.NewTensor[T](sh))
	}
	return p, g
}

func items(r computeloss.Result) goldenItems {
	return goldenItems{Loss: r.Loss, LBox: r.LBox, LObj: r.LObj, LCls: r.LCls, Balance: append([]float64(nil), r.Balance...)}
}

// TestGoldenFloat64 reproduces every golden case in float64: each call's
// loss items and balance, and the gradient of the last call, within 1e-9
// relative.
func TestGoldenFloat64(t *testing.T) {
	var worstItems, worstGrad float64
	defer func() {
		t.Logf("worst relative difference: items %.2g, gradient elements %.2g", worstItems, worstGrad)
	}()
	for _, gc := range loadGolden(t) {
		t.Run(gc.name, func(t *testing.T) {
			e, err := computeloss.New[float64](gc.hyp, gc.model(), gc.options())
			if err != nil {
				t.Fatal(err)
			}
			p, g := preds[float64](gc.batch)
			if len(gc.expect.History) != gc.expect.Iters {
				t.Fatalf("expect.json has %d history entries for %d iters", len(gc.expect.History), gc.expect.Iters)
			}
			for it, want := range gc.expect.History {
				r, err := e.Loss(p, gc.batch.Targets, g)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, items(r), cmpopts.EquateApprox(1e-9, 0)); d != "" {
					t.Errorf("call %d: items mismatch (-want +got):\n%s", it+1, d)
				}
				got := items(r)
				worstItems = max(worstItems, relDiff(want.Loss, got.Loss), relDiff(want.LBox, got.LBox),
					relDiff(want.LObj, got.LObj), relDiff(want.LCls, got.LCls))
			}
			for i, want := range gc.grads {
				if d := cmp.Diff(want.F64, g[i].Data, cmpopts.EquateApprox(1e-9, 0)); d != "" {
					t.Errorf("gradient p%d mismatch (-want +got):\n%s", i, d)
				}
				for k, v := range want.F64 {
					worstGrad = max(worstGrad, relDiff(v, g[i].Data[k]))
				}
			}
		})
	}
}

// relDiff is |got − want|/|want|, 0 when both are 0.
func relDiff(want, got float64) float64 {
	if want == got {
		return 0
	}
	return math.Abs(got-want) / math.Abs(want)
}

// TestGoldenFloat32 runs every case on float32 predictions and compares
// with the float64 goldens: items within 1e-5 relative, gradients within
// 1e-4 of the largest gradient element of the layer.
func TestGoldenFloat32(t *testing.T) {
	for _, gc := range loadGolden(t) {
		t.Run(gc.name, func(t *testing.T) {
			e, err := computeloss.New[float32](gc.hyp, gc.model(), gc.options())
			if err != nil {
				t.Fatal(err)
			}
			p, g := preds[float32](gc.batch)
			for it, want := range gc.expect.History {
				r, err := e.Loss(p, gc.batch.Targets, g)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, items(r), cmpopts.EquateApprox(1e-5, 0)); d != "" {
					t.Errorf("call %d: items mismatch (-want +got):\n%s", it+1, d)
				}
			}
			for i, want := range gc.grads {
				var big float64
				for _, v := range want.F64 {
					big = math.Max(big, math.Abs(v))
				}
				got := make([]float64, len(g[i].Data))
				for k, v := range g[i].Data {
					got[k] = float64(v)
				}
				if d := cmp.Diff(want.F64, got, cmpopts.EquateApprox(0, 1e-4*big)); d != "" {
					t.Errorf("gradient p%d mismatch beyond 1e-4·%g (-want +got):\n%s", i, big, d)
				}
			}
		})
	}
}
