package iou

import "math"

// pair is the geometry of a prediction against a target that the variants
// share: corners, overlap, union, enclosing box and centre offset, with
// corners x₁ = x − w/2, x₂ = x + w/2 (likewise y) of the prediction (p)
// and the target (t), as the references compute them.
//
// A pair is in one of two frames, which decide what the gradient is taken
// with respect to (see adjoint.grad): the log frame (newPair), whose
// prediction is (x, y, w, h) with its size's logarithms and whose
// gradient is in (x, y, log w, log h); and the corner frame (newPairXYXY),
// whose boxes are given by their corners, with sizes w = x₂ − x₁ and h
// from y₂ − y₁ as the reference has it (heights), and whose gradient is in
// (x₁, y₁, x₂, y₂).
type pair struct {
	x, y, w, h, lw, lh float64 // the prediction, and its size's logarithms (log frame)
	tx, ty, tw, th     float64 // the target
	px1, px2, py1, py2 float64
	tx1, tx2, ty1, ty2 float64
	iw, ih             float64 // overlap extents min(p₂, t₂) − max(p₁, t₁), before the clamp
	inter              float64 // I = max(iw, 0)·max(ih, 0)
	union              float64 // U = w·h + w_t·h_t − I + ε
	cw, ch             float64 // the enclosing box: max(p₂, t₂) − min(p₁, t₁)
	dx, dy             float64 // t₁ + t₂ − p₁ − p₂: twice the centre offset
	corner             bool    // the corner frame
	hpass              float64 // corner frame: ∂h/∂(y₂ − y₁) of the prediction (heights)
}

func newPair(p Pred, t Box) pair {
	q := pair{x: p.Box[0], y: p.Box[1], w: p.Box[2], h: p.Box[3], lw: p.LogW, lh: p.LogH,
		tx: t[0], ty: t[1], tw: t[2], th: t[3]}
	hw, hh := q.w/2, q.h/2
	q.px1, q.px2, q.py1, q.py2 = q.x-hw, q.x+hw, q.y-hh, q.y+hh
	hw, hh = q.tw/2, q.th/2
	q.tx1, q.tx2, q.ty1, q.ty2 = q.tx-hw, q.tx+hw, q.ty-hh, q.ty+hh
	q.overlap()
	return q
}

// overlap sets the quantities of q that follow from its corners and sizes:
// the intersection's sides and area, the union, the enclosing box's sides
// and the doubled centre offsets.
func (q *pair) overlap() {
	q.iw = min(q.px2, q.tx2) - max(q.px1, q.tx1)
	q.ih = min(q.py2, q.ty2) - max(q.py1, q.ty1)
	q.inter = max(q.iw, 0) * max(q.ih, 0)
	q.union = q.w*q.h + q.tw*q.th - q.inter + Eps
	q.cw = max(q.px2, q.tx2) - min(q.px1, q.tx1)
	q.ch = max(q.py2, q.ty2) - min(q.py1, q.ty1)
	q.dx = q.tx1 + q.tx2 - q.px1 - q.px2
	q.dy = q.ty1 + q.ty2 - q.py1 - q.py2
}

// heights is how a corner-frame reference computes a box's height h from
// its corners: y₂ − y₁ (heightsRaw), y₂ − y₁ + ε (heightsPlusEps, 8.4's
// bbox_iou and yolov7-MPDiou.py) or max(y₂ − y₁, ε) (heightsClampEps,
// iou.py's clamp(eps), whose gradient passes where y₂ − y₁ ≥ ε). Widths
// are x₂ − x₁ in every reference.
type heights int

const (
	heightsRaw heights = iota
	heightsPlusEps
	heightsClampEps
)

// height returns the height of a box whose corners span d = y₂ − y₁, and
// ∂h/∂d.
func (hr heights) height(d float64) (h, pass float64) {
	switch hr {
	case heightsPlusEps:
		return d + Eps, 1
	case heightsClampEps:
		if d >= Eps {
			return d, 1
		}
		return Eps, 0
	}
	return d, 1
}

// newPairXYXY returns the corner-frame pair of a prediction p and a target
// t given as corners (x₁, y₁, x₂, y₂), with sizes w = x₂ − x₁ and h by hr,
// and centres x = (x₁ + x₂)/2, y = (y₁ + y₂)/2, likewise for the target.
func newPairXYXY(p, t Box, hr heights) pair {
	q := pair{px1: p[0], py1: p[1], px2: p[2], py2: p[3], tx1: t[0], ty1: t[1], tx2: t[2], ty2: t[3], corner: true}
	q.x, q.y, q.w = (q.px1+q.px2)/2, (q.py1+q.py2)/2, q.px2-q.px1
	q.h, q.hpass = hr.height(q.py2 - q.py1)
	q.tx, q.ty, q.tw = (q.tx1+q.tx2)/2, (q.ty1+q.ty2)/2, q.tx2-q.tx1
	q.th, _ = hr.height(q.ty2 - q.ty1)
	q.overlap()
	return q
}

// dsize returns ∂w/∂s_w and ∂h/∂s_h, s the frame's size coordinates: w
// and h in the log frame (s = log w), 1 in the corner frame (s = w).
func (q *pair) dsize() (float64, float64) {
	if q.corner {
		return 1, 1
	}
	return q.w, q.h
}

// adjoint accumulates, in reverse mode, ∂ℓ/∂ of the quantities of a pair;
// grad folds them into the gradient of the prediction in the pair's frame.
type adjoint struct {
	inter, area    float64 // ∂ℓ/∂I and ∂ℓ/∂(w·h) of the prediction
	cw, ch         float64 // ∂ℓ/∂ the enclosing width and height
	dx, dy         float64 // ∂ℓ/∂dx, ∂ℓ/∂dy
	x1, x2, y1, y2 float64 // ∂ℓ/∂ the prediction's corners, directly
	// ∂ℓ/∂(x, y, s_w, s_h) directly, s the frame's size coordinates
	// (log w, log h in the log frame; w, h in the corner frame)
	x, y, lw, lh float64
	// relu: the overlap's clamp is torch.relu, whose derivative at 0 is 0
	// (WIoU); otherwise clamp(·, 0), which passes the gradient at 0.
	relu bool
}

// union adds g = ∂ℓ/∂U through U = w·h + w_t·h_t − I + ε.
func (a *adjoint) union(g float64) {
	a.inter -= g
	a.area += g
}

// grad returns ∂ℓ/∂(x, y, log w, log h) in the log frame and ∂ℓ/∂(x₁,
// y₁, x₂, y₂) in the corner frame:
//
//	∂I/∂p₂ = [iw ≥ 0]·max(ih, 0)·∂min(p₂, t₂)/∂p₂,  ∂I/∂p₁ = −[iw ≥ 0]·max(ih, 0)·∂max(p₁, t₁)/∂p₁
//	∂cw/∂p₂ = ∂max(p₂, t₂)/∂p₂,  ∂cw/∂p₁ = −∂min(p₁, t₁)/∂p₁,  ∂dx/∂p₁ = ∂dx/∂p₂ = −1
//
// and likewise in y; then in the log frame, with x₁ = x − w/2, x₂ = x + w/2:
//
//	∂(w·h)/∂log w = w·h,  ∂/∂x = ∂/∂x₁ + ∂/∂x₂,  ∂/∂log w = (∂/∂x₂ − ∂/∂x₁)·w/2
//
// and in the corner frame, with w = x₂ − x₁, x = (x₁ + x₂)/2 and h from
// y₂ − y₁ (heights):
//
//	∂(w·h)/∂w = h,  ∂/∂x₁ += ∂/∂x/2 − ∂/∂w,  ∂/∂x₂ += ∂/∂x/2 + ∂/∂w
//	∂/∂y₁ += ∂/∂y/2 − ∂/∂h·∂h/∂(y₂ − y₁),  ∂/∂y₂ += ∂/∂y/2 + ∂/∂h·∂h/∂(y₂ − y₁)
func (a *adjoint) grad(q *pair) [4]float64 {
	x1, x2, y1, y2 := a.x1, a.x2, a.y1, a.y2
	if q.iw > 0 || q.iw == 0 && !a.relu {
		g := a.inter * max(q.ih, 0)
		x2 += g * lo(q.px2, q.tx2)
		x1 -= g * hi(q.px1, q.tx1)
	}
	if q.ih > 0 || q.ih == 0 && !a.relu {
		g := a.inter * max(q.iw, 0)
		y2 += g * lo(q.py2, q.ty2)
		y1 -= g * hi(q.py1, q.ty1)
	}
	x2 += a.cw * hi(q.px2, q.tx2)
	x1 -= a.cw * lo(q.px1, q.tx1)
	y2 += a.ch * hi(q.py2, q.ty2)
	y1 -= a.ch * lo(q.py1, q.ty1)
	x1 -= a.dx
	x2 -= a.dx
	y1 -= a.dy
	y2 -= a.dy
	if q.corner {
		gw, gh := a.lw+a.area*q.h, (a.lh+a.area*q.w)*q.hpass
		return [4]float64{x1 + a.x/2 - gw, y1 + a.y/2 - gh, x2 + a.x/2 + gw, y2 + a.y/2 + gh}
	}
	wh := q.w * q.h
	lw := a.lw + a.area*wh
	lh := a.lh + a.area*wh
	return [4]float64{a.x + x1 + x2, a.y + y1 + y2, lw + (x2-x1)*q.w/2, lh + (y2-y1)*q.h/2}
}

// powGrad returns ∂bᵃ/∂b = a·b^(a−1) for b > 0 (and b < 0, where a is an
// integer: see mods.power). At b = 0 it returns 1 for
// a = 1 and 0 otherwise: the limit for a > 1, and for a < 1 the convention
// of doc.go (the power's one-sided derivative there is infinite).
func powGrad(b, a float64) float64 {
	switch {
	case a == 1:
		return 1
	case b != 0:
		return a * math.Pow(b, a-1)
	}
	return 0
}

// sign is ∂|v|/∂v under PyTorch's rule: −1, 0 at 0, or 1.
func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// ratio returns the aspect ratio w/h = e^{log w − log h}, finite where w
// and h underflow; where both are 0 (log w = log h = −∞) it is 1 by the
// convention of doc.go.
func ratio(lw, lh float64) float64 {
	r := math.Exp(lw - lh)
	if r != r { // NaN: −∞ − −∞ (or +∞ − +∞)
		return 1
	}
	return r
}

// atanGrad returns ∂atan(r)/∂log w = r/(1 + r²) = −∂atan(r)/∂log h for
// r = w/h, as 1/(r + 1/r): finite for r = 0 and r = +∞.
func atanGrad(r float64) float64 { return 1 / (r + 1/r) }

// hi is ∂max(a, b)/∂a under PyTorch's rule: 1, ½ on a tie, else 0.
func hi(a, b float64) float64 {
	switch {
	case a > b:
		return 1
	case a == b:
		return 0.5
	}
	return 0
}

// lo is ∂min(a, b)/∂a: 1, ½ on a tie, else 0.
func lo(a, b float64) float64 { return hi(b, a) }
