package compare

import (
	"fmt"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
	"math"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/target"
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
	Options *computeloss.Options // nil: computeloss.DefaultOptions
	Workers int                  // goroutines per call; 0: GOMAXPROCS
	Preds   []tensor.Tensor[T]
	Labels  []target.Label
}

// Criteria returns one row per criterion, BCE first, computed by an engine
// of its own on in. grad is scratch for the gradients, of the shapes of
// in.Preds. The error is the engine's.
func Criteria[T tensor.Float](in Input[T], grad []tensor.Tensor[T]) ([]Row, error) {
	gamma := in.Hyp.FlGamma
	if gamma == 0 {
		gamma = DefaultGamma
	}
	matches := feed.Matches(in.Model, in.Hyp.AnchorT, in.Preds, in.Labels)
	var rows []Row
	for _, c := range []struct {
		gamma float64
		typ   string
	}{{0, "focal"}, {gamma, "focal"}, {gamma, "qfocal"}, {gamma, "varifocal"}} {
		h := *in.Hyp
		h.FlGamma, h.FlType = c.gamma, c.typ
		e, err := computeloss.New[T](&h, in.Model, in.Options)
		if err != nil {
			return nil, err
		}
		e.SetWorkers(in.Workers)
		r, err := e.Loss(in.Preds, in.Labels, grad)
		if err != nil {
			return nil, err
		}
		row := Row{Criterion: name(e.Criteria()), Loss: r.Loss, LBox: r.LBox, LObj: r.LObj, LCls: r.LCls}
		addGrads(&row, grad, matches)
		rows = append(rows, row)
	}
	return rows, nil
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
// objectness share a criterion, as with every hyp.
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
