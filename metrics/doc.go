// Package metrics is YOLOv5's detection metrics (val.py with
// utils/metrics.py): it matches the detections of each image to its labels
// (process_batch) and computes precision, recall and average precision per
// class and their means (ap_per_class), as val.py reports them.
//
// # Matching (process_batch)
//
// Detections are rows (x1, y1, x2, y2, conf, class) in descending conf, as
// package nms returns them; labels are rows (class, x1, y1, x2, y2) in the
// same pixels. IoU is box_iou's:
//
//	inter = max(0, min(x2) − max(x1))·max(0, min(y2) − max(y1))
//	IoU   = inter / (area_label + area_det − inter + 1e-7)
//
// At each of the ten thresholds t = 0.50, 0.55, …, 0.95 (val.py's iouv, in
// float32), the pairs of a label and a detection of the same class with
// IoU ≥ t compete: each detection keeps its label of highest IoU, then each
// label keeps, of the detections that kept it, the one of lowest index
// (the most confident), which is a true positive at t. This is not plain
// greedy matching by IoU. Since a detection's best label does not depend
// on t, Match finds it once and then hands each label, threshold by
// threshold, to its first detection in index order. The result is a row
// of ten bits per detection, Correct.
//
// # Units
//
// Detections and targets are in pixels of the network input. The loss
// takes its labels normalised (target.Label: x, y, w, h in 0..1 of the
// image): PixelTargets converts them, for an image of width × height
// pixels, into the targets that AddBatch takes, as val.py multiplies them
// by (width, height, width, height). Normalised targets passed as pixels
// match no detection, and the metrics are zero without any error:
// CheckUnits reports targets that all lie inside [0, 1]² on a larger
// image, for the caller to print as a warning.
//
// The anchor-free head (ultralytics' DetectionValidator) is evaluated by
// the same rules: match_predictions is process_batch, and ap_per_class is
// YOLOv5's; only NMS differs (package nms, Options.Head = nms.V8).
//
// # Metrics (ap_per_class)
//
// All detections of all images, sorted by conf, descending; per class c of
// the labels, with n_l labels and its detections in that order, the
// cumulative true and false positives at each threshold give
//
//	recall    = TPc / (n_l + 1e-16)
//	precision = TPc / (TPc + FPc)
//
// AP at a threshold is compute_ap's: with mrec = [0, recall…, 1] and
// mpre = [1, precision…, 0], the envelope mpre_i ← max_{j≥i} mpre_j, then
// the trapezoid rule over x = 0, 0.01, …, 1 of interp(x, mrec, mpre),
// NumPy's linear interpolation (at a repeated x, the last of the tied
// values), so a perfect class scores 0.995. AP50 is AP at 0.5, AP the
// mean over the ten thresholds.
//
// P and R are read at 1000 confidences px = 0, 1/999, …, 1, from the
// curves at the first threshold:
//
//	R_c(px) = interp(−px, −conf, recall, left 0)
//	P_c(px) = interp(−px, −conf, precision, left 1)
//	F1_c    = 2·P_c·R_c / (P_c + R_c + 1e-16)
//
// The class-mean F1 is smoothed by a box filter of 101 taps (YOLOv5's
// smooth with fraction 0.1: the ends padded by their edge values, a
// 'valid' convolution), and P, R and F1 of every class are taken at the
// index of its maximum (the first, on ties). YOLOv5 reports the true and
// false positives there as TP = round(R·n_l), FP = round(TP/(P + 1e-16) −
// TP) (rounding half to even). A class with labels and no detection
// scores 0 everywhere and counts in the means MP, MR, mAP50 and mAP;
// detections of classes without labels count nowhere.
//
// When no detection is correct at any threshold, YOLOv5 computes nothing:
// the means are 0 and Result.Classes is empty.
//
// # Numbers
//
// Matching is computed in the element type T, as YOLOv5 computes it in
// the tensors' dtype (the sums and products of box_iou rounded to T, its
// 1e-7 rounded to T); the metrics are in float64, as NumPy computes them,
// with NumPy's pairwise summation for its sums and means over one array,
// so results agree with YOLOv5's to the last bits.
//
// # Ties
//
// YOLOv5 sorts with unstable sorts; where confidences or IoUs tie its
// order is unspecified. Here a detection's best label is the first of its
// tied best, and detections of equal conf keep the order in which they
// were added.
//
// # Streaming
//
// An Accumulator takes one image (AddImage) or one batch (AddBatch) at a
// time and keeps three small numbers per detection (conf, class and the
// ten bits of Correct) and the label count per class, never the
// predictions; Compute runs ap_per_class over everything added. Its
// buffers grow to the largest validation set seen and are reused after
// Reset: once warm, adding an image allocates nothing.
package metrics
