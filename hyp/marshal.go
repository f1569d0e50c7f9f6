package hyp

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Marshal returns h as a file of its format: one "key: value # comment" line
// per key. For a YOLOv5 hyp file (or a Hyp built in code): YOLOv5's key order
// followed by fl_alpha, fl_type and label_smoothing, then the keys of this
// package that hold other values than their defaults (fl_apply,
// cls_iou_target and the box-loss keys); the anchors key only when it is not
// zero. For ultralytics' config: the keys of ultralytics' default.yaml that a
// Hyp holds, in its order (epochs, lr0 … warmup_bias_lr, box, cls, dfl, the
// augmentation keys), then the keys beyond ultralytics' own where they hold
// other values than DefaultV8's (tal_topk, fl_gamma, fl_alpha, fl_type, the
// box-loss keys); ultralytics' keys that no loss reads are not kept by Parse,
// so not written. For a file of keys both formats share: the same, without
// the keys only ultralytics has where they hold DefaultV8's values, so that
// it reads back as such a file. A key of the other format is written only
// where h holds a value other than zero for it (Validate refuses that).
// Numbers are written so that Parse returns them exactly and so that the
// Python YAML loaders of YOLOv5 and ultralytics read them as floats (1.0,
// 1.0e-05). Marshal does not validate h.
func Marshal(h *Hyp) []byte {
	type line struct{ kv, doc string }
	format := h.src.format
	var lines []line
	width := 0
	def := DefaultV8()
	for _, f := range marshalOrder(format) {
		val, ok := f.value.format(h)
		if !ok {
			continue
		}
		d, okD := f.value.format(def)
		atDefault := okD && d == val // h holds DefaultV8's value for f
		switch {
		case !f.owner.belongs(format) && f.value.zero(h):
			continue
		case format.anchorFree() && !inDefaultYAML[f.key] && atDefault:
			continue // beyond ultralytics' own keys, at its default
		case format == FormatShared && f.owner == ultra && atDefault:
			continue
		}
		kv := f.key + ": " + val
		width = max(width, len(kv))
		lines = append(lines, line{kv, f.doc})
	}
	var b bytes.Buffer
	switch format {
	case FormatUltralytics:
		b.WriteString("# ultralytics config: the loss and training keys (others take ultralytics 8.4.35's defaults)\n")
	case FormatShared:
		b.WriteString("# hyperparameters both formats share (ultralytics 8.4.35's defaults for the others)\n")
	default:
		b.WriteString("# YOLOv5 hyperparameters\n")
	}
	for _, l := range lines {
		fmt.Fprintf(&b, "%-*s # %s\n", width, l.kv, l.doc)
	}
	return b.Bytes()
}

// defaultYAMLOrder lists the keys of ultralytics' default.yaml that a Hyp
// holds, in that file's order.
var defaultYAMLOrder = []string{
	"epochs", "lr0", "lrf", "momentum", "weight_decay", "warmup_epochs", "warmup_momentum", "warmup_bias_lr",
	"box", "cls", "dfl", "hsv_h", "hsv_s", "hsv_v", "degrees", "translate", "scale", "shear", "perspective",
	"flipud", "fliplr", "mosaic", "mixup", "copy_paste",
}

var inDefaultYAML = func() map[string]bool {
	m := make(map[string]bool, len(defaultYAMLOrder))
	for _, k := range defaultYAMLOrder {
		m[k] = true
	}
	return m
}()

// marshalOrder returns the fields in the order Marshal writes a file of
// format: the table's for YOLOv5's; default.yaml's first for ultralytics'.
func marshalOrder(format Format) []*field {
	order := make([]*field, 0, len(fields))
	if format.anchorFree() {
		for _, k := range defaultYAMLOrder {
			order = append(order, byKey[k])
		}
	}
	for i := range fields {
		if f := &fields[i]; !format.anchorFree() || !inDefaultYAML[f.key] {
			order = append(order, f)
		}
	}
	return order
}

// marshalNumber formats v as a YAML float that round-trips exactly.
func marshalNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return ".nan"
	case math.IsInf(v, 1):
		return ".inf"
	case math.IsInf(v, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if strings.ContainsRune(s, '.') {
		return s
	}
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		return s[:i] + ".0" + s[i:]
	}
	return s + ".0"
}
