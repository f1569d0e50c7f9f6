package vec

import (
	"math"
	"unsafe"
)

// ZeroTarget stores in loss[i] and grad[i] the loss at target 0 of the
// criteria family
//
//	ℓ(x) = a·sp⁺(x)·σ(x)^γ,   ℓ'(x) = a·σ(x)^γ·(σ(x) + γ·sp⁺(x)·σ(−x))
//
// where sp⁺(x) = log(1 + e^x) is the BCE-with-logits loss at target 0: BCE
// is a = 1, γ = 0; focal and quality focal are a = 1 − α; varifocal is
// a = α. The assembly kernel is within about 2e-14 relative of package
// math; it flushes e^{−|x|} and σ(x)^γ to 0 below e^{−700} instead of
// letting them go subnormal, which changes no sum. A NaN x gives NaN. It
// panics if the lengths differ.
func ZeroTarget(loss, grad, x []float64, a, gamma float64) {
	if len(loss) != len(x) || len(grad) != len(x) {
		panic("vec: slice lengths do not match")
	}
	zeroTarget(loss, grad, x, a, gamma)
}

// zeroTargetGo is ZeroTarget with package math.
func zeroTargetGo(loss, grad, x []float64, a, gamma float64) {
	for i, v := range x {
		e := math.Exp(-math.Abs(v))
		r := 1 / (1 + e)
		s, sc := r, e*r // σ(x), σ(−x) for x ≥ 0
		if v < 0 {
			s, sc = e*r, r
		}
		sp := math.Log1p(e)
		spp := max(v, 0) + sp // log(1+e^x)
		m := 1.0
		if gamma != 0 {
			// σ(x)^γ = e^{γ·log σ(x)}, log σ(x) = −(max(−x, 0) + log1p(e^{−|x|}))
			m = math.Exp(-gamma * (max(-v, 0) + sp))
		}
		loss[i] = a * spp * m
		// spp·sc is 0, not ∞·0, at x = +∞
		grad[i] = a * m * (s + gamma*(min(spp, math.MaxFloat64)*sc))
	}
}

// Stream copies src into dst, which must have the same length, with
// non-temporal stores where the processor has them: the data go to memory
// without first reading the destination's cache lines, which halves the
// memory traffic of writing a large buffer once. A goroutine must call
// Fence after its last Stream and before another goroutine reads dst.
func Stream[T ~float32 | ~float64](dst, src []T) {
	if len(dst) != len(src) {
		panic("vec: slice lengths do not match")
	}
	if len(dst) == 0 {
		return
	}
	var z T
	stream(unsafe.Pointer(&dst[0]), unsafe.Pointer(&src[0]), len(dst)*int(unsafe.Sizeof(z)))
}

// Fence orders the calling goroutine's earlier Stream stores before its
// later stores (an SFENCE), so that a goroutine that synchronises with it
// afterwards sees them.
func Fence() { fence() }

// Prefetch asks the processor to bring the cache lines of x[0], x[stride],
// …, x[(n−1)·stride] into the cache, without waiting for them: a strided
// read that the hardware prefetchers do not follow across pages, started
// while other work runs. Indices past the end of x are not prefetched. It
// has no effect where there is no prefetch instruction.
func Prefetch[T ~float32 | ~float64](x []T, stride, n int) {
	if stride <= 0 || n <= 0 || len(x) == 0 {
		return
	}
	n = min(n, (len(x)-1)/stride+1)
	var z T
	prefetch(unsafe.Pointer(&x[0]), uintptr(stride)*unsafe.Sizeof(z), n)
}

// ZeroTarget32 is ZeroTarget for float32 data, computed in float32: eight
// elements at once in the assembly kernel, accurate to a few float32 ulps
// (about 1e-6 relative; e^{−|x|} and σ(x)^γ are flushed to 0 below e^{−86},
// where float32 turns subnormal).
func ZeroTarget32(loss, grad, x []float32, a, gamma float32) {
	if len(loss) != len(x) || len(grad) != len(x) {
		panic("vec: slice lengths do not match")
	}
	zeroTarget32(loss, grad, x, a, gamma)
}

// ZeroTargetSum32 is ZeroTarget32 that stores only the derivatives, in
// grad, and returns the sum of the losses, each float32 loss added in
// float64 to one of eight running sums (element i to sum i mod 8), which
// are then added in a fixed order: the result depends only on the values
// and len(x). Where grad is 32-byte aligned, it is written with
// non-temporal stores, as by Stream: call Fence before another goroutine
// reads it. The values are ZeroTarget32's. It panics if the lengths
// differ.
func ZeroTargetSum32(grad, x []float32, a, gamma float32) float64 {
	if len(grad) != len(x) {
		panic("vec: slice lengths do not match")
	}
	return zeroTargetSum32(grad, x, a, gamma)
}

// SoftmaxMeans64 computes, for four columns (lanes) j = 0…3 of 4·r rows
// of logits z[i·stride + j] (rows s·r … s·r + r − 1 for side s = 0…3),
// each side's softmax expectation
//
//	m = max_k z_k,  u_k = z_k − m,  e_k = σ(u_k)/(1 − σ(u_k)) (= e^{u_k}),
//	out[4s + j] = (Σ_k k·e_k) / (Σ_k e_k),
//
// where σ(u_k) is bit for bit ZeroTarget's derivative at a = 1, γ = 0 of
// u_k, and the sums run in increasing k without fused multiply-adds: the
// same values as that computation done one column at a time in Go. It
// returns false, doing nothing, where there is no kernel (the caller
// computes it itself then). It panics if z is too short.
func SoftmaxMeans64(out *[16]float64, z []float64, stride, r int) bool {
	checkMeans(len(z), stride, r)
	return softmaxMeans64(out, z, stride, r)
}

// SoftmaxMeans32 is SoftmaxMeans64 for float32 logits, converted to
// float64, with e_k = e^{u_k} from an exponential within about 1e-14
// relative (not through σ: not bit for bit a computation in Go).
func SoftmaxMeans32(out *[16]float64, z []float32, stride, r int) bool {
	checkMeans(len(z), stride, r)
	return softmaxMeans32(out, z, stride, r)
}

func checkMeans(n, stride, r int) {
	if r < 1 || stride < 4 || n < (4*r-1)*stride+4 {
		panic("vec: SoftmaxMeans needs r ≥ 1, stride ≥ 4 and (4r − 1)·stride + 4 logits")
	}
}

// sum8 adds the eight running sums of ZeroTargetSum32 in a fixed order.
func sum8(acc *[8]float64) float64 {
	return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

// zeroTargetSum32Go is ZeroTargetSum32 through zeroTarget32Go.
func zeroTargetSum32Go(grad, x []float32, a, gamma float32) float64 {
	var acc [8]float64
	var lb [64]float32
	for i := 0; i < len(x); i += len(lb) {
		n := min(len(x)-i, len(lb))
		zeroTarget32Go(lb[:n], grad[i:i+n], x[i:i+n], a, gamma)
		for j, v := range lb[:n] {
			acc[j%8] += float64(v)
		}
	}
	return sum8(&acc)
}

// zeroTarget32Go is ZeroTarget32 through zeroTargetGo, a block at a time.
func zeroTarget32Go(loss, grad, x []float32, a, gamma float32) {
	var xb, lb, gb [64]float64
	for len(x) > 0 {
		n := min(len(x), len(xb))
		for i, v := range x[:n] {
			xb[i] = float64(v)
		}
		zeroTargetGo(lb[:n], gb[:n], xb[:n], float64(a), float64(gamma))
		for i := range n {
			loss[i], grad[i] = float32(lb[i]), float32(gb[i])
		}
		x, loss, grad = x[n:], loss[n:], grad[n:]
	}
}

// Sum returns the sum of x in float64, in four interleaved partial sums so
// that the additions do not wait on each other; the order depends only on
// len(x).
func Sum[F ~float32 | ~float64](x []F) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}
