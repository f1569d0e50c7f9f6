package iou

import (
	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/decode"
)

// PredFromLogits returns the predicted box of a match from its box logits
// t = (t_x, t_y, t_w, t_h) and its anchor (grid units), as YOLOv5 decodes
// it in the loss, and the chain factors c = ∂(x, y, log w, log h)/∂t:
//
//	x = 2σ(t_x) − 0.5,           c₀ = 2σ(t_x)σ(−t_x)   (y likewise)
//	w = (2σ(t_w))²·anchor_w,     c₂ = 2σ(−t_w)          (h likewise)
//	log w = log(4·anchor_w) − 2·log(1 + e^{−t_w})
//
// so that ∂ℓ/∂t_i = Term.Grad[i]·c[i]. The logarithms are finite at every
// finite logit, where w underflows to 0. fast selects package bce's
// float32-grade exponential and logarithm (bce.BCE.Fast). It is
// decode.LossBox, the one decoding of the loss frame, in this package's
// types.
func PredFromLogits(t [4]float64, anchor [2]float64, fast bool) (Pred, [4]float64) {
	logistic := bce.Logistic
	if fast {
		logistic = bce.LogisticFast
	}
	b, lwh, c := decode.LossBox(t, anchor, logistic)
	return Pred{Box: b, LogW: lwh[0], LogH: lwh[1]}, c
}
