// Package nms is YOLOv5's non_max_suppression (utils/general.py) and, as
// a setting of the same NMS (Options.Head = V8), ultralytics'
// (ultralytics/utils/nms.py, 8.4.35) for the anchor-free head of YOLOv8,
// YOLO11, YOLO26 and YOLOv10: it turns Detect's decoded inference output
// into the detections of each image.
//
// # Input and output
//
// The input is a tensor.Tensor of shape [bs, n, 5+nc] (or [n, 5+nc] for one
// image), as Detect returns it at inference and decode.Inference writes
// it: per row the box centre and size (cx, cy, w, h) in pixels, the
// objectness probability and nc class probabilities. The output of each
// image is a tensor of shape [k, 6], one detection per row:
//
//	x1, y1, x2, y2, conf, class        (pixels; class as a float)
//
// in descending order of conf.
//
// # The rule
//
// With obj the objectness and cls_c the class probabilities of a row, and
// conf_thres, iou_thres the thresholds:
//
//	candidate row:     obj > conf_thres
//	conf (class c):    obj·cls_c
//	multi-label:       every (row, c) with obj·cls_c > conf_thres
//	best class:        the first c of largest obj·cls_c, kept if > conf_thres
//	box:               (cx − w/2, cy − h/2, cx + w/2, cy + h/2)
//
// Multi-label is off when nc = 1.
//
// # The anchor-free head's rule (V8)
//
// Ultralytics' Detect returns its inference output channels first,
// [bs, 4+nc, n] (or [4+nc, n] for one image): for row r, channel c holds
// cx, cy, w, h (pixels) for c < 4 and the class probabilities after. There
// is no objectness:
//
//	candidate row:     max_c cls_c > conf_thres   (NaN if a score is NaN: no candidate)
//	conf (class c):    cls_c
//	multi-label:       every (row, c) of a candidate row with cls_c > conf_thres
//	best class:        the first c of largest cls_c
//
// and the rest is as above: multi-label off when nc = 1, the class filter,
// MaxNMS pairs, the class offset MaxWH (ultralytics' max_wh and max_nms
// are YOLOv5's 7680 and 30000), greedy NMS, MaxDet. Ultralytics'
// validator runs it multi-label with conf 0.001, IoU 0.7 and 300
// detections (ValV8). End-to-end heads' NMS-free output ([bs, k, 6]) is
// not this package's input.
//
// An optional class filter drops the pairs
// of other classes (after the best class is chosen). The MaxNMS most
// confident pairs enter greedy NMS, which visits them in descending conf
// and keeps a pair unless a kept pair of the same class (of any class when
// agnostic) overlaps it with
//
//	IoU = inter / (area₁ + area₂ − inter) > iou_thres
//
// as torchvision's nms does (no eps). NMS stops at MaxDet kept pairs:
// later pairs cannot displace earlier ones, so this is YOLOv5's
// truncation after NMS. YOLOv5 also stops at a wall-clock limit and then
// silently returns no detections for the rest of the batch; this package
// has no such limit and returns every image, always.
//
// # Why per class
//
// YOLOv5 separates the classes by moving every box of class c by
// c·MaxWH pixels in x and y (the batched_nms offset trick) and runs one
// NMS over all pairs, so its cost grows with the square of the number of
// pairs of all classes. Boxes of different classes then never overlap
// (for coordinates within a MaxWH-pixel span), so the same result comes
// from comparing each pair only with the kept pairs of its own class.
// This package does that: it keeps one list of kept boxes per class and
// compares a pair with its class's list. The pairs come from a heap in
// descending conf (linear in the pairs to build, a logarithm per pair
// taken), and NMS stops at MaxDet kept pairs, so the cost is the heap plus
// Σ_c (pairs of c taken)·(kept of c): never a product of different
// classes' counts, and at most pairs·MaxDet. The boxes compared still
// carry the class offset, so every IoU rounds exactly as YOLOv5's does.
//
// # Numbers
//
// Arithmetic is in the element type T, as YOLOv5 computes in the
// tensor's dtype: conf = obj·cls, the corners, the offset boxes, areas,
// intersections and IoU are rounded to T. The thresholds compare as
// PyTorch compares them: conf_thres is rounded to T (a tensor compared
// with a Python number), the IoU is widened to float64 and compared with
// iou_thres (a C++ double in torchvision).
//
// # Ties
//
// Pairs of equal conf are visited in the order of the (row, class) pairs
// in the input, row first (for both heads): YOLOv5 sorts with an unstable sort, so its
// order among equal confidences is unspecified; this package's order is
// deterministic and independent of the machine.
//
// # Input checks
//
// NMS does not scan its input: a NaN objectness or score is no candidate,
// a NaN box is never suppressed and suppresses nothing. Check reports the
// values that would make NMS's result meaningless (non-finite numbers,
// probabilities outside [0, 1], negative sizes), with a hint for the
// commonest slip, raw logits passed instead of probabilities; CheckV8 does
// the same for the V8 layout.
//
// # Buffers
//
// An NMS holds its buffers and reuses them: once warm, a call allocates
// nothing. The tensors it returns are views of those buffers, valid until
// the next call. An NMS is for one goroutine at a time.
package nms
