package iou

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestTable: the table lists the iou_type values in order, each
// with a one-line Doc naming a reference, keys from Keys(), and a
// constructor that accepts the defaults.
func TestTable(t *testing.T) {
	want := []string{"iou", "giou", "diou", "ciou", "eiou", "siou", "wiou", "mpdiou", "shape_iou"}
	if !slices.Equal(Names(), want) {
		t.Errorf("Names() = %v, want %v", Names(), want)
	}
	for _, v := range Variants() {
		if v.Doc == "" || strings.Contains(v.Doc, "\n") || !strings.Contains(v.Doc, "(") {
			t.Errorf("%s: Doc %q: want one line with its reference in parentheses", v.Name, v.Doc)
		}
		for _, k := range v.Keys {
			if !slices.Contains(Keys(), k) {
				t.Errorf("%s: key %q is not one of Keys()", v.Name, k)
			}
		}
		p := DefaultParams()
		p.Type = v.Name
		if _, err := v.New(p); err != nil {
			t.Errorf("%s: New(defaults): %v", v.Name, err)
		}
	}
	if _, err := New(Params{Type: "focal_iou"}); err == nil || !strings.Contains(err.Error(), "shape_iou") {
		t.Errorf("unknown iou_type: error %v, want one listing the known types", err)
	}
}

// TestEffect pins the rules on which keys have an effect.
func TestEffect(t *testing.T) {
	set := func(keys ...string) func(string) bool {
		return func(k string) bool { return slices.Contains(keys, k) }
	}
	version := func(v int) Params { p := DefaultParams(); p.WIoUVersion = v; return p }
	for _, c := range []struct {
		typ, key string
		p        Params
		set      func(string) bool
		want     bool
	}{
		{"iou", KeyAlpha, DefaultParams(), set(KeyAlpha), true},
		{"eiou", KeyFocalGamma, DefaultParams(), set(KeyFocalGamma), true},
		{"siou", KeyAlpha, DefaultParams(), set(KeyAlpha, KeyFocalGamma), true},
		{"wiou", KeyAlpha, DefaultParams(), set(KeyAlpha), false},
		{"mpdiou", KeyFocalGamma, DefaultParams(), set(KeyFocalGamma), false},
		{"shape_iou", KeyAlpha, DefaultParams(), set(KeyAlpha), false},
		{"ciou", KeyInnerRatio, DefaultParams(), set(KeyInnerRatio), true},
		{"siou", KeyInnerRatio, DefaultParams(), set(KeyInnerRatio), true},
		{"diou", KeyInnerRatio, DefaultParams(), set(KeyInnerRatio), false},
		{"ciou", KeyAlpha, DefaultParams(), set(KeyAlpha, KeyInnerRatio), false},
		{"ciou", KeyInnerRatio, DefaultParams(), set(KeyAlpha, KeyInnerRatio), false},
		{"siou", KeyFocalGamma, DefaultParams(), set(KeyFocalGamma, KeyInnerRatio), false},
		{"siou", KeyInnerRatio, DefaultParams(), set(KeyFocalGamma, KeyInnerRatio), false},
		{"wiou", KeyWIoUVersion, version(1), set(KeyWIoUVersion), true},
		{"wiou", KeyWIoUMomentum, version(1), set(KeyWIoUMomentum), false},
		{"wiou", KeyWIoUMomentum, version(2), set(KeyWIoUMomentum), true},
		{"wiou", KeyWIoUAlpha, version(2), set(KeyWIoUAlpha), false},
		{"wiou", KeyWIoUDelta, version(2), set(KeyWIoUDelta), false},
		{"wiou", KeyWIoUAlpha, version(3), set(KeyWIoUAlpha), true},
		{"wiou", KeyWIoUDelta, version(3), set(KeyWIoUDelta), true},
		{"ciou", KeyWIoUMomentum, version(2), set(KeyWIoUMomentum), false},
		{"shape_iou", KeyShapeScale, DefaultParams(), set(KeyShapeScale), true},
		{"giou", KeyShapeScale, DefaultParams(), set(KeyShapeScale), false},
	} {
		v, _ := Lookup(c.typ)
		if got := v.Effect(c.key, c.p, c.set); got != c.want {
			t.Errorf("%s, %s: Effect = %v, want %v", c.typ, c.key, got, c.want)
		}
	}
}

// TestRanges: New accepts each range's ends where they are closed and
// returns a *ParamError naming the key just outside them, and NaN.
func TestRanges(t *testing.T) {
	for _, c := range []struct {
		typ, key string
		ok, bad  []float64
	}{
		{"giou", KeyAlpha, []float64{1e-9, 10}, []float64{0, -1, 10.0001}},
		{"ciou", KeyFocalGamma, []float64{0, 10}, []float64{-1e-9, 10.5}},
		{"siou", KeyInnerRatio, []float64{1e-9, 4}, []float64{0, 4.01}},
		{"wiou", KeyWIoUAlpha, []float64{1e-9, 10}, []float64{0, 11}},
		{"wiou", KeyWIoUDelta, []float64{1e-9, 10}, []float64{0, 11}},
		{"wiou", KeyWIoUMomentum, []float64{1e-9, 1}, []float64{0, 1.01}},
		{"wiou", KeyWIoUVersion, []float64{1, 2, 3}, []float64{0, 4}},
		{"shape_iou", KeyShapeScale, []float64{0, 10}, []float64{-0.1, 10.1}},
	} {
		for _, v := range append(c.ok, append(c.bad, math.NaN())...) {
			p := paramsOf(t, c.typ, map[string]float64{c.key: v})
			_, err := New(p)
			var pe *ParamError
			wantOK := slices.Contains(c.ok, v)
			if wantOK && err != nil || !wantOK && (!errors.As(err, &pe) || pe.Key != c.key || !strings.Contains(err.Error(), c.key)) {
				t.Errorf("%s, %s = %v: error %v", c.typ, c.key, v, err)
			}
		}
	}
	p := paramsOf(t, "ciou", map[string]float64{KeyInnerRatio: 0.8, KeyAlpha: 2})
	if _, err := New(p); err == nil || !strings.Contains(err.Error(), KeyInnerRatio) {
		t.Errorf("ciou with iou_inner_ratio 0.8 and iou_alpha 2: error %v", err)
	}
}

// TestString names each configuration for people.
func TestString(t *testing.T) {
	var got []string
	for _, l := range family(t)[:8] {
		got = append(got, l.String())
	}
	want := []string{"IoU", "α-IoU α=3", "α-IoU α=0.7", "IoU, Focal γ=0.5", "α-IoU α=2, Focal γ=1", "GIoU", "α-GIoU α=2", "α-GIoU α=0.4"}
	if !slices.Equal(got, want) {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestMPDIoUGrid: MPDIoU without the layer's grid is a programming error.
func TestMPDIoUGrid(t *testing.T) {
	l, _ := New(paramsOf(t, "mpdiou", nil))
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "iou: ") {
			t.Errorf("Eval with Grid{}: recovered %v, want an iou: panic", r)
		}
	}()
	l.Eval(PredOf(Box{0.5, 0.5, 1, 1}), Box{0.5, 0.5, 1, 1}, Grid{}, new(Held), false)
}
