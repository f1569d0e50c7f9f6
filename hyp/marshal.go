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
// zero. For ultralytics' config: the same order without YOLOv5's own keys,
// then dfl, epochs and tal_topk (which make it read back as ultralytics'
// config); ultralytics' keys that no loss reads are not kept by Parse, so not
// written. For a file of keys both formats share: the shared keys only. A key
// of the other format is written only where h holds a value other than zero
// for it (Validate refuses that). Numbers are written so that Parse returns
// them exactly and so that the Python YAML loaders of YOLOv5 and ultralytics
// read them as floats (1.0, 1.0e-05). Marshal does not validate h.
func Marshal(h *Hyp) []byte {
	type line struct{ kv, doc string }
	format := h.src.format
	lines := make([]line, 0, len(fields))
	width := 0
	for i := range fields {
		f := &fields[i]
		val, ok := f.value.format(h)
		switch {
		case !ok:
			continue
		case !f.owner.belongs(format) && f.value.zero(h):
			continue
		case format == FormatShared && f.owner == ultra && !f.value.zero(h) && marshalDefault(f, h):
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

// marshalDefault reports whether h holds DefaultV8's value for f, which a
// file of keys both formats share leaves out.
func marshalDefault(f *field, h *Hyp) bool {
	a, _ := f.value.format(h)
	b, _ := f.value.format(DefaultV8())
	return a == b
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
