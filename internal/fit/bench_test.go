package fit

import (
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/tensor"
)

// adam is Adam (Kingma and Ba, 2015) with PyTorch's defaults β = (0.9,
// 0.999), ε = 1e-8, for the comparison in BenchmarkFit: the method the
// issue measured through PyTorch (lr 0.05, 4000 steps). Its moments carry
// over from round to round.
type adam struct {
	m, v []float64
	t    int
	lr   float64
}

func (a *adam) restart() {}

func (a *adam) step(z, g []float64, _ float64) {
	const b1, b2, eps = 0.9, 0.999, 1e-8
	a.t++
	c1 := 1 - math.Pow(b1, float64(a.t))
	c2 := 1 - math.Pow(b2, float64(a.t))
	for k, gk := range g {
		a.m[k] = b1*a.m[k] + (1-b1)*gk
		a.v[k] = b2*a.v[k] + (1-b2)*gk*gk
		z[k] -= a.lr * (a.m[k] / c1) / (math.Sqrt(a.v[k]/c2) + eps)
	}
}

// BenchmarkFit fits every case of TestFit and TestFitSharedCells with
// Fit's method, with it unbounded, and with Adam in rounds of 100 steps and
// on YOLOv5's gradient (the detached terms refreshed at every step), and
// reports what each reached: the loss and lbox at the end in % of their
// start (end_%, lbox_%), the mean over labels of the mean IoU of their
// cells (iou), the steps and engine calls taken (steps, calls) and the
// largest |logit| of the fitted predictions (max|x|). Run it once per case:
//
//	go test -run '^$' -bench Fit -benchtime 1x ./internal/fit/
func BenchmarkFit(b *testing.B) {
	methods := []struct {
		name string
		set  Settings
		new  func(n int) stepper
	}{
		{"rprop", (&Settings{}).withDefaults(), func(n int) stepper { return newRprop(n, DefaultBound) }},
		{"rprop-unbounded", (&Settings{Bound: math.MaxFloat64}).withDefaults(), func(n int) stepper { return newRprop(n, math.MaxFloat64) }},
		{"adam", (&Settings{Iterations: 4000, RoundIterations: 100, Bound: math.Inf(1), Tolerance: math.SmallestNonzeroFloat64}).withDefaults(),
			func(n int) stepper { return &adam{m: make([]float64, n), v: make([]float64, n), lr: 0.05} }},
		{"adam-yolov5", (&Settings{Iterations: 4000, RoundIterations: 1, Bound: math.Inf(1), Tolerance: math.SmallestNonzeroFloat64}).withDefaults(),
			func(n int) stepper { return &adam{m: make([]float64, n), v: make([]float64, n), lr: 0.05} }},
	}
	cases := append(fitCases(b), sharedCases(b)...)
	for _, m := range methods {
		for _, c := range cases {
			b.Run(m.name+"/"+c.name, func(b *testing.B) {
				var r *Result
				var p []tensor.Tensor[float64]
				for b.Loop() {
					var e *computeloss.Engine[float64]
					e, p = c.engine(b)
					var err error
					if r, err = fit(e, p, c.b.Targets, m.set, m.new); err != nil {
						b.Fatal(err)
					}
				}
				var iou float64
				n := 0
				for _, a := range r.After {
					if a.N > 0 {
						iou += a.Mean()
						n++
					}
				}
				b.ReportMetric(100*r.End.Loss/r.Start.Loss, "end_%")
				b.ReportMetric(100*r.End.LBox/r.Start.LBox, "lbox_%")
				b.ReportMetric(iou/float64(n), "iou")
				b.ReportMetric(float64(r.Iterations), "steps")
				b.ReportMetric(float64(r.Evaluations), "calls")
				var big float64
				for _, t := range p {
					for _, x := range t.Data {
						big = math.Max(big, math.Abs(x))
					}
				}
				b.ReportMetric(big, "max|x|")
			})
		}
	}
}
