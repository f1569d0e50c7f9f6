package metrics_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/internal/goldeneval"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/nms"
)

const (
	goldenDir   = "../testdata/golden-eval"    // YOLOv5's val.py
	goldenV8Dir = "../testdata/golden-v8-eval" // ultralytics' DetectionValidator
)

// approx is the goldens' tolerance: 1e-9 relative.
var approx = cmpopts.EquateApprox(1e-9, 0)

// expected is the part of a Result that expect.json records, in its
// layout.
type expected struct {
	NT                 []int
	TP, FP, P, R, F1   []float64
	AP50, AP           []float64
	APClass            []int
	MP, MR, MAP50, MAP float64
}

func fromGolden(e goldeneval.Expect) expected {
	return expected{e.NT, e.TP, e.FP, e.P, e.R, e.F1, e.AP50, e.AP, e.APClass, e.MP, e.MR, e.MAP50, e.MAP}
}

func fromResult(r metrics.Result) expected {
	x := expected{NT: r.NT, MP: r.MP, MR: r.MR, MAP50: r.MAP50, MAP: r.MAP}
	for _, c := range r.Classes {
		x.TP, x.FP, x.P, x.R, x.F1 = append(x.TP, c.TP), append(x.FP, c.FP), append(x.P, c.P), append(x.R, c.R), append(x.F1, c.F1)
		x.AP50, x.AP, x.APClass = append(x.AP50, c.AP50), append(x.AP, c.AP), append(x.APClass, c.Class)
	}
	return x
}

// TestGolden runs NMS, matching and ap_per_class on every golden case,
// YOLOv5's and ultralytics': the correct matrix exactly, the metrics to
// 1e-9 relative. The golden detections are NMS's (package nms reproduces
// them bit for bit).
func TestGolden(t *testing.T) {
	for _, dir := range []string{goldenDir, goldenV8Dir} {
		cases, err := goldeneval.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, gc := range cases {
			t.Run(gc.Name, func(t *testing.T) {
				cfg := gc.Config
				s, err := nms.New[float64](cfg.Options())
				if err != nil {
					t.Fatal(err)
				}
				acc := metrics.NewAccumulator[float64](cfg.NC)
				if err := acc.AddBatch(s.Batch(gc.Pred), gc.Targets); err != nil {
					t.Fatal(err)
				}
				var rows [][10]bool
				for _, c := range acc.Correct() {
					rows = append(rows, c.Row())
				}
				if d := cmp.Diff(gc.Correct, rows, cmpopts.EquateEmpty()); d != "" {
					t.Errorf("correct mismatch (-want +got):\n%s", d)
				}
				if d := cmp.Diff(fromGolden(gc.Expect), fromResult(acc.Compute()), approx, cmpopts.EquateEmpty()); d != "" {
					t.Errorf("metrics mismatch (-want +got):\n%s", d)
				}
			})
		}
	}
}
