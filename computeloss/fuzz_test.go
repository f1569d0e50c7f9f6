package computeloss_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// FuzzLoss runs the engine on random shapes, labels and logits (of any
// finite size, up to ±1e30) under every criterion and γ in [0, 10]: it must
// not panic, the loss, the items and every gradient element must be
// finite (the gradient is filled with NaN before each call), and one and
// three goroutines must give bit-identical results.
func FuzzLoss(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(3), uint8(3), uint8(2), uint8(8), uint8(5), 1.0, 1.5, uint8(0), 0.25, 0.0, 1.0, uint8(0), false)
	f.Add(uint64(2), uint8(4), uint8(2), uint8(1), uint8(1), uint8(3), uint8(0), 80.0, 0.5, uint8(1), 0.95, 0.1, 0.5, uint8(7), true)
	f.Add(uint64(3), uint8(1), uint8(1), uint8(6), uint8(3), uint8(1), uint8(9), 1e4, 0.25, uint8(2), 0.0, 0.0, 0.0, uint8(3), false)
	f.Add(uint64(4), uint8(2), uint8(3), uint8(2), uint8(2), uint8(5), uint8(12), 1e30, 10.0, uint8(2), 1.0, 0.99, 1.0, uint8(5), true)
	f.Fuzz(func(t *testing.T, seed uint64, nl, na, nc, bs, grid, nlabels uint8, scale, gamma float64, typ uint8, alpha, smooth, gr float64, flags uint8, f64 bool) {
		if math.IsNaN(scale) || math.IsInf(scale, 0) || math.Abs(scale) > 1e30 ||
			!(gamma >= 0 && gamma <= 10) || !(alpha >= 0 && alpha <= 1) ||
			!(smooth >= 0 && smooth < 1) || !(gr >= 0 && gr <= 1) {
			t.Skip()
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		nl, na, nc, bs, grid = 1+nl%5, 1+na%3, 1+nc%6, 1+bs%3, 1+grid%9
		h := hyp.Default()
		h.FlGamma, h.FlAlpha, h.LabelSmoothing = gamma, alpha, smooth
		h.FlType = criterion.Names()[int(typ)%len(criterion.Names())]
		m := model.Detect{NC: int(nc)}
		var shapes [][5]int
		gw := int(grid) + rng.IntN(3) // the grid width at stride 8
		for i := range int(nl) {
			m.Strides = append(m.Strides, float64(int(8)<<i))
			var anc [][2]float64
			for range na {
				anc = append(anc, [2]float64{0.1 + 5*rng.Float64(), 0.1 + 5*rng.Float64()})
			}
			m.AnchorsGrid = append(m.AnchorsGrid, anc)
			shapes = append(shapes, [5]int{int(bs), int(na), max(1, int(grid)>>i), max(1, gw>>i), 5 + int(nc)})
		}
		opt := &computeloss.Options{GR: &gr, SortObjIoU: flags&1 != 0, Autobalance: flags&2 != 0 && nl >= 2}
		var labels []target.Label
		for range nlabels % 16 {
			labels = append(labels, target.Label{float64(rng.IntN(int(bs))), float64(rng.IntN(int(nc))),
				rng.Float64(), rng.Float64(), 1e-3 + 0.999*rng.Float64(), 1e-3 + 0.999*rng.Float64()})
		}
		if f64 {
			check[float64](t, h, m, opt, shapes, labels, rng, scale)
		} else {
			check[float32](t, h, m, opt, shapes, labels, rng, scale)
		}
	})
}

func check[T tensor.Float](t *testing.T, h *hyp.Hyp, m model.Detect, opt *computeloss.Options, shapes [][5]int, labels []target.Label, rng *rand.Rand, scale float64) {
	// One engine on one goroutine, one on three: their results must be
	// bit-identical.
	var engines [2]*computeloss.Engine[T]
	for w := range engines {
		e, err := computeloss.New[T](h, m, opt)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		e.SetWorkers(1 + 2*w)
		engines[w] = e
	}
	var p []tensor.Tensor[T]
	var g [2][]tensor.Tensor[T]
	for _, sh := range shapes {
		x := tensor.New[T](sh[:]...)
		for k := range x.Data {
			x.Data[k] = T(scale * rng.NormFloat64())
		}
		p = append(p, x)
		for w := range g {
			g[w] = append(g[w], tensor.New[T](sh[:]...))
		}
	}
	nan := T(math.NaN())
	for call := range 2 {
		var res [2]computeloss.Result
		for w, e := range engines {
			// NaN everywhere first: every element must be written.
			for _, x := range g[w] {
				for k := range x.Data {
					x.Data[k] = nan
				}
			}
			r, err := e.Loss(p, labels, g[w])
			if err != nil {
				t.Fatalf("Loss: %v", err)
			}
			res[w] = r
		}
		r := res[0]
		for _, v := range []float64{r.Loss, r.LBox, r.LObj, r.LCls} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("non-finite result %+v", r)
			}
		}
		if d := cmp.Diff(res[0], res[1]); d != "" {
			t.Fatalf("call %d: 1 goroutine against 3 (-1 +3):\n%s", call, d)
		}
		for i, x := range g[0] {
			for k, v := range x.Data {
				if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
					t.Fatalf("gradient p%d[%d] = %v (logit %v)", i, k, v, p[i].Data[k])
				}
				if v3 := g[1][i].Data[k]; v3 != v {
					t.Fatalf("call %d: gradient p%d[%d] = %v on 1 goroutine, %v on 3", call, i, k, v, v3)
				}
			}
		}
	}
}
