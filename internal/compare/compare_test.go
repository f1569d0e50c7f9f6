package compare

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/focal"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/sample"
)

func sampleInput(t *testing.T, h *hyp.Hyp) Input[float64] {
	t.Helper()
	b, err := sample.Generate(sample.DefaultP6)
	if err != nil {
		t.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		t.Fatal(err)
	}
	return Input[float64]{Hyp: h, Model: m, Preds: feed.Preds[float64](b), Labels: b.Targets}
}

// TestCriteria: the rows are BCE, focal, qfocal and varifocal at the hyp's
// γ (1.5 for a hyp at 0); each row's numbers are its own engine's; the
// gradient sums add up to the whole objectness gradient; the focal family
// gives the positives a larger share of it than BCE does.
func TestCriteria(t *testing.T) {
	for _, tc := range []struct {
		gamma float64
		names []string
	}{
		{0, []string{"BCE", "focal γ=1.5 α=0.25", "qfocal γ=1.5 α=0.25", "varifocal γ=1.5 α=0.25"}},
		{2, []string{"BCE", "focal γ=2 α=0.25", "qfocal γ=2 α=0.25", "varifocal γ=2 α=0.25"}},
	} {
		// The rows are BCE and the criterion table's, in its order.
		for i, n := range Names() {
			if !strings.HasPrefix(tc.names[i], n+" ") && tc.names[i] != n {
				t.Fatalf("Names()[%d] = %q, row %q", i, n, tc.names[i])
			}
		}
		h := hyp.Default()
		h.FlGamma = tc.gamma
		in := sampleInput(t, h)
		g := feed.Grads(in.Preds)
		rows, err := Criteria(in, g)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(tc.names) {
			t.Fatalf("γ %v: %d rows, want %d", tc.gamma, len(rows), len(tc.names))
		}
		for i, r := range rows {
			if r.Criterion != tc.names[i] {
				t.Errorf("γ %v, row %d: %q, want %q", tc.gamma, i, r.Criterion, tc.names[i])
			}
			if i > 0 && !(r.ObjGradShare > rows[0].ObjGradShare) {
				t.Errorf("γ %v, %s: positives' share %.3f, not above BCE's %.3f", tc.gamma, r.Criterion, r.ObjGradShare, rows[0].ObjGradShare)
			}
		}
		// The last row's gradient is in g.
		var all float64
		for _, t := range g {
			for c := range len(t.Data) / t.Shape[4] {
				all += math.Abs(t.Data[c*t.Shape[4]+4])
			}
		}
		last := rows[len(rows)-1]
		if d := math.Abs(last.ObjGradPos + last.ObjGradNeg - all); d > 1e-12*all {
			t.Errorf("γ %v: pos + neg = %v, the whole objectness gradient %v", tc.gamma, last.ObjGradPos+last.ObjGradNeg, all)
		}
		h0 := hyp.Default()
		e, err := computeloss.New[float64](h0, in.Model, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Loss(in.Preds, in.Labels, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rows[0].Loss != r.Loss || rows[0].LBox != r.LBox {
			t.Errorf("γ %v: BCE row loss %v lbox %v, engine %v %v", tc.gamma, rows[0].Loss, rows[0].LBox, r.Loss, r.LBox)
		}
	}
}

func TestDescribe(t *testing.T) {
	b := bce.BCE{PosWeight: 1}
	f := focal.Focal{BCE: b, Gamma: 1.5, Alpha: 0.25}
	for _, tc := range []struct {
		cls, obj bce.Criterion
		want     string
	}{
		{b, b, "BCE on cls and obj"},
		{f, f, "focal γ=1.5 α=0.25 on cls and obj"},
		{f, b, "focal γ=1.5 α=0.25 on cls, BCE on obj"},
	} {
		if got := Describe(tc.cls, tc.obj); got != tc.want {
			t.Errorf("Describe(%v, %v) = %q, want %q", tc.cls, tc.obj, got, tc.want)
		}
	}
}

// TestCriteriaPlacement: a hyp that places its criterion on one loss only
// (fl_apply cls) gets a BCE row (whose fl_apply would be an error with
// fl_gamma 0) and criteria rows placed as the hyp places them.
func TestCriteriaPlacement(t *testing.T) {
	h := hyp.Default()
	h.FlGamma, h.FlApply = 2, criterion.Cls
	in := sampleInput(t, h)
	rows, err := Criteria(in, feed.Grads(in.Preds))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"BCE", "focal γ=2 α=0.25 on cls, BCE on obj", "qfocal γ=2 α=0.25 on cls, BCE on obj", "varifocal γ=2 α=0.25 on cls, BCE on obj"}
	var got []string
	for _, r := range rows {
		got = append(got, r.Criterion)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", d)
	}
	for _, r := range rows[1:] {
		if r.LObj != rows[0].LObj {
			t.Errorf("%s: lobj %v, want BCE's %v", r.Criterion, r.LObj, rows[0].LObj)
		}
	}
}
