package bce

import "github.com/yolo-loss/yololoss/internal/vec"

// ZeroTarget is the form that BCE and every criterion built on it take at
// the target y = 0, where almost all of YOLOv5's objectness and class
// elements sit:
//
//	ℓ(x, 0)     = A·sp⁺(x)·σ(x)^γ,   sp⁺(x) = log(1+e^x) = BCE(x, 0)
//	∂ℓ/∂x(x, 0) = A·σ(x)^γ·(σ(x) + γ·sp⁺(x)·σ(−x))
//
// using ∂sp⁺/∂x = σ(x) and ∂σ(x)^γ/∂x = γ·σ(x)^γ·σ(−x). BCE is A = 1, γ = 0
// (the positive weight does not act at y = 0).
type ZeroTarget struct {
	A     float64 // the constant factor
	Gamma float64 // the exponent γ ≥ 0 of σ(x)
}

// ZeroTargeter is a Criterion that can state its form at target 0.
type ZeroTargeter interface {
	Criterion
	ZeroTarget() ZeroTarget
}

// Elems stores ℓ(x[i], 0) in loss[i] and ∂ℓ/∂x[i] in grad[i]. On x86-64
// processors with AVX2 and FMA it evaluates four elements at once in
// assembly, accurate to about 2e-14 relative, several times faster than
// the criteria's Elems; elsewhere it uses package math. It panics if the
// lengths differ.
func (z ZeroTarget) Elems(loss, grad, x []float64) { vec.ZeroTarget(loss, grad, x, z.A, z.Gamma) }

// ZeroTarget returns BCE's form at target 0: A = 1, γ = 0.
func (c BCE) ZeroTarget() ZeroTarget { return ZeroTarget{A: 1} }

// Elems32 is Elems for float32 data, in float32 arithmetic (vec.ZeroTarget32):
// accurate to a few float32 ulps, about twice as fast again.
func (z ZeroTarget) Elems32(loss, grad, x []float32) {
	vec.ZeroTarget32(loss, grad, x, float32(z.A), float32(z.Gamma))
}
