package iou

import (
	"math"

	"github.com/yolo-loss/yololoss/bce"
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
// float32-grade exponential and logarithm (bce.BCE.Fast).
func PredFromLogits(t [4]float64, anchor [2]float64, fast bool) (Pred, [4]float64) {
	lg := bce.BCE{Fast: fast}
	sx, scx, _ := lg.Logistic(t[0])
	sy, scy, _ := lg.Logistic(t[1])
	sw, scw, spw := lg.Logistic(t[2])
	sh, sch, sph := lg.Logistic(t[3])
	p := Pred{
		Box: Box{2*sx - 0.5, 2*sy - 0.5, 4 * sw * sw * anchor[0], 4 * sh * sh * anchor[1]},
		// log(1 + e^{−t}) = log(1 + e^{−|t|}) + max(−t, 0)
		LogW: math.Log(4*anchor[0]) - 2*(spw+max(-t[2], 0)),
		LogH: math.Log(4*anchor[1]) - 2*(sph+max(-t[3], 0)),
	}
	return p, [4]float64{2 * sx * scx, 2 * sy * scy, 2 * scw, 2 * sch}
}
