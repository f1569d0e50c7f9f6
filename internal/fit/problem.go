package fit

import (
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// Kinds of free parameter.
const (
	boxLogit = iota // x, y, w, h of a matched cell
	objLogit        // objectness of any cell
	clsLogit        // a class of a matched cell
)

// problem is the loss as a function of the free parameters z: the
// prediction elements whose gradient is not structurally zero, which are
// the objectness logit of every cell and every channel of the cells that
// some match assigns to. The box and class logits of the other cells take
// no part in the loss and stay as they are.
type problem struct {
	e      *computeloss.Engine[float64]
	labels []target.Label
	p, g   []tensor.Tensor[float64]
	layer  []int // free parameter k is p[layer[k]].Data[elem[k]]
	elem   []int
	kind   []int8
	res    computeloss.Result // of the last evaluation
	evals  int
}

func newProblem(e *computeloss.Engine[float64], p []tensor.Tensor[float64], labels []target.Label, matches [][]target.Match) *problem {
	pr := &problem{e: e, labels: labels, p: p, g: feed.Grads(p)}
	for i, t := range p {
		no := t.Shape[4]
		for c, matched := range feed.MatchedCells(matches[i], t.Shape) {
			for ch := range no {
				if !matched && ch != 4 {
					continue
				}
				k := int8(clsLogit)
				switch {
				case ch < 4:
					k = boxLogit
				case ch == 4:
					k = objLogit
				}
				pr.layer = append(pr.layer, i)
				pr.elem = append(pr.elem, c*no+ch)
				pr.kind = append(pr.kind, k)
			}
		}
	}
	return pr
}

// n is the number of free parameters.
func (pr *problem) n() int { return len(pr.elem) }

// get copies the free parameters into z.
func (pr *problem) get(z []float64) {
	for k, e := range pr.elem {
		z[k] = pr.p[pr.layer[k]].Data[e]
	}
}

// set writes z into the predictions.
func (pr *problem) set(z []float64) {
	for k, e := range pr.elem {
		pr.p[pr.layer[k]].Data[e] = z[k]
	}
}

// eval runs the engine at the current predictions and stores the gradient
// with respect to the free parameters in grad.
func (pr *problem) eval(grad []float64) (float64, error) {
	r, err := pr.e.Loss(pr.p, pr.labels, pr.g)
	if err != nil {
		return 0, err
	}
	pr.res = r
	pr.evals++
	for k, e := range pr.elem {
		grad[k] = pr.g[pr.layer[k]].Data[e]
	}
	return r.Loss, nil
}

// sharedMatches counts the matches whose cell another label also claims:
// one box cannot fit both labels, so the box loss of those matches, and the
// objectness loss of their cells, keep a floor above 0.
func sharedMatches(p []tensor.Tensor[float64], matches [][]target.Match) int {
	n := 0
	for i, layer := range matches {
		sh := p[i].Shape
		first := map[int]int{} // cell → the first label that claims it
		for _, mt := range layer {
			c := mt.Cell(sh[1], sh[2], sh[3])
			if l, ok := first[c]; !ok {
				first[c] = mt.Label
			} else if l != mt.Label {
				first[c] = -1 // claimed by two labels
			}
		}
		for _, mt := range layer {
			if first[mt.Cell(sh[1], sh[2], sh[3])] < 0 {
				n++
			}
		}
	}
	return n
}
