package hyp

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// v8Defaults is DefaultV8 written out: ultralytics 8.4.35's default.yaml
// values of the keys a Hyp holds, and this package's for the others.
var v8Defaults = Hyp{
	Lr0: 0.01, Lrf: 0.01, Momentum: 0.937, WeightDecay: 0.0005,
	WarmupEpochs: 3, WarmupMomentum: 0.8, WarmupBiasLr: 0.1,
	Box: 7.5, Cls: 0.5, Dfl: 1.5, Epochs: 100, TalTopk: 10,
	FlGamma: 0, FlAlpha: 0.25, FlType: "focal",
	HsvH: 0.015, HsvS: 0.7, HsvV: 0.4, Degrees: 0, Translate: 0.1, Scale: 0.5,
	Shear: 0, Perspective: 0, Flipud: 0, Fliplr: 0.5, Mosaic: 1, Mixup: 0, CopyPaste: 0,
}

const defaultYAML = "../testdata/ultralytics-8.4.35/default.yaml"

func TestDefaultV8(t *testing.T) {
	h := DefaultV8()
	if d := cmp.Diff(&v8Defaults, h, values); d != "" {
		t.Errorf("DefaultV8 mismatch (-want +got):\n%s", d)
	}
	if h.Format() != FormatUltralytics {
		t.Errorf("DefaultV8().Format() = %v, want %v", h.Format(), FormatUltralytics)
	}
	if err := h.Validate(); err != nil {
		t.Errorf("DefaultV8().Validate(): %v", err)
	}
	// ultralytics' own default.yaml reads as the same values.
	file, err := Load(defaultYAML)
	if err != nil {
		t.Fatalf("Load(%s): %v", defaultYAML, err)
	}
	if d := cmp.Diff(h, file, values); d != "" {
		t.Errorf("default.yaml differs from DefaultV8 (-DefaultV8 +file):\n%s", d)
	}
	h.Box = 1
	if DefaultV8().Box != 7.5 {
		t.Errorf("DefaultV8 returned a shared Hyp")
	}
}

// TestFor: each head's copy of each kind of file and of Hyps built in code.
func TestFor(t *testing.T) {
	v5 := scratchLow
	with := func(h Hyp, f func(*Hyp)) *Hyp { f(&h); return &h }
	v8 := func(f func(*Hyp)) *Hyp { return with(v8Defaults, f) }
	parsed := func(s string) func(*testing.T) *Hyp {
		return func(t *testing.T) *Hyp {
			h, err := Parse([]byte(s))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			return h
		}
	}
	built := func(h *Hyp) func(*testing.T) *Hyp { return func(*testing.T) *Hyp { return h } }
	loaded := func(path string) func(*testing.T) *Hyp {
		return func(t *testing.T) *Hyp {
			h, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			return h
		}
	}
	scaled := DefaultV8()
	scaled.ScaleGains(3, 80, 640) // changes nothing but is recorded
	for _, tc := range []struct {
		name   string
		h      func(*testing.T) *Hyp
		head   Head
		want   *Hyp   // the copy, when err is ""
		format Format // the copy's format
		err    string
	}{
		{name: "YOLOv5 file, v5", h: parsed(base), head: HeadV5, want: &v5, format: FormatYOLOv5},
		{name: "YOLOv5 file, v8", h: parsed(base), head: HeadV8,
			err: `hyp: line 10: key "cls_pw" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): ultralytics' class BCE has no positive weight; read as a YOLOv5 hyp file`},
		{name: "YOLOv5 file, v8, obj first", h: parsed("obj: 1\n" + edit("obj: 1.0", "")), head: HeadV8,
			err: `hyp: line 1: key "obj" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): the anchor-free heads have no objectness; read as a YOLOv5 hyp file`},
		{name: "YOLOv5 file naming a loss key over iou_t", h: parsed("iou_t: 0.2\n" + strings.Replace(base, "iou_t: 0.2\n", "", 1)), head: HeadV8,
			err: `hyp: line 11: key "cls_pw" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): ultralytics' class BCE has no positive weight; read as a YOLOv5 hyp file`},
		{name: "preset, v8", h: built(Default()), head: HeadV8,
			err: `hyp: hyp.scratch-low.yaml: line 16: key "cls_pw" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): ultralytics' class BCE has no positive weight; read as a YOLOv5 hyp file`},
		{name: "ultralytics default.yaml, v8", h: loaded(defaultYAML), head: HeadV8, want: &v8Defaults, format: FormatUltralytics},
		{name: "ultralytics default.yaml, v5", h: loaded(defaultYAML), head: HeadV5,
			err: `hyp: ` + defaultYAML + `: line 5: key "epochs" is ultralytics' (the anchor-free heads') and means nothing for the v5 head (YOLOv5's): use a YOLOv5 hyp file; read as an ultralytics config file`},
		{name: "partial config", h: parsed("dfl: 2.0\ntal_topk: 13\n"), head: HeadV8, want: v8(func(h *Hyp) { h.Dfl, h.TalTopk = 2, 13 }), format: FormatUltralytics},
		{name: "partial config, v5", h: parsed("box: 0.05\ntal_topk: 13\n"), head: HeadV5,
			err: `hyp: line 2: key "tal_topk" is ultralytics' (the anchor-free heads') and means nothing for the v5 head (YOLOv5's): use a YOLOv5 hyp file; read as an ultralytics config file`},
		{name: "partial config of an unused key", h: parsed("batch: 32\nbox: 5\n"), head: HeadV8, want: v8(func(h *Hyp) { h.Box = 5 }), format: FormatUltralytics},
		{name: "shared keys, v8", h: parsed("box: 0.05\ncls: 0.3\nfl_gamma: 1.5\n"), head: HeadV8,
			want: v8(func(h *Hyp) { h.Box, h.Cls, h.FlGamma = 0.05, 0.3, 1.5 }), format: FormatShared},
		{name: "shared keys, v5", h: parsed("box: 0.05\ncls: 0.3\nfl_gamma: 1.5\n"), head: HeadV5,
			err: `hyp: for the v5 head (YOLOv5's), missing required keys "anchor_t", "cls_pw", "obj", "obj_pw"; read as a file of keys both formats share`},
		{name: "empty mapping, v5", h: parsed("{}"), head: HeadV5,
			err: `hyp: for the v5 head (YOLOv5's), missing required keys "anchor_t", "box", "cls", "cls_pw", "fl_gamma", "obj", "obj_pw"; read as a file of keys both formats share`},
		{name: "empty mapping, v8", h: parsed("{}"), head: HeadV8, want: &v8Defaults, format: FormatShared},
		{name: "DefaultV8, v8", h: built(DefaultV8()), head: HeadV8, want: &v8Defaults, format: FormatUltralytics},
		{name: "DefaultV8, v5", h: built(DefaultV8()), head: HeadV5,
			err: `hyp: key "dfl" is ultralytics' (the anchor-free heads') and means nothing for the v5 head (YOLOv5's)`},
		{name: "built in code, v8", h: built(&Hyp{Box: 7.5, Cls: 0.5, Dfl: 1.5}), head: HeadV8,
			want: &Hyp{Box: 7.5, Cls: 0.5, Dfl: 1.5, Epochs: 100, TalTopk: 10}, format: FormatUltralytics},
		{name: "built in code with obj, v8", h: built(&Hyp{Box: 7.5, Cls: 0.5, Obj: 1}), head: HeadV8,
			err: `hyp: key "obj" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): the anchor-free heads have no objectness`},
		{name: "built in code with label smoothing, v8", h: built(&Hyp{Box: 7.5, LabelSmoothing: 0.1}), head: HeadV8,
			err: `hyp: key "label_smoothing" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): ultralytics' loss has no label smoothing`},
		{name: "built in code with cls_iou_target, v8", h: built(&Hyp{ClsIoUTarget: true}), head: HeadV8,
			err: `hyp: key "cls_iou_target" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): the task-aligned assigner's class targets are IoU-aware already`},
		{name: "YOLOv5 Hyp given dfl in code, v5", h: built(with(v5, func(h *Hyp) { h.Dfl = 1 })), head: HeadV5,
			err: `hyp: key "dfl" is ultralytics' (the anchor-free heads') and means nothing for the v5 head (YOLOv5's)`},
		{name: "ultralytics Hyp given obj in code, v8", h: built(with(*DefaultV8(), func(h *Hyp) { h.Obj = 1 })), head: HeadV8,
			err: `hyp: key "obj" is YOLOv5's (the anchor-based head's) and means nothing for the v8 head (ultralytics'): the anchor-free heads have no objectness`},
		{name: "out-of-range value set in code", h: built(with(*DefaultV8(), func(h *Hyp) { h.Dfl = -1 })), head: HeadV8,
			err: `hyp: key "dfl": must not be negative, got -1`},
		{name: "scaled gains, v8", h: built(scaled), head: HeadV8,
			err: `hyp: ScaleGains rescaled the gains as YOLOv5's train.py does; ultralytics' loss takes box, cls and dfl as they are: use the Hyp as loaded`},
		{name: "DefaultV8 stripped of ultralytics' keys, v5", h: built(with(*DefaultV8(), func(h *Hyp) { h.Dfl, h.Epochs, h.TalTopk = 0, 0, 0 })), head: HeadV5,
			err: `hyp: key "cls_pw": must be positive, got 0`},
		{name: "unknown head", h: built(DefaultV8()), head: 7, err: `hyp: For: unknown head 7 (want HeadV5 or HeadV8)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.h(t)
			before := *h
			got, err := h.For(tc.head)
			if *h != before {
				t.Errorf("For changed its receiver")
			}
			if tc.err != "" {
				if err == nil {
					t.Fatalf("For(%v): got %+v, want the error %q", tc.head, got, tc.err)
				}
				if d := cmp.Diff(tc.err, err.Error()); d != "" {
					t.Errorf("For(%v) error mismatch (-want +got):\n%s", tc.head, d)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Errorf("For error is %T, want *Error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("For(%v): %v", tc.head, err)
			}
			if d := cmp.Diff(tc.want, got, values); d != "" {
				t.Errorf("For(%v) mismatch (-want +got):\n%s", tc.head, d)
			}
			if got.Format() != tc.format {
				t.Errorf("For(%v).Format() = %v, want %v", tc.head, got.Format(), tc.format)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("For(%v) returned a Hyp that Validate rejects: %v", tc.head, err)
			}
			again, err := got.For(tc.head)
			if err != nil || *again != *got {
				t.Errorf("For(%v) twice: %+v, %v; want the first result", tc.head, again, err)
			}
		})
	}
}

// TestGoldenV8 loads every anchor-free golden case's hyp.yaml for the v8
// head, and every YOLOv5 golden case's for the v5 head with its values
// unchanged.
func TestGoldenV8(t *testing.T) {
	paths, err := filepath.Glob("../testdata/golden-v8/*/hyp.yaml")
	if err != nil || len(paths) < 28 {
		t.Fatalf("found %d golden-v8 hyp files (%v), want 28", len(paths), err)
	}
	special := map[string]func(h *Hyp) bool{
		"v8_topk5_gains": func(h *Hyp) bool { return h.Box == 5 && h.Cls == 1 && h.Dfl == 2 && h.TalTopk == 5 && h.Epochs == 100 },
		"v8_e2e_yolo26":  func(h *Hyp) bool { return h.Epochs == 3 && h.TalTopk == 10 },
		"v8_varifocal":   func(h *Hyp) bool { return h.FlType == "varifocal" && h.FlGamma > 0 },
		"v8_wiou_v3":     func(h *Hyp) bool { p := h.BoxLoss(); return p.Type == "wiou" && p.WIoUVersion == 3 },
		"v8_basic": func(h *Hyp) bool {
			return *h == func() Hyp { c := *h; c.Box, c.Cls, c.Dfl = 7.5, 0.5, 1.5; return c }()
		},
		"v8_inner_ciou":   func(h *Hyp) bool { return h.BoxLoss().InnerRatio == 0.8 },
		"v8_alpha_ciou":   func(h *Hyp) bool { return h.BoxLoss().Alpha == 3 },
		"v8_eiou_focal":   func(h *Hyp) bool { p := h.BoxLoss(); return p.Type == "eiou" && p.FocalGamma == 0.5 },
		"v8_shape_iou":    func(h *Hyp) bool { return h.BoxLoss().ShapeScale == 1 },
		"v8_qfocal":       func(h *Hyp) bool { return h.FlType == "qfocal" },
		"v8_focal":        func(h *Hyp) bool { return h.FlGamma == 1.5 || h.FlGamma == 2 },
		"v8_e2e_regmax16": func(h *Hyp) bool { return h.Epochs == 5 },
	}
	for _, path := range paths {
		name := filepath.Base(filepath.Dir(path))
		h, err := Load(path)
		if err != nil {
			t.Errorf("%s: Load: %v", name, err)
			continue
		}
		c, err := h.For(HeadV8)
		if err != nil {
			t.Errorf("%s: For(HeadV8): %v", name, err)
			continue
		}
		if ok := special[name]; ok != nil && !ok(c) {
			t.Errorf("%s: unexpected values %+v", name, *c)
		}
		if _, err := h.For(HeadV5); err == nil {
			t.Errorf("%s: For(HeadV5) accepted an ultralytics config", name)
		}
	}

	var v5 []string
	for _, dir := range []string{"golden", "golden-cls", "golden-iou"} {
		p, _ := filepath.Glob("../testdata/" + dir + "/*/hyp.yaml")
		v5 = append(v5, p...)
	}
	if len(v5) < 45 {
		t.Fatalf("found %d YOLOv5 golden hyp files, want 45", len(v5))
	}
	for _, path := range v5 {
		h, err := Load(path)
		if err != nil {
			t.Errorf("%s: Load: %v", path, err)
			continue
		}
		c, err := h.For(HeadV5)
		if err != nil {
			t.Errorf("%s: For(HeadV5): %v", path, err)
			continue
		}
		if *c != *h {
			t.Errorf("%s: For(HeadV5) changed the values:\n%s", path, cmp.Diff(h, c, values))
		}
		if _, err := h.For(HeadV8); err == nil {
			t.Errorf("%s: For(HeadV8) accepted a YOLOv5 hyp file", path)
		}
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{HeadV5.String(), "v5"}, {HeadV8.String(), "v8"}, {Head(0).String(), "Head(0)"},
		{FormatYOLOv5.String(), "YOLOv5 hyp file"}, {FormatUltralytics.String(), "ultralytics config file"},
		{FormatShared.String(), "file of keys both formats share"}, {FormatNone.String(), "Hyp built in code"},
	} {
		if tc.got != tc.want {
			t.Errorf("String() = %q, want %q", tc.got, tc.want)
		}
	}
}

// TestParseUltralytics: ultralytics' config and files of shared keys, read
// with their checks; every error says the format.
func TestParseUltralytics(t *testing.T) {
	const u = "; read as an ultralytics config file"
	const sh = "; read as a file of keys both formats share"
	for _, tc := range []struct {
		name, in string
		want     string // error, "" for none
		check    func(*Hyp) bool
	}{
		{name: "partial", in: "dfl: 2\nepochs: 30\n", check: func(h *Hyp) bool { return h.Dfl == 2 && h.Epochs == 30 && h.Box == 7.5 && h.TalTopk == 10 }},
		{name: "unused keys of any value", in: "batch: [16, 32]\ndevice: 0,1\nimgsz: 640\nmodel:\nclasses: [0, 2]\ndfl: 1\n", check: func(h *Hyp) bool { return h.Dfl == 1 }},
		{name: "dfl 0 turns DFL off", in: "dfl: 0\n", check: func(h *Hyp) bool { return h.Dfl == 0 }},
		{name: "dfl negative", in: "dfl: -1\n", want: `hyp: line 1: key "dfl": must not be negative, got -1` + u},
		{name: "dfl not a number", in: "dfl: high\n", want: `hyp: line 1: key "dfl": want a number, got "high"` + u},
		{name: "epochs 0", in: "epochs: 0\n", want: `hyp: line 1: key "epochs": must be 1 to 2147483647, got 0` + u},
		{name: "epochs fractional", in: "epochs: 2.5\n", want: `hyp: line 1: key "epochs": want a whole number, got 2.5` + u},
		{name: "epochs huge", in: "epochs: 1e12\n", want: `hyp: line 1: key "epochs": must be 1 to 2147483647, got 1e+12` + u},
		{name: "tal_topk 0", in: "tal_topk: 0\n", want: `hyp: line 1: key "tal_topk": must be 1 to 2147483647, got 0` + u},
		{name: "tal_topk string", in: "tal_topk: ten\n", want: `hyp: line 1: key "tal_topk": want a whole number, got "ten"` + u},
		{name: "nbs 0", in: "nbs: 0\n", want: `hyp: line 1: key "nbs": must be positive, got 0` + u},
		{name: "pose not a number", in: "pose: x\n", want: `hyp: line 1: key "pose": want a number, got "x"` + u},
		{name: "erasing above 1", in: "erasing: 2\n", want: `hyp: line 1: key "erasing": must be in [0, 1], got 2` + u},
		{name: "box negative in a partial config", in: "epochs: 3\nbox: -7.5\n", want: `hyp: line 2: key "box": must not be negative, got -7.5` + u},
		{name: "box negative, shared keys", in: "box: -7.5\n", want: `hyp: line 1: key "box": must not be negative, got -7.5` + sh},
		{name: "a YOLOv5 key in ultralytics' config", in: "box: 7.5\ndfl: 1.5\nobj: 1.0\n",
			want: `hyp: line 3: key "obj" is YOLOv5's (the anchor-based head's), but key "dfl" on line 2 is ultralytics' (the anchor-free heads'): a file is a YOLOv5 hyp file or an ultralytics config, not both` + u},
		{name: "an ultralytics key in a YOLOv5 file", in: base + "dfl: 1.5\n",
			want: `hyp: line 29: key "dfl" is ultralytics' (the anchor-free heads'), but key "cls_pw" on line 10 is YOLOv5's (the anchor-based head's): a file is a YOLOv5 hyp file or an ultralytics config, not both; read as a YOLOv5 hyp file`},
		{name: "typo", in: "dlf: 2\nepochs: 3\n", want: `hyp: line 1: unknown key "dlf" (did you mean "dfl"?)` + u},
		{name: "typo of an unused key", in: "epochs: 3\nhsv_hh: 0.1\n", want: `hyp: line 2: unknown key "hsv_hh" (did you mean "hsv_h"?)` + u},
		{name: "typo in shared keys", in: "tal_top_k: 5\n", want: `hyp: line 1: unknown key "tal_top_k" (did you mean "tal_topk"?)` + sh},
		{name: "no YOLOv5 key suggested in ultralytics' config", in: "epochs: 3\nobjj: 1\n", want: `hyp: line 2: unknown key "objj"` + u},
		{name: "no ultralytics key suggested in a YOLOv5 file", in: base + "df: 1\n", want: `hyp: line 29: unknown key "df"; read as a YOLOv5 hyp file`},
		{name: "a box-loss key without effect", in: "dfl: 1\niou_type: giou\nwiou_version: 2\n",
			want: `hyp: line 3: key "wiou_version": has no effect with iou_type giou: remove it` + u},
		{name: "duplicate", in: "dfl: 1\ndfl: 2\n", want: `hyp: line 2: duplicate key "dfl" (first at line 1)` + u},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Parse([]byte(tc.in))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("Parse error mismatch (-want +got):\n%s", d)
			}
			if h == nil {
				return
			}
			if tc.check != nil && !tc.check(h) {
				t.Errorf("parsed %+v", *h)
			}
			if err := h.Validate(); err != nil {
				t.Errorf("Validate after Parse: %v", err)
			}
		})
	}
}

// TestMarshalFormats: Marshal writes a file of the Hyp's format, which
// Parse reads back as the same values and format, and Marshal writes again
// the same.
func TestMarshalFormats(t *testing.T) {
	files, _ := filepath.Glob("../testdata/golden-v8/*/hyp.yaml")
	files = append(files, defaultYAML)
	cases := map[string]*Hyp{"DefaultV8": DefaultV8()}
	for _, f := range files {
		h, err := Load(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[f] = h
	}
	for _, s := range []string{"{}", "box: 0.05\ncls: 0.3\n", "fl_gamma: 2\nfl_alpha: 0.5\nfl_type: qfocal\n",
		"dfl: 0\nepochs: 7\ntal_topk: 3\niou_type: siou\niou_inner_ratio: 1.2\n", "batch: 8\nlr0: 1.0e-5\n"} {
		h, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		cases[s] = h
	}
	for name, h := range cases {
		out := Marshal(h)
		back, err := Parse(out)
		if err != nil {
			t.Errorf("%q: Parse(Marshal(h)): %v\n%s", name, err, out)
			continue
		}
		if d := cmp.Diff(h, back, values); d != "" {
			t.Errorf("%q: round trip mismatch (-want +got):\n%s", name, d)
		}
		if back.Format() != h.Format() {
			t.Errorf("%q: read back as a %v, want a %v\n%s", name, back.Format(), h.Format(), out)
		}
		if again := Marshal(back); string(again) != string(out) {
			t.Errorf("%q: Marshal after the round trip differs:\n%s\nwant\n%s", name, again, out)
		}
		for _, key := range []string{"fl_gamma:", "fl_alpha:", "fl_type:", "tal_topk:", "iou_type:"} {
			// Keys beyond ultralytics' own are written only away from their defaults.
			if strings.Contains(string(out), "\n"+key) && strings.Contains(string(Marshal(DefaultV8())), "\n"+key) {
				t.Errorf("DefaultV8 written with %s", key)
			}
		}
	}
	want := "# ultralytics config: the loss and training keys (others take ultralytics 8.4.35's defaults)\nepochs: 100 "
	if out := string(Marshal(DefaultV8())); !strings.HasPrefix(out, want) {
		t.Errorf("Marshal(DefaultV8()) starts %q, want %q", out[:min(len(out), len(want))], want)
	}
}
