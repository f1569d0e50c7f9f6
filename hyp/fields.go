package hyp

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/internal/yamlnode"
	"github.com/yolo-loss/yololoss/iou"
)

// field describes one key of a hyp file.
type field struct {
	key      string
	value    value
	required bool   // in a YOLOv5 hyp file
	owner    owner  // the format the key belongs to
	doc      string // comment written by Marshal
}

// value is the typed storage of a field in a Hyp: how Parse reads it, how
// Validate checks it, and how Marshal writes it.
type value interface {
	// set reads the value of node n into h, and returns the problem, or "".
	set(h *Hyp, n *yaml.Node) string
	// check returns the problem with the value h holds, or "".
	check(h *Hyp) string
	// isDefault reports whether h holds the value of a file without the key.
	isDefault(h *Hyp) bool
	// zero reports whether h holds the field's zero value ("" or the
	// default for a name), which a field of the other format must hold.
	zero(h *Hyp) bool
	// format returns the value as Marshal writes it, and whether Marshal
	// writes the key at all.
	format(h *Hyp) (string, bool)
}

// number is a float64 field. With zeroIsDefault, a Hyp's 0 stands for the
// key's default (absent from a file), and is not range-checked by Validate;
// in a file the value is always checked. Marshal leaves the key out when
// omitZero or zeroIsDefault is set and the value is 0.
type number struct {
	ptr           func(*Hyp) *float64
	inRange       func(float64) string // "" when the value is in range
	omitZero      bool
	zeroIsDefault bool
	def           float64 // the value of a file without the key
}

func (f number) set(h *Hyp, n *yaml.Node) string {
	v, ok := yamlnode.Number(n)
	if !ok {
		return "want a number, got " + yamlnode.Describe(n)
	}
	if msg := checkFinite(v, f.inRange); msg != "" {
		return msg
	}
	*f.ptr(h) = v
	return ""
}

func (f number) check(h *Hyp) string {
	v := *f.ptr(h)
	if f.zeroIsDefault && v == 0 {
		return ""
	}
	return checkFinite(v, f.inRange)
}

func (f number) isDefault(h *Hyp) bool {
	v := *f.ptr(h)
	return v == f.def || (f.zeroIsDefault && v == 0)
}

func (f number) zero(h *Hyp) bool { return *f.ptr(h) == 0 }

func (f number) format(h *Hyp) (string, bool) {
	v := *f.ptr(h)
	return marshalNumber(v), !((f.omitZero || f.zeroIsDefault) && v == 0)
}

func checkFinite(v float64, inRange func(float64) string) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "value must be finite, got " + formatNumber(v)
	}
	return inRange(v)
}

// integer is an int field whose 0 in a Hyp stands for the default, def;
// in a file it must be a whole number in [lo, hi].
type integer struct {
	ptr    func(*Hyp) *int
	lo, hi int
	def    int
}

func (f integer) set(h *Hyp, n *yaml.Node) string {
	v, ok := yamlnode.Number(n)
	if !ok || v != math.Trunc(v) {
		return "want a whole number, got " + yamlnode.Describe(n)
	}
	if v < float64(f.lo) || v > float64(f.hi) {
		return fmt.Sprintf("must be %d to %d, got %s", f.lo, f.hi, formatNumber(v))
	}
	*f.ptr(h) = int(v)
	return ""
}

func (f integer) check(h *Hyp) string {
	if v := *f.ptr(h); v != 0 && (v < f.lo || v > f.hi) {
		return fmt.Sprintf("must be %d to %d, got %d", f.lo, f.hi, v)
	}
	return ""
}

func (f integer) isDefault(h *Hyp) bool { v := *f.ptr(h); return v == 0 || v == f.def }

func (f integer) zero(h *Hyp) bool { return *f.ptr(h) == 0 }

func (f integer) format(h *Hyp) (string, bool) {
	v := *f.ptr(h)
	return strconv.Itoa(v), v != 0
}

// text is a string field naming a row of a table: valid returns the
// problem with a name, or "". A Hyp's "" stands for the default, def.
// Marshal writes the key always when always is set, else when it is not "".
type text struct {
	ptr    func(*Hyp) *string
	valid  func(string) string
	def    string
	always bool
}

func (f text) set(h *Hyp, n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return "want a string, got " + yamlnode.Describe(n)
	}
	if msg := f.valid(n.Value); msg != "" {
		return msg
	}
	*f.ptr(h) = n.Value
	return ""
}

func (f text) check(h *Hyp) string {
	if v := *f.ptr(h); v != "" {
		return f.valid(v)
	}
	return ""
}

func (f text) isDefault(h *Hyp) bool { v := *f.ptr(h); return v == "" || v == f.def }

func (f text) zero(h *Hyp) bool { return f.isDefault(h) }

func (f text) format(h *Hyp) (string, bool) {
	v := *f.ptr(h)
	if v == "" {
		v = f.def
	}
	if f.valid(v) != "" {
		return strconv.Quote(v), true // not a name Parse takes back
	}
	return v, f.always || *f.ptr(h) != ""
}

// flag is a boolean field, false by default; Marshal writes it when true.
type flag struct{ ptr func(*Hyp) *bool }

func (f flag) set(h *Hyp, n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		return "want true or false, got " + yamlnode.Describe(n)
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		return "want true or false, got " + yamlnode.Describe(n)
	}
	*f.ptr(h) = b
	return ""
}

func (flag) check(*Hyp) string { return "" }

func (f flag) isDefault(h *Hyp) bool { return !*f.ptr(h) }

func (f flag) zero(h *Hyp) bool { return !*f.ptr(h) }

func (f flag) format(h *Hyp) (string, bool) { return strconv.FormatBool(*f.ptr(h)), *f.ptr(h) }

// unused is a key of ultralytics' config that no loss reads (the training,
// validation, export and other tasks' settings): known, so that a file
// holding it is read, its value checked by ok where ok is set, and not kept.
type unused struct{ ok func(n *yaml.Node) string }

func (f unused) set(_ *Hyp, n *yaml.Node) string {
	if f.ok != nil {
		return f.ok(n)
	}
	return ""
}

func (unused) check(*Hyp) string          { return "" }
func (unused) isDefault(*Hyp) bool        { return true }
func (unused) zero(*Hyp) bool             { return true }
func (unused) format(*Hyp) (string, bool) { return "", false }

// anyNumber returns the check of an unused number key.
func anyNumber(inRange func(float64) string) func(n *yaml.Node) string {
	return func(n *yaml.Node) string {
		v, ok := yamlnode.Number(n)
		if !ok {
			return "want a number, got " + yamlnode.Describe(n)
		}
		return checkFinite(v, inRange)
	}
}

// num is a plain number field: range-checked, written always.
func num(ptr func(*Hyp) *float64, inRange func(float64) string) number {
	return number{ptr: ptr, inRange: inRange}
}

// boxKey is a box-loss number field, absent (0) by default.
func boxKey(ptr func(*Hyp) *float64, inRange func(float64) string, def float64) number {
	return number{ptr: ptr, inRange: inRange, zeroIsDefault: true, def: def}
}

// fields lists the keys in YOLOv5's order, followed by this package's own,
// ultralytics' loss keys and the keys of ultralytics' config no loss reads.
var fields = append([]field{
	{key: "lr0", value: num(func(h *Hyp) *float64 { return &h.Lr0 }, nonNegative), doc: "starting learning rate"},
	{key: "lrf", value: num(func(h *Hyp) *float64 { return &h.Lrf }, nonNegative), doc: "final learning rate, fraction of lr0"},
	{key: "momentum", value: num(func(h *Hyp) *float64 { return &h.Momentum }, unit), doc: "SGD momentum, Adam beta1"},
	{key: "weight_decay", value: num(func(h *Hyp) *float64 { return &h.WeightDecay }, nonNegative), doc: "weight decay"},
	{key: "warmup_epochs", value: num(func(h *Hyp) *float64 { return &h.WarmupEpochs }, nonNegative), doc: "warm-up length (epochs)"},
	{key: "warmup_momentum", value: num(func(h *Hyp) *float64 { return &h.WarmupMomentum }, unit), doc: "momentum at the start of warm-up"},
	{key: "warmup_bias_lr", value: num(func(h *Hyp) *float64 { return &h.WarmupBiasLr }, nonNegative), doc: "bias learning rate at the start of warm-up"},
	{key: "box", value: num(func(h *Hyp) *float64 { return &h.Box }, nonNegative), required: true, doc: "box loss gain"},
	{key: "cls", value: num(func(h *Hyp) *float64 { return &h.Cls }, nonNegative), required: true, doc: "class loss gain"},
	{key: "cls_pw", owner: yolov5, value: num(func(h *Hyp) *float64 { return &h.ClsPw }, positive), required: true, doc: "class BCE positive weight"},
	{key: "obj", owner: yolov5, value: num(func(h *Hyp) *float64 { return &h.Obj }, nonNegative), required: true, doc: "objectness loss gain"},
	{key: "obj_pw", owner: yolov5, value: num(func(h *Hyp) *float64 { return &h.ObjPw }, positive), required: true, doc: "objectness BCE positive weight"},
	{key: "iou_t", owner: yolov5, value: num(func(h *Hyp) *float64 { return &h.IouT }, unit), doc: "IoU training threshold"},
	{key: "anchor_t", owner: yolov5, value: num(func(h *Hyp) *float64 { return &h.AnchorT }, aboveOne), required: true, doc: "target/anchor size ratio threshold"},
	{key: "anchors", owner: yolov5, value: number{ptr: func(h *Hyp) *float64 { return &h.Anchors }, inRange: nonNegative, omitZero: true}, doc: "anchors per output layer"},
	{key: "fl_gamma", value: num(func(h *Hyp) *float64 { return &h.FlGamma }, gammaRange), required: true, doc: "focal gamma, 0 for plain BCE"},
	{key: "hsv_h", value: num(func(h *Hyp) *float64 { return &h.HsvH }, nonNegative), doc: "hue augmentation (fraction)"},
	{key: "hsv_s", value: num(func(h *Hyp) *float64 { return &h.HsvS }, nonNegative), doc: "saturation augmentation (fraction)"},
	{key: "hsv_v", value: num(func(h *Hyp) *float64 { return &h.HsvV }, nonNegative), doc: "value augmentation (fraction)"},
	{key: "degrees", value: num(func(h *Hyp) *float64 { return &h.Degrees }, nonNegative), doc: "rotation (+/- degrees)"},
	{key: "translate", value: num(func(h *Hyp) *float64 { return &h.Translate }, nonNegative), doc: "translation (+/- fraction)"},
	{key: "scale", value: num(func(h *Hyp) *float64 { return &h.Scale }, nonNegative), doc: "scale (+/- gain)"},
	{key: "shear", value: num(func(h *Hyp) *float64 { return &h.Shear }, nonNegative), doc: "shear (+/- degrees)"},
	{key: "perspective", value: num(func(h *Hyp) *float64 { return &h.Perspective }, nonNegative), doc: "perspective (+/- fraction)"},
	{key: "flipud", value: num(func(h *Hyp) *float64 { return &h.Flipud }, unit), doc: "up-down flip probability"},
	{key: "fliplr", value: num(func(h *Hyp) *float64 { return &h.Fliplr }, unit), doc: "left-right flip probability"},
	{key: "mosaic", value: num(func(h *Hyp) *float64 { return &h.Mosaic }, unit), doc: "mosaic probability"},
	{key: "mixup", value: num(func(h *Hyp) *float64 { return &h.Mixup }, unit), doc: "mixup probability"},
	{key: "copy_paste", value: num(func(h *Hyp) *float64 { return &h.CopyPaste }, unit), doc: "copy-paste probability"},
	{key: "fl_alpha", value: num(func(h *Hyp) *float64 { return &h.FlAlpha }, unit), doc: "focal alpha"},
	{key: "fl_type", value: text{ptr: func(h *Hyp) *string { return &h.FlType }, valid: validFlType, def: criterion.DefaultType, always: true}, doc: "focal-family criterion: focal, qfocal or varifocal"},
	{key: "label_smoothing", owner: yolov5, value: num(func(h *Hyp) *float64 { return &h.LabelSmoothing }, smoothingRange), doc: "class label smoothing epsilon"},
	{key: "fl_apply", owner: yolov5, value: text{ptr: func(h *Hyp) *string { return (*string)(&h.FlApply) }, valid: validPlacement, def: string(criterion.Both)}, doc: "criteria fl_type wraps: both, cls or obj"},
	{key: "cls_iou_target", owner: yolov5, value: flag{ptr: func(h *Hyp) *bool { return &h.ClsIoUTarget }}, doc: "matched class target: the IoU instead of 1"},
	{key: "iou_type", value: text{ptr: func(h *Hyp) *string { return &h.IoUType }, valid: validIoUType, def: "ciou"}, doc: "box loss"},
	{key: "iou_alpha", value: boxKey(func(h *Hyp) *float64 { return &h.IoUAlpha }, openTo(10), 1), doc: "alpha-IoU power"},
	{key: "iou_focal_gamma", value: boxKey(func(h *Hyp) *float64 { return &h.IoUFocalGamma }, closed(0, 10), 0), doc: "Focal-IoU gamma"},
	{key: "iou_inner_ratio", value: boxKey(func(h *Hyp) *float64 { return &h.IoUInnerRatio }, openTo(4), 1), doc: "Inner-IoU ratio"},
	{key: "wiou_version", value: integer{ptr: func(h *Hyp) *int { return &h.WIoUVersion }, lo: 1, hi: 3, def: 3}, doc: "WIoU version"},
	{key: "wiou_alpha", value: boxKey(func(h *Hyp) *float64 { return &h.WIoUAlpha }, openTo(10), 1.9), doc: "WIoU v3 alpha"},
	{key: "wiou_delta", value: boxKey(func(h *Hyp) *float64 { return &h.WIoUDelta }, openTo(10), 3), doc: "WIoU v3 delta"},
	{key: "wiou_momentum", value: boxKey(func(h *Hyp) *float64 { return &h.WIoUMomentum }, openTo(1), 0.01), doc: "WIoU running-mean momentum"},
	{key: "shape_iou_scale", value: boxKey(func(h *Hyp) *float64 { return &h.ShapeIoUScale }, closed(0, 10), 0), doc: "Shape-IoU scale"},

	// ultralytics' own loss keys.
	{key: "dfl", owner: ultra, value: num(func(h *Hyp) *float64 { return &h.Dfl }, nonNegative), doc: "distribution focal loss gain"},
	{key: "epochs", owner: ultra, value: integer{ptr: func(h *Hyp) *int { return &h.Epochs }, lo: 1, hi: math.MaxInt32, def: DefaultV8Epochs}, doc: "training epochs (end-to-end branch weights)"},
	{key: "tal_topk", owner: ultra, value: integer{ptr: func(h *Hyp) *int { return &h.TalTopk }, lo: 1, hi: math.MaxInt32, def: DefaultV8TalTopk}, doc: "task-aligned assigner top-k"},
}, unusedFields()...)

// ultralyticsUnused lists the keys of ultralytics 8.4.35's default.yaml that
// no loss reads, with the check of their value where there is one.
var ultralyticsUnused = []struct {
	key string
	ok  func(*yaml.Node) string
}{
	{"task", nil}, {"mode", nil}, {"model", nil}, {"data", nil}, {"time", nil}, {"patience", nil},
	{"batch", nil}, {"imgsz", nil}, {"save", nil}, {"save_period", nil}, {"cache", nil}, {"device", nil},
	{"workers", nil}, {"project", nil}, {"name", nil}, {"exist_ok", nil}, {"pretrained", nil},
	{"optimizer", nil}, {"verbose", nil}, {"seed", nil}, {"deterministic", nil}, {"single_cls", nil},
	{"rect", nil}, {"cos_lr", nil}, {"close_mosaic", nil}, {"resume", nil}, {"amp", nil}, {"fraction", nil},
	{"profile", nil}, {"freeze", nil}, {"multi_scale", nil}, {"compile", nil}, {"overlap_mask", nil},
	{"mask_ratio", nil}, {"dropout", nil}, {"val", nil}, {"split", nil}, {"save_json", nil}, {"conf", nil},
	{"iou", nil}, {"max_det", nil}, {"half", nil}, {"dnn", nil}, {"plots", nil}, {"end2end", nil},
	{"source", nil}, {"vid_stride", nil}, {"stream_buffer", nil}, {"visualize", nil}, {"augment", nil},
	{"agnostic_nms", nil}, {"classes", nil}, {"retina_masks", nil}, {"embed", nil}, {"show", nil},
	{"save_frames", nil}, {"save_txt", nil}, {"save_conf", nil}, {"save_crop", nil}, {"show_labels", nil},
	{"show_conf", nil}, {"show_boxes", nil}, {"line_width", nil}, {"format", nil}, {"keras", nil},
	{"optimize", nil}, {"int8", nil}, {"dynamic", nil}, {"simplify", nil}, {"opset", nil}, {"workspace", nil},
	{"nms", nil},
	// The other tasks' loss gains (pose, keypoint objectness, RLE, OBB angle),
	// the nominal batch size and augmentations YOLOv5 lacks.
	{"pose", anyNumber(nonNegative)}, {"kobj", anyNumber(nonNegative)}, {"rle", anyNumber(nonNegative)},
	{"angle", anyNumber(nonNegative)}, {"nbs", anyNumber(positive)},
	{"bgr", anyNumber(unit)}, {"cutmix", anyNumber(unit)}, {"erasing", anyNumber(unit)},
	{"copy_paste_mode", nil}, {"auto_augment", nil}, {"cfg", nil}, {"tracker", nil},
}

// unusedFields returns the fields of ultralyticsUnused.
func unusedFields() []field {
	f := make([]field, len(ultralyticsUnused))
	for i, u := range ultralyticsUnused {
		f[i] = field{key: u.key, owner: ultra, value: unused{ok: u.ok}}
	}
	return f
}

// byKey indexes fields by key (after init has added the unused keys).
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

func unit(v float64) string { return closed(0, 1)(v) }

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

func gammaRange(v float64) string { return closed(0, 10)(v) }

func smoothingRange(v float64) string {
	if v < 0 || v >= 1 {
		return "must be in [0, 1), got " + formatNumber(v)
	}
	return ""
}

// closed returns the check for [lo, hi].
func closed(lo, hi float64) func(float64) string {
	return func(v float64) string {
		if v < lo || v > hi {
			return fmt.Sprintf("must be in [%s, %s], got %s", formatNumber(lo), formatNumber(hi), formatNumber(v))
		}
		return ""
	}
}

// openTo returns the check for (0, hi].
func openTo(hi float64) func(float64) string {
	return func(v float64) string {
		if v <= 0 || v > hi {
			return fmt.Sprintf("must be in (0, %s], got %s", formatNumber(hi), formatNumber(v))
		}
		return ""
	}
}

func validFlType(name string) string {
	if _, ok := criterion.Lookup(name); !ok {
		// criterion.UnknownType quotes the whole name; a file's may be long.
		return fmt.Sprintf("unknown criterion %s (want %s)", quote(name), strings.Join(criterion.Names(), ", "))
	}
	return ""
}

func validPlacement(p string) string {
	if !criterion.Placement(p).Valid() {
		return fmt.Sprintf("unknown placement %s (want both, cls or obj)", quote(p))
	}
	return ""
}

func validIoUType(name string) string {
	if _, ok := iou.Lookup(name); !ok {
		return fmt.Sprintf("unknown box loss %s (want one of %s)", quote(name), strings.Join(iou.Names(), ", "))
	}
	return ""
}
