package compare

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
)

// TestPlacements: the rows are the hyp's criterion on both, cls and obj,
// then varifocal with constant and IoU class targets; each term of a row
// is the term of the criterion that row puts on it (the criteria rows
// give them); IoU class targets change the class loss only.
func TestPlacements(t *testing.T) {
	for _, tc := range []struct {
		name  string
		set   func(h *hyp.Hyp)
		typ   int // index of the hyp's criterion in Criteria's rows
		names []string
	}{
		{"default hyp: focal at γ 1.5", func(*hyp.Hyp) {}, 1, []string{
			"focal γ=1.5 α=0.25 on cls and obj", "focal γ=1.5 α=0.25 on cls, BCE on obj", "BCE on cls, focal γ=1.5 α=0.25 on obj",
			"varifocal γ=1.5 α=0.25 on cls and obj, constant class targets", "varifocal γ=1.5 α=0.25 on cls and obj, IoU class targets"}},
		{"qfocal γ 2 α 0.5 on obj", func(h *hyp.Hyp) { h.FlType, h.FlGamma, h.FlAlpha, h.FlApply = "qfocal", 2, 0.5, criterion.Obj }, 2, []string{
			"qfocal γ=2 α=0.5 on cls and obj", "qfocal γ=2 α=0.5 on cls, BCE on obj", "BCE on cls, qfocal γ=2 α=0.5 on obj",
			"varifocal γ=2 α=0.5 on cls and obj, constant class targets", "varifocal γ=2 α=0.5 on cls and obj, IoU class targets"}},
	} {
		h := hyp.Default()
		tc.set(h)
		in := sampleInput(t, h)
		g := feed.Grads(in.Preds)
		rows, err := Placements(in, g)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var names []string
		var apply []criterion.Placement
		for _, r := range rows {
			names, apply = append(names, r.Criterion), append(apply, r.FlApply)
		}
		if d := cmp.Diff(tc.names, names); d != "" {
			t.Fatalf("%s: rows mismatch (-want +got):\n%s", tc.name, d)
		}
		want := []criterion.Placement{criterion.Both, criterion.Cls, criterion.Obj, criterion.Both, criterion.Both}
		if d := cmp.Diff(want, apply); d != "" || rows[3].ClsIoUTarget || !rows[4].ClsIoUTarget {
			t.Errorf("%s: fl_apply mismatch (-want +got):\n%s; cls_iou_target %v, %v", tc.name, d, rows[3].ClsIoUTarget, rows[4].ClsIoUTarget)
		}
		h.FlApply = criterion.Both
		crit, err := Criteria(in, g)
		if err != nil {
			t.Fatal(err)
		}
		bceRow, typ, vf := crit[0], crit[tc.typ], crit[3]
		for _, c := range []struct {
			what      string
			got, want float64
		}{
			{"both: lcls", rows[0].LCls, typ.LCls}, {"both: lobj", rows[0].LObj, typ.LObj},
			{"cls: lcls", rows[1].LCls, typ.LCls}, {"cls: lobj", rows[1].LObj, bceRow.LObj},
			{"obj: lcls", rows[2].LCls, bceRow.LCls}, {"obj: lobj", rows[2].LObj, typ.LObj},
			{"cls: obj grad share", rows[1].ObjGradShare, bceRow.ObjGradShare},
			{"varifocal, constant: loss", rows[3].Loss, vf.Loss},
			{"varifocal, IoU: lobj", rows[4].LObj, vf.LObj}, {"varifocal, IoU: lbox", rows[4].LBox, vf.LBox},
		} {
			if c.got != c.want {
				t.Errorf("%s: %s = %v, want %v", tc.name, c.what, c.got, c.want)
			}
		}
		if rows[4].LCls == vf.LCls || rows[4].ClsGrad == vf.ClsGrad {
			t.Errorf("%s: IoU class targets left lcls %v and |cls grad| %v as they were", tc.name, rows[4].LCls, rows[4].ClsGrad)
		}
	}
}

// TestPlacementsIoUTarget: a hyp with IoU class targets keeps them in the
// placement rows, and their names say so.
func TestPlacementsIoUTarget(t *testing.T) {
	h := hyp.Default()
	h.FlGamma, h.ClsIoUTarget = 1, true
	in := sampleInput(t, h)
	rows, err := Placements(in, feed.Grads(in.Preds))
	if err != nil {
		t.Fatal(err)
	}
	if r := rows[1]; !r.ClsIoUTarget || r.Criterion != "focal γ=1 α=0.25 on cls, BCE on obj, IoU class targets" {
		t.Errorf("row 1: %q, cls_iou_target %v", r.Criterion, r.ClsIoUTarget)
	}
}
