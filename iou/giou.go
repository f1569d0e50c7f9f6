package iou

// giou is the Generalized IoU (Rezatofighi et al. 2019) as YOLOv5's
// bbox_iou and, with α-IoU or Focal, iou.py compute it:
//
//	C     = cw·ch + ε                      (the enclosing box's area)
//	P     = ((C − U)/C + ε″)^α
//	value = T − P,  ℓ = w_f·(1 − value)
//
// with T the IoU term and ε″ the penalty's ε of mods (0 in YOLOv5's form,
// where α = 1), and backward, with G = ∂ℓ/∂P = w_f:
//
//	∂P/∂((C − U)/C) = α·((C − U)/C + ε″)^(α−1) = P′
//	∂/∂C = G·P′·U/C²,  ∂/∂U = −G·P′/C,  ∂C/∂cw = ch,  ∂C/∂ch = cw
type giou struct {
	stateless
	m mods
}

func newGIoU(p Params) (Loss, error) {
	m, err := newMods(p, true, false)
	if err != nil {
		return nil, err
	}
	return giou{m: m}, nil
}

func (v giou) String() string { return v.m.name("GIoU") }

// Eval computes ℓ = w_f·(1 − GIoU); the held constant is the Focal weight.
func (v giou) Eval(p Pred, t Box, _ Grid, h *Held, frozen bool) Term {
	q := newPair(p, t)
	return v.eval(&q, 0, h, frozen)
}

func (v giou) eval(q *pair, _ float64, h *Held, frozen bool) Term {
	var a adjoint
	wf := v.m.weight(q, h, frozen)
	value := v.m.iouTerm(q, &a, -wf)
	c := q.cw*q.ch + Eps
	pen, d := v.m.power((c - q.union) / c)
	g := wf * d
	gc := g * q.union / (c * c)
	a.cw += gc * q.ch
	a.ch += gc * q.cw
	a.union(-g / c)
	return v.m.term(q, &a, value-pen, wf)
}
