//go:build !amd64 || purego

package vec

import "unsafe"

func zeroTarget(loss, grad, x []float64, a, gamma float64) { zeroTargetGo(loss, grad, x, a, gamma) }

func stream(dst, src unsafe.Pointer, n int) {
	copy(unsafe.Slice((*byte)(dst), n), unsafe.Slice((*byte)(src), n))
}

func fence() {}

func prefetch(p unsafe.Pointer, stride uintptr, n int) {}

func zeroTarget32(loss, grad, x []float32, a, gamma float32) {
	zeroTarget32Go(loss, grad, x, a, gamma)
}

// kernelIsGo reports whether ZeroTarget runs zeroTargetGo itself.
func kernelIsGo() bool { return true }

func zeroTargetSum32(grad, x []float32, a, gamma float32) float64 {
	return zeroTargetSum32Go(grad, x, a, gamma)
}

func softmaxMeans64(out *[16]float64, z []float64, stride, r int) bool { return false }

func softmaxMeans32(out *[16]float64, z []float32, stride, r int) bool { return false }
