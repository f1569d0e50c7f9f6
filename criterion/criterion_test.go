package criterion_test

import (
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/focal"
	"github.com/yolo-loss/yololoss/varifocal"
)

func TestSelect(t *testing.T) {
	bc := bce.BCE{PosWeight: 2}
	bo := bce.BCE{PosWeight: 0.5}
	fc := focal.Focal{BCE: bc, Gamma: 1.5, Alpha: 0.25}
	fo := focal.Focal{BCE: bo, Gamma: 1.5, Alpha: 0.25}
	for _, tc := range []struct {
		name     string
		c        criterion.Config
		cls, obj bce.Criterion
	}{
		{"gamma 0 is BCE whatever the type", criterion.Config{Type: "varifocal", Alpha: 0.25}, bc, bo},
		{"default type and placement", criterion.Config{Gamma: 1.5, Alpha: 0.25}, fc, fo},
		{"both", criterion.Config{Type: "focal", Gamma: 1.5, Alpha: 0.25, Apply: criterion.Both}, fc, fo},
		{"cls only", criterion.Config{Type: "focal", Gamma: 1.5, Alpha: 0.25, Apply: criterion.Cls}, fc, bo},
		{"obj only", criterion.Config{Type: "focal", Gamma: 1.5, Alpha: 0.25, Apply: criterion.Obj}, bc, fo},
		{"qfocal", criterion.Config{Type: "qfocal", Gamma: 2, Alpha: 0.5},
			focal.Quality{BCE: bc, Gamma: 2, Alpha: 0.5}, focal.Quality{BCE: bo, Gamma: 2, Alpha: 0.5}},
		{"varifocal on cls", criterion.Config{Type: "varifocal", Gamma: 2, Alpha: 0.75, Apply: criterion.Cls},
			varifocal.Varifocal{BCE: bc, Gamma: 2, Alpha: 0.75}, bo},
	} {
		tc.c.ClsPosWeight, tc.c.ObjPosWeight = 2, 0.5
		cls, obj, err := criterion.Select(tc.c)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if cls != tc.cls || obj != tc.obj {
			t.Errorf("%s: Select = (%v, %v), want (%v, %v)", tc.name, cls, obj, tc.cls, tc.obj)
		}
	}
}

func TestSelectUnknown(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    criterion.Config
		want string
	}{
		// An unknown type fails even where fl_gamma 0 would not use it.
		{"unknown type", criterion.Config{Type: "fcoal"}, `unknown criterion "fcoal" (want focal, qfocal, varifocal)`},
		{"unknown placement", criterion.Config{Gamma: 1, Apply: "box"}, `unknown placement "box"`},
	} {
		_, _, err := criterion.Select(tc.c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	names := criterion.Names()
	if strings.Join(names, " ") != "focal qfocal varifocal" {
		t.Errorf("Names() = %v", names)
	}
	for _, typ := range criterion.Types() {
		got, ok := criterion.Lookup(typ.Name)
		if !ok || got.Name != typ.Name || typ.Doc == "" {
			t.Errorf("Lookup(%q) = %v, %v", typ.Name, got.Name, ok)
		}
		// Every row wraps: at γ 2 its loss of a wrong confident logit is
		// not BCE's.
		l, _ := typ.New(bce.BCE{}, 2, 0.25).Elem(3, 0)
		if b, _ := (bce.BCE{}).Elem(3, 0); l == b {
			t.Errorf("%s: New(γ 2) gives BCE's loss %v", typ.Name, l)
		}
	}
	if _, ok := criterion.Lookup("bce"); ok {
		t.Error(`Lookup("bce") found a row`)
	}
	if _, ok := criterion.Lookup(criterion.DefaultType); !ok {
		t.Error("DefaultType is not in the table")
	}
}
