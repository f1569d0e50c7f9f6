package iou

// mpdiou is the Minimum Point Distance IoU (Ma & Xu 2023) as yolo-improve's
// yolov7-MPDiou.py bbox_mpdiou computes it, in grid units:
//
//	w = p₂ − p₁,  h = p₂ − p₁ + ε (y)       (sizes from the corners; likewise the target)
//	U     = w·h + w_t·h_t − I + ε
//	d₁²   = (t₁ − p₁)² + (t₃ − p₃)²,  d₂² = (t₂ − p₂)² + (t₄ − p₄)²   (top-left, bottom-right corners)
//	N     = NY² + NX²                       (the layer's grid)
//	value = I/U − d₁²/N − d₂²/N,  ℓ = 1 − value
//
// and backward: ∂ℓ/∂I = −1/U − I/U², ∂ℓ/∂U = I/U², ∂U/∂w = h, ∂U/∂h = w,
// ∂w/∂p₂ = −∂w/∂p₁ = 1, ∂ℓ/∂p₁ = −2·(t₁ − p₁)/N (likewise the others).
// The reference shifts both boxes by the cell first; the shift cancels.
type mpdiou struct{ stateless }

func newMPDIoU(Params) (Loss, error) { return mpdiou{}, nil }

func (mpdiou) String() string { return "MPDIoU" }

// Eval computes ℓ = 1 − MPDIoU. It panics if g has an empty grid.
func (mpdiou) Eval(p Pred, t Box, g Grid, _ *Held, _ bool) Term {
	if g.NY <= 0 || g.NX <= 0 {
		panic("iou: MPDIoU: Eval without the layer's grid")
	}
	q := newPair(p, t)
	return mpdiou{}.eval(&q, float64(g.NY*g.NY+g.NX*g.NX), nil, false)
}

// eval computes the term on a pair of either frame, n the normaliser.
func (mpdiou) eval(q *pair, n float64, _ *Held, _ bool) Term {
	var a adjoint
	w, h := q.px2-q.px1, q.py2-q.py1+Eps
	u := w*h + (q.tx2-q.tx1)*(q.ty2-q.ty1+Eps) - q.inter + Eps
	d1x, d1y, d2x, d2y := q.tx1-q.px1, q.ty1-q.py1, q.tx2-q.px2, q.ty2-q.py2
	d1, d2 := d1x*d1x+d1y*d1y, d2x*d2x+d2y*d2y
	value := q.inter/u - d1/n - d2/n

	gu := q.inter / (u * u) // ∂ℓ/∂U
	a.inter -= 1 / u
	a.inter -= gu
	a.x2 += gu * h
	a.x1 -= gu * h
	a.y2 += gu * w
	a.y1 -= gu * w
	a.x1 -= 2 * d1x / n
	a.y1 -= 2 * d1y / n
	a.x2 -= 2 * d2x / n
	a.y2 -= 2 * d2y / n
	return Term{Value: value, Loss: 1 - value, Grad: a.grad(q)}
}
