package hyp

import (
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/data/hyps"
	"github.com/yolo-loss/yololoss/internal/yamlnode"
)

// Hyp holds the hyperparameters of a YOLOv5 hyp file or of ultralytics'
// config (see the package documentation for the two formats). YAML names
// are theirs (fl_gamma, anchor_t, dfl, ...). The loss of a head takes the
// copy For returns. Besides its fields, a Hyp remembers the format and file
// it was read from and what ScaleGains did; copies keep both.
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

	FlGamma float64 `yaml:"fl_gamma"` // focal γ; 0 selects plain BCE

	// The criteria (package criterion). FlType "" means "focal" and
	// FlApply "" means both, as in YOLOv5.
	FlAlpha        float64             `yaml:"fl_alpha"`        // focal α; 0.25 in a file without it
	FlType         string              `yaml:"fl_type"`         // focal, qfocal or varifocal (criterion.Names)
	FlApply        criterion.Placement `yaml:"fl_apply"`        // which criteria fl_type wraps: both, cls or obj
	LabelSmoothing float64             `yaml:"label_smoothing"` // class label smoothing ε; default 0
	ClsIoUTarget   bool                `yaml:"cls_iou_target"`  // the matched class's target is the match's IoU, not 1 − ε/2

	// The box loss (package iou). A zero value means the key's default,
	// which keeps YOLOv5's CIoU: IoUType "" is ciou, IoUAlpha and
	// IoUInnerRatio 0 are 1, WIoUVersion 0 is 3, WIoUAlpha 0 is 1.9,
	// WIoUDelta 0 is 3, WIoUMomentum 0 is 0.01.
	IoUType       string  `yaml:"iou_type"`        // iou, giou, diou, ciou, eiou, siou, wiou, mpdiou, shape_iou
	IoUAlpha      float64 `yaml:"iou_alpha"`       // α-IoU power
	IoUFocalGamma float64 `yaml:"iou_focal_gamma"` // Focal-IoU weight IoU^γ, no gradient; 0 for none
	IoUInnerRatio float64 `yaml:"iou_inner_ratio"` // Inner-IoU's box scale
	WIoUVersion   int     `yaml:"wiou_version"`    // WIoU v1, v2 or v3
	WIoUAlpha     float64 `yaml:"wiou_alpha"`      // WIoU v3's α
	WIoUDelta     float64 `yaml:"wiou_delta"`      // WIoU v3's δ
	WIoUMomentum  float64 `yaml:"wiou_momentum"`   // momentum of WIoU's running mean
	ShapeIoUScale float64 `yaml:"shape_iou_scale"` // Shape-IoU's scale

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

	// The anchor-free heads' keys (ultralytics' config). In a Hyp built in
	// code, Epochs and TalTopk 0 stand for their defaults, 100 and 10.
	Dfl     float64 `yaml:"dfl"`      // distribution focal loss gain (the L1 form's for reg_max 1)
	Epochs  int     `yaml:"epochs"`   // training epochs; the end-to-end heads' branch weights follow them
	TalTopk int     `yaml:"tal_topk"` // top-k of the task-aligned assigner

	src   source  // the file Parse read
	gains scaling // what ScaleGains did
}

// scaling is ScaleGains' record: the gains before it first ran, and those
// it left.
type scaling struct {
	on             bool
	before, scaled [3]float64 // box, cls, obj
}

// DefaultFlAlpha is fl_alpha in a file without it: YOLOv5's FocalLoss α.
const DefaultFlAlpha = 0.25

// Validate checks that every value is finite and in range (a zero standing for
// its key's default where the package documentation says so), that FlType,
// FlApply and IoUType name rows of their tables, that no key set away from
// its default has no effect under the others (see the package documentation),
// and that no field of the other format is set: a Hyp read from ultralytics'
// config (or made by DefaultV8) holds none of YOLOv5's own fields, one read
// from a YOLOv5 hyp file or built in code none of ultralytics' (Dfl, Epochs,
// TalTopk). It returns an *Error naming the first offending key in the key
// order, or nil. Parse makes the same checks as it reads a file; its errors
// also carry the line of the key.
func (h *Hyp) Validate() error {
	if err := h.validate(); err != nil {
		return err
	}
	return nil
}

func (h *Hyp) validate() *Error {
	format := h.src.format
	for i := range fields {
		f := &fields[i]
		if !f.owner.belongs(format) {
			if !f.value.zero(h) {
				return keyError(0, f.key, fmt.Sprintf("is %s and means nothing in a %s", f.owner.name(), formatOf(format)))
			}
			continue
		}
		if msg := f.value.check(h); msg != "" {
			return keyError(0, f.key, msg)
		}
	}
	if err := h.checkEffects(func(key string) (int, bool) {
		f := byKey[key]
		return 0, !f.value.isDefault(h)
	}); err != nil {
		return err
	}
	return nil
}

// formatOf names the format whose rules Validate applies to a Hyp of format f.
func formatOf(f Format) string {
	if f == FormatNone {
		return "Hyp built in code (YOLOv5's unless DefaultV8 made it)"
	}
	return f.String()
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
//
// ScaleGains is idempotent: it scales the gains h held before its first call,
// so a second call with the same arguments changes nothing, and one with
// others scales the unscaled gains anew (a trainer that sets up twice does not
// compound the factors). A gain set after a call is taken as unscaled by the
// next. Marshal writes the scaled gains, which a Hyp parsed from its file
// holds as unscaled ones: scale the Hyp as loaded from the original file, not
// one read back from a checkpoint. ultralytics' loss scales nothing:
// For(HeadV8) refuses a Hyp that ScaleGains changed.
// ScaleGains panics if nl < 1, nc < 0 or imgsz < 1.
func (h *Hyp) ScaleGains(nl, nc, imgsz int) {
	if nl < 1 || nc < 0 || imgsz < 1 {
		panic(fmt.Sprintf("hyp: ScaleGains: invalid nl=%d, nc=%d, imgsz=%d", nl, nc, imgsz))
	}
	g := &h.gains
	cur := [3]float64{h.Box, h.Cls, h.Obj}
	if !g.on || cur != g.scaled {
		g.before = cur
	}
	h.Box, h.Cls, h.Obj = g.before[0], g.before[1], g.before[2]
	l := float64(nl)
	h.Box *= 3 / l
	h.Cls *= float64(nc) / 80 * 3 / l
	r := float64(imgsz) / 640
	h.Obj *= r * r * 3 / l
	g.on, g.scaled = true, [3]float64{h.Box, h.Cls, h.Obj}
}

// MaxFileSize is the largest hyp file Load and Parse take: 1 MiB, far above
// any real one (ultralytics' default.yaml has about 3 KB).
const MaxFileSize = yamlnode.MaxFileSize

// Load reads and parses the hyp file or ultralytics config at path. A file
// over MaxFileSize is refused before it is read. Errors name the file.
func Load(path string) (*Hyp, error) {
	data, err := yamlnode.ReadFile(path, MaxFileSize)
	if err != nil {
		// The error names the file already.
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
	h.src.file = file
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
	File   string // the file, set by Load and Preset unless Err names it; empty for Parse and Validate
	Line   int    // 1-based line of the problem; 0 when it has none
	Key    string // the key concerned; empty when there is none
	Msg    string // what is wrong, without file and line
	Err    error  // the underlying error (YAML syntax, file system, size), if any
	Format Format // the format the file was read as; FormatNone before that was known, and for Validate
}

// Error formats e as "hyp: file: line N: msg: err; read as a FORMAT",
// leaving out the empty parts.
func (e *Error) Error() string {
	s := yamlnode.FormatError("hyp", e.File, e.Line, e.Msg, e.Err)
	if e.Format != FormatNone {
		s += "; read as " + article(e.Format.String())
	}
	return s
}

// article puts "a" or "an" before s.
func article(s string) string {
	if strings.IndexByte("aeiouAEIOU", s[0]) >= 0 {
		return "an " + s
	}
	return "a " + s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// keyError returns an Error about the value of key.
func keyError(line int, key, msg string) *Error {
	return &Error{Line: line, Key: key, Msg: fmt.Sprintf("key %s: %s", quote(key), msg)}
}

func quote(s string) string { return yamlnode.Quote(s) }
