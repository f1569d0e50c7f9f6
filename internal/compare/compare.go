package compare

import (
	"fmt"
	"math"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// DefaultGamma is the γ of the focal-family rows when the hyp has 0.
const DefaultGamma = 1.5

// Row is one criterion's result. Its JSON names are part of lossdemo's
// output.
type Row struct {
	Criterion string  `json:"criterion"`
	Loss      float64 `json:"loss"`
	LBox      float64 `json:"lbox"`
	LObj      float64 `json:"lobj"`
	LCls      float64 `json:"lcls"`
	// Sums of |∂loss/∂objectness logit| over the cells with a positive
	// objectness target and over the rest, and the share of the positives.
	ObjGradPos   float64 `json:"obj_grad_pos"`
	ObjGradNeg   float64 `json:"obj_grad_neg"`
	ObjGradShare float64 `json:"obj_grad_pos_share"`
	ClsGrad      float64 `json:"cls_grad"`
}

// Input is what the criteria are compared on.
type Input[T tensor.Float] struct {
	Hyp     *hyp.Hyp
	Model   model.Detect
	Options *computeloss.Options // nil: YOLOv5's defaults
	Workers int                  // goroutines per call; 0: GOMAXPROCS
	Preds   []tensor.Tensor[T]
	Labels  []target.Label
}

// gamma is the γ of the focal-family rows: the hyp's, or DefaultGamma
// where the hyp has 0.
func (in Input[T]) gamma() float64 {
	if in.Hyp.FlGamma == 0 {
		return DefaultGamma
	}
	return in.Hyp.FlGamma
}

// Criteria returns one row per criterion, computed by an engine of its own
// on in: BCE first (fl_gamma 0, both placements BCE), then each row of
// package criterion's table (criterion.Types) in its order, at the hyp's γ
// (DefaultGamma for a hyp at 0), α and placement. grad is scratch for the
// gradients, of the shapes of in.Preds. The error is the engine's.
func Criteria[T tensor.Float](in Input[T], grad []tensor.Tensor[T]) ([]Row, error) {
	matches := feed.Matches(in.Model, in.Hyp.AnchorT, in.Preds, in.Labels)
	bceHyp := *in.Hyp
	bceHyp.FlGamma, bceHyp.FlApply = 0, criterion.Both
	hyps := []hyp.Hyp{bceHyp}
	for _, t := range criterion.Types() {
		h := *in.Hyp
		h.FlGamma, h.FlType = in.gamma(), t.Name
		hyps = append(hyps, h)
	}
	var rows []Row
	for i := range hyps {
		row, err := criteriaRow(in, &hyps[i], grad, matches)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// criteriaRow runs one engine for h on in and returns its row, named by
// its criteria.
func criteriaRow[T tensor.Float](in Input[T], h *hyp.Hyp, grad []tensor.Tensor[T], matches [][]target.Match) (Row, error) {
	e, r, err := call(in, h, grad)
	if err != nil {
		return Row{}, err
	}
	row := Row{Criterion: name(e.Criteria()), Loss: r.Loss, LBox: r.LBox, LObj: r.LObj, LCls: r.LCls}
	addGrads(&row, grad, matches)
	return row, nil
}

// call makes one call of a new engine for h on in, writing the gradient to
// grad.
func call[T tensor.Float](in Input[T], h *hyp.Hyp, grad []tensor.Tensor[T]) (*computeloss.Engine[T], computeloss.Result, error) {
	e, err := computeloss.New[T](h, in.Model, in.Options)
	if err != nil {
		return nil, computeloss.Result{}, err
	}
	e.SetWorkers(in.Workers)
	r, err := e.Loss(in.Preds, in.Labels, grad)
	return e, r, err
}

// addGrads adds up the magnitudes of the objectness and class gradient of
// the package doc into row.
func addGrads[T tensor.Float](row *Row, grad []tensor.Tensor[T], matches [][]target.Match) {
	for i, t := range grad {
		no := t.Shape[4]
		for c, pos := range feed.MatchedCells(matches[i], t.Shape) {
			v := math.Abs(float64(t.Data[c*no+4]))
			if pos {
				row.ObjGradPos += v
			} else {
				row.ObjGradNeg += v
			}
			for _, x := range t.Data[c*no+5 : (c+1)*no] {
				row.ClsGrad += math.Abs(float64(x))
			}
		}
	}
	row.ObjGradShare = row.ObjGradPos / (row.ObjGradPos + row.ObjGradNeg)
}

// name is the criteria's name in a row: one name when class and
// objectness share a criterion.
func name(cls, obj bce.Criterion) string {
	if cls.String() == obj.String() {
		return cls.String()
	}
	return Describe(cls, obj)
}

// Describe says which criteria are in force, e.g. "focal γ=1.5 α=0.25 on
// cls and obj".
func Describe(cls, obj bce.Criterion) string {
	if cls.String() == obj.String() {
		return cls.String() + " on cls and obj"
	}
	return fmt.Sprintf("%v on cls, %v on obj", cls, obj)
}

// Names returns the names of the criteria rows of Criteria: "BCE", then
// the fl_type of each row of package criterion's table.
func Names() []string {
	return append([]string{"BCE"}, criterion.Names()...)
}
