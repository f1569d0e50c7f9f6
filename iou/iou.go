package iou

// plainIoU is the intersection over union, with no penalty: value = T, the
// IoU term of mods (I/U as YOLOv5's bbox_iou; (I/(U + ε))^α with the α-IoU
// power or the Focal weight, as iou.py), and ℓ = w_f·(1 − T).
type plainIoU struct {
	stateless
	m mods
}

func newIoU(p Params) (Loss, error) {
	m, err := newMods(p, true, false)
	if err != nil {
		return nil, err
	}
	return plainIoU{m: m}, nil
}

func (v plainIoU) String() string { return v.m.name("IoU") }

// Eval computes ℓ = w_f·(1 − T); the held constant is the Focal weight.
func (v plainIoU) Eval(p Pred, t Box, _ Grid, h *Held, frozen bool) Term {
	q := newPair(p, t)
	return v.eval(&q, 0, h, frozen)
}

func (v plainIoU) eval(q *pair, _ float64, h *Held, frozen bool) Term {
	var a adjoint
	wf := v.m.weight(q, h, frozen)
	value := v.m.iouTerm(q, &a, -wf)
	return v.m.term(q, &a, value, wf)
}

// IoU returns the plain intersection over union of boxes a and b,
// I/(U + ε) as YOLOv5's bbox_iou computes it: for reports on how well
// predicted boxes fit (lossdemo, the fit), whichever box loss trains them.
func IoU(a, b Box) float64 {
	q := newPair(PredOf(a), b)
	return q.inter / q.union
}
