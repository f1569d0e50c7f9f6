// Package v8loss is the detection loss of the anchor-free YOLO heads
// (YOLOv8, YOLO11, YOLO26, YOLOv10): ultralytics 8.4.35's v8DetectionLoss
// and E2ELoss, with the exact gradient with respect to the head's raw
// outputs, as PyTorch's autograd computes it. testdata/golden-v8/README.md
// states every convention; the cases there are reproduced to 1e-9.
//
// # Inputs
//
// Per output layer l of stride s_l, the raw outputs [bs, 4·R + nc, ny, nx]
// (R = reg_max): R logits for each of the distances from the cell centre
// (x + 0.5, y + 0.5) to the box's left, top, right and bottom sides, in
// stride units, then the nc class logits. Labels are (image, class, x, y,
// w, h), normalised.
//
// # Forward, one branch
//
// The assigner (package tal) picks the foreground anchors, each with its
// target box and target score t_a at the target's class; tss = max(Σ t_a, 1).
//
//	d      = Σ_k k·softmax(z)_k (R > 1), or z (R = 1)    (package dfl)
//	pred   = (x + 0.5 − d_l, y + 0.5 − d_t, x + 0.5 + d_r, y + 0.5 + d_b)
//	lcls   = cls·Σ_{anchors, classes} ℓ(x, y) / tss,   y = t_a at the target's class of a foreground anchor, else 0
//	lbox   = box·Σ_fg ℓ_box(pred, target)·w_a·t_a / tss     (w_a: WIoU's weight, else 1)
//	ldfl   = dfl·Σ_fg t_a·mean_sides DFL(z, clamp(d*, 0, R − 1.01)) / tss          (R > 1)
//	ldfl   = dfl·Σ_fg t_a·mean_sides |d·s/W − d*·s/W| / tss   (R = 1; H for top, bottom; d* unclamped)
//	Loss   = bs·(lbox + lcls + ldfl)
//
// with ℓ the class criterion of the hyp (BCE, or focal, qfocal, varifocal
// per element when fl_gamma > 0; focal without its α factor when
// fl_alpha ≤ 0), ℓ_box the box loss of iou_type (CIoU by default, package
// iou's corner family), and d* the distances from the anchor point to the
// target's sides. Without foreground anchors lbox = ldfl = 0.
//
// # End-to-end heads
//
// YOLO26 and YOLOv10 add a one-to-one branch (its own outputs; top-k 7,
// then each target's best anchor) beside the one-to-many branch (top-k 10):
//
//	Loss = bs·(o2m·(lbox + lcls + ldfl)_o2m + o2o·(lbox + lcls + ldfl)_o2o)
//	o2m  = 0.8 at epoch 0, else max(1 − k/max(epochs − 1, 1), 0)·(0.8 − 0.1) + 0.1
//	o2o  = max(1 − o2m, 0)
//
// and the items reported are the one-to-one branch's. The trainer sets
// the epoch k with SetEpoch; State holds it with both branches' box-loss
// states. YOLOv10's v10Detect is always end-to-end, with reg_max 16: its
// model.AnchorFree has End2End set.
//
// # A trainer's calls
//
//	e, err := v8loss.New[float32](h, head, nil)   // h from hyp.Load or hyp.DefaultV8()
//	grad := tensor.Like(nil, p)                    // once; again for a smaller last batch
//	for epoch := range epochs {
//		e.SetEpoch(epoch)
//		for each batch {
//			res, err := e.Loss(p, labels, grad) // p: p0…, then q0… for an end-to-end head
//			backpropagate grad; log res.Loss, res.LBox, res.LCls, res.LDfl, res.FG
//		}
//		save e.State() with the checkpoint; e.SetState(s) on resume
//	}
//
// # Backward
//
// Everything ultralytics detaches is constant here too: the assignment and
// target scores, CIoU's aspect weight, the Focal-IoU weight, WIoU's terms.
// With g = bs·weight/tss:
//
//	∂Loss/∂x         = g·cls·ℓ'(x, y)                                      (every class logit)
//	∂Loss/∂z_{side,k} = g·box·w_a·t_a·∂ℓ_box/∂d·p_k·(k − d) + g·dfl·t_a·∂DFL/∂z_k/4   (foreground anchors)
//
// and 0 for the box logits of the other anchors.
//
// # Numbers and work
//
// Predictions and gradients are float32 or float64; the assignment's
// metric and every term are computed in float64, every sum accumulated in
// float64. Nearly every class element has target 0: those run through
// the criteria's target-0 form on the vector kernel (bce.ZeroTarget), in
// float32 for float32 data, and the foreground elements are replaced by
// the criterion's Elem. For float32 data, a class plane, or a block of
// it, without a foreground element of the plane's class goes through
// vec.ZeroTargetSum32, which writes the derivatives straight out with
// non-temporal stores and sums the losses in the same pass.
//
// The assigner's work is proportional to the candidate anchors, not to
// targets × anchors. A target's candidates come in runs along rows, so a
// predicted box is decoded with the three cells after it, in the lanes
// of a vector kernel: vec.SoftmaxMeans64 for float64 data, bit for bit
// the scalar computation; vec.SoftmaxMeans32 for float32 data, with e^u
// from the kernel's exponential (within about 1e-14). The assigner tells
// the predictor each target's next row of candidates (tal.RowHinter),
// whose box logits are prefetched in every channel. The box channels'
// gradient is streamed out block by block, the foreground anchors'
// values included. Every worker's buffers are sized at the start
// of a call for its largest image (tal.Assigner.Reserve), so that a call
// with the shapes and labels of an earlier one allocates nothing.
//
// # Phases
//
// A call runs validate (validate.go: every error), assign (assign.go: the
// assigner and the foreground terms, one item per branch and image),
// reduce (reduce.go) and classes (classes.go: the class criterion and the
// gradient, one item per branch, image and layer). Items write only their
// own outputs, and their sums are added in item order, so results are
// bit-identical at any worker count.
package v8loss
