package trainer

import (
	"errors"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/yolo-loss/yololoss/examples/train/dataset"
)

// GradientL1 is the size of the loss gradient with respect to the raw
// outputs: Σ|∂L/∂p| over every cell of every layer and anchor, positives and
// negatives together, of the objectness column and of the class columns.
type GradientL1 struct{ Obj, Cls float64 }

// FirstBatchGradient returns GradientL1 of the loss of cfg on the first
// training batch of the run (epoch 0's order for cfg.Seed), with the
// network at its initialisation (cfg.Seed's weights). Nothing is trained
// and nothing written.
func FirstBatchGradient(b backends.Backend, cfg Config, train, val *dataset.Split) (GradientL1, error) {
	if cfg.AnchorFree != nil {
		return GradientL1{}, errors.New("trainer: the gradient's objectness and class columns are YOLOv5's; the anchor-free head has no objectness")
	}
	r, err := New(b, cfg, train, val)
	if err != nil {
		return GradientL1{}, err
	}
	order := rand.New(rand.NewPCG(cfg.Seed, 0)).Perm(train.Len())
	s := cfg.ImgSize
	x := make([]float32, cfg.Batch*s*s*3)
	labels := train.Batch(x, order[:cfg.Batch])
	xt := tensors.FromFlatDataAndDimensions(x, cfg.Batch, s, s, 3)
	defer xt.FinalizeLocal()
	preds, err := r.g.run(xt)
	if err != nil {
		return GradientL1{}, err
	}
	shapes := r.outShapes(cfg.Batch)
	_, _, grads, err := r.loss.loss(preds, shapes, labels, true)
	if err != nil {
		return GradientL1{}, err
	}
	var g GradientL1
	no := shapes[0][4] // 5 + nc values per cell
	for _, gr := range grads {
		for i := 0; i < len(gr); i += no {
			g.Obj += math.Abs(float64(gr[i+4]))
			for _, v := range gr[i+5 : i+no] {
				g.Cls += math.Abs(float64(v))
			}
		}
	}
	return g, nil
}
