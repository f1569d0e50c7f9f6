// Package hyp reads, checks and writes the hyperparameters of the loss: YOLOv5's
// hyp files and ultralytics' config.
//
// Parse and Load turn a file into a Hyp; Preset and Default give the presets YOLOv5
// ships (embedded by package github.com/yolo-loss/yololoss/data/hyps), DefaultV8
// ultralytics 8.4.35's defaults; Marshal writes a Hyp back in its format. The loss of
// a head takes the copy For returns: computeloss.New takes h.For(HeadV5), the
// anchor-free engine h.For(HeadV8).
//
// # Two formats
//
// A YOLOv5 hyp file (data/hyps/hyp.*.yaml) configures YOLOv5's anchor-based head
// (HeadV5). An ultralytics config (its default.yaml, or a file holding only the keys
// a user changed) configures the anchor-free heads of YOLOv8, YOLO11, YOLO26 and
// YOLOv10 (HeadV8). The keys decide which a file is:
//
//   - keys only YOLOv5's files have: cls_pw, obj, obj_pw, iou_t, anchor_t, anchors,
//     and this package's label_smoothing, fl_apply and cls_iou_target;
//   - keys only ultralytics' config has: dfl, epochs, every other key of
//     ultralytics 8.4.35's default.yaml (task, batch, imgsz, nbs, pose, ...), and
//     this package's tal_topk;
//   - keys both have: lr0, lrf, momentum, weight_decay, warmup_epochs,
//     warmup_momentum, warmup_bias_lr, box, cls, the augmentation keys (hsv_h …
//     copy_paste), and this package's fl_gamma, fl_alpha, fl_type and box-loss keys.
//
// A file with a key only one format has is of that format (Format reports which);
// a key of the other format is then an error naming both keys. A file holding only
// keys both share is read for the head it is used with: their scales differ (box
// 0.05 in YOLOv5, 7.5 in ultralytics), so nothing else can tell. As YOLOv5 requires
// keys only it has, such a file serves the v8 head only: Parse gives the keys it
// lacks ultralytics' defaults, and For(HeadV5) lists YOLOv5's missing keys.
//
// # YOLOv5's keys
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
// In a YOLOv5 hyp file the keys the loss needs are required: box, cls, cls_pw, obj,
// obj_pw, anchor_t and fl_gamma. Every other key is optional and is zero when
// absent, apart from fl_alpha and fl_type as above. The focal-family criterion wraps
// BCE only when fl_gamma > 0. In a Hyp built in code, a zero box-loss field, an
// empty FlType, FlApply or IoUType stand for the key's default.
//
// # ultralytics' keys
//
// In ultralytics' config every key is optional: an absent key takes ultralytics
// 8.4.35's default (DefaultV8). The anchor-free loss reads
//
//   - box (7.5), cls (0.5) and dfl (1.5, at least 0): the gains of the box, class
//     and distribution focal (for reg_max 1, L1) terms;
//   - epochs (100, a whole number from 1): the end-to-end heads' branch weights
//     follow the epoch over it;
//   - tal_topk (10, a whole number from 1): the task-aligned assigner's top-k
//     (v8DetectionLoss's tal_topk, beyond ultralytics' config);
//   - fl_gamma (0), fl_alpha (0.25), fl_type (focal) and the box-loss keys, as in
//     YOLOv5's files (beyond ultralytics' config).
//
// The other keys of default.yaml are known and not kept: the training, validation
// and export settings take any value; the other tasks' gains pose, kobj, rle and
// angle must be numbers of at least 0, nbs a positive number, and bgr, cutmix and
// erasing numbers in [0, 1]. Marshal writes a config holding the keys a Hyp holds.
//
// # Heads
//
// For(head) returns the copy a head's loss uses. HeadV5 takes a YOLOv5 hyp file,
// or a Hyp built in code, unchanged; a key of ultralytics' config is an error naming
// it and its line. HeadV8 takes an ultralytics config or a file of shared keys, or a
// Hyp built in code without YOLOv5's own fields (its Epochs and TalTopk 0 standing
// for 100 and 10); a key only YOLOv5 has is an error naming it and its line:
// ultralytics' loss has no objectness (obj, obj_pw), no positive weight (cls_pw), no
// anchors (anchor_t, anchors), no label smoothing, nothing for fl_apply to choose,
// and class targets that are IoU-aware already (cls_iou_target). ScaleGains is
// YOLOv5's train.py rescaling, for the v5 head: For(HeadV8) refuses a Hyp it
// changed. Calling ScaleGains again scales the gains it was first given, so the
// factors never compound.
//
// # Checks
//
// Parsing is strict, so that a typo cannot silently fall back to a default. A file
// over MaxFileSize (1 MiB) is refused before it is parsed. Parse reports the first
// problem it finds: first those of the YAML structure and of each key in file order
// (an unknown key, with the nearest key of the file's format suggested; a
// duplicate key; a key of the other format; a value of the wrong type; a number
// that is not finite; a value out of range), then any missing required keys. Every
// value must be a plain YAML number (integers such as 0 are fine), except fl_type,
// fl_apply and iou_type, which must be strings, cls_iou_target, true or false, and
// wiou_version, epochs and tal_topk, whole numbers. Values quoted in errors are
// cut to 40 characters.
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
// positive; epochs and tal_topk are at least 1.
//
// Errors are of type *Error and read like
//
//	hyp: line 16: unknown key "fl_gama" (did you mean "fl_gamma"?); read as a YOLOv5 hyp file
//	hyp: data/x.yaml: line 8: key "box": want a number, got "abc"; read as a YOLOv5 hyp file
//	hyp: my.yaml: line 2: key "obj" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): the anchor-free heads have no objectness; read as a YOLOv5 hyp file
//
// where Load and Preset add the file name, and the end says which format the file
// was read as once its keys have decided it.
package hyp // import "github.com/yolo-loss/yololoss/hyp"
