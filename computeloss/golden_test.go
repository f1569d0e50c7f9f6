package computeloss_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// goldenDirs hold YOLOv5's own losses and autograd gradients, computed by
// PyTorch in float64 (see each README): YOLOv5's loss, the criteria's
// placement and IoU class targets, and the box-loss family.
var goldenDirs = []string{"../testdata/golden", "../testdata/golden-cls", "../testdata/golden-iou"}

func loadGolden(t testing.TB) []golden.Case {
	t.Helper()
	cases, err := golden.LoadAll(goldenDirs...)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// detect is the case's Detect head: its anchors are in grid units, as
// Detect's buffer holds them.
func detect(t testing.TB, gc *golden.Case) model.Detect {
	t.Helper()
	d, err := model.FromGrid(gc.Expect.NC, gc.Batch.AnchorsGrid, gc.Batch.Strides)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func options(gc *golden.Case) *computeloss.Options {
	return &computeloss.Options{Autobalance: gc.Expect.Autobalance, SortObjIoU: gc.Expect.SortObjIoU, GR: new(gc.Expect.GR)}
}

// preds converts the case's float64 predictions to T.
func preds[T tensor.Float](b *batchfile.Batch) (p, g []tensor.Tensor[T]) {
	for _, t := range b.Preds {
		var sh [5]int
		copy(sh[:], t.Shape)
		x := tensor.New[T](sh[:]...)
		for k, v := range t.F64 {
			x.Data[k] = T(v)
		}
		p = append(p, x)
		g = append(g, tensor.New[T](sh[:]...))
	}
	return p, g
}

// items are a result's numbers as expect.json records them; want tells
// whether the case records WIoU's running means.
func items(r computeloss.Result, want golden.Items) golden.Items {
	it := golden.Items{Loss: r.Loss, LBox: r.LBox, LObj: r.LObj, LCls: r.LCls, Balance: append([]float64(nil), r.Balance...)}
	if want.WIoUMeans != nil {
		for _, l := range r.Layers {
			if l.Matches > 0 {
				it.WIoUMeans = append(it.WIoUMeans, l.Box.Mean)
			}
		}
	}
	return it
}

// TestGoldenFloat64 reproduces every golden case in float64: each call's
// loss items and balance within 1e-9 relative, and the gradient of the last
// call within 1e-9 of each array's largest element.
func TestGoldenFloat64(t *testing.T) {
	var worstItems, worstGrad float64
	defer func() {
		t.Logf("worst relative difference: items %.2g, gradient elements %.2g of their array's largest", worstItems, worstGrad)
	}()
	for _, gc := range loadGolden(t) {
		t.Run(gc.Name, func(t *testing.T) {
			e, err := computeloss.New[float64](gc.Hyp, detect(t, &gc), options(&gc))
			if err != nil {
				t.Fatal(err)
			}
			p, g := preds[float64](gc.Batch)
			for it, want := range gc.Expect.History {
				r, err := e.Loss(p, gc.Batch.Targets, g)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, items(r, want), cmpopts.EquateApprox(1e-9, 0)); d != "" {
					t.Errorf("call %d: items mismatch (-want +got):\n%s", it+1, d)
				}
				got := items(r, want)
				worstItems = max(worstItems, relDiff(want.Loss, got.Loss), relDiff(want.LBox, got.LBox),
					relDiff(want.LObj, got.LObj), relDiff(want.LCls, got.LCls))
			}
			for i, want := range gc.Grads {
				big := largest(want.F64)
				if d := cmp.Diff(want.F64, g[i].Data, cmpopts.EquateApprox(0, 1e-9*big)); d != "" {
					t.Errorf("gradient p%d mismatch beyond 1e-9·%g (-want +got):\n%s", i, big, d)
				}
				for k, v := range want.F64 {
					if big > 0 {
						worstGrad = max(worstGrad, math.Abs(g[i].Data[k]-v)/big)
					}
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
// 1e-4 of the largest gradient element of the layer, and every element
// finite (where PyTorch's float32 run of YOLOv5's criteria is not, in the
// saturated cases of golden-cls).
func TestGoldenFloat32(t *testing.T) {
	for _, gc := range loadGolden(t) {
		t.Run(gc.Name, func(t *testing.T) {
			e, err := computeloss.New[float32](gc.Hyp, detect(t, &gc), options(&gc))
			if err != nil {
				t.Fatal(err)
			}
			p, g := preds[float32](gc.Batch)
			for it, want := range gc.Expect.History {
				r, err := e.Loss(p, gc.Batch.Targets, g)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, items(r, want), cmpopts.EquateApprox(1e-5, 0)); d != "" {
					t.Errorf("call %d: items mismatch (-want +got):\n%s", it+1, d)
				}
			}
			for i, want := range gc.Grads {
				big := largest(want.F64)
				got := make([]float64, len(g[i].Data))
				for k, v := range g[i].Data {
					got[k] = float64(v)
					if math.IsNaN(got[k]) || math.IsInf(got[k], 0) {
						t.Errorf("gradient p%d[%d] = %v", i, k, v)
					}
				}
				if d := cmp.Diff(want.F64, got, cmpopts.EquateApprox(0, 1e-4*big)); d != "" {
					t.Errorf("gradient p%d mismatch beyond 1e-4·%g (-want +got):\n%s", i, big, d)
				}
			}
		})
	}
}

// largest is the largest absolute element of x.
func largest(x []float64) float64 {
	var big float64
	for _, v := range x {
		big = math.Max(big, math.Abs(v))
	}
	return big
}
