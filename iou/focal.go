package iou

import "math"

// weight returns the Focal weight of a match, iou.py's
//
//	w_f = (I/(U + ε))^γ
//
// which carries no gradient: unfrozen it computes it and holds it in
// h.c[1]; frozen it returns the held one. Without Focal (γ = 0) it is 1.
// The loss is then ℓ = w_f·(1 − value), so ∂ℓ/∂value = −w_f.
func (m *mods) weight(q *pair, h *Held, frozen bool) float64 {
	if m.gamma == 0 {
		return 1
	}
	if frozen {
		return h.c[1]
	}
	w := math.Pow(q.inter/(q.union+Eps), m.gamma)
	h.c[1] = w
	return w
}
