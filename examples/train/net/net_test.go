package net

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's own style for graph code
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/yolo-loss/yololoss/model"
)

// testBackend is simplego with the sequential executor (gap 4 and the
// deadlock in the package doc), whatever GOMLX_BACKEND says.
func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	if os.Getenv("GOMLX_BACKEND") != "" && !strings.HasPrefix(os.Getenv("GOMLX_BACKEND"), "go") {
		t.Skip("these tests check simplego's workarounds")
	}
	b, err := backends.NewWithConfig(SequentialBackendConfig)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randoms(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// convRef is the convolution of conv2D's doc, by its definition, in float64.
func convRef(x []float32, bs, h, w, cin int, k []float32, ks, cout, stride int) ([]float64, int, int) {
	p := (ks - 1) / 2
	ho, wo := (h+2*p-ks)/stride+1, (w+2*p-ks)/stride+1
	y := make([]float64, bs*ho*wo*cout)
	for b := range bs {
		for oy := range ho {
			for ox := range wo {
				for ky := range ks {
					for kx := range ks {
						iy, ix := stride*oy-p+ky, stride*ox-p+kx
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							continue
						}
						for c := range cin {
							xv := float64(x[((b*h+iy)*w+ix)*cin+c])
							for o := range cout {
								y[((b*ho+oy)*wo+ox)*cout+o] += xv * float64(k[((ky*ks+kx)*cin+c)*cout+o])
							}
						}
					}
				}
			}
		}
	}
	return y, ho, wo
}

// TestConv2D checks conv2D, and its gradients with respect to the input and
// the kernel, against the definition: with S = Σ conv(x, k)·R,
//
//	∂S/∂k[(ky,kx,c), o] = Σ_{b,oy,ox} x[b, s·oy−p+ky, s·ox−p+kx, c]·R[b, oy, ox, o]
//	∂S/∂x[b, iy, ix, c] = Σ over the taps that read it of k[(ky,kx,c), o]·R[b, oy, ox, o]
//
// computed here as the derivative of convRef by linearity: conv is linear in
// x and in k, so the gradient is convRef's adjoint, checked entry by entry
// against finite differences of the exact float64 reference.
func TestConv2D(t *testing.T) {
	b := testBackend(t)
	tests := []struct {
		name                        string
		bs, h, w, cin, cout, ks, st int
	}{
		{"3x3 stride 1", 2, 5, 6, 3, 4, 3, 1},
		{"3x3 stride 2, odd sides", 2, 7, 5, 2, 3, 3, 2},
		{"1x1", 1, 4, 4, 3, 2, 1, 1},
		{"5x5 stride 2", 1, 8, 8, 2, 2, 5, 2},
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tt := range tests {
		x := randoms(rng, tt.bs*tt.h*tt.w*tt.cin)
		k := randoms(rng, tt.ks*tt.ks*tt.cin*tt.cout)
		want, ho, wo := convRef(x, tt.bs, tt.h, tt.w, tt.cin, k, tt.ks, tt.cout, tt.st)
		r := randoms(rng, len(want))
		exec := MustNewExec(b, func(xn, kn, rn *Node) []*Node {
			y := conv2D(b, xn, kn, tt.ks, tt.st)
			s := ReduceAllSum(Mul(y, rn))
			g := Gradient(s, xn, kn)
			return []*Node{y, g[0], g[1]}
		})
		out, err := exec.Exec(
			tensors.FromFlatDataAndDimensions(x, tt.bs, tt.h, tt.w, tt.cin),
			tensors.FromFlatDataAndDimensions(k, tt.ks*tt.ks*tt.cin, tt.cout),
			tensors.FromFlatDataAndDimensions(r, tt.bs, ho, wo, tt.cout))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := tensors.MustCopyFlatData[float32](out[0])
		for i := range want {
			if math.Abs(float64(got[i])-want[i]) > 1e-4*(1+math.Abs(want[i])) {
				t.Fatalf("%s: y[%d] = %g, want %g", tt.name, i, got[i], want[i])
			}
		}
		s := func(x, k []float32) float64 {
			y, _, _ := convRef(x, tt.bs, tt.h, tt.w, tt.cin, k, tt.ks, tt.cout, tt.st)
			var sum float64
			for i := range y {
				sum += y[i] * float64(r[i])
			}
			return sum
		}
		checkLinearGradient(t, tt.name+" dS/dx", tensors.MustCopyFlatData[float32](out[1]), x, func(v []float32) float64 { return s(v, k) })
		checkLinearGradient(t, tt.name+" dS/dk", tensors.MustCopyFlatData[float32](out[2]), k, func(v []float32) float64 { return s(x, v) })
	}
}

// checkLinearGradient compares grad with the derivative of f, linear in v,
// along each coordinate: f(v + e_i) − f(v), exact up to rounding.
func checkLinearGradient(t *testing.T, name string, grad, v []float32, f func([]float32) float64) {
	t.Helper()
	base := f(v)
	for i := range v {
		old := v[i]
		v[i] = old + 1
		want := f(v) - base
		v[i] = old
		if math.Abs(float64(grad[i])-want) > 1e-3*(1+math.Abs(want)) {
			t.Fatalf("%s[%d] = %g, want %g", name, i, grad[i], want)
		}
	}
}

// TestMatMulGradient checks the two-DotGeneral gradient of matMul against
// GoMLX's own DotGeneral gradient on the same operands.
func TestMatMulGradient(t *testing.T) {
	b := testBackend(t)
	rng := rand.New(rand.NewPCG(2, 2))
	const m, k, n = 7, 5, 3
	lhs, rhs, r := randoms(rng, m*k), randoms(rng, k*n), randoms(rng, m*n)
	exec := MustNewExec(b, func(a, c, rn *Node) []*Node {
		fast := Gradient(ReduceAllSum(Mul(matMul(a, c), rn)), a, c)
		generic := Gradient(ReduceAllSum(Mul(DotGeneral(a, []int{1}, nil, c, []int{0}, nil), rn)), a, c)
		return append(fast, generic...)
	})
	out, err := exec.Exec(
		tensors.FromFlatDataAndDimensions(lhs, m, k),
		tensors.FromFlatDataAndDimensions(rhs, k, n),
		tensors.FromFlatDataAndDimensions(r, m, n))
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"d/dlhs", "d/drhs"} {
		fast := tensors.MustCopyFlatData[float32](out[i])
		generic := tensors.MustCopyFlatData[float32](out[2+i])
		for j := range fast {
			if math.Abs(float64(fast[j]-generic[j])) > 1e-5*(1+math.Abs(float64(generic[j]))) {
				t.Fatalf("%s[%d]: two DotGenerals give %g, GoMLX's gradient %g", name, j, fast[j], generic[j])
			}
		}
	}
}

func testDetect(t testing.TB) model.Detect {
	t.Helper()
	d, err := model.FromPixels(4, [][][2]float64{{{8, 8}, {12, 12}}, {{24, 24}, {40, 40}}}, []float64{8, 16})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNew(t *testing.T) {
	b := testBackend(t)
	d := testDetect(t)
	bad := d.Clone()
	bad.Strides = []float64{8, 24}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"fits", Config{Detect: d, ImgSize: 64}, ""},
		{"stride not a power of 2", Config{Detect: bad, ImgSize: 96}, "stride 24"},
		{"size not a multiple of 16", Config{Detect: d, ImgSize: 72}, "image size 72"},
		{"anchor-free", Config{AnchorFree: testAnchorFree(), ImgSize: 64}, ""},
		{"anchor-free, no reg_max", Config{AnchorFree: &model.AnchorFree{NC: 4, Strides: []float64{8, 16}}, ImgSize: 64}, "reg_max"},
		{"anchor-free, end-to-end", Config{AnchorFree: &model.AnchorFree{NC: 4, RegMax: 16, Strides: []float64{8, 16}, End2End: true}, ImgSize: 64}, "end-to-end"},
		{"anchor-free, stride not a power of 2", Config{AnchorFree: &model.AnchorFree{NC: 4, RegMax: 16, Strides: []float64{8, 24}}, ImgSize: 96}, "stride 24"},
	}
	for _, tt := range tests {
		_, err := New(b, tt.cfg)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: New() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestForward checks the outputs' layout [B, na, ny, nx, 5+nc] and that a
// black image starts at the Detect biases of YOLOv5's _initialize_biases,
// up to what the small head weights add: objectness logit log(8/(S/stride)²)
// and class logit log(0.6/(nc − 0.99)).
func TestForward(t *testing.T) {
	b := testBackend(t)
	n, err := New(b, Config{Detect: testDetect(t), ImgSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	n.Init(ctx, 1)
	exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x *Node) []*Node { return n.Forward(ctx, x) })
	out, err := exec.Exec(tensors.FromFlatDataAndDimensions(make([]float32, 2*64*64*3), 2, 64, 64, 3))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]int{{2, 2, 8, 8, 9}, {2, 2, 4, 4, 9}} {
		if got := out[i].Shape().Dimensions; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("layer %d: shape %v, want %v", i, got, want)
		}
		if got := n.OutShapes(2)[i]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("layer %d: OutShapes %v, want %v", i, got, want)
		}
		p := tensors.MustCopyFlatData[float32](out[i])
		cells := 64 / n.Config().Detect.Strides[i]
		objWant, clsWant := math.Log(8/(cells*cells)), math.Log(0.6/(4-0.99))
		for j := 0; j < len(p); j += 9 {
			if o := float64(p[j+4]); math.Abs(o-objWant) > 0.1 {
				t.Fatalf("layer %d cell %d: objectness logit %g, want about %g", i, j/9, o, objWant)
			}
			if c := float64(p[j+5]); math.Abs(c-clsWant) > 0.1 {
				t.Fatalf("layer %d cell %d: class 0 logit %g, want about %g", i, j/9, c, clsWant)
			}
		}
	}
}

func testAnchorFree() *model.AnchorFree {
	return &model.AnchorFree{NC: 4, RegMax: 16, Strides: []float64{8, 16}}
}

// TestForwardAnchorFree checks the anchor-free head's layout [B, 4·reg_max+nc,
// ny, nx] and its initial biases: with a black image the outputs are the
// Detect biases of ultralytics' bias_init, up to what the small head weights
// add (box bins 1, class logits log(5/nc/(S/stride)²)); and with the head's
// weights zeroed and bias c on channel c, every output of channel c is c,
// which holds only if the channels come first.
func TestForwardAnchorFree(t *testing.T) {
	b := testBackend(t)
	a := testAnchorFree()
	n, err := New(b, Config{AnchorFree: a, ImgSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	n.Init(ctx, 1)
	no := a.Channels()
	run := func(x []float32) []*tensors.Tensor {
		t.Helper()
		exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x *Node) []*Node { return n.Forward(ctx, x) })
		out, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, 2, 64, 64, 3))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := run(make([]float32, 2*64*64*3))
	for i, want := range [][]int{{2, no, 8, 8}, {2, no, 4, 4}} {
		if got := out[i].Shape().Dimensions; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("layer %d: shape %v, want %v", i, got, want)
		}
		if got := n.OutShapes(2)[i]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("layer %d: OutShapes %v, want %v", i, got, want)
		}
		p := tensors.MustCopyFlatData[float32](out[i])
		cells := 64 / a.Strides[i]
		plane := want[2] * want[3]
		for j, v := range p {
			c := j / plane % no
			want := 1.0
			if c >= 4*a.RegMax {
				want = math.Log(5 / 4.0 / (cells * cells))
			}
			if math.Abs(float64(v)-want) > 0.1 {
				t.Fatalf("layer %d element %d (channel %d): %g, want about %g", i, j, c, v, want)
			}
		}
	}

	rng := rand.New(rand.NewPCG(2, 2))
	for i := range a.Strides {
		hc := ctx.In(fmt.Sprintf("detect%d", i))
		w := hc.GetVariable("w")
		w.MustSetValue(tensors.FromShape(w.Shape()))
		bias := make([]float32, no)
		for c := range bias {
			bias[c] = float32(c)
		}
		hc.GetVariable("b").MustSetValue(tensors.FromFlatDataAndDimensions(bias, no))
	}
	out = run(randoms(rng, 2*64*64*3))
	for i := range a.Strides {
		p := tensors.MustCopyFlatData[float32](out[i])
		dims := out[i].Shape().Dimensions
		plane := dims[2] * dims[3]
		for j, v := range p {
			if c := j / plane % no; v != float32(c) {
				t.Fatalf("layer %d element %d: %g, want channel %d's bias %d", i, j, v, c, c)
			}
		}
	}
}
