package iou

import "math"

// iouTerm returns the IoU term T of the iou.py-shaped variants and adds
// g·∂T to a, g = ∂ℓ/∂T. With the α-IoU power α (Alpha; 1 for none):
//
//	b = I/(U + ε′),  T = b^α
//	∂b/∂I = 1/(U + ε′),  ∂b/∂U = −I/(U + ε′)²,  ∂T/∂b = α·b^(α−1)
//
// where ε′ = 0 under YOLOv5's conventions (T = I/U) and ε under iou.py's,
// whose IoU is inter/(union + ε) with ε already in the union. With an
// Inner-IoU ratio other than 1, T is Inner-IoU's term (inner.go).
//
// At I = 0 with α < 1 the derivative is taken as 0 (see powGrad).
func (m *mods) iouTerm(q *pair, a *adjoint, g float64) float64 {
	if m.ratio != 1 {
		return innerIoU(q, a, g, m.ratio)
	}
	d := q.union + m.ue
	b := q.inter / d
	gb := g * powGrad(b, m.alpha)
	gu := -gb * q.inter / (d * d)
	a.inter += gb / d
	a.union(gu)
	return math.Pow(b, m.alpha)
}

// power returns iou.py's powered penalty term (x + ε″)^α and its
// derivative in x, ε″ = 0 under YOLOv5's and Inner-IoU's conventions (where
// α is 1 and the term is x itself) and ε under iou.py's.
//
// A base below 0, which GIoU's (C − U)/C + ε″ is by up to ~ε where the
// corner frame's heights carry 8.4's ε and one box holds the other, has
// no real power for a non-integer α (the reference's NaN): the term is
// taken as 0 with no gradient there, its value at the base 0.
func (m *mods) power(x float64) (v, d float64) {
	b := x + m.pe
	if b < 0 && m.alpha != math.Trunc(m.alpha) {
		return 0, 0
	}
	return math.Pow(b, m.alpha), powGrad(b, m.alpha)
}
