// Package tal is the task-aligned assigner of the anchor-free YOLO heads
// (ultralytics 8.4's TaskAlignedAssigner, as testdata/golden-v8/README.md
// states it): which anchors are foreground for which target, and with
// what class-target score. It carries no gradient.
//
// Per image, for targets t (class c_t, box in pixels) and anchors a (cell
// centres (x + 0.5, y + 0.5)·stride of every layer):
//
//	candidate(t, a)  ⇔  min(a_x − x1, a_y − y1, x2 − a_x, y2 − a_y) > 1e-9
//	                    on t's box with each side shorter than the smallest
//	                    stride replaced by the second stride (centre kept)
//	o(t, a) = max(CIoU(t, pred_a), 0)        (candidates only; 0 elsewhere)
//	m(t, a) = σ(z_{a,c_t})^0.5 · o(t, a)^6   (in float64)
//
// Each target selects its TopK candidates of largest m; an anchor of
// metric 0 is never selected. An anchor selected by one target is
// foreground for it; one selected by several goes to the target of
// largest o(t, a) among all targets it is a candidate of (the first on a
// tie), selected or not. With OneToOne, each target then keeps only its
// foreground anchor of largest m. The target score of foreground anchor a
// of target t, at t's class, is
//
//	m(t, a)·max_a' o(t, a') / (max_a' m(t, a') + 1e-9)
//
// with the maxima over t's foreground anchors.
//
// The work is proportional to the candidates: each target visits only the
// cells of each layer that its widened box covers.
package tal
