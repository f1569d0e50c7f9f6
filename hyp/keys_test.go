package hyp

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/iou"
)

// TestNewKeys covers fl_apply, cls_iou_target and the box-loss keys: their
// types, ranges, and the keys that have no effect under the others. base
// ends at line 28, so an appended key is on line 29, a second on line 30.
func TestNewKeys(t *testing.T) {
	focal := edit("fl_gamma: 0.0", "fl_gamma: 1.5")
	for _, tc := range []struct {
		name, in string
		want     string // "" for no error
		check    func(*Hyp) bool
	}{
		{name: "fl_apply cls", in: focal + "fl_apply: cls\n", check: func(h *Hyp) bool { return h.FlApply == criterion.Cls }},
		{name: "fl_apply obj", in: focal + "fl_apply: obj\n", check: func(h *Hyp) bool { return h.FlApply == criterion.Obj }},
		{name: "fl_apply both with fl_gamma 0 is accepted", in: base + "fl_apply: both\n", check: func(h *Hyp) bool { return h.FlApply == criterion.Both }},
		{name: "fl_apply cls with fl_gamma 0", in: base + "fl_apply: cls\n",
			want: `hyp: line 29: key "fl_apply": cls has no effect with fl_gamma 0 (plain BCE everywhere): set fl_gamma > 0 or remove the key; read as a YOLOv5 hyp file`},
		{name: "fl_apply obj with fl_gamma 0", in: base + "fl_apply: obj\n",
			want: `hyp: line 29: key "fl_apply": obj has no effect with fl_gamma 0 (plain BCE everywhere): set fl_gamma > 0 or remove the key; read as a YOLOv5 hyp file`},
		{name: "fl_apply unknown", in: focal + "fl_apply: box\n", want: `hyp: line 29: key "fl_apply": unknown placement "box" (want both, cls or obj); read as a YOLOv5 hyp file`},
		{name: "fl_apply not a string", in: focal + "fl_apply: 1\n", want: `hyp: line 29: key "fl_apply": want a string, got 1; read as a YOLOv5 hyp file`},
		{name: "cls_iou_target", in: base + "cls_iou_target: true\n", check: func(h *Hyp) bool { return h.ClsIoUTarget }},
		{name: "cls_iou_target false", in: base + "cls_iou_target: false\n", check: func(h *Hyp) bool { return !h.ClsIoUTarget }},
		{name: "cls_iou_target not a bool", in: base + "cls_iou_target: 1\n", want: `hyp: line 29: key "cls_iou_target": want true or false, got 1; read as a YOLOv5 hyp file`},
		{name: "cls_iou_target quoted", in: base + "cls_iou_target: 'true'\n", want: `hyp: line 29: key "cls_iou_target": want true or false, got "true"; read as a YOLOv5 hyp file`},
		{name: "iou_type ciou", in: base + "iou_type: ciou\n", check: func(h *Hyp) bool { return h.IoUType == "ciou" && h.BoxLoss().Type == "ciou" }},
		{name: "iou_type unknown", in: base + "iou_type: cioux\n", want: `hyp: line 29: key "iou_type": unknown box loss "cioux"`},
		{name: "iou_alpha 0", in: base + "iou_alpha: 0\n", want: `hyp: line 29: key "iou_alpha": must be in (0, 10], got 0; read as a YOLOv5 hyp file`},
		{name: "iou_alpha above 10", in: base + "iou_alpha: 10.5\n", want: `hyp: line 29: key "iou_alpha": must be in (0, 10], got 10.5; read as a YOLOv5 hyp file`},
		{name: "iou_inner_ratio above 4", in: base + "iou_inner_ratio: 5\n", want: `hyp: line 29: key "iou_inner_ratio": must be in (0, 4], got 5; read as a YOLOv5 hyp file`},
		{name: "wiou_version 4", in: base + "wiou_version: 4\n", want: `hyp: line 29: key "wiou_version": must be 1 to 3, got 4; read as a YOLOv5 hyp file`},
		{name: "wiou_version 2.5", in: base + "wiou_version: 2.5\n", want: `hyp: line 29: key "wiou_version": want a whole number, got 2.5; read as a YOLOv5 hyp file`},
		{name: "wiou_momentum 0", in: base + "wiou_momentum: 0\n", want: `hyp: line 29: key "wiou_momentum": must be in (0, 1], got 0; read as a YOLOv5 hyp file`},
		{name: "shape_iou_scale negative", in: base + "shape_iou_scale: -1\n", want: `hyp: line 29: key "shape_iou_scale": must be in [0, 10], got -1; read as a YOLOv5 hyp file`},
		// A key that has no effect is an error whatever its value, the
		// default included.
		{name: "shape_iou_scale with ciou", in: base + "iou_type: ciou\nshape_iou_scale: 0\n",
			want: `hyp: line 30: key "shape_iou_scale": has no effect with iou_type ciou: remove it; read as a YOLOv5 hyp file`},
		{name: "wiou_version with the default ciou", in: base + "wiou_version: 3\n",
			want: `hyp: line 29: key "wiou_version": has no effect with iou_type ciou: remove it; read as a YOLOv5 hyp file`},
		{name: "alpha giou", in: base + "iou_type: giou\niou_alpha: 2\niou_focal_gamma: 1\n",
			check: func(h *Hyp) bool { p := h.BoxLoss(); return p.Type == "giou" && p.Alpha == 2 && p.FocalGamma == 1 }},
		{name: "iou_alpha with wiou", in: base + "iou_type: wiou\niou_alpha: 2\n",
			want: `hyp: line 30: key "iou_alpha": has no effect with iou_type wiou: remove it; read as a YOLOv5 hyp file`},
		{name: "iou_alpha with mpdiou", in: base + "iou_type: mpdiou\niou_alpha: 1\n",
			want: `hyp: line 30: key "iou_alpha": has no effect with iou_type mpdiou: remove it; read as a YOLOv5 hyp file`},
		{name: "iou_alpha beside iou_inner_ratio, whatever their values", in: base + "iou_type: ciou\niou_inner_ratio: 1\niou_alpha: 1\n",
			want: `hyp: line 31: key "iou_alpha": has no effect with iou_type ciou and iou_inner_ratio (Inner-IoU takes no α or Focal weight): remove it; read as a YOLOv5 hyp file`},
		{name: "inner siou", in: base + "iou_type: siou\niou_inner_ratio: 1.2\n", check: func(h *Hyp) bool { return h.BoxLoss().InnerRatio == 1.2 }},
		{name: "iou_inner_ratio with giou", in: base + "iou_type: giou\niou_inner_ratio: 0.8\n",
			want: `hyp: line 30: key "iou_inner_ratio": has no effect with iou_type giou: remove it; read as a YOLOv5 hyp file`},
		{name: "wiou v3 keys", in: base + "iou_type: wiou\nwiou_alpha: 1.7\nwiou_delta: 2.7\nwiou_momentum: 0.05\n",
			check: func(h *Hyp) bool {
				p := h.BoxLoss()
				return p.WIoUVersion == 3 && p.WIoUAlpha == 1.7 && p.WIoUDelta == 2.7 && p.WIoUMomentum == 0.05
			}},
		{name: "wiou_momentum with version 1", in: base + "iou_type: wiou\nwiou_version: 1\nwiou_momentum: 0.05\n",
			want: `hyp: line 31: key "wiou_momentum": has no effect with iou_type wiou and wiou_version 1: remove it; read as a YOLOv5 hyp file`},
		{name: "wiou_delta with version 2", in: base + "iou_type: wiou\nwiou_version: 2\nwiou_delta: 3\n",
			want: `hyp: line 31: key "wiou_delta": has no effect with iou_type wiou and wiou_version 2: remove it; read as a YOLOv5 hyp file`},
		{name: "wiou_momentum with version 2", in: base + "iou_type: wiou\nwiou_version: 2\nwiou_momentum: 0.1\n",
			check: func(h *Hyp) bool { return h.BoxLoss().WIoUMomentum == 0.1 }},
		{name: "shape_iou_scale", in: base + "iou_type: shape_iou\nshape_iou_scale: 1.5\n", check: func(h *Hyp) bool { return h.BoxLoss().ShapeScale == 1.5 }},
		{name: "wiou key with eiou", in: base + "iou_type: eiou\nwiou_version: 2\n",
			want: `hyp: line 30: key "wiou_version": has no effect with iou_type eiou: remove it; read as a YOLOv5 hyp file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Parse([]byte(tc.in))
			got := ""
			if err != nil {
				got = err.Error()
			}
			if tc.want != "" && !prefixMatch(got, tc.want) || tc.want == "" && got != "" {
				t.Fatalf("Parse error mismatch (-want +got):\n%s", cmp.Diff(tc.want, got, values))
			}
			if tc.check != nil && !tc.check(h) {
				t.Errorf("parsed %+v", h)
			}
			if h != nil {
				if err := h.Validate(); err != nil {
					t.Errorf("Validate after Parse: %v", err)
				}
				back, err := Parse(Marshal(h))
				if err != nil {
					t.Fatalf("Parse(Marshal(h)): %v\n%s", err, Marshal(h))
				}
				if diff := cmp.Diff(h, back, values); diff != "" {
					t.Errorf("round trip mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// prefixMatch reports whether got starts with want: messages that list a
// table's names end with the list.
func prefixMatch(got, want string) bool { return len(got) >= len(want) && got[:len(want)] == want }

// TestValidateEffects: a Hyp built in code is held to the same rules, with
// a value away from its default standing for a key written in a file.
func TestValidateEffects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*Hyp)
		want   string
	}{
		{"zero box-loss keys are the defaults", func(h *Hyp) {}, ""},
		{"fl_apply cls with fl_gamma 0", func(h *Hyp) { h.FlApply = criterion.Cls }, `hyp: key "fl_apply": cls has no effect with fl_gamma 0 (plain BCE everywhere): set fl_gamma > 0 or remove the key`},
		{"fl_apply cls with focal", func(h *Hyp) { h.FlGamma, h.FlApply = 1, criterion.Cls }, ""},
		{"unknown placement", func(h *Hyp) { h.FlApply = "x" }, `hyp: key "fl_apply": unknown placement "x" (want both, cls or obj)`},
		{"wiou_momentum with ciou", func(h *Hyp) { h.WIoUMomentum = 0.5 }, `hyp: key "wiou_momentum": has no effect with iou_type ciou: remove it`},
		{"wiou_version out of range", func(h *Hyp) { h.WIoUVersion = 7 }, `hyp: key "wiou_version": must be 1 to 3, got 7`},
		{"iou_alpha out of range", func(h *Hyp) { h.IoUAlpha = -1 }, `hyp: key "iou_alpha": must be in (0, 10], got -1`},
	} {
		h := Default()
		tc.modify(h)
		got := ""
		if err := h.Validate(); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: Validate() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDescribeCriteriaPlacement(t *testing.T) {
	h := Hyp{FlGamma: 2, FlAlpha: 0.75, FlType: "varifocal", FlApply: criterion.Cls}
	if got, want := h.DescribeCriteria(), "varifocal γ=2 α=0.75 on cls (obj BCE)"; got != want {
		t.Errorf("DescribeCriteria() = %q, want %q", got, want)
	}
	c := h.CriterionConfig(true)
	if c.Type != "varifocal" || c.Apply != criterion.Cls || !c.Fast || c.Gamma != 2 {
		t.Errorf("CriterionConfig = %+v", c)
	}
}

// TestSetBoxLoss: SetBoxLoss is BoxLoss's inverse, storing defaults as 0,
// and what it stores survives Marshal and Parse.
func TestSetBoxLoss(t *testing.T) {
	for _, p := range []iou.Params{
		iou.DefaultParams(),
		{Type: "siou", Alpha: 1, FocalGamma: 0, InnerRatio: 1.2, WIoUVersion: 3, WIoUAlpha: 1.9, WIoUDelta: 3, WIoUMomentum: 0.01},
		{Type: "wiou", Alpha: 1, InnerRatio: 1, WIoUVersion: 2, WIoUAlpha: 1.9, WIoUDelta: 3, WIoUMomentum: 0.2},
		{Type: "giou", Alpha: 2, FocalGamma: 0.5, InnerRatio: 1, WIoUVersion: 3, WIoUAlpha: 1.9, WIoUDelta: 3, WIoUMomentum: 0.01},
		{Type: "shape_iou", Alpha: 1, InnerRatio: 1, WIoUVersion: 3, WIoUAlpha: 1.9, WIoUDelta: 3, WIoUMomentum: 0.01, ShapeScale: 1.5},
	} {
		h := Default()
		h.SetBoxLoss(p)
		if got := h.BoxLoss(); got != p {
			t.Errorf("BoxLoss(SetBoxLoss(%+v)) = %+v", p, got)
		}
		if p.WIoUMomentum == 0.01 && h.WIoUMomentum != 0 {
			t.Errorf("%s: the default momentum stored as %v, want 0", p.Type, h.WIoUMomentum)
		}
		back, err := Parse(Marshal(h))
		if err != nil {
			t.Fatalf("%s: %v", p.Type, err)
		}
		if got := back.BoxLoss(); got != p {
			t.Errorf("%s: after Marshal and Parse %+v", p.Type, got)
		}
	}
}
