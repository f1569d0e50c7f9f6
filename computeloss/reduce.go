package computeloss

import (
	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/target"
)

// reduce is the last phase, on the caller's goroutine: each layer's mean
// objectness loss from its block sums (in chunk order, each the sum of its
// blocks in block order, so the same at any worker count), the gains and
// balance, the autobalance update, the layers without matches, and the
// call's record for frozen calls.
//
//	obj_i = (1/N_i)·Σ_cells ℓ_obj,   lobj = obj·Σ_i balance_i·obj_i
//	total = (box·lbox + obj·lobj' + cls·lcls)·bs
func (e *Engine[T]) reduce(labels []target.Label) {
	h := &e.cfg.h
	update := e.balance.on && !e.frozen.on
	var lbox, lobj, lcls float64
	e.res.Unmatched = e.res.Unmatched[:0]
	j := 0
	for i := range e.layers {
		ls := &e.layers[i]
		var sum float64
		for ; j < len(e.plan.chunks) && e.plan.chunks[j].layer == i; j++ {
			ch := e.plan.chunks[j]
			var cs float64
			for _, v := range e.blocks.sum[ls.block0+ch.c0/bce.Block : ls.block0+(ch.c1+bce.Block-1)/bce.Block] {
				cs += v
			}
			sum += cs
		}
		obji := sum / float64(len(ls.tobj))
		lr := &e.res.Layers[i]
		lr.Obj = obji
		lbox += lr.LBox
		lcls += lr.LCls
		lobj += obji * e.balance.balance[i]
		lr.LBox *= h.Box
		lr.LCls *= h.Cls
		lr.LObj = h.Obj * obji * e.balance.balance[i]
		if lr.Matches == 0 && len(labels) > 0 {
			e.res.Unmatched = append(e.res.Unmatched, i)
		}
		if update {
			e.balance.update(i, obji)
		}
		// The matched cells' targets back to 0 for the next call.
		for k := range ls.matches {
			ls.tobj[ls.cell(k)] = 0
		}
	}
	if update {
		e.balance.normalize()
	}
	lbox *= h.Box
	lobj *= h.Obj
	lcls *= h.Cls
	e.res.Loss = (lbox + lobj + lcls) * e.call.bs
	e.res.LBox, e.res.LObj, e.res.LCls = lbox, lobj, lcls
	copy(e.res.Balance, e.balance.balance)
	e.res.Box = e.box.State()
	if !e.frozen.on {
		e.frozen.record(labels, e.plan.shapes)
	}
}
