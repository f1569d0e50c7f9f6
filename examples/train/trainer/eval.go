package trainer

import (
	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// metricsResult are val.py's means over the classes with labels: precision,
// recall, mAP@0.5 and mAP@0.5:0.95.
type metricsResult struct{ MP, MR, MAP50, MAP float64 }

// evaluator is val.py's chain at its settings (conf 0.001, IoU 0.6,
// multi-label, 300 detections): raw outputs → decode → NMS → matching, batch
// after batch, and ap_per_class at the end. For the anchor-free head it is
// ultralytics' validator's: decode.AnchorFree, then NMS at nms.ValV8's
// settings (conf 0.001, IoU 0.7, multi-label, 300 detections).
type evaluator struct {
	r   *Run
	nms *nms.NMS[float32]
	acc *metrics.Accumulator[float32]
	inf tensor.Tensor[float32]
	tg  tensor.Tensor[float32] // the batch's targets in pixels
}

func (r *Run) newEvaluator() *evaluator {
	o := nms.Val()
	if r.cfg.AnchorFree != nil {
		o = nms.ValV8()
	}
	s, err := nms.New[float32](o)
	if err != nil {
		panic("trainer: the validator's NMS settings rejected: " + err.Error())
	}
	return &evaluator{r: r, nms: s, acc: metrics.NewAccumulator[float32](r.nc())}
}

// add evaluates one batch: preds are the raw outputs (flat, of the shapes)
// and labels the batch's target rows, normalised.
func (e *evaluator) add(preds [][]float32, shapes [][]int, labels []target.Label) error {
	ps := make([]tensor.Tensor[float32], len(preds))
	for i, p := range preds {
		ps[i] = tensor.Tensor[float32]{Data: p, Shape: shapes[i]}
	}
	if a := e.r.cfg.AnchorFree; a != nil {
		e.inf = decode.AnchorFree(e.inf, ps, *a)
	} else {
		d := e.r.cfg.Detect
		e.inf = decode.Inference(e.inf, ps, d.AnchorsGrid, d.Strides)
	}
	dets := e.nms.Batch(e.inf)
	e.tg = metrics.PixelTargets(e.tg, labels, e.r.cfg.ImgSize, e.r.cfg.ImgSize)
	return e.acc.AddBatch(dets, e.tg)
}

func (e *evaluator) compute() metricsResult {
	m := e.acc.Compute()
	return metricsResult{MP: m.MP, MR: m.MR, MAP50: m.MAP50, MAP: m.MAP}
}
