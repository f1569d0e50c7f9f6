package iou

import (
	"fmt"
	"math"
	"strings"
)

// XYXYTerm is the box term of one foreground anchor of the anchor-free
// head: Term's numbers, the gradient in the prediction's corners.
type XYXYTerm struct {
	// Value is the variant's IoU-like value, carrying no gradient.
	Value float64
	// Loss is the anchor's loss ℓ before the engine's weights (the target
	// score and WIoU's weight from Weigh) and its division by
	// target_scores_sum.
	Loss float64
	// Grad is ∂ℓ/∂(x₁, y₁, x₂, y₂) of the prediction, with the held
	// constants (Held) fixed.
	Grad [4]float64
	// Base is what Weigh reads: WIoU's L_IoU (v1 included); 0 for the
	// other variants.
	Base float64
}

// XYXYLoss is one configured member of the box-loss family on corner
// boxes (x₁, y₁, x₂, y₂) under ultralytics 8.4's conventions (see the
// package doc, "The corner family"), for the anchor-free head's loss.
//
// Eval may be called concurrently; Weigh and SetState change the running
// state and may not run beside each other or beside Eval. An XYXYLoss
// with a running state belongs to one engine branch: NewXYXY makes a new
// one.
type XYXYLoss interface {
	// Eval computes the term of one foreground anchor: prediction p
	// against target t, both corners in the anchor's stride units, with
	// diag2 = (W/s)² + (H/s)² the squared image diagonal in those units
	// (MPDIoU's normaliser; the other variants ignore it). Unfrozen
	// (frozen false), it computes the held constants and stores them in
	// *h; frozen, it uses those in *h. MPDIoU panics if diag2 is not
	// positive.
	Eval(p, t Box, diag2 float64, h *Held, frozen bool) XYXYTerm
	// Weigh computes the weights w[k] of the foreground anchors of one
	// branch from their XYXYTerm.Base, and reports whether the variant has
	// any; when it reports false it has left w alone, and every weight is
	// 1. WIoU updates its running mean first, from all the bases (v1
	// too): call Weigh once per call with foreground anchors, over all of
	// them, when the call succeeds and is not frozen; a call without
	// foreground anchors leaves the state alone. It panics if the lengths
	// differ.
	Weigh(w, base []float64) bool
	// State returns the running state; SetState restores one (a
	// checkpoint), and returns an error if it is not a valid state.
	State() State
	SetState(State) error
	// String names the variant and its parameters, for people.
	String() string
}

// evaluator is a variant's term on a pair of either frame (geom.go), n
// MPDIoU's normaliser; every Loss of the table is one.
type evaluator interface {
	eval(q *pair, n float64, h *Held, frozen bool) Term
	Weigh(w, base []float64) bool
	State() State
	SetState(State) error
	String() string
}

// xyxy is a variant on corner boxes: its pairs are built in the corner
// frame with the height ε he of its reference.
type xyxy struct {
	evaluator
	hr     heights
	mpdiou bool
}

// NewXYXY returns the XYXYLoss that p selects, with the same parameters,
// ranges and errors as New. An unknown Type is an error that lists the
// known ones.
func NewXYXY(p Params) (XYXYLoss, error) {
	v, ok := Lookup(p.Type)
	if !ok {
		return nil, fmt.Errorf("iou: unknown iou_type %q (want one of %s)", p.Type, strings.Join(Names(), ", "))
	}
	l, err := v.New(p)
	if err != nil {
		return nil, err
	}
	e := l.(evaluator)
	_, isMPD := e.(mpdiou)
	return xyxy{evaluator: e, hr: cornerHeights(e), mpdiou: isMPD}, nil
}

// cornerHeights returns how a variant's reference takes heights on corner
// boxes: 8.4's bbox_iou (iou, giou, diou, ciou without modifiers) and
// yolov7-MPDiou.py add ε; iou.py (eiou, siou, and the α-IoU and Focal
// modifiers) clamps at ε; WIoU's IouLoss adds none, and Shape-IoU and
// Inner-IoU run on the boxes converted to (x, y, w, h), whose sizes have
// none.
func cornerHeights(e evaluator) heights {
	var m mods
	switch v := e.(type) {
	case *wiou, shapeIoU:
		return heightsRaw
	case mpdiou:
		return heightsPlusEps
	case plainIoU:
		m = v.m
	case giou:
		m = v.m
	case diou:
		m = v.m
	case ciou:
		m = v.m
	case eiou:
		m = v.m
	case siou:
		m = v.m
	}
	switch {
	case m.ratio != 1:
		return heightsRaw
	case m.ue != 0:
		return heightsClampEps
	}
	return heightsPlusEps
}

// Eval computes the anchor's term on the corner-frame pair.
func (x xyxy) Eval(p, t Box, diag2 float64, h *Held, frozen bool) XYXYTerm {
	if x.mpdiou && !(diag2 > 0) {
		panic("iou: MPDIoU: Eval without the image diagonal")
	}
	q := newPairXYXY(p, t, x.hr)
	tm := evalPair(x.evaluator, &q, diag2, h, frozen)
	return XYXYTerm{Value: tm.Value, Loss: tm.Loss, Grad: tm.Grad, Base: tm.Base}
}

// evalPair calls e's eval through its concrete type, where the compiler
// sees that the pair stays on the caller's stack (through the interface
// it would escape: an allocation per anchor).
func evalPair(e evaluator, q *pair, n float64, h *Held, frozen bool) Term {
	switch v := e.(type) {
	case plainIoU:
		return v.eval(q, n, h, frozen)
	case giou:
		return v.eval(q, n, h, frozen)
	case diou:
		return v.eval(q, n, h, frozen)
	case ciou:
		return v.eval(q, n, h, frozen)
	case eiou:
		return v.eval(q, n, h, frozen)
	case siou:
		return v.eval(q, n, h, frozen)
	case *wiou:
		return v.eval(q, n, h, frozen)
	case mpdiou:
		return v.eval(q, n, h, frozen)
	case shapeIoU:
		return v.eval(q, n, h, frozen)
	}
	panic(fmt.Sprintf("iou: %T is not a variant of the table", e))
}

// CIoUXYXY returns ultralytics 8.4's bbox_iou(p, t, xywh=False,
// CIoU=True) of corner boxes p and t, the task-aligned assigner's overlap
// (no gradient):
//
//	w = x₂ − x₁,  h = y₂ − y₁ + ε       (both boxes)
//	IoU = I/(w·h + w_t·h_t − I + ε)
//	c² = cw² + ch² + ε,  ρ² = (dx² + dy²)/4
//	v = (4/π²)·(atan(w_t/h_t) − atan(w/h))²,  α = v/(v − IoU + 1 + ε)
//	CIoU = IoU − (ρ²/c² + v·α)
//
// with atan(w/h) at h = 0 as atanRatio takes it.
func CIoUXYXY(p, t Box) float64 {
	q := newPairXYXY(p, t, heightsPlusEps)
	iou := q.inter / q.union
	da, _, _ := aspect(&q)
	v := kAspect * (da * da)
	a := v / (v - iou + (1 + Eps))
	rho2 := (q.dx*q.dx + q.dy*q.dy) / 4
	return iou - (rho2/(q.cw*q.cw+q.ch*q.ch+Eps) + v*a)
}

// CIoUTarget is a target box prepared for CIoUXYXY against many
// predictions, as the task-aligned assigner evaluates every candidate
// anchor of a target: the target's size, area, corner sums and the
// arctangent of its aspect are computed once. Its CIoU method returns
// CIoUXYXY(p, t) bit for bit.
type CIoUTarget struct {
	x1, y1, x2, y2 float64
	area           float64 // w_t·h_t
	sx, sy         float64 // x₁ + x₂, y₁ + y₂
	at             float64 // atan(w_t/h_t), as atanRatio takes it
}

// NewCIoUTarget prepares the corner box t for CIoUTarget.CIoU.
func NewCIoUTarget(t Box) CIoUTarget {
	w, h := t[2]-t[0], t[3]-t[1]+Eps
	return CIoUTarget{
		x1: t[0], y1: t[1], x2: t[2], y2: t[3],
		area: w * h,
		sx:   t[0] + t[2], sy: t[1] + t[3],
		at: atanOf(w, h),
	}
}

// CIoU returns CIoUXYXY(p, t) of the prepared target t, with the same
// operations in the same order on the target's precomputed values.
func (t *CIoUTarget) CIoU(p Box) float64 {
	w, h := p[2]-p[0], p[3]-p[1]+Eps
	iw := min(p[2], t.x2) - max(p[0], t.x1)
	ih := min(p[3], t.y2) - max(p[1], t.y1)
	inter := max(iw, 0) * max(ih, 0)
	iou := inter / (w*h + t.area - inter + Eps)
	da := t.at - atanOf(w, h)
	v := kAspect * (da * da)
	a := v / (v - iou + (1 + Eps))
	cw := max(p[2], t.x2) - min(p[0], t.x1)
	ch := max(p[3], t.y2) - min(p[1], t.y1)
	dx := t.sx - p[0] - p[2]
	dy := t.sy - p[1] - p[3]
	rho2 := (dx*dx + dy*dy) / 4
	return iou - (rho2/(cw*cw+ch*ch+Eps) + v*a)
}

// atanOf is atanRatio's value alone: atan(w/h), ±π/2 at h = 0 for w ≠ 0,
// π/4 at w = h = 0.
func atanOf(w, h float64) float64 {
	switch {
	case h == 0 && w == 0:
		return math.Pi / 4
	case h == 0:
		return math.Copysign(math.Pi/2, w)
	}
	return math.Atan(w / h)
}
