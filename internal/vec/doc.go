// Package vec holds the engine's kernels that plain Go cannot express: the
// zero-target loss over a block of logits in AVX2 with fused multiply-adds
// (four float64 or eight float32 lanes), a copy with non-temporal stores,
// and a strided prefetch. Each has a portable Go version, used on other
// architectures, on x86 processors without the instructions, and under the
// purego build tag; the tests check one against the other.
//
// Why assembly: the Go compiler does not vectorise, and has no intrinsic
// for streaming stores or prefetches. No maintained library offers these
// (gonum's assembly covers BLAS-like kernels, and is internal to gonum).
package vec
