package compare

import (
	"math"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
	"github.com/yolo-loss/yololoss/v8loss"
)

// V8Input is what the anchor-free head's rows are compared on.
type V8Input[T tensor.Float] struct {
	Hyp     *hyp.Hyp // for the anchor-free head (hyp.For(hyp.HeadV8))
	Head    model.AnchorFree
	Workers int                // goroutines per call; 0: GOMAXPROCS
	Epoch   int                // of every row's call (an end-to-end head's branch weights)
	Preds   []tensor.Tensor[T] // p0… then, for an end-to-end head, q0…
	Labels  []target.Label
}

// V8Row is one row of the anchor-free head's comparisons: one call of an
// engine of its own. Its JSON names are part of lossdemo's output.
type V8Row struct {
	Name    string  `json:"name"`               // the class criterion, or the box loss with its parameters
	IoUType string  `json:"iou_type,omitempty"` // the box-loss rows' iou_type
	Hyp     bool    `json:"hyp"`                // the hyp's own criterion or box loss, parameters included
	Loss    float64 `json:"loss"`
	LBox    float64 `json:"lbox"`
	LCls    float64 `json:"lcls"`
	LDfl    float64 `json:"ldfl"`
	FG      int     `json:"fg"`
	// ClsGrad and BoxGrad are Σ|∂loss/∂logit| over the class logits and
	// over the box distributions' logits of every anchor.
	ClsGrad float64 `json:"cls_grad"`
	BoxGrad float64 `json:"box_grad"`
}

// V8Criteria returns one row per class criterion on in: BCE first
// (fl_gamma 0), then each row of package criterion's table in its order at
// the hyp's γ (DefaultGamma for a hyp at 0) and α. grad is scratch for the
// gradients, of the shapes of in.Preds. The error is the engine's.
func V8Criteria[T tensor.Float](in V8Input[T], grad []tensor.Tensor[T]) ([]V8Row, error) {
	own, err := v8loss.New[T](in.Hyp, in.Head, nil)
	if err != nil {
		return nil, err
	}
	gamma := in.Hyp.FlGamma
	if gamma == 0 {
		gamma = DefaultGamma
	}
	bceHyp := *in.Hyp
	bceHyp.FlGamma = 0
	hyps := []hyp.Hyp{bceHyp}
	for _, t := range criterion.Types() {
		h := *in.Hyp
		h.FlGamma, h.FlType = gamma, t.Name
		hyps = append(hyps, h)
	}
	var rows []V8Row
	for i := range hyps {
		e, row, err := v8Call(in, &hyps[i], grad)
		if err != nil {
			return nil, err
		}
		row.Name = e.Criterion().String()
		row.Hyp = row.Name == own.Criterion().String()
		rows = append(rows, row)
	}
	return rows, nil
}

// V8BoxLosses returns one row per entry of the box-loss table
// (iou.Variants) on in, each with its default parameters. The error is
// the engine's.
func V8BoxLosses[T tensor.Float](in V8Input[T], grad []tensor.Tensor[T]) ([]V8Row, error) {
	own := in.Hyp.BoxLoss()
	var rows []V8Row
	for _, v := range iou.Variants() {
		_, row, err := v8Call(in, withBoxLoss(in.Hyp, v.Name), grad)
		if err != nil {
			return nil, err
		}
		p := iou.DefaultParams()
		p.Type = v.Name
		l, err := v.New(p)
		if err != nil {
			return nil, err
		}
		row.Name, row.IoUType, row.Hyp = l.String(), v.Name, p == own
		rows = append(rows, row)
	}
	return rows, nil
}

// v8Call makes one call of a new engine for h on in, writing the gradient
// to grad, and returns the engine and its row without a name.
func v8Call[T tensor.Float](in V8Input[T], h *hyp.Hyp, grad []tensor.Tensor[T]) (*v8loss.Engine[T], V8Row, error) {
	e, err := v8loss.New[T](h, in.Head, &v8loss.Options{Workers: in.Workers})
	if err != nil {
		return nil, V8Row{}, err
	}
	e.SetEpoch(in.Epoch)
	r, err := e.Loss(in.Preds, in.Labels, grad)
	if err != nil {
		return nil, V8Row{}, err
	}
	row := V8Row{Loss: r.Loss, LBox: r.LBox, LCls: r.LCls, LDfl: r.LDfl, FG: r.FG}
	box := 4 * in.Head.RegMax
	for _, t := range grad {
		plane := t.Shape[2] * t.Shape[3]
		for j, v := range t.Data {
			if (j/plane)%t.Shape[1] < box {
				row.BoxGrad += math.Abs(float64(v))
			} else {
				row.ClsGrad += math.Abs(float64(v))
			}
		}
	}
	return e, row, nil
}
