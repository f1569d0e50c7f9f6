package hyp

import (
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/yolo-loss/yololoss/data/hyps"
)

// FlType selects the focal-family criterion.
type FlType string

// The focal-family criteria.
const (
	Focal     FlType = "focal"     // focal loss (Lin et al. 2017)
	QFocal    FlType = "qfocal"    // quality focal loss (Li et al. 2020)
	Varifocal FlType = "varifocal" // varifocal loss (Zhang et al. 2021)
)

// valid reports whether t is one of the known criteria.
func (t FlType) valid() bool {
	return t == Focal || t == QFocal || t == Varifocal
}

// Hyp holds YOLOv5 hyperparameters. YAML names are YOLOv5's (fl_gamma, anchor_t, ...).
type Hyp struct {
	Lr0            float64 `yaml:"lr0"`             // starting learning rate
	Lrf            float64 `yaml:"lrf"`             // final learning rate as a fraction of Lr0
	Momentum       float64 `yaml:"momentum"`        // SGD momentum, Adam β1
	WeightDecay    float64 `yaml:"weight_decay"`    // weight decay
	WarmupEpochs   float64 `yaml:"warmup_epochs"`   // warm-up length in epochs
	WarmupMomentum float64 `yaml:"warmup_momentum"` // momentum at the start of warm-up
	WarmupBiasLr   float64 `yaml:"warmup_bias_lr"`  // bias learning rate at the start of warm-up

	Box     float64 `yaml:"box"`               // box loss gain
	Cls     float64 `yaml:"cls"`               // class loss gain
	ClsPw   float64 `yaml:"cls_pw"`            // class BCE positive weight
	Obj     float64 `yaml:"obj"`               // objectness loss gain
	ObjPw   float64 `yaml:"obj_pw"`            // objectness BCE positive weight
	IouT    float64 `yaml:"iou_t"`             // IoU training threshold
	AnchorT float64 `yaml:"anchor_t"`          // target/anchor size ratio threshold
	Anchors float64 `yaml:"anchors,omitempty"` // optional `anchors` key (anchors per output layer); 0 when absent

	FlGamma        float64 `yaml:"fl_gamma"`        // focal γ; 0 selects plain BCE
	FlAlpha        float64 `yaml:"fl_alpha"`        // focal α; default 0.25
	FlType         FlType  `yaml:"fl_type"`         // focal-family criterion; default Focal
	LabelSmoothing float64 `yaml:"label_smoothing"` // class label smoothing ε; default 0

	HsvH        float64 `yaml:"hsv_h"`       // hue augmentation (fraction)
	HsvS        float64 `yaml:"hsv_s"`       // saturation augmentation (fraction)
	HsvV        float64 `yaml:"hsv_v"`       // value augmentation (fraction)
	Degrees     float64 `yaml:"degrees"`     // rotation (± degrees)
	Translate   float64 `yaml:"translate"`   // translation (± fraction)
	Scale       float64 `yaml:"scale"`       // scale (± gain)
	Shear       float64 `yaml:"shear"`       // shear (± degrees)
	Perspective float64 `yaml:"perspective"` // perspective (± fraction)
	Flipud      float64 `yaml:"flipud"`      // up-down flip probability
	Fliplr      float64 `yaml:"fliplr"`      // left-right flip probability
	Mosaic      float64 `yaml:"mosaic"`      // mosaic probability
	Mixup       float64 `yaml:"mixup"`       // mixup probability
	CopyPaste   float64 `yaml:"copy_paste"`  // copy-paste probability
}

// Default values of the optional keys that are not zero when absent.
const (
	DefaultFlAlpha = 0.25
	DefaultFlType  = Focal
)

// field describes one key of a hyp file.
type field struct {
	key      string
	num      func(*Hyp) *float64 // nil for fl_type, the only string
	required bool
	omitZero bool                 // Marshal leaves the key out when its value is 0
	check    func(float64) string // "" when the value is in range
	doc      string               // comment written by Marshal
}

// fields lists the keys in YOLOv5's order, followed by this package's own.
var fields = []field{
	{key: "lr0", num: func(h *Hyp) *float64 { return &h.Lr0 }, check: nonNegative, doc: "starting learning rate"},
	{key: "lrf", num: func(h *Hyp) *float64 { return &h.Lrf }, check: nonNegative, doc: "final learning rate, fraction of lr0"},
	{key: "momentum", num: func(h *Hyp) *float64 { return &h.Momentum }, check: unit, doc: "SGD momentum, Adam beta1"},
	{key: "weight_decay", num: func(h *Hyp) *float64 { return &h.WeightDecay }, check: nonNegative, doc: "weight decay"},
	{key: "warmup_epochs", num: func(h *Hyp) *float64 { return &h.WarmupEpochs }, check: nonNegative, doc: "warm-up length (epochs)"},
	{key: "warmup_momentum", num: func(h *Hyp) *float64 { return &h.WarmupMomentum }, check: unit, doc: "momentum at the start of warm-up"},
	{key: "warmup_bias_lr", num: func(h *Hyp) *float64 { return &h.WarmupBiasLr }, check: nonNegative, doc: "bias learning rate at the start of warm-up"},
	{key: "box", num: func(h *Hyp) *float64 { return &h.Box }, required: true, check: nonNegative, doc: "box loss gain"},
	{key: "cls", num: func(h *Hyp) *float64 { return &h.Cls }, required: true, check: nonNegative, doc: "class loss gain"},
	{key: "cls_pw", num: func(h *Hyp) *float64 { return &h.ClsPw }, required: true, check: positive, doc: "class BCE positive weight"},
	{key: "obj", num: func(h *Hyp) *float64 { return &h.Obj }, required: true, check: nonNegative, doc: "objectness loss gain"},
	{key: "obj_pw", num: func(h *Hyp) *float64 { return &h.ObjPw }, required: true, check: positive, doc: "objectness BCE positive weight"},
	{key: "iou_t", num: func(h *Hyp) *float64 { return &h.IouT }, check: unit, doc: "IoU training threshold"},
	{key: "anchor_t", num: func(h *Hyp) *float64 { return &h.AnchorT }, required: true, check: aboveOne, doc: "target/anchor size ratio threshold"},
	{key: "anchors", num: func(h *Hyp) *float64 { return &h.Anchors }, omitZero: true, check: nonNegative, doc: "anchors per output layer"},
	{key: "fl_gamma", num: func(h *Hyp) *float64 { return &h.FlGamma }, required: true, check: gammaRange, doc: "focal gamma, 0 for plain BCE"},
	{key: "hsv_h", num: func(h *Hyp) *float64 { return &h.HsvH }, check: nonNegative, doc: "hue augmentation (fraction)"},
	{key: "hsv_s", num: func(h *Hyp) *float64 { return &h.HsvS }, check: nonNegative, doc: "saturation augmentation (fraction)"},
	{key: "hsv_v", num: func(h *Hyp) *float64 { return &h.HsvV }, check: nonNegative, doc: "value augmentation (fraction)"},
	{key: "degrees", num: func(h *Hyp) *float64 { return &h.Degrees }, check: nonNegative, doc: "rotation (+/- degrees)"},
	{key: "translate", num: func(h *Hyp) *float64 { return &h.Translate }, check: nonNegative, doc: "translation (+/- fraction)"},
	{key: "scale", num: func(h *Hyp) *float64 { return &h.Scale }, check: nonNegative, doc: "scale (+/- gain)"},
	{key: "shear", num: func(h *Hyp) *float64 { return &h.Shear }, check: nonNegative, doc: "shear (+/- degrees)"},
	{key: "perspective", num: func(h *Hyp) *float64 { return &h.Perspective }, check: nonNegative, doc: "perspective (+/- fraction)"},
	{key: "flipud", num: func(h *Hyp) *float64 { return &h.Flipud }, check: unit, doc: "up-down flip probability"},
	{key: "fliplr", num: func(h *Hyp) *float64 { return &h.Fliplr }, check: unit, doc: "left-right flip probability"},
	{key: "mosaic", num: func(h *Hyp) *float64 { return &h.Mosaic }, check: unit, doc: "mosaic probability"},
	{key: "mixup", num: func(h *Hyp) *float64 { return &h.Mixup }, check: unit, doc: "mixup probability"},
	{key: "copy_paste", num: func(h *Hyp) *float64 { return &h.CopyPaste }, check: unit, doc: "copy-paste probability"},
	{key: "fl_alpha", num: func(h *Hyp) *float64 { return &h.FlAlpha }, check: unit, doc: "focal alpha"},
	{key: "fl_type", doc: "focal-family criterion: focal, qfocal or varifocal"},
	{key: "label_smoothing", num: func(h *Hyp) *float64 { return &h.LabelSmoothing }, check: smoothingRange, doc: "class label smoothing epsilon"},
}

// byKey indexes fields by key.
var byKey = func() map[string]*field {
	m := make(map[string]*field, len(fields))
	for i := range fields {
		m[fields[i].key] = &fields[i]
	}
	return m
}()

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func nonNegative(v float64) string {
	if v < 0 {
		return "must not be negative, got " + formatNumber(v)
	}
	return ""
}

func unit(v float64) string {
	if v < 0 || v > 1 {
		return "must be in [0, 1], got " + formatNumber(v)
	}
	return ""
}

func positive(v float64) string {
	if v <= 0 {
		return "must be positive, got " + formatNumber(v)
	}
	return ""
}

func aboveOne(v float64) string {
	if v <= 1 {
		return "must be greater than 1, got " + formatNumber(v)
	}
	return ""
}

func gammaRange(v float64) string {
	if v < 0 || v > 10 {
		return "must be in [0, 10], got " + formatNumber(v)
	}
	return ""
}

func smoothingRange(v float64) string {
	if v < 0 || v >= 1 {
		return "must be in [0, 1), got " + formatNumber(v)
	}
	return ""
}

// checkNumber returns the problem with value v of key f, or "".
func (f *field) checkNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "value must be finite, got " + formatNumber(v)
	}
	return f.check(v)
}

// criterionError is the message for an unknown fl_type.
func criterionError(t string) string {
	return fmt.Sprintf("unknown criterion %s (want focal, qfocal or varifocal)", quote(t))
}

// Validate checks that every value is finite and in range, and that FlType is one
// of Focal, QFocal and Varifocal. It returns an *Error naming the first offending
// key in YOLOv5's key order, or nil. Parse makes the same checks as it reads each
// key; its errors also carry the line of the key.
func (h *Hyp) Validate() error {
	if err := h.validate(); err != nil {
		return err
	}
	return nil
}

func (h *Hyp) validate() *Error {
	for i := range fields {
		f := &fields[i]
		if f.num == nil {
			if !h.FlType.valid() {
				return keyError(0, f.key, criterionError(string(h.FlType)))
			}
			continue
		}
		if msg := f.checkNumber(*f.num(h)); msg != "" {
			return keyError(0, f.key, msg)
		}
	}
	return nil
}

// ScaleGains rescales the box, class and objectness gains to the model and data as
// YOLOv5's train.py does before it builds the loss, for nl output layers, nc classes
// and images of imgsz pixels:
//
//	Box *= 3/nl
//	Cls *= nc/80*3/nl
//	Obj *= (imgsz/640)²*3/nl
//
// in float64, in that order of operations. The gains of YOLOv5's presets are tuned
// for three layers, 80 classes and 640-pixel images, which leave them unchanged.
// ScaleGains panics if nl < 1, nc < 0 or imgsz < 1.
func (h *Hyp) ScaleGains(nl, nc, imgsz int) {
	if nl < 1 || nc < 0 || imgsz < 1 {
		panic(fmt.Sprintf("hyp: ScaleGains: invalid nl=%d, nc=%d, imgsz=%d", nl, nc, imgsz))
	}
	l := float64(nl)
	h.Box *= 3 / l
	h.Cls *= float64(nc) / 80 * 3 / l
	r := float64(imgsz) / 640
	h.Obj *= r * r * 3 / l
}

// Criteria describes the classification and objectness criteria h selects, for
// logs: "BCE (fl_gamma 0)" when FlGamma is 0, otherwise for example
// "focal γ=1.5 α=0.25 on cls and obj".
func (h *Hyp) Criteria() string {
	if h.FlGamma == 0 {
		return "BCE (fl_gamma 0)"
	}
	return fmt.Sprintf("%s γ=%s α=%s on cls and obj", h.FlType, formatNumber(h.FlGamma), formatNumber(h.FlAlpha))
}

// Load reads and parses the hyp file at path. Errors name the file.
func Load(path string) (*Hyp, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The *fs.PathError names the file already.
		return nil, &Error{Err: err}
	}
	return parseFile(path, data)
}

// Preset returns the embedded YOLOv5 preset called name. The name is a file name
// such as "hyp.VOC.yaml", or the same without the "hyp." prefix and the ".yaml"
// suffix, such as "VOC" or "scratch-low"; case is ignored when there is no exact
// match. Each call returns a new Hyp.
func Preset(name string) (*Hyp, error) {
	file, ok := presetFile(name)
	if !ok {
		var have []string
		for _, n := range hyps.Names() {
			have = append(have, presetStem(n))
		}
		return nil, &Error{Msg: fmt.Sprintf("unknown preset %s (have %s)", quote(name), strings.Join(have, ", "))}
	}
	data, err := fs.ReadFile(hyps.FS, file)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	return parseFile(file, data)
}

// parseFile parses data, read from file, naming file in its errors.
func parseFile(file string, data []byte) (*Hyp, error) {
	h, err := parse(data)
	if err != nil {
		err.File = file
		return nil, err
	}
	return h, nil
}

func presetStem(file string) string {
	return strings.TrimPrefix(strings.TrimSuffix(file, ".yaml"), "hyp.")
}

// presetFile returns the embedded file name for a preset name.
func presetFile(name string) (string, bool) {
	stem := presetStem(name)
	names := hyps.Names()
	for _, n := range names {
		if presetStem(n) == stem {
			return n, true
		}
	}
	for _, n := range names {
		if strings.EqualFold(presetStem(n), stem) {
			return n, true
		}
	}
	return "", false
}

var defaultHyp = sync.OnceValues(func() (*Hyp, error) { return Preset(hyps.Default) })

// Default returns the hyperparameters YOLOv5 trains with when given no hyp file:
// the embedded hyp.scratch-low.yaml. Each call returns a new Hyp.
func Default() *Hyp {
	h, err := defaultHyp()
	if err != nil {
		// Only reachable if the embedded file is broken, which the tests rule out.
		panic(err)
	}
	c := *h
	return &c
}

// Error is a problem with a hyp file or a Hyp.
type Error struct {
	File string // the file, set by Load and Preset unless Err names it; empty for Parse and Validate
	Line int    // 1-based line of the problem; 0 when it has none
	Key  string // the key concerned; empty when there is none
	Msg  string // what is wrong, without file and line
	Err  error  // the underlying error (YAML syntax, file system), if any
}

// Error formats e as "hyp: file: line N: msg: err", leaving out the empty parts.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("hyp: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		if e.Msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// keyError returns an Error about the value of key.
func keyError(line int, key, msg string) *Error {
	return &Error{Line: line, Key: key, Msg: fmt.Sprintf("key %s: %s", quote(key), msg)}
}

// quote quotes s for an error message, shortening it if it is long.
func quote(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}
