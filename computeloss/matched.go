package computeloss

import (
	"slices"
	"unsafe"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/internal/vec"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/tensor"
)

// matchedTerms is the third phase: the box and class terms of every match,
// in chunks that the scheduler's workers take too once they run out of
// plain blocks; then, layer by layer in order, the box loss's layer
// weights, the layer's box and class losses, and its objectness targets.
func (e *Engine[T]) matchedTerms() {
	e.sched.runMatchChunks()
	for i := range e.layers {
		e.finishLayer(i)
	}
}

// matchChunk computes the terms of the matches of chunk j: for each, its
// box loss and base (matchBox) and its class loss (matchClasses), and with
// a gradient their contributions to ∂total/∂p, kept in the layer's boxGrad
// and clsGrad until the objectness pass writes the gradient. It runs on
// the goroutine of worker slot slot.
func (e *Engine[T]) matchChunk(slot, j int) {
	ch := e.sched.mchunks[j]
	ls := &e.layers[ch.layer]
	p := e.call.p[ch.layer]
	no := e.cfg.no
	// The matched cells' rows are scattered over the tensor: each is
	// prefetched, all its cache lines, a few matches ahead, and is still
	// in the cache for the class loop.
	var z T
	line := 64 / int(unsafe.Sizeof(z))
	lines := (no+line-1)/line + 1
	const ahead = 8
	for k := ch.c0; k < min(ch.c0+ahead, ch.c1); k++ {
		vec.Prefetch(p.Data[ls.cell(k)*no:], line, lines)
	}
	for k := ch.c0; k < ch.c1; k++ {
		if k+ahead < ch.c1 {
			vec.Prefetch(p.Data[ls.cell(k+ahead)*no:], line, lines)
		}
		e.matchBox(ls, p, k)
	}
	e.sched.clsPartial[j] = e.matchClasses(slot, ls, p, ch)
}

// matchBox evaluates the box term of match k of layer ls through the box
// loss (package iou), which the engine never looks inside:
//
//	ℓ_k, base_k, value_k = box term of (pbox, tbox);  value_k clamped at 0 is held
//	∂total/∂t = box·bs/n · ∂ℓ_k/∂(pxy, log pwh) · ∂(pxy, log pwh)/∂t
//
// before the layer weight, which finishLayer applies.
func (e *Engine[T]) matchBox(ls *layerState, p tensor.Tensor[T], k int) {
	mt := &ls.matches[k]
	v := p.Data[ls.cell(k)*e.cfg.no:]
	t := [4]float64{float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])}
	box, lwh, chain := decode.LossBox(t, [2]float64{mt.AW, mt.AH}, e.cfg.logistic)
	term := e.box.Eval(iou.Pred{Box: box, LogW: lwh[0], LogH: lwh[1]}, mt.Box, ls.grid, &ls.held[k], e.frozen.on)
	if !e.frozen.on {
		// The objectness and IoU class target: the value, detached and
		// clamped at 0.
		ls.value[k] = max(term.Value, 0)
	}
	ls.boxLoss[k], ls.boxBase[k] = term.Loss, term.Base
	if e.call.g != nil {
		g := ls.boxGain
		ls.boxGrad[k] = [4]float64{
			g * term.Grad[0] * chain[0],
			g * term.Grad[1] * chain[1],
			g * term.Grad[2] * chain[2],
			g * term.Grad[3] * chain[3],
		}
	}
}

// matchClasses returns the sum of the class criterion over the classes of
// the matches of chunk ch, and with a gradient stores its contributions to
// ∂total/∂(class logits): a mean over n×nc elements whose target is cn
// everywhere but at the label's class (smooth_BCE): cp, or with
// cls_iou_target the match's held value. YOLOv5 has no class loss for one
// class.
func (e *Engine[T]) matchClasses(slot int, ls *layerState, p tensor.Tensor[T], ch chunk) float64 {
	nc := e.cfg.nc
	if nc == 1 {
		return 0
	}
	n := len(ls.matches)
	scale := e.cfg.h.Cls * e.call.bs / float64(n*nc)
	sc := &e.sched.scratch[slot]
	zero := e.cfg.hasClsZero && e.cfg.cn == 0
	var sum float64
	for k := ch.c0; k < ch.c1; k++ {
		mt := &ls.matches[k]
		tp := e.cfg.cp
		if e.cfg.clsIoUTarget {
			tp = ls.value[k]
		}
		logits := p.Data[ls.cell(k)*e.cfg.no+5:][:nc]
		for c0 := 0; c0 < nc; c0 += bce.Block {
			m := min(bce.Block, nc-c0)
			var cg []float64
			if e.call.g != nil {
				cg = ls.clsGrad[k*nc+c0:][:m]
			}
			if zero && e.cfg.f32 {
				sum += e.clsBlock32(sc, tensor.Float32s(logits[c0:c0+m]), mt.Class-c0, tp, cg, scale)
			} else {
				sum += e.clsBlock(sc, logits[c0:c0+m], mt.Class-c0, tp, zero, cg, scale)
			}
		}
	}
	return sum
}

// clsBlock32 evaluates the class criterion on up to bce.Block float32
// logits x of one match, whose targets are all 0 but tp at index c (the
// label's class, when it is in range), in float32 arithmetic
// (bce.ZeroTarget.Elems32). It stores ∂/∂x·scale in cg (nil: no gradient)
// and returns the loss sum.
func (e *Engine[T]) clsBlock32(sc *scratch, x []float32, c int, tp float64, cg []float64, scale float64) float64 {
	l, g := sc.l32[:len(x)], sc.g32[:len(x)]
	e.cfg.clsZero.Elems32(l, g, x)
	if c >= 0 && c < len(x) {
		lv, gv := e.cfg.cls.Elem(float64(x[c]), tp)
		l[c], g[c] = float32(lv), float32(gv)
	}
	for i := range cg {
		cg[i] = float64(g[i]) * scale
	}
	return vec.Sum(l)
}

// clsBlock is clsBlock32 for any T, in float64 arithmetic: targets cn but
// tp at index c, through the criterion's target-0 form when zero (cn = 0).
func (e *Engine[T]) clsBlock(sc *scratch, logits []T, c int, tp float64, zero bool, cg []float64, scale float64) float64 {
	m := len(logits)
	x, y, l, g := sc.x[:m], sc.y[:m], sc.loss[:m], sc.grad[:m]
	for i, v := range logits {
		x[i] = float64(v)
	}
	if zero {
		e.cfg.clsZero.Elems(l, g, x)
		if c >= 0 && c < m {
			l[c], g[c] = e.cfg.cls.Elem(x[c], tp)
		}
	} else {
		for i := range y {
			y[i] = e.cfg.cn
		}
		if c >= 0 && c < m {
			y[c] = tp
		}
		e.cfg.cls.Elems(l, g, x, y)
	}
	for i := range cg {
		cg[i] = g[i] * scale
	}
	return vec.Sum(l)
}

// finishLayer completes layer i's matched terms, on the caller's
// goroutine, in layer order: the box loss's layer weights w (unfrozen: from
// the matches' bases, moving its running state; frozen: those held), the
// weighted box gradient, the layer's results
//
//	LBox_i = (1/n)·Σ_k w_k·ℓ_k,   LCls_i = (1/(n·nc))·Σ class losses
//
// (gains applied by reduce), and its objectness targets.
func (e *Engine[T]) finishLayer(i int) {
	ls := &e.layers[i]
	lr := &e.res.Layers[i]
	n := len(ls.matches)
	*lr = LayerResult{Balance: e.balance.balance[i], Matches: n}
	if n > 0 && !e.frozen.on {
		ls.weighted = e.box.Weigh(ls.weight, ls.boxBase)
	}
	lr.Box = e.box.State()
	var box, cls float64
	for k := range n {
		if !ls.weighted {
			box += ls.boxLoss[k]
			continue
		}
		w := ls.weight[k]
		box += w * ls.boxLoss[k]
		if e.call.g != nil {
			for d := range ls.boxGrad[k] {
				ls.boxGrad[k][d] *= w
			}
		}
	}
	for j := ls.mchunk0; j < len(e.sched.mchunks) && e.sched.mchunks[j].layer == i; j++ {
		cls += e.sched.clsPartial[j]
	}
	if n > 0 {
		lr.LBox = box / float64(n)
		if e.cfg.nc > 1 {
			lr.LCls = cls / float64(n*e.cfg.nc)
		}
	}
	e.writeTobj(ls)
}

// writeTobj writes the objectness targets of the matched cells in YOLOv5's
// order (by value when SortObjIoU): the last write to a cell wins.
//
//	tobj = (1 − gr) + gr·value
func (e *Engine[T]) writeTobj(ls *layerState) {
	order := grow(e.sched.order, len(ls.matches))
	for k := range order {
		order[k] = k
	}
	if e.cfg.opt.SortObjIoU {
		// argsort by value; ties keep build-targets order.
		e.sched.sortValue = ls.value
		slices.SortStableFunc(order, e.sched.byValue)
		e.sched.sortValue = nil
	}
	gr := e.cfg.gr
	for _, k := range order {
		v := ls.value[k]
		if gr < 1 {
			v = (1 - gr) + gr*v
		}
		ls.tobj[ls.cell(k)] = v
	}
	e.sched.order = order
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
