package hyp

import (
	"fmt"
	"strings"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/model"
)

// Format is the kind of file a Hyp was read from, decided by its keys (see
// the package documentation).
type Format int

const (
	// FormatNone: not read from a file. Validate holds such a Hyp to
	// YOLOv5's rules; For(HeadV8) takes it when no YOLOv5-only field is set.
	FormatNone Format = iota
	// FormatYOLOv5: a YOLOv5 hyp file (data/hyps), for the anchor-based head.
	FormatYOLOv5
	// FormatUltralytics: ultralytics' config (its default.yaml, or a part
	// of it), for the anchor-free heads.
	FormatUltralytics
	// FormatShared: only keys both formats have, read for the head it is
	// used with. As YOLOv5 requires keys only it has (obj, ...), such a file
	// can serve the v8 head only: Parse gives the keys it lacks
	// ultralytics' defaults, and For(HeadV5) lists YOLOv5's missing keys.
	FormatShared
)

// String names the format as errors do: "YOLOv5 hyp file", "ultralytics
// config file", "file of keys both formats share".
func (f Format) String() string {
	switch f {
	case FormatNone:
		return "Hyp built in code"
	case FormatYOLOv5:
		return "YOLOv5 hyp file"
	case FormatUltralytics:
		return "ultralytics config file"
	case FormatShared:
		return "file of keys both formats share"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// anchorFree reports whether f holds ultralytics' keys and defaults.
func (f Format) anchorFree() bool { return f == FormatUltralytics || f == FormatShared }

// owner is the format a key belongs to.
type owner uint8

const (
	both   owner = iota // keys both formats have: lr0, box, cls, fl_gamma, the augmentation keys, ...
	yolov5              // keys only YOLOv5's hyp files have: obj, obj_pw, cls_pw, anchor_t, ...
	ultra               // keys only ultralytics' config has: dfl, epochs, tal_topk, task, batch, ...
)

// name names the format of the owner's keys, for errors.
func (o owner) name() string {
	if o == yolov5 {
		return "YOLOv5's (the anchor-based head's)"
	}
	return "ultralytics' (the anchor-free heads')"
}

// format returns the format the owner's keys decide.
func (o owner) format() Format {
	if o == yolov5 {
		return FormatYOLOv5
	}
	return FormatUltralytics
}

// belongs reports whether a key of owner o is one of format f's keys.
func (o owner) belongs(f Format) bool {
	switch o {
	case yolov5:
		return !f.anchorFree()
	case ultra:
		return f.anchorFree()
	}
	return true
}

// Head is the detection head whose loss a Hyp configures: model.Head,
// the kind of head a model file describes, so that a model file's head
// names the hyp rules that go with it.
type Head = model.Head

const (
	// HeadV5 is YOLOv5's anchor-based head (package computeloss).
	HeadV5 = model.HeadV5
	// HeadV8 is the anchor-free head of YOLOv8, YOLO11, YOLO26 and YOLOv10
	// (package v8loss).
	HeadV8 = model.HeadV8
)

// Ultralytics 8.4.35's defaults (default.yaml) for the keys the anchor-free
// heads' loss reads, and this package's for the keys beyond ultralytics' own.
const (
	DefaultV8Box     = 7.5 // box loss gain
	DefaultV8Cls     = 0.5 // class loss gain
	DefaultV8Dfl     = 1.5 // distribution focal loss gain
	DefaultV8Epochs  = 100 // training length in epochs
	DefaultV8TalTopk = 10  // top-k of the task-aligned assigner (v8DetectionLoss's tal_topk)
)

// DefaultV8 returns ultralytics 8.4.35's defaults (its default.yaml) for the
// anchor-free heads: box 7.5, cls 0.5, dfl 1.5, epochs 100, tal_topk 10,
// plain BCE (fl_gamma 0; fl_alpha 0.25 and fl_type focal once fl_gamma is
// set), CIoU, and default.yaml's learning-rate and augmentation values. It
// is what a partial config file starts from. Each call returns a new Hyp.
func DefaultV8() *Hyp {
	return &Hyp{
		Lr0: 0.01, Lrf: 0.01, Momentum: 0.937, WeightDecay: 0.0005,
		WarmupEpochs: 3, WarmupMomentum: 0.8, WarmupBiasLr: 0.1,
		Box: DefaultV8Box, Cls: DefaultV8Cls, Dfl: DefaultV8Dfl,
		Epochs: DefaultV8Epochs, TalTopk: DefaultV8TalTopk,
		FlAlpha: DefaultFlAlpha, FlType: criterion.DefaultType,
		HsvH: 0.015, HsvS: 0.7, HsvV: 0.4, Translate: 0.1, Scale: 0.5, Fliplr: 0.5, Mosaic: 1,
		src: source{format: FormatUltralytics},
	}
}

// For returns the copy of h that the loss of head uses, or an *Error:
//
//   - HeadV5 takes a YOLOv5 hyp file, or a Hyp built in code, and holds it
//     to Validate's rules; a key of ultralytics' config (dfl, epochs,
//     tal_topk, ...) is an error naming the key and its line, and so is a
//     file of keys both formats share, which lacks YOLOv5's required keys.
//   - HeadV8 takes an ultralytics config file or a file of keys both
//     formats share, whose absent keys took ultralytics' defaults (see
//     DefaultV8), or a Hyp built in code with none of YOLOv5's own fields
//     set, in which Epochs and TalTopk 0 stand for their defaults. A key only
//     YOLOv5 has (obj, obj_pw, cls_pw, anchor_t, label_smoothing, fl_apply,
//     cls_iou_target, iou_t, anchors) is an error naming the key and its
//     line: ultralytics' loss has no objectness, no positive weights and no
//     anchors, and its class targets are IoU-aware already. So is a Hyp
//     whose gains ScaleGains rescaled: ultralytics' loss takes box, cls and
//     dfl as they are.
//
// h is not changed.
func (h *Hyp) For(head Head) (*Hyp, error) {
	c := *h
	var err *Error
	switch head {
	case HeadV5:
		err = c.forV5()
	case HeadV8:
		err = c.forV8()
	default:
		return nil, &Error{Msg: fmt.Sprintf("For: unknown head %d (want HeadV5 or HeadV8)", int(head))}
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// forV5 checks h for the anchor-based head.
func (h *Hyp) forV5() *Error {
	s := h.src
	switch s.format {
	case FormatUltralytics:
		if s.key != "" {
			return s.err(s.line, s.key, fmt.Sprintf("key %s is %s and means nothing for the %s head (YOLOv5's): use a YOLOv5 hyp file", quote(s.key), ultra.name(), HeadV5))
		}
	case FormatShared:
		return s.err(0, "", fmt.Sprintf("for the %s head (YOLOv5's), missing required keys %s", HeadV5, s.missing))
	}
	if f := h.firstSet(ultra); f != nil {
		return &Error{Key: f.key, Msg: fmt.Sprintf("key %s is %s and means nothing for the %s head (YOLOv5's)", quote(f.key), ultra.name(), HeadV5)}
	}
	if h.src.format != FormatYOLOv5 {
		h.src = source{format: FormatYOLOv5} // built in code: YOLOv5's rules
	}
	return h.validate() // about a value, which may have been set in code: no file
}

// forV8 checks h for the anchor-free heads, and gives Epochs and TalTopk
// their defaults where they are 0.
func (h *Hyp) forV8() *Error {
	s := h.src
	if s.format == FormatYOLOv5 && s.key != "" {
		return s.err(s.line, s.key, fmt.Sprintf("key %s is %s and means nothing for the %s head (ultralytics'): %s",
			quote(s.key), yolov5.name(), HeadV8, meaningless(s.key)))
	}
	if f := h.firstSet(yolov5); f != nil {
		return &Error{Key: f.key, Msg: fmt.Sprintf("key %s is %s and means nothing for the %s head (ultralytics'): %s",
			quote(f.key), yolov5.name(), HeadV8, meaningless(f.key))}
	}
	if h.gains.on {
		return &Error{Msg: "ScaleGains rescaled the gains as YOLOv5's train.py does; ultralytics' loss takes box, cls and dfl as they are: use the Hyp as loaded"}
	}
	if h.Epochs == 0 {
		h.Epochs = DefaultV8Epochs
	}
	if h.TalTopk == 0 {
		h.TalTopk = DefaultV8TalTopk
	}
	if !h.src.format.anchorFree() {
		h.src = source{format: FormatUltralytics}
	}
	return h.validate() // about a value, which may have been set in code: no file
}

// meaningless says why a YOLOv5 key means nothing to ultralytics' loss.
func meaningless(key string) string {
	switch key {
	case "obj", "obj_pw":
		return "the anchor-free heads have no objectness"
	case "cls_pw":
		return "ultralytics' class BCE has no positive weight"
	case "anchor_t", "anchors":
		return "the anchor-free heads have no anchors"
	case "label_smoothing":
		return "ultralytics' loss has no label smoothing"
	case "fl_apply":
		return "with no objectness, fl_type applies to the class loss only"
	case "cls_iou_target":
		return "the task-aligned assigner's class targets are IoU-aware already"
	}
	return "remove it, or use an ultralytics config"
}

// firstSet returns the first field of owner o, in key order, whose value
// in h is not its zero, or nil.
func (h *Hyp) firstSet(o owner) *field {
	for i := range fields {
		if f := &fields[i]; f.owner == o && !f.value.zero(h) {
			return f
		}
	}
	return nil
}

// source is what Parse learnt of a Hyp's file: its format, its name (set by
// Load and Preset), and the first key in file order only that format has,
// with its line (a loss key, where the file has one). For FormatShared,
// missing lists YOLOv5's required keys the file lacks.
type source struct {
	format  Format
	file    string
	key     string
	line    int
	missing string
}

// err returns an Error about the file s describes.
func (s source) err(line int, key, msg string) *Error {
	return &Error{File: s.file, Line: line, Key: key, Msg: msg, Format: s.format}
}

// lossOnly lists the keys of one format that its loss reads: the key For
// names, where a file has several of its format's own keys.
var lossOnly = map[string]bool{
	"cls_pw": true, "obj": true, "obj_pw": true, "anchor_t": true, "label_smoothing": true,
	"fl_apply": true, "cls_iou_target": true,
	"dfl": true, "epochs": true, "tal_topk": true,
}

// quoteList quotes keys and joins them with commas.
func quoteList(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = quote(k)
	}
	return strings.Join(q, ", ")
}

// Format returns the format of the file h was read from (FormatNone for a
// Hyp built in code, FormatUltralytics for DefaultV8's), which decides the
// rules of Validate and what For takes.
func (h *Hyp) Format() Format { return h.src.format }
