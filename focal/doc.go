// Package focal provides YOLOv5's focal loss (FocalLoss) and quality focal
// loss (QFocalLoss) around binary cross-entropy with logits, with the
// derivative in the logit that PyTorch's autograd gives for them: the
// modulating factor is not detached.
//
// # Notation
//
// x is the logit, y ∈ [0, 1] the target, s = σ(x), s̄ = 1−s = σ(−x),
// b = BCE(x, y) with positive weight (package bce), b' = ∂b/∂x, and
//
//	a = y·α + (1−y)·(1−α)            (the α-balancing factor; constant in x)
//
// # Focal (Lin et al. 2017, as YOLOv5 writes it)
//
//	p_t = y·s + (1−y)·s̄,   q = 1 − p_t = y·s̄ + (1−y)·s
//	ℓ   = b·a·q^γ
//	∂q/∂x = (1−2y)·s·s̄
//	∂ℓ/∂x = a·(b'·q^γ + b·γ·q^{γ−1}·(1−2y)·s·s̄)
//
// # Quality focal (Li et al. 2020, as YOLOv5 writes it)
//
//	u   = y − s = y·s̄ − (1−y)·s
//	ℓ   = b·a·|u|^γ
//	∂ℓ/∂x = a·(b'·|u|^γ − b·γ·|u|^{γ−1}·sign(u)·s·s̄)
//
// # Stable forms
//
// q and u are computed from s and s̄ as written above, never as 1−p_t or
// y−σ(x), so that for y ∈ {0, 1} they keep full relative precision when the
// prediction saturates (q = σ(−x) or σ(x)).
//
// The factor q^{γ−1} is infinite at q = 0 when γ < 1, where PyTorch meets
// ∞·0 and returns NaN. For the hard targets the product simplifies without
// it: with y = 0, q = s and ∂q^γ/∂x = γ·s̄·q^γ; with y = 1, q = s̄ and
// ∂q^γ/∂x = −γ·s·q^γ. Both tend to 0 as q → 0 for every γ > 0, and need no
// division that could overflow where q is subnormal. For a soft target
// q ≥ min(y, 1−y) > 0, and the term is γ·(1−2y)·(s·s̄/q)·q^γ. The same holds
// for |u|: γ·s̄·|u|^γ for y = 0, −γ·s·|u|^γ for y = 1, and
// −γ·(s·s̄/u)·|u|^γ otherwise, 0 at u = 0. For γ < 1 and a soft target,
// |u|^γ has a cusp at u = 0 (σ(x) = y) where no derivative exists; there we
// return 0, the value autograd's sign(0) = 0 gives for γ ≥ 1.
//
// All of these are finite for every finite x and γ ∈ [0, 10].
package focal
