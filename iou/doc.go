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
// # Frame and gradient
//
// Boxes are (x, y, w, h), centre and size. The gradient is taken with
// respect to (x, y, log w, log h) of the prediction (Pred carries the
// logarithms): the engine's sizes are (2σ(t))²·anchor, whose logarithm is
// finite at every finite logit even where the size underflows, and aspect
// ratios are taken as e^{log w − log h}.
//
// min, max and clamps follow PyTorch's rules: the larger (smaller) argument
// takes the gradient, ties split it in halves, and clamp(v, 0) passes it
// where v ≥ 0.
package iou
