package hyp

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Marshal returns h as a hyp file: one "key: value # comment" line per key, in
// YOLOv5's key order followed by fl_alpha, fl_type and label_smoothing, then the
// keys of this package that hold other values than their defaults (fl_apply,
// cls_iou_target and the box-loss keys). The anchors key is written only when it
// is not zero. Numbers are written so that
// Parse returns them exactly and so that YOLOv5's YAML loader reads them as floats
// (1.0, 1.0e-05). Marshal does not validate h.
func Marshal(h *Hyp) []byte {
	type line struct{ kv, doc string }
	lines := make([]line, 0, len(fields))
	width := 0
	for i := range fields {
		f := &fields[i]
		val, ok := f.value.format(h)
		if !ok {
			continue
		}
		kv := f.key + ": " + val
		width = max(width, len(kv))
		lines = append(lines, line{kv, f.doc})
	}
	var b bytes.Buffer
	b.WriteString("# YOLOv5 hyperparameters\n")
	for _, l := range lines {
		fmt.Fprintf(&b, "%-*s # %s\n", width, l.kv, l.doc)
	}
	return b.Bytes()
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
