// Package varifocal provides the varifocal loss of VarifocalNet (Zhang et al.
// 2021) as YOLOv5 users wrap it around BCEWithLogitsLoss, with the
// per-element weight applied before the mean (the circulating snippet sets
// reduction='mean' first, which averages before weighting; this package does
// not).
//
// # Formula
//
// With the logit x, the target q ∈ [0, 1] (an IoU for objectness), s = σ(x),
// s̄ = σ(−x), b = BCE(x, q) with positive weight (package bce) and b' = ∂b/∂x:
//
//	w     = q                   if q > 0
//	      = α·|s − q|^γ          if q ≤ 0
//	ℓ     = b·w
//	∂ℓ/∂x = b'·w + b·∂w/∂x
//	∂w/∂x = 0                               if q > 0
//	      = α·γ·|s−q|^{γ−1}·sign(s−q)·s·s̄    if q ≤ 0
//
// The weight is not detached: the gradient flows through it, as in mmdet.
//
// # Stable form
//
// For q = 0, |s−q| = s and ∂w/∂x = α·γ·s̄·s^γ, which needs no division
// and tends to its limit 0 as s → 0, so it is finite for every finite x and
// γ ∈ [0, 10] (PyTorch gives NaN for γ < 1 at x ≪ 0). For q < 0,
// d = s − q ≥ −q > 0 and the term is α·γ·(s·s̄/d)·d^γ.
package varifocal
