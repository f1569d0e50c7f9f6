package iou

// innerIoU returns Inner-IoU's IoU term (malagoutou/Inner-IoU), the IoU
// of the two boxes scaled by r about their centres, and adds g·∂T to a:
//
//	p′₁ = x − (w/2)·r,  p′₂ = x + (w/2)·r       (likewise y, and the target)
//	iw′ = min(p′₂, t′₂) − max(p′₁, t′₁),  I′ = max(iw′, 0)·max(ih′, 0)
//	A′  = w·r·h·r,  U′ = A′ + w_t·r·h_t·r − I′ + ε
//	T   = I′/U′
//
// and backward, with the clamp and min/max rules of package doc:
//
//	∂T/∂I′ = 1/U′ + I′/U′²,  ∂T/∂A′ = −I′/U′²,  ∂A′/∂log w = ∂A′/∂log h = A′
//	∂/∂x = ∂/∂p′₁ + ∂/∂p′₂,  ∂/∂log w = (∂/∂p′₂ − ∂/∂p′₁)·r·w/2
//
// or in the corner frame ∂A′/∂w = r²·h, ∂/∂w = (∂/∂p′₂ − ∂/∂p′₁)·r/2.
func innerIoU(q *pair, a *adjoint, g, r float64) float64 {
	pw, ph := q.w/2*r, q.h/2*r
	p1, p2, p3, p4 := q.x-pw, q.x+pw, q.y-ph, q.y+ph
	tw, th := q.tw/2*r, q.th/2*r
	t1, t2, t3, t4 := q.tx-tw, q.tx+tw, q.ty-th, q.ty+th
	iw := min(p2, t2) - max(p1, t1)
	ih := min(p4, t4) - max(p3, t3)
	inter := max(iw, 0) * max(ih, 0)
	area := q.w * r * q.h * r
	u := area + q.tw*r*q.th*r - inter + Eps

	gi := g/u + g*inter/(u*u)
	ga := -g * inter / (u * u)
	var g1, g2, g3, g4 float64 // ∂ℓ/∂p′₁, p′₂, p′₃, p′₄ (x₁, x₂, y₁, y₂)
	if iw >= 0 {
		v := gi * max(ih, 0)
		g2 = v * lo(p2, t2)
		g1 = -v * hi(p1, t1)
	}
	if ih >= 0 {
		v := gi * max(iw, 0)
		g4 = v * lo(p4, t4)
		g3 = -v * hi(p3, t3)
	}
	a.x += g1 + g2
	a.y += g3 + g4
	if !q.corner {
		a.lw += (g2-g1)*pw + ga*area // ∂((w/2)·r)/∂log w = (w/2)·r
		a.lh += (g4-g3)*ph + ga*area
		return inter / u
	}
	a.lw += (g2-g1)*r/2 + ga*r*r*q.h // ∂((w/2)·r)/∂w = r/2, ∂A′/∂w = r²·h
	a.lh += (g4-g3)*r/2 + ga*r*r*q.w
	return inter / u
}
