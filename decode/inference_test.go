package decode_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/tensor"
)

// layers returns random raw outputs of two layers, 8×6 and 4×3 cells, of
// bs 2, 3 anchors and 4 classes, with their anchors and strides.
func layers[T tensor.Float](rng *rand.Rand) ([]tensor.Tensor[T], [][][2]float64, []float64) {
	ps := []tensor.Tensor[T]{tensor.New[T](2, 3, 8, 6, 9), tensor.New[T](2, 3, 4, 3, 9)}
	for _, p := range ps {
		for i := range p.Data {
			p.Data[i] = T(3 * rng.NormFloat64())
		}
	}
	anchors := [][][2]float64{{{1.25, 1.625}, {2, 3.75}, {4.125, 2.875}}, {{1.875, 3.8125}, {3.875, 2.8125}, {3.6875, 7.4375}}}
	return ps, anchors, []float64{8, 16}
}

// TestInferenceOrder checks every row of Inference against the Detect
// head's formula for the cell it must hold: layer, then anchor, row,
// column, as YOLOv5 concatenates the layers' views.
func TestInferenceOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ps, anchors, strides := layers[float64](rng)
	got := decode.Inference(tensor.Tensor[float64]{}, ps, anchors, strides)
	n := 3*8*6 + 3*4*3
	if d := cmp.Diff([]int{2, n, 9}, got.Shape); d != "" {
		t.Fatalf("shape mismatch (-want +got):\n%s", d)
	}
	if decode.InferenceRows(ps) != n {
		t.Errorf("InferenceRows = %d, want %d", decode.InferenceRows(ps), n)
	}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for b := range 2 {
		row := 0
		for l, p := range ps {
			s := p.Shape
			for a := range s[1] {
				for gj := range s[2] {
					for gi := range s[3] {
						off := (((b*s[1]+a)*s[2]+gj)*s[3] + gi) * s[4]
						v := p.Data[off : off+s[4]]
						want := direct(v, b, a, gj, gi, anchors[l][a], strides[l])
						wantRow := []float64{want.Box.X, want.Box.Y, want.Box.W, want.Box.H, want.Obj}
						for _, x := range v[5:] {
							wantRow = append(wantRow, sig(x))
						}
						gotRow := got.Data[(b*n+row)*9 : (b*n+row+1)*9]
						if d := cmp.Diff(wantRow, gotRow, approx); d != "" {
							t.Fatalf("image %d layer %d cell (%d, %d, %d) at row %d: mismatch (-want +got):\n%s", b, l, a, gj, gi, row, d)
						}
						row++
					}
				}
			}
		}
	}
}

// TestInferenceFloat32 decodes float32 layers to the float64 result
// rounded.
func TestInferenceFloat32(t *testing.T) {
	ps, anchors, strides := layers[float32](rand.New(rand.NewPCG(1, 1)))
	ps64 := make([]tensor.Tensor[float64], len(ps))
	for i, p := range ps {
		ps64[i] = tensor.Convert[float64](tensor.View(p))
	}
	got := decode.Inference(tensor.Tensor[float32]{}, ps, anchors, strides)
	want := decode.Inference(tensor.Tensor[float64]{}, ps64, anchors, strides)
	for i, w := range want.Data {
		if got.Data[i] != float32(w) {
			t.Fatalf("element %d: %v, want float32(%v)", i, got.Data[i], w)
		}
	}
}

func TestInferenceReusesDst(t *testing.T) {
	ps, anchors, strides := layers[float32](rand.New(rand.NewPCG(1, 1)))
	dst := decode.Inference(tensor.Tensor[float32]{}, ps, anchors, strides)
	first := &dst.Data[0]
	allocs := testing.AllocsPerRun(10, func() {
		dst = decode.Inference(dst, ps, anchors, strides)
	})
	if allocs != 0 || &dst.Data[0] != first {
		t.Errorf("Inference into the previous result: %v allocations, same storage %v", allocs, &dst.Data[0] == first)
	}
}

func TestInferencePanics(t *testing.T) {
	ps, anchors, strides := layers[float64](rand.New(rand.NewPCG(1, 1)))
	other := tensor.New[float64](1, 3, 4, 3, 9)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"no layers", func() { decode.Inference(tensor.Tensor[float64]{}, nil, nil, nil) }, "no layers"},
		{"strides short", func() { decode.Inference(tensor.Tensor[float64]{}, ps, anchors, strides[:1]) }, "2 layers, 2 anchor sets, 1 strides"},
		{"bs differs", func() {
			decode.Inference(tensor.Tensor[float64]{}, []tensor.Tensor[float64]{ps[0], other}, anchors, strides)
		}, "bs, na and 5+nc must agree"},
		{"anchors short", func() {
			decode.Inference(tensor.Tensor[float64]{}, ps, [][][2]float64{anchors[0], anchors[1][:2]}, strides)
		}, "layer 1: 2 anchors"},
		{"rank 4", func() {
			decode.Inference(tensor.Tensor[float64]{}, []tensor.Tensor[float64]{tensor.New[float64](1, 3, 4, 9)}, anchors[:1], strides[:1])
		}, "not of rank 5"},
	} {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if r == nil || !strings.Contains(msg, tc.want) {
					t.Errorf("%s: recovered %v, want a panic containing %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
