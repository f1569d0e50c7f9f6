// Package bce provides the numerically stable binary cross-entropy with
// logits that every criterion of the project is built on, and the Criterion
// interface they all implement.
//
// # Conventions
//
// A criterion is an elementwise loss ℓ(x, y) of a raw logit x and a target
// y ∈ [0, 1]. Elem returns the loss and its derivative ∂ℓ/∂x; Elems does
// the same over slices, a Block at a time, which is how the engine calls
// it; Mean applies PyTorch's "mean" reduction over a slice, as YOLOv5's
// BCEWithLogitsLoss, FocalLoss and QFocalLoss do. Every sum is accumulated
// in float64.
//
// BCE.Fast swaps package math's exponential and logarithm for short
// polynomials around table points, accurate to about 1e-13 relative (see
// LogisticFast): the engine uses them for float32 data, whose own ε is
// 6e-8.
//
// At the target y = 0 every criterion here takes the form
// A·log(1+e^x)·σ(x)^γ (ZeroTarget; each criterion's ZeroTarget method gives
// A and γ). ZeroTarget.Elems and Elems32 evaluate it over a slice with the
// vector kernels of internal/vec, several times faster than Elems: that is
// how the engine evaluates the bulk of the objectness and class elements.
//
// σ(x) = 1/(1+e^{−x}) is the logistic function. Both σ(x) and 1−σ(x) = σ(−x)
// are computed from the single exponential e^{−|x|}, so neither loses
// precision to cancellation at large |x| (see Logistic).
//
// # BCE with logits and a positive weight
//
// With the positive weight p (PyTorch's pos_weight) and w = 1 + (p−1)·y,
//
//	ℓ(x, y)  = −[p·y·log σ(x) + (1−y)·log(1−σ(x))]
//	         = (1−y)·x + w·log(1+e^{−x})
//	∂ℓ/∂x    = w·σ(x) − p·y   = (1−y) − w·σ(−x)
//
// The forward pass is evaluated as (1−y)·x + w·log1p(e^{−x}) for x ≥ 0 and
// as −p·y·x + w·log1p(e^{x}) for x < 0, the same function without the
// cancellation of x against softplus(−x). Both are finite for every finite
// x: the loss grows linearly and the derivative tends to (1−y) or −p·y.
package bce
