package compare

import (
	"slices"
	"testing"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
	"github.com/yolo-loss/yololoss/v8loss"
)

// v8Input returns golden case name's inputs for the comparisons, with
// hyp h.
func v8Input(t *testing.T, name string, h *hyp.Hyp) V8Input[float64] {
	t.Helper()
	cases, err := golden.LoadV8("../../testdata/golden-v8")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(cases, func(c golden.V8Case) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("no case %s", name)
	}
	c := cases[i]
	in := V8Input[float64]{Hyp: h, Labels: c.Labels, Workers: 1,
		Head: model.AnchorFree{NC: c.Expect.NC, RegMax: c.Expect.RegMax, Strides: c.Strides, End2End: c.Expect.End2End}}
	for _, a := range append(c.P[:len(c.P):len(c.P)], c.Q...) {
		in.Preds = append(in.Preds, tensor.Convert[float64](a.Array))
	}
	return in
}

// TestV8Rows: a row per criterion and per box loss, each the call of an
// engine of its own: the BCE row and the hyp's box loss row are the plain
// engine's, the hyp's own marked once in each table, and the others differ.
func TestV8Rows(t *testing.T) {
	for _, tc := range []struct {
		name, iouType string
		gamma         float64
		ownCrit       int // the index of the hyp's criterion row
	}{
		{"v8_basic", "ciou", 0, 0},
		{"v8_e2e_yolo26", "giou", 0.5, 1},
	} {
		h := hyp.DefaultV8()
		h.IoUType, h.FlGamma = tc.iouType, tc.gamma
		in := v8Input(t, tc.name, h)
		in.Epoch = 1
		g := tensor.Like(nil, in.Preds)
		e, err := v8loss.New[float64](h, in.Head, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.SetEpoch(1)
		want, err := e.Loss(in.Preds, in.Labels, nil)
		if err != nil {
			t.Fatal(err)
		}
		crit, err := V8Criteria(in, g)
		if err != nil {
			t.Fatal(err)
		}
		boxes, err := V8BoxLosses(in, g)
		if err != nil {
			t.Fatal(err)
		}
		if len(crit) != 4 || crit[0].Name != "BCE" || crit[1].Name != "focal γ=1.5 α=0.25" && tc.gamma == 0 {
			t.Fatalf("%s: criteria rows %+v", tc.name, crit)
		}
		if len(boxes) != len(iou.Variants()) {
			t.Fatalf("%s: %d box rows", tc.name, len(boxes))
		}
		for _, table := range [][]V8Row{crit, boxes} {
			n := 0
			for _, r := range table {
				if r.Hyp {
					n++
				}
				if !(r.ClsGrad > 0) || !(r.BoxGrad > 0) || r.FG != want.FG {
					t.Errorf("%s: row %s: cls grad %v, box grad %v, fg %d (want %d)", tc.name, r.Name, r.ClsGrad, r.BoxGrad, r.FG, want.FG)
				}
			}
			if n != 1 {
				t.Errorf("%s: %d rows marked the hyp's", tc.name, n)
			}
		}
		if r := crit[tc.ownCrit]; !r.Hyp || r.Loss != want.Loss {
			t.Errorf("%s: criterion row %s: hyp %v, loss %v; the hyp's engine %v", tc.name, r.Name, r.Hyp, r.Loss, want.Loss)
		}
		i := slices.Index(iou.Names(), tc.iouType)
		if r := boxes[i]; !r.Hyp || r.Loss != want.Loss || r.IoUType != tc.iouType {
			t.Errorf("%s: box row %s: hyp %v, loss %v; the hyp's engine %v", tc.name, r.Name, r.Hyp, r.Loss, want.Loss)
		}
		if crit[0].Loss == crit[2].Loss || boxes[0].LBox == boxes[i].LBox {
			t.Errorf("%s: rows that should differ are equal", tc.name)
		}
	}
}
