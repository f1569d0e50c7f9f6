package compare

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/iou"
)

// TestBoxLosses: a row per variant, in the table's order, each with its
// default parameters, the hyp's own marked; where a variant's loss is
// 1 − value with no layer weight, the engine's lbox is the box gain times
// the sum over layers of the mean of 1 − value over the layer's matches,
// with the values from the decoded boxes; the plain IoU variant's mean
// value is the heading's mean IoU; the shares add up to 1.
func TestBoxLosses(t *testing.T) {
	h := hyp.Default()
	h.IoUType, h.IoUAlpha = "giou", 2
	in := sampleInput(t, h)
	g := feed.Grads(in.Preds)
	b, err := BoxLosses(in, g)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"P3", "P4", "P5", "P6"}, b.Layers); d != "" {
		t.Errorf("layers mismatch (-want +got):\n%s", d)
	}
	boxes := decodeMatches(in)
	if b.Matches != len(boxes) || b.Matches < 50 {
		t.Errorf("%d matches, decoded %d", b.Matches, len(boxes))
	}
	var names []string
	for i, r := range b.Rows {
		names = append(names, r.IoUType)
		if r.Hyp != (r.IoUType == "giou") {
			t.Errorf("row %s: hyp %v", r.IoUType, r.Hyp)
		}
		checkBoxRow(t, in.Hyp.Box, r, boxes)
		var sum float64
		for _, s := range r.BoxGradShare {
			sum += s
		}
		if math.Abs(sum-1) > 1e-12 || len(r.BoxGradShare) != 4 || !(r.BoxGrad > 0) {
			t.Errorf("row %s: shares %v add up to %v, box grad %v", r.IoUType, r.BoxGradShare, sum, r.BoxGrad)
		}
		if i == len(b.Rows)-1 {
			if total, _ := boxGrad(g); total != r.BoxGrad {
				t.Errorf("last row's box grad %v, the gradient left in g has %v", r.BoxGrad, total)
			}
		}
	}
	if d := cmp.Diff(iou.Names(), names); d != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", d)
	}
	if r := b.Rows[0]; math.Abs(r.MeanValue-b.MeanIoU) > 1e-12 || !(b.MeanIoU > 0.3 && b.MeanIoU < 1) {
		t.Errorf("iou row's mean value %v, mean IoU %v", r.MeanValue, b.MeanIoU)
	}
	// The giou row has GIoU's default parameters, not the hyp's α 2.
	d := hyp.Default()
	d.IoUType = "giou"
	if r := engineLoss(t, d, in); b.Rows[1].LBox != r.LBox || b.Rows[1].BoxLoss != "GIoU" {
		t.Errorf("giou row: %s, lbox %v, a default GIoU engine %v", b.Rows[1].BoxLoss, b.Rows[1].LBox, r.LBox)
	}
}

// checkBoxRow checks a row's mean value against its variant's Eval on
// boxes and, for a variant whose loss is 1 − value (not wiou), its lbox.
func checkBoxRow(t *testing.T, gain float64, r BoxRow, boxes []matchBox) {
	t.Helper()
	p := iou.DefaultParams()
	p.Type = r.IoUType
	l, err := iou.New(p)
	if err != nil {
		t.Fatal(err)
	}
	var mean float64
	layerSum, layerN := map[iou.Grid]float64{}, map[iou.Grid]int{}
	for _, b := range boxes {
		var held iou.Held
		term := l.Eval(b.pred, b.target, b.grid, &held, false)
		mean += term.Value / float64(len(boxes))
		layerSum[b.grid] += 1 - term.Value
		layerN[b.grid]++
	}
	if math.Abs(r.MeanValue-mean) > 1e-12 {
		t.Errorf("%s: mean value %v, want %v", r.IoUType, r.MeanValue, mean)
	}
	if r.IoUType == "wiou" {
		return
	}
	var lbox float64
	for grid, s := range layerSum {
		lbox += gain * s / float64(layerN[grid])
	}
	if math.Abs(r.LBox-lbox) > 1e-12*lbox {
		t.Errorf("%s: lbox %v, box gain × Σ mean(1 − value) = %v", r.IoUType, r.LBox, lbox)
	}
}

func engineLoss(t *testing.T, h *hyp.Hyp, in Input[float64]) computeloss.Result {
	t.Helper()
	e, err := computeloss.New[float64](h, in.Model, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Loss(in.Preds, in.Labels, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestWithBoxLoss: every box-loss key of a hyp goes back to its default.
func TestWithBoxLoss(t *testing.T) {
	h := hyp.Default()
	h.IoUType, h.IoUAlpha, h.IoUFocalGamma, h.IoUInnerRatio, h.ShapeIoUScale = "siou", 2, 1, 1.2, 3
	h.WIoUVersion, h.WIoUAlpha, h.WIoUDelta, h.WIoUMomentum = 2, 1.5, 2, 0.1
	for _, name := range iou.Names() {
		c := withBoxLoss(h, name)
		want := iou.DefaultParams()
		want.Type = name
		if got := c.BoxLoss(); got != want || c.Validate() != nil {
			t.Errorf("%s: %+v (valid: %v), want %+v", name, got, c.Validate(), want)
		}
	}
	if h.IoUType != "siou" || h.IoUAlpha != 2 {
		t.Error("withBoxLoss changed its argument")
	}
}
