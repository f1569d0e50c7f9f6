package iou

import (
	"fmt"
	"math"
)

// shapeIoU is the Shape-IoU (Zhang & Zhang 2023) as malagoutou's shape_iou
// computes it, its distance and shape costs weighted by the target's
// shape, with s the scale (shape_iou_scale):
//
//	ww = 2·w_tˢ/(w_tˢ + h_tˢ),  hh = 2·h_tˢ/(w_tˢ + h_tˢ)          (the target's: constants; shapeWeights)
//	c² = cw² + ch² + ε
//	D  = (hh·dx²/4 + ww·dy²/4)/c²
//	Ω  = (1 − e^{−ω_w})⁴ + (1 − e^{−ω_h})⁴,  ω_w = hh·|w − w_t|/max(w, w_t),  ω_h = ww·|h − h_t|/max(h, h_t)
//	value = I/U − D − Ω/2,  ℓ = 1 − value
//
// and backward: ∂ℓ/∂dx = hh·dx/(2c²), ∂ℓ/∂c² = −D/c², ∂c²/∂cw = 2·cw,
// the IoU's as YOLOv5's (alpha.go) and Ω's as SIoU's (shapeTerm).
type shapeIoU struct {
	stateless
	scale float64
}

func newShapeIoU(p Params) (Loss, error) {
	if err := check(KeyShapeScale, p.ShapeScale, rangeScale); err != nil {
		return nil, err
	}
	return shapeIoU{scale: p.ShapeScale}, nil
}

func (v shapeIoU) String() string { return fmt.Sprintf("Shape-IoU scale=%v", v.scale) }

// Eval computes ℓ = 1 − Shape-IoU.
func (v shapeIoU) Eval(p Pred, t Box, _ Grid, h *Held, frozen bool) Term {
	q := newPair(p, t)
	return v.eval(&q, 0, h, frozen)
}

func (v shapeIoU) eval(q *pair, _ float64, _ *Held, _ bool) Term {
	var a adjoint
	plain := mods{alpha: 1, ratio: 1}
	iou := plain.iouTerm(q, &a, -1)
	ww, hh := shapeWeights(q.tw, q.th, v.scale)
	c2 := q.cw*q.cw + q.ch*q.ch + Eps
	cx, cy := (q.dx*q.dx)/4, (q.dy*q.dy)/4
	d := (hh*cx + ww*cy) / c2
	var sw, sh shapeTerm
	shape := sw.forward(q.w, q.tw, hh) + sh.forward(q.h, q.th, ww)
	value := iou - d - 0.5*shape

	a.dx += hh * q.dx / (2 * c2)
	a.dy += ww * q.dy / (2 * c2)
	gc := -d / c2
	a.cw += gc * 2 * q.cw
	a.ch += gc * 2 * q.ch
	dw, dh := q.dsize()
	a.lw += 0.5 * sw.grad(q.w, q.tw, dw)
	a.lh += 0.5 * sh.grad(q.h, q.th, dh)
	return Term{Value: value, Loss: 1 - value, Grad: a.grad(q)}
}

// shapeWeights returns ww = 2·wˢ/(wˢ + hˢ) and hh = 2·hˢ/(wˢ + hˢ) of a
// target of size (w, h); where wˢ + hˢ underflows to 0 or overflows, as
// 2/(1 + (h/w)ˢ) and 2/(1 + (w/h)ˢ), the same numbers; a target of no
// size has a square's weights, 1 and 1.
func shapeWeights(w, h, s float64) (ww, hh float64) {
	if w == 0 && h == 0 {
		return 1, 1 // no shape: a square's weights (doc.go)
	}
	ws, hs := math.Pow(w, s), math.Pow(h, s)
	if sum := ws + hs; sum > 0 && sum <= math.MaxFloat64 {
		return 2 * ws / sum, 2 * hs / sum
	}
	return 2 / (1 + math.Pow(h/w, s)), 2 / (1 + math.Pow(w/h, s))
}
