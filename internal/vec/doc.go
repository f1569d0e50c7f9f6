// Package vec holds the engine's two kernels that plain Go cannot express:
// the zero-target loss over a block of logits in AVX2 (four lanes, fused
// multiply-adds) and a copy with non-temporal stores. Each has a portable
// Go version, used on other architectures, on x86 processors without the
// instructions, and under the purego build tag; the tests check one against
// the other.
//
// Why assembly: the Go compiler does not vectorise, and has no intrinsic
// for streaming stores. No maintained library offers either for this
// formula (gonum's assembly covers BLAS-like kernels and is internal).
package vec
