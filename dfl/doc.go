// Package dfl is the box distribution of the anchor-free YOLO heads
// (YOLOv8, YOLO11, YOLO26, YOLOv10): each of a box's four distances from
// its anchor point (left, top, right, bottom, in stride units) is predicted
// as R = reg_max logits z_0 … z_{R−1}.
//
// # Expectation
//
// For R > 1 the distance is the expectation of the bin index under the
// softmax of the logits (ultralytics' DFL module, bbox_decode):
//
//	p_k = e^{z_k} / Σ_j e^{z_j},   d = Σ_k k·p_k,   ∂d/∂z_k = p_k·(k − d)
//
// For R = 1 the logit is the distance itself: d = z_0, ∂d/∂z_0 = 1.
//
// # Distribution focal loss (R > 1)
//
// The target distance t is clamped to [0, R − 1.01] (ultralytics'
// bbox2dist and DFLoss), then with l = ⌊t⌋, w_l = l + 1 − t and
// w_r = 1 − w_l:
//
//	DFL(z, t)   = w_l·CE(z, l) + w_r·CE(z, l+1),   CE(z, i) = log Σ_j e^{z_j} − z_i
//	∂DFL/∂z_k   = (w_l + w_r)·p_k − w_l·[k = l] − w_r·[k = l+1]
//
// A box's DFL is the mean of its four sides'.
//
// # L1 form (R = 1, YOLO26)
//
// With the anchor's stride s and the image width W (left, right) or
// height H (top, bottom), the target distances unclamped:
//
//	L1(d, t) = |d·s/W − t·s/W|,   ∂L1/∂d = sign(d·s/W − t·s/W)·s/W   (0 at 0, as torch)
//
// again the mean of the four sides.
package dfl
