package fit

import (
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// TestLabelIoUs: cells whose logits decode to their labels' boxes have IoU
// 1; moving one cell's box lowers its label's minimum and mean and no
// other's; a label that the anchor_t filter drops has no cells.
func TestLabelIoUs(t *testing.T) {
	m := model.P5(2)
	labels := []target.Label{
		{0, 0, 0.30, 0.40, 0.20, 0.25},
		{1, 1, 0.70, 0.55, 0.30, 0.20},
		{0, 1, 0.50, 0.50, 0.004, 0.004}, // 0.26 px: under every anchor by more than 4
	}
	var p []tensor.Tensor[float64]
	for _, g := range []int{8, 4, 2} {
		p = append(p, tensor.New[float64](2, 3, g, g, 7))
	}
	matches := feed.Matches(m, 4, p, labels)
	for i, layer := range matches {
		for _, mt := range layer {
			// pxy = 2σ − 0.5 and pwh = (2σ)²·anchor, solved for the logits.
			v := p[i].Data[mt.Cell(3, p[i].Shape[2], p[i].Shape[3])*7:]
			v[0] = logit((mt.Box[0] + 0.5) / 2)
			v[1] = logit((mt.Box[1] + 0.5) / 2)
			v[2] = logit(math.Sqrt(mt.Box[2]/mt.AW) / 2)
			v[3] = logit(math.Sqrt(mt.Box[3]/mt.AH) / 2)
		}
	}
	got := LabelIoUs(m, p, labels, matches)
	for k, s := range got[:2] {
		if s.N == 0 || s.Min < 1-1e-8 || math.Abs(s.Mean()-1) > 1e-8 { // YOLOv5's IoU adds 1e-7 to the union
			t.Errorf("label %d: %d cells, min IoU %v, mean %v; want some cells, all at 1 (within 1e-8)", k, s.N, s.Min, s.Mean())
		}
	}
	if s := got[2]; s.N != 0 || !math.IsNaN(s.Mean()) {
		t.Errorf("label 2 (filtered): %d cells, mean %v; want 0 and NaN", s.N, s.Mean())
	}

	mt := matches[0][0]
	p[0].Data[mt.Cell(3, 8, 8)*7] += 1 // move its x by a fraction of a cell
	moved := LabelIoUs(m, p, labels, matches)
	if s := moved[mt.Label]; !(s.Min < 0.99) || !(s.Mean() < 1) {
		t.Errorf("label %d after a move: min %v, mean %v; want both below 1", mt.Label, s.Min, s.Mean())
	}
	if other := 1 - mt.Label; moved[other] != got[other] {
		t.Errorf("label %d changed: %+v → %+v", other, got[other], moved[other])
	}
}
