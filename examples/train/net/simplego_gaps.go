package net

// This file holds every workaround this example needs for gaps of GoMLX
// v0.26.0's pure-Go backend (simplego). Each is small, names its gap, and
// changes nothing in GoMLX: it builds the same computation from operations the
// backend has, or registers a gradient through GoMLX's public table
// (graph.VJPRegistration). On the XLA backend the native convolution is used
// and the fast DotGeneral gradient is harmless.
//
// Gaps:
//
//  1. The convolution's gradient panics ("op Reverse not implemented"), and its
//     gradient graph passes nil strides ("stride[0]=0 must be >= 1"); the
//     forward convolution is a scalar loop. conv2D writes a convolution as
//     Gather (im2col) + DotGeneral, whose gradients are ScatterSum and
//     DotGeneral.
//  2. Pad is not implemented, so a padded input cannot be built with Pad, and
//     Slice, whose gradient is a Pad, has no gradient on a trainable path.
//     im2col reads padding from one extra zero row appended with Concatenate,
//     whose gradient is a Slice of the incoming gradient (a forward Slice).
//  3. DotGeneral's registered gradient is a broadcast multiply followed by a
//     reduce, which materialises [M, K, N]. matMul marks the DotGenerals it
//     builds, and fastDotGeneralVJP computes their gradients as two
//     DotGenerals; every other DotGeneral keeps GoMLX's gradient.
//  4. The parallel op executor reports data races under the race detector,
//     and can deadlock: ops that wait for a slot of the worker pool (a
//     DotGeneral split over its batch) run in tasks that hold the pool's
//     slots, so when every slot is taken by such a task none returns; the
//     update program hangs that way on 2 cores. yolotrain and the tests
//     select the sequential executor, SequentialBackendConfig.

import (
	"sync"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's own style for graph code
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// SequentialBackendConfig is the GOMLX_BACKEND value that runs simplego's ops
// one at a time: its parallel executor trips the race detector and can
// deadlock (gap 4).
const SequentialBackendConfig = "go:ops_sequential"

// nativeConv reports whether the backend's own convolution can be trained
// through (gap 1 is simplego's alone).
func nativeConv(b backends.Backend) bool {
	_, simple := b.(*simplego.Backend)
	return !simple
}

// conv2D convolves x [B, H, W, Cin] with the kernel w [k·k·Cin, Cout], whose
// rows are ordered (ky, kx, c), at the given stride and zero padding (k−1)/2
// on every side, as PyTorch's Conv2d(k, s, k//2):
//
//	Ho = ⌊(H + 2p − k)/s⌋ + 1,  y[b, oy, ox, :] = Σ_{ky,kx,c} x[b, s·oy−p+ky, s·ox−p+kx, c]·w[(ky·k+kx)·Cin+c, :]
//
// with x read as 0 outside the image.
func conv2D(b backends.Backend, x, w *Node, k, stride int) *Node {
	dims := x.Shape().Dimensions
	bs, h, wd, cin := dims[0], dims[1], dims[2], dims[3]
	cout := w.Shape().Dimensions[1]
	p := (k - 1) / 2
	if nativeConv(b) {
		kernel := Reshape(w, k, k, cin, cout)
		return Convolve(x, kernel).StridePerAxis(stride, stride).
			PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
	}
	ho, wo := (h+2*p-k)/stride+1, (wd+2*p-k)/stride+1
	// Gap 2: one zero row per image stands for every tap outside the image.
	flat := Reshape(x, bs, h*wd, cin)
	flat = Concatenate([]*Node{flat, Zeros(x.Graph(), shapes.Make(x.DType(), bs, 1, cin))}, 1)
	flat = Reshape(flat, bs*(h*wd+1), cin)
	idx := Const(x.Graph(), im2colIndices(bs, h, wd, k, stride, p))
	cols := Gather(flat, idx) // [bs·ho·wo·k·k, cin]
	cols = Reshape(cols, bs*ho*wo, k*k*cin)
	return Reshape(matMul(cols, w), bs, ho, wo, cout)
}

// im2colIndices returns, for every output cell and tap in the order (b, oy,
// ox, ky, kx), the row of the flattened, zero-row-extended input to read:
// b·(H·W+1) + iy·W + ix inside the image, b·(H·W+1) + H·W (the zero row)
// outside. Its shape is [bs·ho·wo·k·k, 1], as Gather wants.
func im2colIndices(bs, h, w, k, stride, p int) [][]int32 {
	ho, wo := (h+2*p-k)/stride+1, (w+2*p-k)/stride+1
	out := make([][]int32, 0, bs*ho*wo*k*k)
	for b := range bs {
		base := b * (h*w + 1)
		for oy := range ho {
			for ox := range wo {
				for ky := range k {
					for kx := range k {
						iy, ix := stride*oy-p+ky, stride*ox-p+kx
						row := base + h*w
						if iy >= 0 && iy < h && ix >= 0 && ix < w {
							row = base + iy*w + ix
						}
						out = append(out, []int32{int32(row)})
					}
				}
			}
		}
	}
	return out
}

// fastDots holds the DotGeneral nodes built by matMul, whose axes are known:
// lhs [M, K] contracted on axis 1 with rhs [K, N] on axis 0, no batch axes.
var fastDots sync.Map // *Node → struct{}

// fastDotGradient selects the two-DotGeneral gradient for the graphs built
// after it is set; the benchmarks compare it with GoMLX's.
var fastDotGradient = true

// matMul returns lhs [M, K] · rhs [K, N] as a DotGeneral whose gradient is
// two DotGenerals (gap 3).
func matMul(lhs, rhs *Node) *Node {
	registerFastDotGeneralVJP()
	out := DotGeneral(lhs, []int{1}, nil, rhs, []int{0}, nil)
	if fastDotGradient {
		fastDots.Store(out, struct{}{})
	}
	return out
}

var registerFastDotGeneralVJP = sync.OnceFunc(func() {
	generic := VJPRegistration[NodeTypeDotGeneral]
	VJPRegistration[NodeTypeDotGeneral] = func(node *Node, v []*Node, outputShape shapes.Shape) []*Node {
		if _, ok := fastDots.Load(node); !ok {
			return generic(node, v, outputShape)
		}
		return fastDotGeneralVJP(node, v[0])
	}
})

// fastDotGeneralVJP is the gradient of out = lhs·rhs for the adjoint v
// [M, N]:
//
//	∂/∂lhs = v·rhsᵀ  [M, K],   ∂/∂rhs = lhsᵀ·v  [K, N].
func fastDotGeneralVJP(node, v *Node) []*Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	return []*Node{
		DotGeneral(v, []int{1}, nil, rhs, []int{1}, nil),
		DotGeneral(lhs, []int{0}, nil, v, []int{0}, nil),
	}
}
