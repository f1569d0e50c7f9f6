package computeloss

import (
	"slices"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/target"
)

// blockIndex lists the matches of each block of bce.Block cells, over
// every layer: the matches of block b (numbered across layers) are
// match[off[b]:off[b+1]], indices into their layer's matches, in match
// order. A block with none is a plain block: its cells' objectness targets
// are all 0.
type blockIndex struct {
	off   []int
	match []int32
	cur   []int     // per block: bucket's cursor
	sum   []float64 // per block: its objectness loss sum (objectness)
}

func (bi *blockIndex) size(blocks int) {
	bi.off = make([]int, blocks+1)
	bi.cur = make([]int, blocks)
	bi.sum = make([]float64, blocks)
}

// matched reports whether block b holds a matched cell.
func (bi *blockIndex) matched(b int) bool { return bi.off[b] != bi.off[b+1] }

// assign is the second phase: YOLOv5's build_targets for each layer in
// turn (package target), the per-match buffers sized to the matches, and
// the matches bucketed by block. As each layer is bucketed, the plain
// blocks of its chunks are opened to the scheduler's workers, which start
// the objectness pass on them while the caller goes on.
func (e *Engine[T]) assign(labels []target.Label) {
	h := &e.cfg.h
	e.sched.mchunks = e.sched.mchunks[:0]
	e.sched.publishPlain()
	nch := 0 // objectness chunks of the layers so far
	for i := range e.layers {
		ls := &e.layers[i]
		ls.matches = target.Build(ls.matches, ls.geo, labels, h.AnchorT)
		e.sizeMatchBuffers(ls)
		ls.mchunk0 = len(e.sched.mchunks)
		for k0 := 0; k0 < len(ls.matches); k0 += chunkMatches {
			e.sched.mchunks = append(e.sched.mchunks, chunk{i, k0, min(k0+chunkMatches, len(ls.matches))})
		}
		ls.objGain = h.Obj * e.call.bs * e.balance.balance[i] / float64(len(ls.tobj))
		if n := len(ls.matches); n > 0 {
			ls.boxGain = h.Box * e.call.bs / float64(n)
		}
		e.bucket(ls)
		for nch < len(e.plan.chunks) && e.plan.chunks[nch].layer == i {
			nch++
		}
		e.sched.openPlain(nch)
	}
	e.sched.clsPartial = grow(e.sched.clsPartial, len(e.sched.mchunks))
}

// sizeMatchBuffers sizes a layer's per-match buffers for its matches; the
// held ones only on unfrozen calls, whose matches a frozen call repeats.
func (e *Engine[T]) sizeMatchBuffers(ls *layerState) {
	n := len(ls.matches)
	if !e.frozen.on {
		ls.held = grow(ls.held, n)
		ls.value = grow(ls.value, n)
		ls.weight = grow(ls.weight, n)
	}
	ls.boxLoss = grow(ls.boxLoss, n)
	ls.boxBase = grow(ls.boxBase, n)
	if e.call.g != nil {
		ls.boxGrad = grow(ls.boxGrad, n)
		if e.cfg.nc > 1 {
			ls.clsGrad = grow(ls.clsGrad, n*e.cfg.nc)
		}
	}
}

// bucket sorts the matches of layer ls by block, keeping match order
// within a block (a counting sort), into e.blocks. Layers are bucketed in
// order, each after the one before; off at the layer's first block is
// already the previous layer's end (0 for the first layer), and is not
// written, as the objectness pass may be reading it.
func (e *Engine[T]) bucket(ls *layerState) {
	bi := &e.blocks
	sh := ls.shape
	nb := (sh[0]*sh[1]*sh[2]*sh[3] + bce.Block - 1) / bce.Block
	off := bi.off[ls.block0 : ls.block0+nb+1]
	cur := bi.cur[ls.block0 : ls.block0+nb]
	clear(off[1:])
	for k := range ls.matches {
		off[ls.cell(k)/bce.Block+1]++
	}
	for b := range nb {
		off[b+1] += off[b]
	}
	copy(cur, off[:nb])
	// The earlier layers' matches, off[0] of them, stay. Workers on plain
	// blocks never read match, which this may reallocate.
	bi.match = slices.Grow(bi.match[:off[0]], off[nb]-off[0])[:off[nb]]
	for k := range ls.matches {
		b := ls.cell(k) / bce.Block
		bi.match[cur[b]] = int32(k)
		cur[b]++
	}
}
