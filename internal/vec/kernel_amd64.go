//go:build !purego

package vec

import (
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The assembly kernels need AVX2 and FMA (Haswell, Zen and later); without
// them the portable Go versions run. golang.org/x/sys/cpu reads the CPUID
// bits and whether the OS saves the YMM registers.
var (
	hasAVX  = cpu.X86.HasAVX
	hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// block is how many elements the kernel takes per call.
const block = 128

// nk is the number of entries in the kernels' constant table.
const nk = 32

// kconst is the constant table of zeroTargetAVX2, each value repeated over
// the four lanes of a YMM register; kernel_amd64.s names the offsets.
var kconst = func() (k [nk][4]float64) {
	set := func(i int, v float64) { k[i] = [4]float64{v, v, v, v} }
	set(0, math.Float64frombits(1<<63-1)) // |x| mask
	set(1, -700)                          // e^t is flushed to 0 below, above the subnormals
	set(2, math.Log2E)
	set(3, 1.5*(1<<52)) // rounds to an integer when added
	set(4, ln2Hi)
	set(5, ln2Lo)
	set(6, 1)
	set(7, 2)
	// e^r ≈ Σ_{i≤11} r^i/i!: 1/11!, …, 1/1! (1/0! is the constant 1)
	f := 1.0
	for i := 1; i <= 11; i++ {
		f *= float64(i)
		set(8+11-i, 1/f)
	}
	// atanh series: 1/(2j+1) for j = 12, …, 1 (j = 0 is the constant 1)
	for j := 12; j >= 1; j-- {
		set(19+12-j, 1/float64(2*j+1))
	}
	set(31, math.MaxFloat64)
	return k
}()

const (
	ln2Hi = 6.93147180369123816490e-01 // ln 2 with its low 21 bits clear, so n·ln2Hi is exact
	ln2Lo = 1.90821492927058770002e-10 // ln 2 − ln2Hi
)

//go:noescape
func zeroTargetAVX2(k *[nk][4]float64, x, loss, grad, tmp *float64, n int, a, gamma float64)

//go:noescape
func streamAVX(dst, src unsafe.Pointer, n int)

func sfence()

//go:noescape
func prefetchT0(p unsafe.Pointer, stride uintptr, n int)

func prefetch(p unsafe.Pointer, stride uintptr, n int) { prefetchT0(p, stride, n) }

func zeroTarget(loss, grad, x []float64, a, gamma float64) {
	if !hasAVX2 {
		zeroTargetGo(loss, grad, x, a, gamma)
		return
	}
	// The kernel's scratch, in blocks that stay in the L1 cache.
	var tmp [block]float64
	for len(x) >= 4 {
		n := min(len(x), block) &^ 3
		zeroTargetAVX2(&kconst, &x[0], &loss[0], &grad[0], &tmp[0], n, a, gamma)
		x, loss, grad = x[n:], loss[n:], grad[n:]
	}
	if len(x) > 0 {
		// The last 1–3 elements, through the kernel on a padded copy.
		var xb, lb, gb [4]float64
		m := copy(xb[:], x)
		zeroTargetAVX2(&kconst, &xb[0], &lb[0], &gb[0], &tmp[0], 4, a, gamma)
		copy(loss, lb[:m])
		copy(grad, gb[:m])
	}
}

//go:noescape
func softmaxMeansF64AVX2(k *[nk][4]float64, z *float64, stride uintptr, r int, out *[16]float64)

//go:noescape
func softmaxMeansF32AVX2(k *[nk][4]float64, z *float32, stride uintptr, r int, out *[16]float64)

func softmaxMeans64(out *[16]float64, z []float64, stride, r int) bool {
	if !hasAVX2 {
		return false
	}
	softmaxMeansF64AVX2(&kconst, &z[0], uintptr(stride)*8, r, out)
	return true
}

func softmaxMeans32(out *[16]float64, z []float32, stride, r int) bool {
	if !hasAVX2 {
		return false
	}
	softmaxMeansF32AVX2(&kconst, &z[0], uintptr(stride)*4, r, out)
	return true
}

func stream(dst, src unsafe.Pointer, n int) {
	if !hasAVX {
		copy(unsafe.Slice((*byte)(dst), n), unsafe.Slice((*byte)(src), n))
		return
	}
	// Plain stores up to dst's first 32-byte boundary and after its last,
	// non-temporal ones between.
	head := min(int(-uintptr(dst)&31), n)
	copy(unsafe.Slice((*byte)(dst), head), unsafe.Slice((*byte)(src), head))
	body := (n - head) &^ 31
	if body > 0 {
		streamAVX(unsafe.Add(dst, head), unsafe.Add(src, head), body)
	}
	// (No pointer one past the end: the race detector's checkptr rejects it.)
	if tail := head + body; tail < n {
		copy(unsafe.Slice((*byte)(unsafe.Add(dst, tail)), n-tail), unsafe.Slice((*byte)(unsafe.Add(src, tail)), n-tail))
	}
}

func fence() {
	if hasAVX {
		sfence()
	}
}

// kernelIsGo reports whether ZeroTarget runs zeroTargetGo itself: on a
// processor without AVX2 and FMA.
func kernelIsGo() bool { return !hasAVX2 }
