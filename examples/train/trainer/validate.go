package trainer

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// valBatch is the number of validation images per forward call.
const valBatch = 50

// valResult is one validation pass: YOLOv5's val losses (the mean over the
// batches of each loss item) and its metrics.
type valResult struct {
	Items   lossItems
	Metrics metricsResult
}

func (v valResult) metricsLine() string {
	m := v.Metrics
	return fmt.Sprintf("P %.3f R %.3f mAP@0.5 %.4f mAP@0.5:0.95 %.4f", m.MP, m.MR, m.MAP50, m.MAP)
}

// validate runs the validation split through the network in batches of up to
// valBatch images, the loss engine (without gradient) and the evaluator.
func (r *Run) validate() (valResult, error) {
	s := r.cfg.ImgSize
	n := r.val.Len()
	ev := r.newEvaluator()
	var sum lossItems
	batches := 0
	for lo := 0; lo < n; lo += valBatch {
		if r.prog != nil {
			r.prog.validating(lo, n)
		}
		hi := min(lo+valBatch, n)
		idx := make([]int, hi-lo)
		for i := range idx {
			idx[i] = lo + i
		}
		x := make([]float32, len(idx)*s*s*3)
		labels := r.val.Batch(x, idx)
		xt := tensors.FromFlatDataAndDimensions(x, len(idx), s, s, 3)
		preds, err := r.g.run(xt)
		xt.FinalizeLocal()
		if err != nil {
			return valResult{}, err
		}
		shapes := r.outShapes(len(idx))
		items, _, _, err := r.loss.loss(preds, shapes, labels, false)
		if err != nil {
			return valResult{}, err
		}
		sum = sum.add(items)
		batches++
		if err := ev.add(preds, shapes, labels); err != nil {
			return valResult{}, err
		}
	}
	return valResult{Items: sum.scale(1 / float64(batches)), Metrics: ev.compute()}, nil
}
