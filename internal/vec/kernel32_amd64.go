//go:build !purego

package vec

import (
	"math"
	"unsafe"
)

// nk32 is the number of entries in the float32 kernel's constant table.
const nk32 = 23

// kconst32 is the constant table of zeroTarget32AVX2, each value repeated
// over the eight lanes of a YMM register; kernel32_amd64.s names the
// offsets.
var kconst32 = func() (k [nk32][8]float32) {
	set := func(i int, v float32) {
		for l := range k[i] {
			k[i][l] = v
		}
	}
	set(0, math.Float32frombits(1<<31-1)) // |x| mask
	set(1, -86)                           // e^t is flushed to 0 below, where 2^n would be subnormal
	set(2, math.Log2E)
	set(3, 1.5*(1<<23))    // rounds to an integer when added
	set(4, 0.693359375)    // ln 2 to 9 bits, so n·ln2Hi is exact
	set(5, -2.12194440e-4) // ln 2 − 0.693359375
	set(6, 1)
	set(7, 2)
	// e^r ≈ Σ_{i≤7} r^i/i!: 1/7!, …, 1/1! (1/0! is the constant 1)
	f := 1.0
	for i := 1; i <= 7; i++ {
		f *= float64(i)
		set(8+7-i, float32(1/f))
	}
	// atanh series: 1/(2j+1) for j = 7, …, 1 (j = 0 is the constant 1)
	for j := 7; j >= 1; j-- {
		set(15+7-j, float32(1/float64(2*j+1)))
	}
	set(22, math.MaxFloat32)
	return k
}()

//go:noescape
func zeroTarget32AVX2(k *[nk32][8]float32, x, loss, grad, tmp *float32, n int, a, gamma float32)

//go:noescape
func zeroTargetSum32AVX2(k *[nk32][8]float32, x, grad *float32, acc *[8]float64, tmp *[3 * block]float32, n int, a, gamma float32, nt bool)

func zeroTargetSum32(grad, x []float32, a, gamma float32) float64 {
	if !hasAVX2 {
		return zeroTargetSum32Go(grad, x, a, gamma)
	}
	var acc [8]float64
	var tmp [3 * block]float32
	n := len(x) &^ 7
	if n > 0 {
		nt := uintptr(unsafe.Pointer(&grad[0]))&31 == 0
		zeroTargetSum32AVX2(&kconst32, &x[0], &grad[0], &acc, &tmp, n, a, gamma, nt)
	}
	if m := len(x) - n; m > 0 {
		// The last 1–7 elements, through the kernel on a padded copy.
		var xb, lb, gb [8]float32
		copy(xb[:], x[n:])
		zeroTarget32AVX2(&kconst32, &xb[0], &lb[0], &gb[0], &tmp[0], 8, a, gamma)
		copy(grad[n:], gb[:m])
		for i := range m {
			acc[i] += float64(lb[i])
		}
	}
	return sum8(&acc)
}

func zeroTarget32(loss, grad, x []float32, a, gamma float32) {
	if !hasAVX2 {
		zeroTarget32Go(loss, grad, x, a, gamma)
		return
	}
	var tmp [block]float32
	for len(x) >= 8 {
		n := min(len(x), block) &^ 7
		zeroTarget32AVX2(&kconst32, &x[0], &loss[0], &grad[0], &tmp[0], n, a, gamma)
		x, loss, grad = x[n:], loss[n:], grad[n:]
	}
	if len(x) > 0 {
		// The last 1–7 elements, through the kernel on a padded copy.
		var xb, lb, gb [8]float32
		m := copy(xb[:], x)
		zeroTarget32AVX2(&kconst32, &xb[0], &lb[0], &gb[0], &tmp[0], 8, a, gamma)
		copy(loss, lb[:m])
		copy(grad, gb[:m])
	}
}
