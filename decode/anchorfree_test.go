package decode_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// afLayers returns random raw outputs of an anchor-free head: bs 2,
// layers of 6×8 and 3×4 cells (strides 8 and 16), reg_max bins, nc
// classes.
func afLayers[T tensor.Float](rng *rand.Rand, regMax, nc int) ([]tensor.Tensor[T], model.AnchorFree) {
	head := model.AnchorFree{NC: nc, RegMax: regMax, Strides: []float64{8, 16}}
	ps := []tensor.Tensor[T]{tensor.New[T](2, head.Channels(), 6, 8), tensor.New[T](2, head.Channels(), 3, 4)}
	for _, p := range ps {
		for i := range p.Data {
			p.Data[i] = T(3 * rng.NormFloat64())
		}
	}
	return ps, head
}

// torchDecode is ultralytics' _inference written as its tensors go, for
// one layer: view(b, 4, R, cells), softmax over R, the DFL convolution
// with weights 0 … R−1 (the identity for R = 1), make_anchors' centres
// (x + 0.5, y + 0.5) row-major, dist2bbox(xywh) times the stride, σ of the
// class logits. It returns [b][4+nc][cells].
func torchDecode[T tensor.Float](p tensor.Tensor[T], regMax int, stride float64) [][][]float64 {
	bs, ch, ny, nx := p.Shape[0], p.Shape[1], p.Shape[2], p.Shape[3]
	cells, nc := ny*nx, ch-4*regMax
	at := func(b, c, cell int) float64 { return float64(p.Data[(b*ch+c)*cells+cell]) }
	out := make([][][]float64, bs)
	for b := range bs {
		out[b] = make([][]float64, 4+nc)
		for c := range out[b] {
			out[b][c] = make([]float64, cells)
		}
		for cell := range cells {
			var dist [4]float64
			for k := range 4 {
				if regMax == 1 {
					dist[k] = at(b, k, cell)
					continue
				}
				var z float64
				for i := range regMax {
					z += math.Exp(at(b, k*regMax+i, cell))
				}
				for i := range regMax {
					dist[k] += float64(i) * math.Exp(at(b, k*regMax+i, cell)) / z
				}
			}
			ax, ay := float64(cell%nx)+0.5, float64(cell/nx)+0.5
			lt := [2]float64{ax - dist[0], ay - dist[1]}
			rb := [2]float64{ax + dist[2], ay + dist[3]}
			out[b][0][cell] = (lt[0] + rb[0]) / 2 * stride
			out[b][1][cell] = (lt[1] + rb[1]) / 2 * stride
			out[b][2][cell] = (rb[0] - lt[0]) * stride
			out[b][3][cell] = (rb[1] - lt[1]) * stride
			for c := range nc {
				out[b][4+c][cell] = 1 / (1 + math.Exp(-at(b, 4*regMax+c, cell)))
			}
		}
	}
	return out
}

// TestAnchorFree checks every value of AnchorFree's output against the
// transcription of ultralytics' decoding, for reg_max 16, 4 and 1, in
// both precisions.
func TestAnchorFree(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	for _, regMax := range []int{16, 4, 1} {
		testAnchorFree[float64](t, rng, regMax, 1e-12)
		testAnchorFree[float32](t, rng, regMax, 1e-6)
	}
}

func testAnchorFree[T tensor.Float](t *testing.T, rng *rand.Rand, regMax int, tol float64) {
	t.Helper()
	const nc = 3
	ps, head := afLayers[T](rng, regMax, nc)
	got := decode.AnchorFree(tensor.Tensor[T]{}, ps, head)
	a := 6*8 + 3*4
	if d := cmp.Diff([]int{2, 4 + nc, a}, got.Shape); d != "" {
		t.Fatalf("shape mismatch (-want +got):\n%s", d)
	}
	if n := decode.AnchorFreeRows(ps); n != a {
		t.Errorf("AnchorFreeRows = %d, want %d", n, a)
	}
	first := 0
	for l, p := range ps {
		want := torchDecode(p, regMax, head.Strides[l])
		cells := p.Shape[2] * p.Shape[3]
		for b := range 2 {
			for c := range 4 + nc {
				for cell := range cells {
					g := float64(got.Data[(b*(4+nc)+c)*a+first+cell])
					w := want[b][c][cell]
					if math.Abs(g-w) > tol*max(1, math.Abs(w)) {
						t.Fatalf("%s reg_max %d: layer %d image %d channel %d cell %d: got %v, want %v", tensor.DTypeName[T](), regMax, l, b, c, cell, g, w)
					}
				}
			}
		}
		first += cells
	}
}

// TestAnchorFreeByHand: equal bin logits put every side at the middle bin,
// (R−1)/2 cells from the centre.
func TestAnchorFreeByHand(t *testing.T) {
	head := model.AnchorFree{NC: 1, RegMax: 16, Strides: []float64{32}}
	p := tensor.New[float64](1, head.Channels(), 2, 3)
	got := decode.AnchorFree(tensor.Tensor[float64]{}, []tensor.Tensor[float64]{p}, head)
	// Cell (1, 2): centre (2.5, 1.5) cells = (80, 48) px; sides 7.5 cells away: 15 cells = 480 px.
	col := 1*3 + 2
	var box [5]float64
	for c := range box {
		box[c] = got.Data[c*6+col]
	}
	if d := cmp.Diff([5]float64{80, 48, 480, 480, 0.5}, box); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
}

// TestAnchorFreeExtremes: logits of ±1e4 (and ±3e38 in float32) give
// finite boxes inside the bins' range and scores in [0, 1].
func TestAnchorFreeExtremes(t *testing.T) {
	for _, big := range []float64{1e4, 3e38} {
		head := model.AnchorFree{NC: 2, RegMax: 16, Strides: []float64{8}}
		p := tensor.New[float32](1, head.Channels(), 2, 2)
		for i := range p.Data {
			p.Data[i] = float32(big)
			if i%3 == 0 {
				p.Data[i] = float32(-big)
			}
		}
		got := decode.AnchorFree(tensor.Tensor[float32]{}, []tensor.Tensor[float32]{p}, head)
		for i, v := range got.Data {
			c := i / 4
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || (c >= 4 && (v < 0 || v > 1)) || (c >= 2 && c < 4 && (v < 0 || v > 30*8)) {
				t.Errorf("logits ±%g: value %d (channel %d) = %v", big, i, c, v)
			}
		}
	}
}

func TestAnchorFreeReuse(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	ps, head := afLayers[float32](rng, 16, 5)
	dst := decode.AnchorFree(tensor.Tensor[float32]{}, ps, head)
	want := append([]float32(nil), dst.Data...)
	if a := testing.AllocsPerRun(5, func() { dst = decode.AnchorFree(dst, ps, head) }); a != 0 {
		t.Errorf("%v allocations with a large enough dst, want 0", a)
	}
	if d := cmp.Diff(want, dst.Data, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("reused dst: mismatch (-want +got):\n%s", d)
	}
}

func TestCheckAnchorFree(t *testing.T) {
	head := model.AnchorFree{NC: 3, RegMax: 16, Strides: []float64{8, 16}}
	good := func() []tensor.Tensor[float64] {
		return []tensor.Tensor[float64]{tensor.New[float64](2, 67, 4, 4), tensor.New[float64](2, 67, 2, 2)}
	}
	for _, tc := range []struct {
		name   string
		change func([]tensor.Tensor[float64]) []tensor.Tensor[float64]
		head   model.AnchorFree
		want   string
	}{
		{"good", func(p []tensor.Tensor[float64]) []tensor.Tensor[float64] { return p }, head, ""},
		{"one layer", func(p []tensor.Tensor[float64]) []tensor.Tensor[float64] { return p[:1] }, head, "1 layers for 2 strides"},
		{"rank 5", func(p []tensor.Tensor[float64]) []tensor.Tensor[float64] {
			p[1] = tensor.New[float64](2, 3, 2, 2, 8)
			return p
		}, head, "layer 1: shape [2 3 2 2 8] is not of rank 4"},
		{"channels", func(p []tensor.Tensor[float64]) []tensor.Tensor[float64] {
			p[0] = tensor.New[float64](2, 68, 4, 4)
			return p
		}, head, "layer 0: shape [2 68 4 4] has 68 channels, want 4·reg_max + nc = 4·16 + 3 = 67"},
		{"batch", func(p []tensor.Tensor[float64]) []tensor.Tensor[float64] {
			p[1] = tensor.New[float64](1, 67, 2, 2)
			return p
		}, head, "batch sizes differ"},
		{"short data", func(p []tensor.Tensor[float64]) []tensor.Tensor[float64] {
			p[1].Data = p[1].Data[:5]
			return p
		}, head, "layer 1: "},
		{"no cells", func(p []tensor.Tensor[float64]) []tensor.Tensor[float64] {
			p[1] = tensor.New[float64](2, 67, 0, 2)
			return p
		}, head, "no cell"},
		{"bad head", func(p []tensor.Tensor[float64]) []tensor.Tensor[float64] { return p }, model.AnchorFree{NC: 3, RegMax: 0, Strides: []float64{8, 16}}, "reg_max is 0"},
	} {
		err := decode.CheckAnchorFree(tc.change(good()), tc.head)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	defer func() {
		if r, _ := recover().(string); !strings.HasPrefix(r, "decode: 1 layers") {
			t.Errorf("AnchorFree on bad layers: recovered %q", r)
		}
	}()
	decode.AnchorFree(tensor.Tensor[float64]{}, good()[:1], head)
}
