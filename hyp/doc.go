// Package hyp reads, checks and writes YOLOv5 hyperparameter files.
//
// A hyp file is a YAML mapping from YOLOv5's key names to values, as in YOLOv5's
// data/hyps/hyp.*.yaml. Parse and Load turn one into a Hyp; Preset and Default give the
// presets YOLOv5 ships (embedded by package github.com/yolo-loss/yololoss/data/hyps);
// Marshal writes a Hyp back with the keys in YOLOv5's order.
//
// # Keys
//
// The keys YOLOv5 ships are lr0, lrf, momentum, weight_decay, warmup_epochs,
// warmup_momentum, warmup_bias_lr, box, cls, cls_pw, obj, obj_pw, iou_t, anchor_t,
// anchors, fl_gamma, hsv_h, hsv_s, hsv_v, degrees, translate, scale, shear,
// perspective, flipud, fliplr, mosaic, mixup and copy_paste. This package adds keys
// that select the criteria and the box loss, each optional:
//
//   - fl_alpha: α of the focal-family criterion, in [0, 1]; 0.25 when absent.
//   - fl_type: a row of package criterion's table (focal, qfocal, varifocal); focal
//     when absent.
//   - fl_apply: which of the class and objectness criteria fl_type wraps: both
//     (YOLOv5's, the default), cls or obj.
//   - label_smoothing: class label smoothing ε, in [0, 1); 0 when absent.
//     (YOLOv5 takes it from the command line rather than the hyp file.)
//   - cls_iou_target: true or false (default): the matched class's target is the
//     match's IoU (the box term's value, detached, clamped at 0) instead of 1 − ε/2.
//   - iou_type: a row of package iou's table; ciou (YOLOv5's) when absent.
//   - iou_alpha in (0, 10] (1), iou_focal_gamma in [0, 10] (0), iou_inner_ratio in
//     (0, 4] (1), wiou_version 1, 2 or 3 (3), wiou_alpha in (0, 10] (1.9), wiou_delta
//     in (0, 10] (3), wiou_momentum in (0, 1] (0.01), shape_iou_scale in [0, 10] (0):
//     the box-loss parameters, defaults in brackets (see package iou).
//
// The keys the loss needs are required: box, cls, cls_pw, obj, obj_pw, anchor_t and
// fl_gamma. Every other key is optional and is zero when absent, apart from fl_alpha and
// fl_type as above. The focal-family criterion wraps BCE only when fl_gamma > 0. In a
// Hyp built in code, a zero box-loss field, an empty FlType, FlApply or IoUType stand
// for the key's default.
//
// # Checks
//
// Parsing is strict, so that a typo cannot silently fall back to a default. Parse
// reports the first problem it finds: first those of the YAML structure and of each
// key in file order (an unknown key, with the nearest known key suggested; a
// duplicate key; a value of the wrong type; a number that is not finite; a value out
// of range), then any missing required keys. Every value must be a plain YAML number
// (integers such as 0 are fine), except fl_type, fl_apply and iou_type, which must be
// strings, cls_iou_target, true or false, and wiou_version, a whole number.
//
// A key present in the file that has no effect under the others is an error naming
// the key and its line, whatever its value: fl_apply cls or obj with fl_gamma 0, and
// a box-loss key that the iou_type's row of package iou's table does not apply
// (iou_alpha and iou_focal_gamma only with iou, giou, diou, ciou, eiou and siou, and
// not with iou_inner_ratio; iou_inner_ratio only with ciou and siou; the wiou_ keys
// only with wiou, wiou_momentum not with version 1, wiou_alpha and wiou_delta only
// with version 3; shape_iou_scale only with shape_iou).
//
// Ranges: every number must be finite and no number may be negative; fl_gamma is in
// [0, 10]; fl_alpha, iou_t, momentum, warmup_momentum and the augmentation
// probabilities (flipud, fliplr, mosaic, mixup, copy_paste) are in [0, 1];
// label_smoothing is in [0, 1); anchor_t is greater than 1; cls_pw and obj_pw are
// positive.
//
// Errors are of type *Error and read like
//
//	hyp: line 16: unknown key "fl_gama" (did you mean "fl_gamma"?)
//	hyp: data/x.yaml: line 8: key "box": want a number, got "abc"
//
// where Load and Preset add the file name.
package hyp // import "github.com/yolo-loss/yololoss/hyp"
