// Package computeloss is YOLOv5's training loss, ComputeLoss in
// utils/loss.py, with its exact gradient with respect to the raw outputs of
// the Detect head, as PyTorch's autograd computes it, so that a training loop
// written in Go can backpropagate it.
//
// # Forward
//
// For output layers i = 0…nl−1 with predictions p_i of shape
// [bs, na, ny, nx, 5+nc] (logits: x, y, w, h, objectness, classes), and the
// matches (b, a, gj, gi) of package target with their boxes tbox and anchors
// (model.Detect, in grid units):
//
//	pxy   = 2σ(p_xy) − 0.5                   (cell units; decode.LossBox)
//	pwh   = (2σ(p_wh))²·anchor               (grid units)
//	ℓ_box, v = the box term of (pbox, tbox)  (package iou: CIoU by default, ℓ = 1 − CIoU, v = CIoU)
//	lbox  = Σ_i mean_matches(w·ℓ_box)        (w: the box loss's layer weight, 1 but for WIoU v2/v3)
//	tobj  = 0 everywhere, except at matched cells:
//	        (1 − gr) + gr·max(v, 0)           (detached; the last write wins)
//	lobj  = Σ_i balance_i·mean_cells ℓ_obj(p_obj, tobj)
//	lcls  = Σ_i mean_{matches×classes} ℓ_cls(p_cls, t),  t = cn, or at the label's class
//	        cp (YOLOv5) or max(v, 0) (cls_iou_target, detached)
//	        (only when nc > 1; cp = 1 − ε/2, cn = ε/2 with label smoothing ε)
//	total = (box·lbox + obj·lobj + cls·lcls)·bs
//
// ℓ_obj and ℓ_cls are the criteria that the hyp selects (package
// criterion): BCE with logits and the positive weights obj_pw and cls_pw,
// one or both wrapped in focal, quality focal or varifocal loss when
// fl_gamma > 0 (fl_apply).
//
// The balance is [4, 1, 0.4] for three layers and [4, 1, 0.25, 0.06, 0.02]
// otherwise. With Autobalance, after each call
//
//	balance_i ← 0.9999·balance_i + 0.0001/mean_cells ℓ_obj,i,   then balance ← balance / balance_{stride 16}.
//
// The divisor is floored at 1e-12: a layer whose objectness loss has
// underflowed to 0 would make YOLOv5's balance infinite, and every balance
// NaN after the normalisation.
//
// # Backward
//
// With n matches in layer i and N = bs·na·ny·nx cells:
//
//	∂total/∂p_obj       = obj·bs·balance_i·ℓ'_obj / N              (every cell)
//	∂total/∂p_cls       = cls·bs·ℓ'_cls / (n·nc)                   (matched cells)
//	∂total/∂p_xy        = box·bs·w/n · ∂ℓ_box/∂pxy · 2σ(1−σ)
//	∂total/∂p_wh        = box·bs·w/n · ∂ℓ_box/∂log pwh · 2(1−σ)
//
// summed over the matches that share a cell, and 0 elsewhere. What YOLOv5
// and the box losses' references detach (the objectness and IoU class
// targets, CIoU's aspect weight, the Focal-IoU weight, WIoU's c², β and
// running mean) carries no gradient here either.
//
// # Numbers
//
// Predictions and gradients are float32 or float64 (the type parameter T);
// every sum is accumulated in float64. Almost every objectness and class
// element has target 0, where every criterion reduces to
// A·log(1+e^x)·σ(x)^γ (bce.ZeroTarget); that bulk runs through a vector
// kernel (internal/vec: AVX2 and FMA assembly on x86-64, package math
// elsewhere). For float64 data it works in float64, within about 2e-14
// relative of package math; for float32 data, in float32, within a few
// float32 ulps. The few elements with a nonzero target, and the box terms,
// are computed one by one in float64.
//
// # Phases
//
// A call runs in phases, each in its own file with the state it owns:
// validate (every error a call can return comes from here, so a rejected
// call changes nothing), assign (build_targets; the matches bucketed by
// blocks of 64 cells), matched terms (box and class terms, then per layer
// the box loss's weights and the objectness targets), objectness (the
// criterion over every cell, and the gradient written block by block) and
// reduce (sums, balance, autobalance). The scheduler (scheduler.go, over
// the region of pool.go) runs the parallel parts and states who may touch
// what; work items are fixed by the shapes and the matches, and their sums
// are added in item order on the calling goroutine, so results are
// bit-identical for any number of goroutines.
//
// # Memory
//
// The gradient is the largest thing a call touches: 5+nc values per cell,
// all of them 0 but the objectness derivative, outside the matched cells.
// Each block of 64 cells is assembled in a small staging buffer, with its
// matched cells' box and class terms, and written out with non-temporal
// stores, so memory sees a single write of the gradient and no read of it.
// The objectness logits, one per cell's row, are prefetched a block ahead.
//
// # Concurrency
//
// An Engine is for one goroutine at a time; create one per goroutine. Engines
// share nothing but a pool of worker goroutines, so any number may run at
// once. Within a call, the pool's workers start on the objectness pass over
// the blocks without matched cells as soon as each layer's targets are
// built, while the calling goroutine computes the matched cells' box and
// class terms; the blocks with matched cells follow, once those terms are
// known.
package computeloss
