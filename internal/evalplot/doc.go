// Package evalplot draws the curves of a validation run as YOLOv5's
// ap_per_class plots them (utils/metrics.py plot_pr_curve and
// plot_mc_curve), as PNG images with gonum/plot:
//
//   - PR: precision against recall at IoU 0.5 (the precision envelope),
//     one line per class that has detections, labelled with its AP50, and
//     their mean, labelled with mAP@0.5;
//   - F1: F1 against the confidence threshold, one line per class, and the
//     class mean smoothed by YOLOv5's box filter over 5% of the points,
//     labelled with its maximum and where it is reached.
//
// As in YOLOv5, the per-class lines are labelled up to 20 classes and
// drawn in grey without labels beyond; the legend stands right of the
// axes.
package evalplot
