package compare

import (
	"math"

	"gonum.org/v1/gonum/floats"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// BoxRow is one box loss's result on the predictions. Its JSON names are
// part of lossdemo's output.
type BoxRow struct {
	IoUType string  `json:"iou_type"` // the variant's name (iou_type)
	BoxLoss string  `json:"box_loss"` // the variant with its default parameters, as iou.Loss names it
	Hyp     bool    `json:"hyp"`      // the hyp's own iou_type
	Loss    float64 `json:"loss"`
	LBox    float64 `json:"lbox"`
	LObj    float64 `json:"lobj"`
	LCls    float64 `json:"lcls"`
	// MeanValue is the mean over the matches of the variant's IoU-like
	// value (iou.Term.Value), which clamped at 0 is the objectness target.
	MeanValue float64 `json:"mean_value"`
	// BoxGrad is Σ|∂loss/∂(x, y, w, h) logit| over every cell, and
	// BoxGradShare each layer's share of it.
	BoxGrad      float64   `json:"box_grad"`
	BoxGradShare []float64 `json:"box_grad_share"`
}

// Boxes is the box losses compared on the same predictions.
type Boxes struct {
	Matches int      `json:"matches"`
	MeanIoU float64  `json:"mean_iou"` // the mean over the matches of iou.IoU(decoded box, target)
	Layers  []string `json:"layers"`   // the layers' names (model.LayerName), as BoxGradShare orders them
	Rows    []BoxRow `json:"rows"`
}

// matchBox is one match's decoded predicted box and target, in the loss
// frame of its layer.
type matchBox struct {
	pred   iou.Pred
	target iou.Box
	grid   iou.Grid
}

// BoxLosses returns a row per entry of the box-loss table (iou.Variants),
// in its order, each with the variant's default parameters and the hyp's
// other settings, computed by an engine of its own on in; the row of the
// hyp's own iou_type is marked. The mean value of a row is computed from
// the decoded boxes of the matches with the variant's Eval (unfrozen, on a
// new Loss), not read from the engine. grad is scratch for the gradients,
// of the shapes of in.Preds. The error is the engine's.
func BoxLosses[T tensor.Float](in Input[T], grad []tensor.Tensor[T]) (*Boxes, error) {
	boxes := decodeMatches(in)
	out := &Boxes{Matches: len(boxes)}
	for i := range in.Preds {
		out.Layers = append(out.Layers, model.LayerName(i, in.Model.Strides))
	}
	for _, b := range boxes {
		out.MeanIoU += iou.IoU(b.pred.Box, b.target) / float64(len(boxes))
	}
	own := in.Hyp.BoxLoss().Type
	for _, v := range iou.Variants() {
		row, err := boxRow(in, v, boxes, grad)
		if err != nil {
			return nil, err
		}
		row.Hyp = v.Name == own
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// boxRow computes the row of variant v with its default parameters.
func boxRow[T tensor.Float](in Input[T], v iou.Variant, boxes []matchBox, grad []tensor.Tensor[T]) (BoxRow, error) {
	_, r, err := call(in, withBoxLoss(in.Hyp, v.Name), grad)
	if err != nil {
		return BoxRow{}, err
	}
	p := iou.DefaultParams()
	p.Type = v.Name
	loss, err := v.New(p)
	if err != nil {
		return BoxRow{}, err
	}
	row := BoxRow{IoUType: v.Name, BoxLoss: loss.String(), Loss: r.Loss, LBox: r.LBox, LObj: r.LObj, LCls: r.LCls}
	for _, b := range boxes {
		var held iou.Held
		row.MeanValue += loss.Eval(b.pred, b.target, b.grid, &held, false).Value / float64(len(boxes))
	}
	row.BoxGrad, row.BoxGradShare = boxGrad(grad)
	return row, nil
}

// withBoxLoss returns a copy of h with the box loss name and every box-loss
// key at its default.
func withBoxLoss(h *hyp.Hyp, name string) *hyp.Hyp {
	c := *h
	p := iou.DefaultParams()
	p.Type = name
	c.SetBoxLoss(p)
	return &c
}

// decodeMatches returns the matches of in's labels with their predicted
// boxes, decoded from the logits as the engine decodes them (with package
// bce's float32-grade logistic for float32 data).
func decodeMatches[T tensor.Float](in Input[T]) []matchBox {
	var out []matchBox
	for i, ms := range feed.Matches(in.Model, in.Hyp.AnchorT, in.Preds, in.Labels) {
		p := in.Preds[i]
		na, ny, nx, no := p.Shape[1], p.Shape[2], p.Shape[3], p.Shape[4]
		for _, m := range ms {
			out = append(out, matchBox{pred: decodeMatch(p.Data, &m, na, ny, nx, no), target: m.Box, grid: iou.Grid{NY: ny, NX: nx}})
		}
	}
	return out
}

// decodeMatch decodes the box logits of match m's cell in a layer's data.
func decodeMatch[T tensor.Float](data []T, m *target.Match, na, ny, nx, no int) iou.Pred {
	c := m.Cell(na, ny, nx) * no
	var t [4]float64
	for k := range t {
		t[k] = float64(data[c+k])
	}
	pred, _ := iou.PredFromLogits(t, [2]float64{m.AW, m.AH}, tensor.IsFloat32[T]())
	return pred
}

// boxGrad returns Σ|g| over the box channels (x, y, w, h) of every cell
// of grad, and each layer's share of it (0 where the sum is 0).
func boxGrad[T tensor.Float](grad []tensor.Tensor[T]) (total float64, share []float64) {
	share = make([]float64, len(grad))
	for i, t := range grad {
		no := t.Shape[4]
		for c := 0; c < len(t.Data); c += no {
			for _, v := range t.Data[c : c+4] {
				share[i] += math.Abs(float64(v))
			}
		}
	}
	total = floats.Sum(share)
	if total > 0 {
		floats.Scale(1/total, share)
	}
	return total, share
}
