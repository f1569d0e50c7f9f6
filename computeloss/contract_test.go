package computeloss_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// layers returns P5 prediction layers of batch size bs for an image of
// 8·g pixels (grids g, g/2, g/4), with random logits from rng, and zeroed
// gradients of the same shapes.
func layers(rng *rand.Rand, bs, g, nc int) (p, grad []tensor.Tensor[float32]) {
	for _, n := range []int{g, g / 2, g / 4} {
		x := tensor.New[float32](bs, 3, n, n, 5+nc)
		for k := range x.Data {
			x.Data[k] = float32(rng.NormFloat64())
		}
		p = append(p, x)
		grad = append(grad, tensor.New[float32](bs, 3, n, n, 5+nc))
	}
	return p, grad
}

// TestGradientShapeErrors: gradients that do not match the predictions
// (the README's buffers, sized for a full batch, given the smaller last
// batch) are an error that names the layer and both shapes, not a panic;
// the rejected call writes nothing and moves no state; after tensor.Like
// the same buffers serve the smaller batch.
func TestGradientShapeErrors(t *testing.T) {
	const nc = 80
	rng := rand.New(rand.NewPCG(21, 22))
	_, full := layers(rng, 16, 8, nc)
	p, _ := layers(rng, 10, 8, nc)
	labels := []target.Label{{9, 3, 0.5, 0.5, 0.2, 0.3}, {0, 1, 0.3, 0.6, 0.1, 0.1}}
	for _, tc := range []struct {
		name string
		grad func() []tensor.Tensor[float32]
		want string
	}{
		{"full-batch buffers for the last batch", func() []tensor.Tensor[float32] { return full },
			"computeloss: gradient 0 has shape [16 3 8 8 85] (261120 elements), prediction p0 has [10 3 8 8 85]"},
		{"one layer short", func() []tensor.Tensor[float32] { return tensor.Like(nil, p)[:2] },
			"computeloss: 2 gradient tensors for 3 prediction layers"},
		{"short data", func() []tensor.Tensor[float32] {
			g := tensor.Like(nil, p)
			g[2].Data = g[2].Data[:7]
			return g
		}, "computeloss: gradient 2 has shape [10 3 2 2 85] (7 elements), prediction p2 has [10 3 2 2 85]"},
	} {
		e, err := computeloss.New[float32](hyp.Default(), model.P5(nc), &computeloss.Options{Autobalance: true})
		if err != nil {
			t.Fatal(err)
		}
		g := tc.grad()
		for i := range g {
			clear(g[i].Data)
		}
		var r computeloss.Result
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("%s: panic %v, want an error", tc.name, v)
				}
			}()
			r, err = e.Loss(p, labels, g)
		}()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if r.Layers != nil || r.Loss != 0 {
			t.Errorf("%s: rejected call returned %+v, want the zero Result", tc.name, r)
		}
		for i := range g {
			if slices.ContainsFunc(g[i].Data, func(v float32) bool { return v != 0 }) {
				t.Errorf("%s: rejected call wrote gradient %d", tc.name, i)
			}
		}
		if got := e.Balance(); !slices.Equal(got, computeloss.InitialBalance(3)) {
			t.Errorf("%s: rejected call moved the balance to %v", tc.name, got)
		}
	}

	// The partial-batch pattern: Like reslices the full batch's buffers,
	// and the call gives what freshly allocated buffers give.
	e, err := computeloss.New[float32](hyp.Default(), model.P5(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := tensor.Like(full, p)
	if &g[0].Data[0] != &full[0].Data[0] {
		t.Error("tensor.Like allocated where the full batch's buffer suffices")
	}
	if _, err := e.Loss(p, labels, g); err != nil {
		t.Fatalf("after tensor.Like: %v", err)
	}
	fresh := tensor.Like(nil, p)
	if _, err := e.Loss(p, labels, fresh); err != nil {
		t.Fatal(err)
	}
	for i := range g {
		if !slices.Equal(g[i].Data, fresh[i].Data) {
			t.Errorf("gradient %d in the resliced buffer differs from a fresh one's", i)
		}
	}
}

// TestTwoGoroutines: a call that finds the engine in use by another call
// (Hold stands for a call running on another goroutine) panics at once
// with the documented message, and leaves the other call's hold alone.
func TestTwoGoroutines(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	p, g := layers(rng, 2, 8, 2)
	labels := []target.Label{{0, 1, 0.5, 0.5, 0.2, 0.3}}
	e, err := computeloss.New[float32](hyp.Default(), model.P5(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := e.Loss(p, labels, g)
	if err != nil {
		t.Fatal(err)
	}
	wantLoss := want.Loss
	release := e.Hold()
	for range 2 {
		func() {
			defer func() {
				const msg = "computeloss: Engine used by two goroutines at once; use one Engine per goroutine"
				if v := recover(); v != msg {
					t.Errorf("a call on an engine in use: recovered %v, want the panic %q", v, msg)
				}
			}()
			e.Loss(p, labels, g)
		}()
	}
	release()
	r, err := e.Loss(p, labels, g)
	if err != nil || r.Loss != wantLoss {
		t.Errorf("after the other call ended: loss %v, %v; want %v", r.Loss, err, wantLoss)
	}
	// A call that returns an error releases the engine too.
	if _, err := e.Loss(p[:1], labels, nil); err == nil {
		t.Fatal("one layer of three: no error")
	}
	if _, err := e.Loss(p, labels, g); err != nil {
		t.Errorf("after a rejected call: %v", err)
	}
}

// TestResultClone: a Result's slices are overwritten by the engine's next
// call; a Clone is not.
func TestResultClone(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	p, _ := layers(rng, 2, 8, 2)
	e, err := computeloss.New[float64](hyp.Default(), model.P5(2), &computeloss.Options{Autobalance: true})
	if err != nil {
		t.Fatal(err)
	}
	p64 := make([]tensor.Tensor[float64], len(p))
	for i := range p {
		p64[i] = tensor.Convert[float64](tensor.View(p[i]))
	}
	first := []target.Label{{0, 1, 0.5, 0.5, 0.3, 0.2}}
	second := []target.Label{{1, 0, 0.4, 0.4, 0.5, 0.6}, {0, 1, 0.5, 0.5, 0.2, 0.3}}
	r, err := e.Loss(p64, first, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Clone()
	if d := cmp.Diff(r, c); d != "" {
		t.Fatalf("Clone differs from its Result (-r +clone):\n%s", d)
	}
	// A snapshot made by hand, field by field, to compare the clone with.
	snap := r
	snap.Balance = append([]float64(nil), r.Balance...)
	snap.Layers = append([]computeloss.LayerResult(nil), r.Layers...)
	snap.Unmatched = append([]int(nil), r.Unmatched...)
	if _, err := e.Loss(p64, second, nil); err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(r.Layers, snap.Layers) && cmp.Equal(r.Balance, snap.Balance) {
		t.Fatal("the next call changed none of the first Result's slices: the test shows nothing")
	}
	if d := cmp.Diff(snap, c); d != "" {
		t.Errorf("the next call changed the clone (-first call +clone):\n%s", d)
	}
	if z := (computeloss.Result{}).Clone(); z.Balance != nil || z.Layers != nil || z.Unmatched != nil {
		t.Errorf("zero Result's Clone = %+v, want nil slices", z)
	}
}

// TestUnmatched: Result.Unmatched lists, in order, the layers that matched
// no label in the call. With P5's anchors at 256×256 a 10-pixel box fits
// only P3's anchors (P4's and P5's are more than anchor_t = 4 times
// larger), a box of the whole image only P5's; a call without labels lists
// none, and each call's list replaces the last.
func TestUnmatched(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	p, _ := layers(rng, 2, 32, 2) // 256×256: grids 32, 16, 8
	e, err := computeloss.New[float32](hyp.Default(), model.P5(2), nil)
	if err != nil {
		t.Fatal(err)
	}
	const small, whole = 10.0 / 256, 0.98
	for _, tc := range []struct {
		name   string
		labels []target.Label
		want   []int
	}{
		{"small boxes", []target.Label{{0, 1, 0.5, 0.5, small, small}, {1, 0, 0.2, 0.7, small, small}}, []int{1, 2}},
		{"no labels", nil, []int{}},
		{"whole-image box", []target.Label{{1, 1, 0.5, 0.5, whole, whole}}, []int{0, 1}},
		{"both", []target.Label{{0, 1, 0.5, 0.5, small, small}, {1, 1, 0.5, 0.5, whole, whole}}, []int{1}},
	} {
		r, err := e.Loss(p, tc.labels, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Unmatched, tc.want) {
			t.Errorf("%s: Unmatched = %v, want %v", tc.name, r.Unmatched, tc.want)
		}
		for _, i := range r.Unmatched {
			if r.Layers[i].Matches != 0 {
				t.Errorf("%s: layer %d listed unmatched with %d matches", tc.name, i, r.Layers[i].Matches)
			}
		}
	}
}
