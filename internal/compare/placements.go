package compare

import (
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/tensor"
)

// VarifocalType is the fl_type of the rows that set constant class
// targets against IoU class targets (cls_iou_target): the criterion that
// was designed for IoU targets.
const VarifocalType = "varifocal"

// PlacementRow is a row of Placements: a Row with the fl_apply and
// cls_iou_target it was computed with.
type PlacementRow struct {
	Row
	FlApply      criterion.Placement `json:"fl_apply"`
	ClsIoUTarget bool                `json:"cls_iou_target"`
}

// Placements returns the rows of the hyp's fl_type (focal where it has
// none) at the hyp's γ (DefaultGamma for a hyp at 0) and α, placed on
// both criteria, on the class loss only and on the objectness loss only
// (fl_apply both, cls, obj), with the hyp's cls_iou_target (named in the
// row when it is set); then
// varifocal at the same γ and α on both, with constant class targets
// (cls_iou_target false) and with IoU class targets (true). Each row is
// an engine of its own on in; grad is scratch for the gradients, of the
// shapes of in.Preds. The error is the engine's.
func Placements[T tensor.Float](in Input[T], grad []tensor.Tensor[T]) ([]PlacementRow, error) {
	matches := feed.Matches(in.Model, in.Hyp.AnchorT, in.Preds, in.Labels)
	var hyps []hyp.Hyp
	for _, apply := range criterion.Placements() {
		h := *in.Hyp
		h.FlGamma, h.FlApply = in.gamma(), apply
		hyps = append(hyps, h)
	}
	for _, iouTarget := range []bool{false, true} {
		h := *in.Hyp
		h.FlGamma, h.FlType, h.FlApply, h.ClsIoUTarget = in.gamma(), VarifocalType, criterion.Both, iouTarget
		hyps = append(hyps, h)
	}
	var rows []PlacementRow
	for i := range hyps {
		h := &hyps[i]
		e, r, err := call(in, h, grad)
		if err != nil {
			return nil, err
		}
		row := Row{Criterion: Describe(e.Criteria()), Loss: r.Loss, LBox: r.LBox, LObj: r.LObj, LCls: r.LCls}
		if h.ClsIoUTarget || i >= len(criterion.Placements()) {
			row.Criterion += classTargets(h.ClsIoUTarget)
		}
		addGrads(&row, grad, matches)
		rows = append(rows, PlacementRow{Row: row, FlApply: h.FlApply, ClsIoUTarget: h.ClsIoUTarget})
	}
	return rows, nil
}

// classTargets names the matched class's target in a row's name.
func classTargets(iou bool) string {
	if iou {
		return ", IoU class targets"
	}
	return ", constant class targets"
}
