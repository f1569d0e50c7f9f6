package hyp

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/data/hyps"
)

// base is hyp.scratch-low.yaml without comments, laid out like the golden cases:
// box is on line 8, fl_gamma on line 15 and copy_paste on line 28.
const base = `lr0: 0.01
lrf: 0.01
momentum: 0.937
weight_decay: 0.0005
warmup_epochs: 3.0
warmup_momentum: 0.8
warmup_bias_lr: 0.1
box: 0.05
cls: 0.5
cls_pw: 1.0
obj: 1.0
obj_pw: 1.0
iou_t: 0.2
anchor_t: 4.0
fl_gamma: 0.0
hsv_h: 0.015
hsv_s: 0.7
hsv_v: 0.4
degrees: 0.0
translate: 0.1
scale: 0.5
shear: 0.0
perspective: 0.0
flipud: 0.0
fliplr: 0.5
mosaic: 1.0
mixup: 0.0
copy_paste: 0.0
`

// edit returns base with the line old replaced by new ("" deletes it).
func edit(old, new string) string {
	if !strings.Contains(base, "\n"+old+"\n") && !strings.HasPrefix(base, old+"\n") {
		panic("edit: no line " + old)
	}
	if new == "" {
		return strings.Replace("\n"+base, "\n"+old+"\n", "\n", 1)[1:]
	}
	return strings.Replace("\n"+base, "\n"+old+"\n", "\n"+new+"\n", 1)[1:]
}

// scratchLow is hyp.scratch-low.yaml as a Hyp.
var scratchLow = Hyp{
	Lr0: 0.01, Lrf: 0.01, Momentum: 0.937, WeightDecay: 0.0005,
	WarmupEpochs: 3, WarmupMomentum: 0.8, WarmupBiasLr: 0.1,
	Box: 0.05, Cls: 0.5, ClsPw: 1, Obj: 1, ObjPw: 1, IouT: 0.2, AnchorT: 4,
	FlGamma: 0, FlAlpha: 0.25, FlType: "focal", LabelSmoothing: 0,
	HsvH: 0.015, HsvS: 0.7, HsvV: 0.4, Degrees: 0, Translate: 0.1, Scale: 0.5,
	Shear: 0, Perspective: 0, Flipud: 0, Fliplr: 0.5, Mosaic: 1, Mixup: 0, CopyPaste: 0,
}

// minimal holds only the required keys.
const minimal = "box: 0.05\ncls: 0.5\ncls_pw: 1\nobj: 1\nobj_pw: 1\nanchor_t: 4\nfl_gamma: 0\n"

func TestParse(t *testing.T) {
	with := func(f func(*Hyp)) *Hyp {
		h := scratchLow
		f(&h)
		return &h
	}
	tests := []struct {
		name string
		in   string
		want *Hyp
	}{
		{name: "scratch-low", in: base, want: &scratchLow},
		{
			// Pins the defaults of the optional keys: fl_alpha 0.25, fl_type focal,
			// label_smoothing and anchors 0.
			name: "required keys only",
			in:   minimal,
			want: &Hyp{Box: 0.05, Cls: 0.5, ClsPw: 1, Obj: 1, ObjPw: 1, AnchorT: 4, FlAlpha: 0.25, FlType: "focal"},
		},
		{
			name: "integers are numbers",
			in:   edit("hsv_h: 0.015", "hsv_h: 0"),
			want: with(func(h *Hyp) { h.HsvH = 0 }),
		},
		{
			name: "focal-family keys",
			in:   edit("fl_gamma: 0.0", "fl_gamma: 2") + "fl_alpha: 0.75\nfl_type: varifocal\nlabel_smoothing: 0.1\n",
			want: with(func(h *Hyp) { h.FlGamma, h.FlAlpha, h.FlType, h.LabelSmoothing = 2, 0.75, "varifocal", 0.1 }),
		},
		{
			name: "quoted fl_type",
			in:   base + `fl_type: "qfocal"` + "\n",
			want: with(func(h *Hyp) { h.FlType = "qfocal" }),
		},
		{
			name: "anchors",
			in:   base + "anchors: 3.412\n",
			want: with(func(h *Hyp) { h.Anchors = 3.412 }),
		},
		{
			name: "fl_gamma at its maximum",
			in:   edit("fl_gamma: 0.0", "fl_gamma: 10"),
			want: with(func(h *Hyp) { h.FlGamma = 10 }),
		},
		{
			name: "flow mapping",
			in:   "{box: 0.05, cls: 0.5, cls_pw: 1, obj: 1, obj_pw: 1, anchor_t: 4, fl_gamma: 1.5}",
			want: &Hyp{Box: 0.05, Cls: 0.5, ClsPw: 1, Obj: 1, ObjPw: 1, AnchorT: 4, FlGamma: 1.5, FlAlpha: 0.25, FlType: "focal"},
		},
		{
			name: "aliases and explicit tags",
			in:   "box: 0.05\ncls: &half 0.5\ncls_pw: !!float 1\nobj: 1\nobj_pw: 1\nanchor_t: 4\nfl_gamma: 0\nfl_alpha: *half\n",
			want: &Hyp{Box: 0.05, Cls: 0.5, ClsPw: 1, Obj: 1, ObjPw: 1, AnchorT: 4, FlAlpha: 0.5, FlType: "focal"},
		},
		{
			name: "document markers",
			in:   "---\n" + base + "...\n",
			want: &scratchLow,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatalf("Parse: unexpected error: %v", err)
			}
			if diff := cmp.Diff(tc.want, got, values); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Unknown keys.
		{name: "unknown key, near a known one", in: edit("fl_gamma: 0.0", "fl_gama: 0.0"), want: `hyp: line 15: unknown key "fl_gama" (did you mean "fl_gamma"?); read as a YOLOv5 hyp file`},
		{name: "unknown key, nothing near", in: edit("momentum: 0.937", "foo: 0.937"), want: `hyp: line 3: unknown key "foo"; read as a YOLOv5 hyp file`},
		{name: "unknown key, wrong case", in: edit("box: 0.05", "Box: 0.05"), want: `hyp: line 8: unknown key "Box" (did you mean "box"?); read as a YOLOv5 hyp file`},
		{name: "unknown key, transposed", in: edit("box: 0.05", "bxo: 0.05"), want: `hyp: line 8: unknown key "bxo" (did you mean "box"?); read as a YOLOv5 hyp file`},
		{name: "unknown key, hyphen", in: edit("anchor_t: 4.0", "anchor-t: 4.0"), want: `hyp: line 14: unknown key "anchor-t" (did you mean "anchor_t"?); read as a YOLOv5 hyp file`},
		{name: "unknown key, prefix", in: base + "label_smooth: 0.1\n", want: `hyp: line 29: unknown key "label_smooth" (did you mean "label_smoothing"?); read as a YOLOv5 hyp file`},
		{name: "unknown key, quoted number", in: base + "1: 2\n", want: `hyp: line 29: unknown key "1"; read as a YOLOv5 hyp file`},
		{name: "anchor holder is a key too", in: "defaults: &d {box: 0.05}\n<<: *d\n", want: `hyp: line 1: unknown key "defaults"; read as a file of keys both formats share`},
		{name: "merge key first", in: "<<: {box: 0.05}\n", want: `hyp: line 1: merge keys ("<<") are not supported; read as a file of keys both formats share`},
		{name: "sequence as key", in: "? [box]\n: 0.05\n", want: `hyp: line 1: keys must be plain names, got a sequence; read as a file of keys both formats share`},

		// Wrong types.
		{name: "string for a number", in: edit("box: 0.05", "box: abc"), want: `hyp: line 8: key "box": want a number, got "abc"; read as a YOLOv5 hyp file`},
		{name: "quoted number", in: edit("box: 0.05", `box: "0.05"`), want: `hyp: line 8: key "box": want a number, got "0.05" (a quoted string); read as a YOLOv5 hyp file`},
		{name: "boolean", in: edit("box: 0.05", "box: true"), want: `hyp: line 8: key "box": want a number, got true; read as a YOLOv5 hyp file`},
		{name: "empty value", in: edit("box: 0.05", "box:"), want: `hyp: line 8: key "box": want a number, got null; read as a YOLOv5 hyp file`},
		{name: "null", in: edit("box: 0.05", "box: ~"), want: `hyp: line 8: key "box": want a number, got null; read as a YOLOv5 hyp file`},
		{name: "flow mapping value", in: edit("box: 0.05", "box: {gain: 0.05}"), want: `hyp: line 8: key "box": want a number, got a mapping; read as a YOLOv5 hyp file`},
		{name: "block mapping value", in: edit("box: 0.05", "box:\n  gain: 0.05"), want: `hyp: line 8: key "box": want a number, got a mapping; read as a YOLOv5 hyp file`},
		{name: "sequence value", in: edit("box: 0.05", "box: [0.05]"), want: `hyp: line 8: key "box": want a number, got a sequence; read as a YOLOv5 hyp file`},
		{name: "tag that does not fit", in: edit("box: 0.05", "box: !!int 0.05"), want: `hyp: line 8: key "box": want a number, got !!int "0.05"; read as a YOLOv5 hyp file`},
		{name: "string tag", in: edit("box: 0.05", "box: !!str 0.05"), want: `hyp: line 8: key "box": want a number, got !!str "0.05"; read as a YOLOv5 hyp file`},
		{name: "beyond float64", in: edit("box: 0.05", "box: 1e400"), want: `hyp: line 8: key "box": want a number, got "1e400" (beyond the float64 range); read as a YOLOv5 hyp file`},
		{name: "date", in: edit("box: 0.05", "box: 2024-01-02"), want: `hyp: line 8: key "box": want a number, got "2024-01-02"; read as a YOLOv5 hyp file`},
		{name: "long string is shortened", in: edit("box: 0.05", "box: "+strings.Repeat("x", 50)), want: `hyp: line 8: key "box": want a number, got "` + strings.Repeat("x", 40) + `"…; read as a YOLOv5 hyp file`},
		{name: "fl_type number", in: base + "fl_type: 1\n", want: `hyp: line 29: key "fl_type": want a string, got 1; read as a YOLOv5 hyp file`},
		{name: "fl_type mapping", in: base + "fl_type: {name: focal}\n", want: `hyp: line 29: key "fl_type": want a string, got a mapping; read as a YOLOv5 hyp file`},
		{name: "fl_type empty", in: base + "fl_type:\n", want: `hyp: line 29: key "fl_type": want a string, got null; read as a YOLOv5 hyp file`},

		// Values.
		{name: "unknown fl_type", in: base + "fl_type: vfl\n", want: `hyp: line 29: key "fl_type": unknown criterion "vfl" (want focal, qfocal, varifocal); read as a YOLOv5 hyp file`},
		{name: "long fl_type is shortened", in: base + "fl_type: " + strings.Repeat("v", 100<<10) + "\n",
			want: `hyp: line 29: key "fl_type": unknown criterion "` + strings.Repeat("v", 40) + `"… (want focal, qfocal, varifocal); read as a YOLOv5 hyp file`},
		{name: "long unknown key is shortened", in: base + "? " + strings.Repeat("k", 100<<10) + "\n: 1\n",
			want: `hyp: line 29: unknown key "` + strings.Repeat("k", 40) + `"…; read as a YOLOv5 hyp file`},
		{name: "long tag is shortened", in: edit("box: 0.05", "box: !"+strings.Repeat("t", 100<<10)+" 1"),
			want: `hyp: line 8: key "box": want a number, got !` + strings.Repeat("t", 39) + `… "1"; read as a YOLOv5 hyp file`},
		{name: "fl_type wrong case", in: base + "fl_type: Focal\n", want: `hyp: line 29: key "fl_type": unknown criterion "Focal" (want focal, qfocal, varifocal); read as a YOLOv5 hyp file`},
		{name: "NaN", in: edit("box: 0.05", "box: .nan"), want: `hyp: line 8: key "box": value must be finite, got NaN; read as a YOLOv5 hyp file`},
		{name: "+Inf", in: edit("box: 0.05", "box: .inf"), want: `hyp: line 8: key "box": value must be finite, got +Inf; read as a YOLOv5 hyp file`},
		{name: "-Inf", in: edit("obj: 1.0", "obj: -.Inf"), want: `hyp: line 11: key "obj": value must be finite, got -Inf; read as a YOLOv5 hyp file`},
		{name: "tagged Inf", in: edit("cls: 0.5", "cls: !!float +.inf"), want: `hyp: line 9: key "cls": value must be finite, got +Inf; read as a YOLOv5 hyp file`},
		{name: "fl_gamma above 10", in: edit("fl_gamma: 0.0", "fl_gamma: 10.5"), want: `hyp: line 15: key "fl_gamma": must be in [0, 10], got 10.5; read as a YOLOv5 hyp file`},
		{name: "fl_gamma negative", in: edit("fl_gamma: 0.0", "fl_gamma: -1"), want: `hyp: line 15: key "fl_gamma": must be in [0, 10], got -1; read as a YOLOv5 hyp file`},
		{name: "fl_alpha above 1", in: base + "fl_alpha: 1.5\n", want: `hyp: line 29: key "fl_alpha": must be in [0, 1], got 1.5; read as a YOLOv5 hyp file`},
		{name: "fl_alpha negative", in: base + "fl_alpha: -0.25\n", want: `hyp: line 29: key "fl_alpha": must be in [0, 1], got -0.25; read as a YOLOv5 hyp file`},
		{name: "anchor_t 1", in: edit("anchor_t: 4.0", "anchor_t: 1"), want: `hyp: line 14: key "anchor_t": must be greater than 1, got 1; read as a YOLOv5 hyp file`},
		{name: "anchor_t below 1", in: edit("anchor_t: 4.0", "anchor_t: 0.5"), want: `hyp: line 14: key "anchor_t": must be greater than 1, got 0.5; read as a YOLOv5 hyp file`},
		{name: "label_smoothing 1", in: base + "label_smoothing: 1\n", want: `hyp: line 29: key "label_smoothing": must be in [0, 1), got 1; read as a YOLOv5 hyp file`},
		{name: "label_smoothing negative", in: base + "label_smoothing: -0.1\n", want: `hyp: line 29: key "label_smoothing": must be in [0, 1), got -0.1; read as a YOLOv5 hyp file`},
		{name: "negative box", in: edit("box: 0.05", "box: -0.05"), want: `hyp: line 8: key "box": must not be negative, got -0.05; read as a YOLOv5 hyp file`},
		{name: "negative cls", in: edit("cls: 0.5", "cls: -0.5"), want: `hyp: line 9: key "cls": must not be negative, got -0.5; read as a YOLOv5 hyp file`},
		{name: "negative obj", in: edit("obj: 1.0", "obj: -1"), want: `hyp: line 11: key "obj": must not be negative, got -1; read as a YOLOv5 hyp file`},
		{name: "negative lr0", in: edit("lr0: 0.01", "lr0: -0.01"), want: `hyp: line 1: key "lr0": must not be negative, got -0.01; read as a YOLOv5 hyp file`},
		{name: "negative hsv_h", in: edit("hsv_h: 0.015", "hsv_h: -0.015"), want: `hyp: line 16: key "hsv_h": must not be negative, got -0.015; read as a YOLOv5 hyp file`},
		{name: "negative anchors", in: base + "anchors: -3\n", want: `hyp: line 29: key "anchors": must not be negative, got -3; read as a YOLOv5 hyp file`},
		{name: "cls_pw 0", in: edit("cls_pw: 1.0", "cls_pw: 0"), want: `hyp: line 10: key "cls_pw": must be positive, got 0; read as a YOLOv5 hyp file`},
		{name: "obj_pw negative", in: edit("obj_pw: 1.0", "obj_pw: -1"), want: `hyp: line 12: key "obj_pw": must be positive, got -1; read as a YOLOv5 hyp file`},
		{name: "probability above 1", in: edit("mosaic: 1.0", "mosaic: 1.5"), want: `hyp: line 26: key "mosaic": must be in [0, 1], got 1.5; read as a YOLOv5 hyp file`},
		{name: "momentum above 1", in: edit("momentum: 0.937", "momentum: 1.1"), want: `hyp: line 3: key "momentum": must be in [0, 1], got 1.1; read as a YOLOv5 hyp file`},

		// Missing and duplicate keys.
		{name: "missing key", in: edit("fl_gamma: 0.0", ""), want: `hyp: missing required key "fl_gamma"; read as a YOLOv5 hyp file`},
		{name: "missing keys", in: edit("box: 0.05", "") + "\n", want: `hyp: missing required key "box"; read as a YOLOv5 hyp file`},
		{name: "missing keys sorted", in: strings.Replace(edit("box: 0.05", ""), "anchor_t: 4.0\n", "", 1), want: `hyp: missing required keys "anchor_t", "box"; read as a YOLOv5 hyp file`},

		{name: "duplicate key", in: base + "box: 0.1\n", want: `hyp: line 29: duplicate key "box" (first at line 8); read as a YOLOv5 hyp file`},
		{name: "duplicate optional key", in: base + "fl_type: focal\nfl_type: qfocal\n", want: `hyp: line 30: duplicate key "fl_type" (first at line 29); read as a YOLOv5 hyp file`},

		// The first problem in the file wins; missing keys come last.
		{name: "first problem wins", in: edit("box: 0.05", "box: abc") + "foo: 1\n", want: `hyp: line 8: key "box": want a number, got "abc"; read as a YOLOv5 hyp file`},
		{name: "range before missing", in: edit("fl_gamma: 0.0", "") + "fl_alpha: 2\n", want: `hyp: line 28: key "fl_alpha": must be in [0, 1], got 2; read as a YOLOv5 hyp file`},

		// Whole-file problems.
		{name: "empty", in: "", want: `hyp: empty hyp file`},
		{name: "blank", in: "  \n\n", want: `hyp: empty hyp file`},
		{name: "only comments", in: "# hyperparameters\n# none yet\n", want: `hyp: empty hyp file`},
		{name: "empty document", in: "---\n# nothing\n", want: `hyp: empty hyp file`},
		{name: "sequence", in: "- box: 0.05\n- cls: 0.5\n", want: `hyp: line 1: hyp file must be a mapping of keys to values, got a sequence`},
		{name: "scalar", in: "hello\n", want: `hyp: line 1: hyp file must be a mapping of keys to values, got a scalar`},
		{name: "null document", in: "~\n", want: `hyp: line 1: hyp file must be a mapping of keys to values, got a scalar`},
		{name: "invalid YAML", in: "box: [0.05\n", want: `hyp: invalid YAML: yaml: line 1: did not find expected ',' or ']'`},
		{name: "tab indentation", in: "box: 0.05\n\tcls: 0.5\n", want: `hyp: invalid YAML: yaml: line 2: found a tab character that violates indentation`},
		{name: "unknown anchor", in: edit("box: 0.05", "box: *gain"), want: `hyp: invalid YAML: yaml: unknown anchor 'gain' referenced`},
		{name: "binary junk", in: "\x00\x01\x02\xff\xfe", want: `hyp: invalid YAML: yaml: control characters are not allowed`},
		{name: "invalid UTF-8", in: "box: \xff\xfe\n", want: `hyp: invalid YAML: yaml: invalid leading UTF-8 octet`},
		{name: "two documents", in: base + "---\n" + base, want: `hyp: line 29: hyp file must hold one YAML document, found a second one`},
		{name: "empty second document", in: base + "---\n", want: `hyp: line 29: hyp file must hold one YAML document, found a second one`},
		{name: "broken second document", in: base + "---\nbox: [\n", want: `hyp: invalid YAML: yaml: line 30: did not find expected node content`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatalf("Parse: got nil error and %+v, want %q", h, tc.want)
			}
			if h != nil {
				t.Errorf("Parse: got a Hyp with an error")
			}
			if diff := cmp.Diff(tc.want, err.Error(), values); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error is %T, want *Error", err)
			}
		})
	}
}

func TestErrorFields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Error
	}{
		{
			name: "unknown key",
			in:   edit("fl_gamma: 0.0", "fl_gama: 0.0"),
			want: Error{Line: 15, Key: "fl_gama", Msg: `unknown key "fl_gama" (did you mean "fl_gamma"?)`, Format: FormatYOLOv5},
		},
		{
			name: "range",
			in:   edit("box: 0.05", "box: -1"),
			want: Error{Line: 8, Key: "box", Msg: `key "box": must not be negative, got -1`, Format: FormatYOLOv5},
		},
		{
			name: "missing",
			in:   edit("fl_gamma: 0.0", ""),
			want: Error{Key: "fl_gamma", Msg: `missing required key "fl_gamma"`, Format: FormatYOLOv5},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			var got *Error
			if !errors.As(err, &got) {
				t.Fatalf("Parse error is %T (%v), want *Error", err, err)
			}
			if diff := cmp.Diff(tc.want, *got, values); diff != "" {
				t.Errorf("Error mismatch (-want +got):\n%s", diff)
			}
		})
	}

	_, err := Parse([]byte("box: [0.05"))
	var e *Error
	if !errors.As(err, &e) || e.Err == nil || errors.Unwrap(err) != e.Err {
		t.Errorf("syntax error %#v does not wrap the YAML error", err)
	}
}

func TestDefault(t *testing.T) {
	got := Default()
	if diff := cmp.Diff(&scratchLow, got, values); diff != "" {
		t.Errorf("Default mismatch (-want +got):\n%s", diff)
	}
	got.Box = 42
	got.ScaleGains(4, 20, 320)
	if diff := cmp.Diff(&scratchLow, Default(), values); diff != "" {
		t.Errorf("Default after changing an earlier result mismatch (-want +got):\n%s", diff)
	}
}

// TestPresets checks that every embedded preset parses unchanged, and agrees with
// yaml.v3's own decoding of the file into a Hyp.
func TestPresets(t *testing.T) {
	names := hyps.Names()
	if len(names) != 6 {
		t.Errorf("got %d presets, want 6: %v", len(names), names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := fs.ReadFile(hyps.FS, name)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			want := &Hyp{FlAlpha: 0.25, FlType: "focal"}
			if err := yaml.Unmarshal(data, want); err != nil {
				t.Fatalf("yaml.Unmarshal: %v", err)
			}
			if diff := cmp.Diff(want, got, values); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			byName, err := Preset(name)
			if err != nil {
				t.Fatalf("Preset: %v", err)
			}
			if diff := cmp.Diff(want, byName, values); diff != "" {
				t.Errorf("Preset mismatch (-want +got):\n%s", diff)
			}
		})
	}

	voc, err := Preset("VOC")
	if err != nil {
		t.Fatal(err)
	}
	obj365, err := Preset("Objects365")
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{voc.Anchors, voc.AnchorT, voc.Cls, obj365.Anchors, obj365.ClsPw}
	want := []float64{3.412, 3.3744, 0.21638, 3.2, 0.825}
	if diff := cmp.Diff(want, got, values); diff != "" {
		t.Errorf("preset values mismatch (-want +got):\n%s", diff)
	}
}

func TestPresetNames(t *testing.T) {
	tests := []struct {
		name string
		file string
	}{
		{name: "hyp.VOC.yaml", file: "hyp.VOC.yaml"},
		{name: "VOC", file: "hyp.VOC.yaml"},
		{name: "hyp.VOC", file: "hyp.VOC.yaml"},
		{name: "VOC.yaml", file: "hyp.VOC.yaml"},
		{name: "voc", file: "hyp.VOC.yaml"},
		{name: "scratch-low", file: "hyp.scratch-low.yaml"},
		{name: "SCRATCH-HIGH", file: "hyp.scratch-high.yaml"},
		{name: "no-augmentation", file: "hyp.no-augmentation.yaml"},
		{name: "objects365", file: "hyp.Objects365.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Preset(tc.name)
			if err != nil {
				t.Fatalf("Preset(%q): %v", tc.name, err)
			}
			data, err := fs.ReadFile(hyps.FS, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			want, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, values); diff != "" {
				t.Errorf("Preset(%q) mismatch (-want +got):\n%s", tc.name, diff)
			}
		})
	}

	for _, name := range []string{"nope", "", "../hyp.VOC.yaml", "hyp.scratch.yaml"} {
		_, err := Preset(name)
		want := `hyp: unknown preset "` + name + `" (have Objects365, VOC, no-augmentation, scratch-high, scratch-low, scratch-med)`
		if err == nil {
			t.Errorf("Preset(%q): got nil error", name)
		} else if diff := cmp.Diff(want, err.Error(), values); diff != "" {
			t.Errorf("Preset(%q) error mismatch (-want +got):\n%s", name, diff)
		}
	}
}

// TestGolden loads the hyp file of every golden case.
func TestGolden(t *testing.T) {
	criteria := map[string]string{
		"anchor_t_29":        "BCE (fl_gamma 0)",
		"autobalance_5":      "focal γ=1.5 α=0.25 on cls and obj",
		"bce_basic":          "BCE (fl_gamma 0)",
		"coco80":             "BCE (fl_gamma 0)",
		"edges":              "BCE (fl_gamma 0)",
		"focal_g15":          "focal γ=1.5 α=0.25 on cls and obj",
		"focal_g2_a095":      "focal γ=2 α=0.95 on cls and obj",
		"gr_half":            "varifocal γ=1 α=0.25 on cls and obj",
		"no_targets":         "focal γ=1.5 α=0.25 on cls and obj",
		"p6_four_layers":     "BCE (fl_gamma 0)",
		"qfocal_g15":         "qfocal γ=1.5 α=0.25 on cls and obj",
		"rect_96x64":         "focal γ=1.5 α=0.25 on cls and obj",
		"scaled_gains":       "focal γ=1.5 α=0.5 on cls and obj",
		"single_class_focal": "focal γ=1.5 α=0.25 on cls and obj",
		"smooth_pw":          "BCE (fl_gamma 0)",
		"sort_obj_iou_dupes": "BCE (fl_gamma 0)",
		"two_anchors":        "qfocal γ=2.5 α=0.25 on cls and obj",
		"varifocal_g2_a075":  "varifocal γ=2 α=0.75 on cls and obj",
	}
	paths, err := filepath.Glob("../testdata/golden/*/hyp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no golden hyp files found")
	}
	for _, path := range paths {
		name := filepath.Base(filepath.Dir(path))
		t.Run(name, func(t *testing.T) {
			h, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if want, ok := criteria[name]; ok {
				if diff := cmp.Diff(want, h.DescribeCriteria(), values); diff != "" {
					t.Errorf("Criteria mismatch (-want +got):\n%s", diff)
				}
			}
			if name == "smooth_pw" {
				got := []float64{h.LabelSmoothing, h.ClsPw, h.ObjPw}
				if diff := cmp.Diff([]float64{0.1, 2, 0.5}, got, values); diff != "" {
					t.Errorf("smooth_pw values mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(good, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(edit("fl_gamma: 0.0", "fl_gama: 0.0")), 0o644); err != nil {
		t.Fatal(err)
	}

	h, err := Load(good)
	if err != nil {
		t.Fatalf("Load(%q): %v", good, err)
	}
	if diff := cmp.Diff(&scratchLow, h, values); diff != "" {
		t.Errorf("Load mismatch (-want +got):\n%s", diff)
	}

	_, err = Load(bad)
	want := "hyp: " + bad + `: line 15: unknown key "fl_gama" (did you mean "fl_gamma"?); read as a YOLOv5 hyp file`
	if err == nil {
		t.Fatalf("Load(%q): got nil error", bad)
	}
	if diff := cmp.Diff(want, err.Error(), values); diff != "" {
		t.Errorf("Load error mismatch (-want +got):\n%s", diff)
	}

	missing := filepath.Join(dir, "missing.yaml")
	_, err = Load(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "hyp: ") || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(%q): got %v, want a not-exist error naming the file", missing, err)
	}
	if e := (*Error)(nil); !errors.As(err, &e) {
		t.Errorf("Load(%q) error is %T, want *Error", missing, err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Hyp)
		want   string // "" for no error
	}{
		{name: "default", modify: func(*Hyp) {}},
		{name: "zero Hyp", modify: func(h *Hyp) { *h = Hyp{} }, want: `hyp: key "cls_pw": must be positive, got 0`},
		{name: "negative box", modify: func(h *Hyp) { h.Box = -1 }, want: `hyp: key "box": must not be negative, got -1`},
		{name: "NaN", modify: func(h *Hyp) { h.Obj = math.NaN() }, want: `hyp: key "obj": value must be finite, got NaN`},
		{name: "Inf", modify: func(h *Hyp) { h.Scale = math.Inf(1) }, want: `hyp: key "scale": value must be finite, got +Inf`},
		{name: "empty FlType is the default, focal", modify: func(h *Hyp) { h.FlType = "" }, want: ""},
		{name: "unknown FlType", modify: func(h *Hyp) { h.FlType = "vfl" }, want: `hyp: key "fl_type": unknown criterion "vfl" (want focal, qfocal, varifocal)`},
		{name: "fl_alpha", modify: func(h *Hyp) { h.FlAlpha = 2 }, want: `hyp: key "fl_alpha": must be in [0, 1], got 2`},
		{name: "first key in YOLOv5 order", modify: func(h *Hyp) { h.LabelSmoothing, h.Lr0 = 1, -1 }, want: `hyp: key "lr0": must not be negative, got -1`},
		{name: "negative zero is not negative", modify: func(h *Hyp) { h.Box = math.Copysign(0, -1) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Default()
			tc.modify(h)
			err := h.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got, values); diff != "" {
				t.Errorf("Validate mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScaleGains(t *testing.T) {
	// The wants are what YOLOv5's train.py computes (Python floats, printed with repr).
	tests := []struct {
		name          string
		nl, nc, imgsz int
		box, cls, obj float64
	}{
		{name: "COCO P5 at 640", nl: 3, nc: 80, imgsz: 640, box: 0.05, cls: 0.5, obj: 1},
		{name: "four layers", nl: 4, nc: 80, imgsz: 640, box: 0.037500000000000006, cls: 0.375, obj: 0.75},
		{name: "VOC classes", nl: 3, nc: 20, imgsz: 640, box: 0.05, cls: 0.125, obj: 1},
		{name: "one class at 512", nl: 3, nc: 1, imgsz: 512, box: 0.05, cls: 0.006250000000000001, obj: 0.6400000000000001},
		{name: "P6 at 1280", nl: 4, nc: 64, imgsz: 1280, box: 0.037500000000000006, cls: 0.30000000000000004, obj: 3},
		{name: "two layers", nl: 2, nc: 365, imgsz: 320, box: 0.07500000000000001, cls: 3.421875, obj: 0.375},
		{name: "odd sizes", nl: 5, nc: 7, imgsz: 416, box: 0.03, cls: 0.026249999999999996, obj: 0.2535},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Default()
			h.ScaleGains(tc.nl, tc.nc, tc.imgsz)
			want := []float64{tc.box, tc.cls, tc.obj}
			got := []float64{h.Box, h.Cls, h.Obj}
			if diff := cmp.Diff(want, got, values); diff != "" {
				t.Errorf("ScaleGains(%d, %d, %d) box, cls, obj mismatch (-want +got):\n%s", tc.nl, tc.nc, tc.imgsz, diff)
			}
			// Nothing else changes.
			h.Box, h.Cls, h.Obj = scratchLow.Box, scratchLow.Cls, scratchLow.Obj
			if diff := cmp.Diff(&scratchLow, h, values); diff != "" {
				t.Errorf("ScaleGains changed other fields (-want +got):\n%s", diff)
			}
		})
	}

	for _, args := range [][3]int{{0, 80, 640}, {3, -1, 640}, {3, 80, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ScaleGains%v did not panic", args)
				}
			}()
			Default().ScaleGains(args[0], args[1], args[2])
		}()
	}
}

func TestCriteria(t *testing.T) {
	tests := []struct {
		name string
		h    Hyp
		want string
	}{
		{name: "BCE", h: Hyp{FlAlpha: 0.25, FlType: "focal"}, want: "BCE (fl_gamma 0)"},
		{name: "BCE whatever the type", h: Hyp{FlAlpha: 0.9, FlType: "varifocal"}, want: "BCE (fl_gamma 0)"},
		{name: "focal", h: Hyp{FlGamma: 1.5, FlAlpha: 0.25, FlType: "focal"}, want: "focal γ=1.5 α=0.25 on cls and obj"},
		{name: "qfocal", h: Hyp{FlGamma: 2, FlAlpha: 0.5, FlType: "qfocal"}, want: "qfocal γ=2 α=0.5 on cls and obj"},
		{name: "varifocal", h: Hyp{FlGamma: 2, FlAlpha: 0.75, FlType: "varifocal"}, want: "varifocal γ=2 α=0.75 on cls and obj"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.h.DescribeCriteria(), values); diff != "" {
				t.Errorf("Criteria mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// pyYAMLFloat matches the floats of YAML 1.1, which YOLOv5's loader (PyYAML) uses:
// unlike YAML 1.2 they need a dot, and a sign in the exponent.
var pyYAMLFloat = regexp.MustCompile(`^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$`)

// yolov5Order is the key order of YOLOv5's hyp files, then this package's keys.
var yolov5Order = []string{
	"lr0", "lrf", "momentum", "weight_decay", "warmup_epochs", "warmup_momentum", "warmup_bias_lr",
	"box", "cls", "cls_pw", "obj", "obj_pw", "iou_t", "anchor_t", "anchors", "fl_gamma",
	"hsv_h", "hsv_s", "hsv_v", "degrees", "translate", "scale", "shear", "perspective",
	"flipud", "fliplr", "mosaic", "mixup", "copy_paste",
	"fl_alpha", "fl_type", "label_smoothing",
}

func TestMarshal(t *testing.T) {
	odd := scratchLow
	odd.Lr0 = 1e-5
	odd.Lrf = 0.1 + 0.2
	odd.WarmupEpochs = 1e21
	odd.WeightDecay = 5e-324
	odd.Degrees = 123456789
	odd.Anchors = 3
	odd.FlGamma, odd.FlType, odd.LabelSmoothing = 2, "varifocal", 0.1

	cases := map[string]*Hyp{"odd values": &odd}
	for _, name := range hyps.Names() {
		h, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		cases[name] = h
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			out := Marshal(h)
			got, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Marshal(h)): %v\n%s", err, out)
			}
			if diff := cmp.Diff(h, got, values); diff != "" {
				t.Errorf("round trip mismatch (-want +got):\n%s", diff)
			}

			var doc yaml.Node
			if err := yaml.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			var keys []string
			m := doc.Content[0]
			for i := 0; i < len(m.Content); i += 2 {
				keys = append(keys, m.Content[i].Value)
				if v := m.Content[i+1]; v.ShortTag() == "!!float" && !pyYAMLFloat.MatchString(v.Value) {
					t.Errorf("%s: %s is not a YAML 1.1 float", m.Content[i].Value, v.Value)
				}
			}
			want := yolov5Order
			if h.Anchors == 0 {
				want = slices.DeleteFunc(slices.Clone(want), func(k string) bool { return k == "anchors" })
			}
			if diff := cmp.Diff(want, keys, values); diff != "" {
				t.Errorf("key order mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		key, want string
	}{
		{"fl_gama", "fl_gamma"},
		{"flgamma", "fl_gamma"},
		{"FL_GAMMA", "fl_gamma"},
		{"box", "box"},
		{"bx", "box"},
		{"foo", ""},
		{"lr", "lr0"},
		{"achor_t", "anchor_t"},
		{"anchor_th", "anchor_t"},
		{"warmup_bias", "warmup_bias_lr"},
		{"label_smooth", "label_smoothing"},
		{"copy-paste", "copy_paste"},
		{"mix_up", "mixup"},
		{"hsv", ""},
		{"fl", ""},
		{"learning_rate", ""},
		{strings.Repeat("x", 1000), ""},
	}
	for _, tc := range tests {
		if got := suggest(tc.key, FormatYOLOv5); got != tc.want {
			t.Errorf("suggest(%.20q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "box", 3},
		{"box", "", 3},
		{"box", "box", 0},
		{"box", "bxo", 1},
		{"fl_gama", "fl_gamma", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau-Levenshtein
		{"γ", "g", 1},
	}
	for _, tc := range tests {
		if got := editDistance([]rune(tc.a), []rune(tc.b)); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// values compares Hyps by their fields, not by what they remember of
// their file and of ScaleGains.
var values = cmpopts.IgnoreUnexported(Hyp{})

// TestScaleGainsTwice: ScaleGains scales the gains it was first given, so
// calling it again does not compound the factors (issue 20, item 8: cls
// 0.0187 instead of 0.075 for 20 classes).
func TestScaleGainsTwice(t *testing.T) {
	once := func(nl, nc, imgsz int) [3]float64 {
		h := Default()
		h.ScaleGains(nl, nc, imgsz)
		return [3]float64{h.Box, h.Cls, h.Obj}
	}
	gains := func(h *Hyp) [3]float64 { return [3]float64{h.Box, h.Cls, h.Obj} }
	for _, tc := range []struct {
		name  string
		calls [][3]int
		set   func(*Hyp) // between the first and the last call, if not nil
		want  [3]float64
	}{
		{name: "twice the same", calls: [][3]int{{3, 20, 640}, {3, 20, 640}}, want: once(3, 20, 640)},
		{name: "three times", calls: [][3]int{{4, 1, 1280}, {4, 1, 1280}, {4, 1, 1280}}, want: once(4, 1, 1280)},
		{name: "other arguments rescale the original gains", calls: [][3]int{{3, 20, 640}, {4, 365, 320}}, want: once(4, 365, 320)},
		{name: "a gain set between calls is taken as unscaled", calls: [][3]int{{3, 20, 640}, {3, 20, 640}},
			set: func(h *Hyp) { h.Cls = 1 }, want: [3]float64{0.05, 0.25, 1}},
	} {
		h := Default()
		for i, c := range tc.calls {
			if i == len(tc.calls)-1 && tc.set != nil {
				tc.set(h)
			}
			h.ScaleGains(c[0], c[1], c[2])
		}
		if got := gains(h); got != tc.want {
			t.Errorf("%s: box, cls, obj = %v, want %v", tc.name, got, tc.want)
		}
	}
	// A copy keeps the record.
	h := Default()
	h.ScaleGains(3, 20, 640)
	c := *h
	c.ScaleGains(3, 20, 640)
	if gains(&c) != once(3, 20, 640) {
		t.Errorf("a copy of a scaled Hyp scaled again: %v, want %v", gains(&c), once(3, 20, 640))
	}
}

// TestSizeCap: a hyp file over MaxFileSize is refused before it is parsed
// (issue 20, item 10: a 100 MB hyp file took 10.4 GB), by Load and by Parse.
func TestSizeCap(t *testing.T) {
	dir := t.TempDir()
	padded := func(size int) []byte {
		b := []byte(base)
		line := "# " + strings.Repeat("x", 77) + "\n"
		for len(b)+len(line) <= size {
			b = append(b, line...)
		}
		return append(b, strings.Repeat("#", size-len(b))...)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, padded(2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	atCap := filepath.Join(dir, "at-cap.yaml")
	if err := os.WriteFile(atCap, padded(MaxFileSize), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(atCap); err != nil {
		t.Errorf("Load of a file of exactly MaxFileSize: %v", err)
	}
	_, err := Load(big)
	want := "hyp: " + big + " is larger than the 1 MiB cap on YAML files (2097152 bytes)"
	if err == nil || err.Error() != want {
		t.Errorf("Load of a 2 MiB file: error %v, want %q", err, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("Load of a 2 MiB file: error is %T, want *Error", err)
	}
	_, err = Parse(padded(2 << 20))
	want = "hyp: 2097152 bytes is larger than the 1 MiB cap on hyp files"
	if err == nil || err.Error() != want {
		t.Errorf("Parse of 2 MiB: error %v, want %q", err, want)
	}
}
