package fit

import (
	"math"

	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// LabelIoU summarises the IoUs of one label with the decoded boxes of the
// cells the assigner gives it.
type LabelIoU struct {
	N        int // cells, over every layer
	Min, Sum float64
}

// Mean returns the mean IoU, NaN when N is 0.
func (s LabelIoU) Mean() float64 { return s.Sum / float64(s.N) }

// LabelIoUs decodes, for every label, the predicted boxes of all the cells
// the assigner gives it (every layer, neighbour cells included) and returns
// their IoU with the label's box, in pixels.
func LabelIoUs(m model.Detect, p []tensor.Tensor[float64], labels []target.Label, matches [][]target.Match) []LabelIoU {
	out := make([]LabelIoU, len(labels))
	for k := range out {
		out[k].Min = math.Inf(1)
	}
	for i, t := range p {
		sh := t.Shape
		stride := m.Strides[i]
		W, H := float64(sh[3])*stride, float64(sh[2])*stride // image size in pixels
		tt := t
		for _, mt := range matches[i] {
			d := decode.Cell(tt, mt.Image, mt.Anchor, mt.GJ, mt.GI, m.AnchorsGrid[i][mt.Anchor], stride)
			l := labels[mt.Label]
			iou := iou.IoU(d.Box.XYWH(), iou.Box{l[2] * W, l[3] * H, l[4] * W, l[5] * H})
			s := &out[mt.Label]
			s.N++
			s.Sum += iou
			s.Min = math.Min(s.Min, iou)
		}
	}
	return out
}
