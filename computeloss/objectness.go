package computeloss

import (
	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/internal/vec"
	"github.com/yolo-loss/yololoss/tensor"
)

// objectness is the fourth phase: the objectness criterion over every
// cell, block by block. The blocks with matched cells, whose gradient
// blocks get the matched cells' box and class terms, run now that those
// terms are known; the plain blocks have been running since assign opened
// them, and the caller takes what is left of them.
func (e *Engine[T]) objectness() { e.sched.runObjectness(len(e.plan.chunks)) }

// scratch is one goroutine's work arrays for the batched criteria.
type scratch struct {
	x, y, loss, grad [bce.Block]float64
	x32, l32, g32    [bce.Block]float32
}

// staging is one goroutine's gradient block of bce.Block cells: zero
// everywhere but in the objectness channel, which each block overwrites.
type staging[T tensor.Float] struct{ g []T }

// objChunk runs the objectness criterion over the blocks of chunk j that
// hold matched cells (matched) or that hold none (plain), storing each
// block's loss sum in e.blocks.sum and, with a gradient, writing the
// blocks' gradient: the objectness derivatives, the matched cells' box and
// class terms (addMatched), and zeros everywhere else. It runs on the
// goroutine of worker slot slot.
//
// The gradient is the bulk of a backward pass's memory traffic: 5+nc values
// per cell, all but one of them 0 outside the matched cells. Each block of
// cells is assembled in a staging block that stays in the L1 cache and is
// streamed out with non-temporal stores (vec.Stream), so memory sees one
// write of every cache line and no read of it; writing in place would
// first read every line into the cache.
func (e *Engine[T]) objChunk(slot, j int, matched bool) {
	ch := e.plan.chunks[j]
	ls := &e.layers[ch.layer]
	no := e.cfg.no
	pd := e.call.p[ch.layer].Data[ch.c0*no : ch.c1*no]
	to := ls.tobj[ch.c0:ch.c1]
	var gd, sg []T
	if e.call.g != nil {
		gd = e.call.g[ch.layer].Data[ch.c0*no : ch.c1*no]
		sg = e.sched.staging[slot].g
	}
	blk0 := ls.block0 + ch.c0/bce.Block // the chunk's first block
	// nextBlock returns the offset of the chunk's first block of the kind
	// asked for from cell b0 on, or len(to).
	nextBlock := func(b0 int) int {
		for ; b0 < len(to); b0 += bce.Block {
			if e.blocks.matched(blk0+b0/bce.Block) == matched {
				return b0
			}
		}
		return len(to)
	}
	b0 := nextBlock(0)
	if b0 == len(to) {
		return
	}
	// The objectness logits are one per row of 5+nc values: each block
	// prefetches the next one's while it evaluates and streams out its
	// own cells (see prefetchPart).
	vec.Prefetch(pd[b0*no+4:], no, min(bce.Block, len(to)-b0))
	for b0 < len(to) {
		n := min(bce.Block, len(to)-b0)
		nb0 := nextBlock(b0 + bce.Block)
		var next []T
		if nb0 < len(to) {
			next = pd[nb0*no+4:]
		}
		var s []T
		if sg != nil {
			s = sg[:n*no]
		}
		// A plain block has every target 0 (tobj is 0 off the matched
		// cells): zeroTargets, which stays in the cache, spares reading
		// those cells' targets from memory.
		y := zeroTargets[:n]
		if matched {
			y = to[b0 : b0+n]
		}
		b := blk0 + b0/bce.Block
		e.blocks.sum[b] = e.objBlock(slot, pd[b0*no:], y, next, s, ls.objGain)
		if s != nil {
			// Plain blocks run while the caller may still be bucketing
			// later layers' matches, and must not read e.blocks.match,
			// which that may reallocate.
			if matched {
				e.addMatched(ls, b, ch.c0+b0, s, false)
			}
			vec.Stream(gd[b0*no:(b0+n)*no], s)
			if matched {
				e.addMatched(ls, b, ch.c0+b0, s, true)
			}
		}
		b0 = nb0
	}
	if sg != nil {
		vec.Fence() // the streamed stores before the scheduler's hand-back
	}
}

// zeroTargets are the objectness targets of a plain block.
var zeroTargets [bce.Block]float64

// objBlock evaluates the objectness criterion on the cells of one block, p
// from the block's first cell on, with targets y; see objBlock32 and
// objBlock64, which it chooses between.
func (e *Engine[T]) objBlock(slot int, p []T, y []float64, next, s []T, scale float64) float64 {
	sc := &e.sched.scratch[slot]
	if e.cfg.hasObjZero && e.cfg.f32 {
		return e.objBlock32(sc, tensor.Float32s(p), y, next, s, scale)
	}
	return e.objBlock64(sc, p, y, next, s, scale)
}

// objBlock32 evaluates the objectness criterion on a block of float32
// data: the target-0 bulk in float32 arithmetic (bce.ZeroTarget.Elems32),
// then the matched cells with the criterion's Elem. It prefetches the
// objectness logits of the next block (nil: none; see prefetchPart),
// writes ∂/∂logit·scale into the objectness slots of the staging block s
// (nil: no gradient), and returns the block's loss sum.
func (e *Engine[T]) objBlock32(sc *scratch, p []float32, y []float64, next, s []T, scale float64) float64 {
	n, no := len(y), e.cfg.no
	x, l, g := sc.x32[:n], sc.l32[:n], sc.g32[:n]
	for i := range x {
		x[i] = p[i*no+4]
	}
	prefetchPart(next, no, 0)
	e.cfg.objZero.Elems32(l, g, x)
	prefetchPart(next, no, 1)
	for i, v := range y {
		if v != 0 {
			lv, gv := e.cfg.obj.Elem(float64(x[i]), v)
			l[i], g[i] = float32(lv), float32(gv)
		}
	}
	prefetchPart(next, no, 2)
	if s != nil {
		for i, v := range g {
			s[i*no+4] = T(float64(v) * scale)
		}
	}
	prefetchPart(next, no, 3)
	return vec.Sum(l)
}

// objBlock64 is objBlock32 for any T, in float64 arithmetic.
func (e *Engine[T]) objBlock64(sc *scratch, p []T, y []float64, next, s []T, scale float64) float64 {
	n, no := len(y), e.cfg.no
	x, l, g := sc.x[:n], sc.loss[:n], sc.grad[:n]
	for i := range x {
		x[i] = float64(p[i*no+4])
	}
	prefetchPart(next, no, 0)
	if e.cfg.hasObjZero {
		// The bulk at target 0, then the few matched cells.
		e.cfg.objZero.Elems(l, g, x)
		prefetchPart(next, no, 1)
		for i, v := range y {
			if v != 0 {
				l[i], g[i] = e.cfg.obj.Elem(x[i], v)
			}
		}
	} else {
		e.cfg.obj.Elems(l, g, x, y)
		prefetchPart(next, no, 1)
	}
	prefetchPart(next, no, 2)
	if s != nil {
		for i, v := range g {
			s[i*no+4] = T(v * scale)
		}
	}
	prefetchPart(next, no, 3)
	return vec.Sum(l)
}

// addMatched adds the box and class gradients of the matches in block b
// (cells from c0 on) to the staging block s, in match order, or, with
// reset, sets those entries back to 0.
func (e *Engine[T]) addMatched(ls *layerState, b, c0 int, s []T, reset bool) {
	no, nc := e.cfg.no, e.cfg.nc
	for _, k := range e.blocks.match[e.blocks.off[b]:e.blocks.off[b+1]] {
		g := s[(ls.cell(int(k))-c0)*no:][:no]
		if reset {
			clear(g[:4])
			clear(g[5:])
			continue
		}
		for d, v := range ls.boxGrad[k] {
			g[d] += T(v)
		}
		if nc > 1 {
			for d, v := range ls.clsGrad[int(k)*nc : (int(k)+1)*nc] {
				g[5+d] += T(v)
			}
		}
	}
}

// prefetchPart prefetches the objectness logits of part k of 4 of the
// next block, whose data start at next (nil: no next block). A block's
// work issues the four parts at four points, so that the prefetches
// overlap with the arithmetic instead of stalling on the few cache misses
// a processor can have in flight.
func prefetchPart[T tensor.Float](next []T, no, k int) {
	const q = bce.Block / 4
	if len(next) > k*q*no {
		vec.Prefetch(next[k*q*no:], no, q)
	}
}
