// Package iou is the box-loss family: YOLOv5's CIoU and the variants that
// "modify the loss" articles paste in its place, each with its value, its
// per-match loss and that loss's exact gradient with respect to the
// predicted box, finite for every finite input.
//
// The engine (package computeloss) sees one interface, Loss, and one table,
// Variants, from iou_type to constructor; it never knows which variant
// runs. What a variant holds constant (CIoU's α, the Focal weight, WIoU's
// c², β and running mean) stays behind that interface: per match in Held,
// per engine in the Loss value itself.
//
// # The family
//
//	iou_type   value (ℓ = 1 − value unless said)                   reference
//	iou        I/U                                                  YOLOv5 utils/metrics.py bbox_iou
//	giou       IoU − (C − U)/C                                      YOLOv5 bbox_iou (Rezatofighi et al. 2019)
//	diou       IoU − ρ²/c²                                          YOLOv5 bbox_iou (Zheng et al. 2020)
//	ciou       IoU − ρ²/c² − α·v                                    YOLOv5 bbox_iou (Zheng et al. 2020)
//	eiou       IoU − ρ²/c² − Δw²/cw² − Δh²/ch²                      yolo-improve iou.py (Zhang et al. 2022)
//	siou       IoU − (distance cost + shape cost)/2                 yolo-improve iou.py (Gevorgyan 2022)
//	wiou       1 − L_IoU; ℓ = e^{ρ²/c²}·L_IoU, layer weight v2/v3   Instinct323/wiou iou.py (Tong et al. 2023)
//	mpdiou     IoU − (d₁² + d₂²)/(NY² + NX²)                        yolo-improve yolov7-MPDiou.py (Ma & Xu 2023)
//	shape_iou  IoU − shape-weighted distance − shape cost/2         malagoutou/Shape-IoU (Zhang & Zhang 2023)
//
// and the modifiers of the first six (mods.go):
//
//	iou_alpha        α-IoU: IoU^α and the penalties to the power α as
//	                 z1069614715/objectdetection_script yolo-improve/iou.py
//	                 applies them per variant (He et al. 2021)
//	iou_focal_gamma  Focal: ℓ = IoU^γ·(1 − value), IoU^γ held (iou.py;
//	                 Zhang et al. 2022)
//	iou_inner_ratio  Inner-IoU for ciou and siou: the IoU term on the boxes
//	                 scaled about their centres (malagoutou/Inner-IoU;
//	                 Zhang et al. 2023)
//
// Each file holds one variant or modifier with its forward and backward
// formulas. YOLOv5's own bbox_iou adds ε = 1e-7 once, to the union; iou.py
// (used for eiou, siou, and for the first four with α ≠ 1 or γ > 0) adds it
// to the union and again in the division, I/(U + ε), and inside its
// powered penalties. The references' other constants are kept as they are,
// so that each variant reproduces its reference (tools/iou_reference.py
// transcribes them in PyTorch; testdata/iou-pairs holds its numbers).
// iou.py's SIoU reuses the name gamma for its angle term, which turns its
// Focal weight into IoU^(angle − 2); here the Focal weight is IoU^γ.
//
// # Frame and gradient
//
// Boxes are (x, y, w, h), centre and size. The gradient is taken with
// respect to (x, y, log w, log h) of the prediction (Pred carries the
// logarithms): the engine's sizes are (2σ(t))²·anchor, whose logarithm is
// finite at every finite logit even where the size underflows, and aspect
// ratios are taken as e^{log w − log h}. PredFromLogits decodes a match's
// logits as YOLOv5 does and returns the chain factors to the logits.
// Targets have positive sizes.
//
// min, max and clamps follow PyTorch's rules: the larger (smaller) argument
// takes the gradient, ties split it in halves, and clamp(v, 0) passes it
// where v ≥ 0; WIoU's torch.relu passes it only where v > 0.
//
// # The engine's use
//
// Per match k of a layer with n matches, term := Eval(pred, target, grid,
// &held[k], frozen): clamped at 0, term.Value is the objectness target
// (and the IoU class target); the layer adds box/n·w_k·term.Loss to lbox
// and box·bs/n·w_k·term.Grad, chained to the logits, to the gradient.
// After all matches of a layer of an unfrozen call, Weigh(w, bases) moves
// the running state and gives the layer weights w_k (WIoU v2, v3; 1
// otherwise); a frozen call reuses held and the w_k of the unfrozen call.
//
// # Conventions where references give NaN
//
// Where a reference's formula is 0/0, infinite or undefined at some
// finite input, this package returns the mathematical limit, or where
// none exists a finite convention:
//
//   - α-IoU with α < 1 where the boxes do not overlap (I = 0): IoU^α is 0
//     and its derivative is taken as 0. Away from touching boxes that is
//     the limit (IoU^α is 0 nearby); where they just touch the one-sided
//     derivative is infinite and there is no limit.
//   - α-IoU's (ρ²)^α at coincident centres: the derivative in ρ² is taken
//     as 0. Multiplied by ∂ρ² = 0 the gradient is 0, the limit for α > ½;
//     for α ≤ ½ the gradient has no limit (for α = ½ it is the unit
//     direction of the offset), and 0 is the mean of its one-sided values,
//     as a central difference finds it.
//   - SIoU where iou.py's centre offset s = Δcentre + ε vanishes in both
//     axes: the angle's sine is 0/0; it is taken as 0, and the gradient
//     through the angle as 0. The distance cost and its gradient tend to
//     0 there whatever the angle. Where the enclosing box has no extent in
//     an axis (both boxes thinner than the coordinates' resolution), the
//     distance term e^{γ·(s/c)²} is 0 with no gradient, its limit.
//   - CIoU at zero height or width: the aspect ratio is e^{log w − log h},
//     finite for every finite logit; atan's derivative in log w is
//     1/(r + 1/r), 0 at r = 0 and r = +∞. Where both sizes are 0 with
//     logarithms −∞ (PredOf of an empty box) the ratio has no limit and is
//     taken as 1.
//   - Identical boxes: the references' NaN there come from (ρ²)^α with
//     α < 1, above. Every corner ties, and the halves rule gives the mean
//     of the one-sided derivatives, as the references' autograd does.
//   - WIoU: where both boxes are empty (U = 0) L_IoU is taken as 1 with no
//     gradient; where c² = 0, ρ²/c² as 0. β = L/mean is 0 where the mean
//     is 0 (every L of the layer is then 0). For v3 with wiou_alpha < 1
//     the weight β/(δ·α^(β−δ)) grows without bound in β and overflows
//     beyond β ≈ δ + 709/ln(1/α).
//   - Shape-IoU: where w_tˢ + h_tˢ under- or overflows, the shape weights
//     are computed from the target's aspect ratio instead.
//
// Loss values are bounded: every IoU term is in [0, 1] and every penalty
// is finite for finite boxes.
package iou
