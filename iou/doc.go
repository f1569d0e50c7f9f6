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
// In the YOLOv5 engine's Loss, boxes are (x, y, w, h), centre and size,
// and the gradient is taken with
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
// # The corner family (the anchor-free head)
//
// The anchor-free head's loss (package v8loss) evaluates the same family
// on corner boxes (x₁, y₁, x₂, y₂), prediction and target in the anchor's
// stride units, through XYXYLoss (NewXYXY, from the same Params and table)
// with the gradient in the prediction's corners. The assigner's overlap is
// CIoUXYXY, 8.4's bbox_iou(xywh=False, CIoU=True), without gradient
// (CIoUTarget gives the same value bit for bit with the target's size,
// area and arctangent computed once, for a target's many candidates). Every
// variant shares its formulas with the one above; what changes is how each
// reference takes the sizes from the corners (w = x₂ − x₁ everywhere):
//
//	iou_type, modifiers                 reference on corners            h
//	iou, giou, diou, ciou               ultralytics 8.4 bbox_iou        y₂ − y₁ + ε
//	  with iou_alpha or iou_focal_gamma yolo-improve iou.py             max(y₂ − y₁, ε)
//	eiou, siou                          yolo-improve iou.py             max(y₂ − y₁, ε)
//	ciou, siou with iou_inner_ratio     malagoutou/Inner-IoU on xywh    y₂ − y₁
//	wiou                                Instinct323/wiou IouLoss        y₂ − y₁
//	mpdiou                              yolov7-MPDiou.py bbox_mpdiou    y₂ − y₁ + ε
//	shape_iou                           malagoutou/Shape-IoU on xywh    y₂ − y₁
//
// (the target's height likewise; iou.py's clamp passes the gradient where
// y₂ − y₁ ≥ ε). The rest is as above: 8.4's bbox_iou is YOLOv5's, with
// the union + ε, GIoU's enclosing area + ε, DIoU's and CIoU's c² + ε and
// CIoU's α = v/(v − IoU + 1 + ε) held; iou.py adds ε to the union again in
// the division and inside its powered penalties. MPDIoU's normaliser is
// diag2 = (W/s)² + (H/s)², the image's squared diagonal in the anchor's
// stride units, in place of the layer's grid:
//
//	value = I/U − ((t₁ − p₁)² + (t₃ − p₃)²)/diag2 − ((t₂ − p₂)² + (t₄ − p₄)²)/diag2
//
// The anchor's loss ℓ is XYXYTerm.Loss (1 − value, times the Focal weight
// IoU^γ with γ > 0; WIoU's e^{ρ²/c²}·L_IoU); the engine multiplies it by
// the anchor's target score and Weigh's weight and divides by
// target_scores_sum. WIoU's running mean moves once per call, over all
// foreground anchors of a branch (Weigh), before it weighs that call.
//
// The gradient folds the same adjoints into the corners: with the
// pair's sizes w = x₂ − x₁, h from y₂ − y₁ as above and centre x = (x₁ +
// x₂)/2,
//
//	∂ℓ/∂x₁ = ∂ℓ/∂p₁ + ∂ℓ/∂x/2 − ∂ℓ/∂w,  ∂ℓ/∂x₂ = ∂ℓ/∂p₂ + ∂ℓ/∂x/2 + ∂ℓ/∂w
//
// (p₁, p₂ the corners as they enter overlaps, enclosing box and centre
// offset; y likewise, ∂ℓ/∂h times ∂h/∂(y₂ − y₁)). The size derivatives are
// taken in w and h themselves, where the log frame takes them in log w
// and log h: CIoU's ∂atan(w/h)/∂w = h/(w² + h²) and ∂/∂h = −w/(w² + h²),
// Shape's and SIoU's ∂ω/∂w, Inner-IoU's ∂(r·w/2)/∂w = r/2.
//
// Corner sizes may be 0 and, from reg_max 1's raw distances, negative; the
// conventions for these are listed below.
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
//   - Corner boxes: atan(w/h) at h = 0 (a prediction of zero height
//     under raw heights) is its limit as h → 0⁺, ±π/2, with ∂/∂w = 0 and
//     ∂/∂h = −1/w; at w = h = 0 it is π/4 (a square) with no gradient.
//   - Corner boxes: with 8.4's heights (+ ε) a box of height ~ε inside the
//     other makes GIoU's (C − U)/C + ε slightly negative, whose power has
//     no real value for a non-integer α (the reference's NaN): the
//     powered penalty is taken as 0 with no gradient there. Where that
//     base is 0 to rounding and α < 1 the derivative has no limit.
//   - Shape-IoU against a target of no size (w_t = h_t = 0): the shape
//     weights are a square's, 1 and 1; the shape term of a size whose
//     maximum with the target's is not positive is 0.
//   - WIoU with a prediction whose corners are out of order (x₂ < x₁ or
//     y₂ < y₁, from reg_max 1's raw distances): its enclosing box need not
//     hold its centre, ρ²/c² is then unbounded, and e^{ρ²/c²} overflows
//     (beyond ρ²/c² ≈ 709) as the reference's does; no convention is
//     taken.
//
// Loss values are bounded: every IoU term is in [0, 1] and every penalty
// is finite for finite boxes (in the corner frame, for boxes whose
// corners are in order).
package iou
