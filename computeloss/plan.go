package computeloss

import (
	"slices"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// chunkCells is how many cells one objectness work item covers. The split
// depends only on the shapes, never on the number of workers, so sums are
// combined in the same order, and results are bit-identical, at any
// GOMAXPROCS. It is a multiple of bce.Block, so that chunks are made of
// whole blocks.
const chunkCells = 64 * bce.Block

// chunkMatches is how many matches one box-and-class work item covers.
const chunkMatches = 128

// chunk is one work item: cells, or matches, [c0, c1) of a layer.
type chunk struct{ layer, c0, c1 int }

// plan is what the shapes of a call fix: the objectness chunks and the
// per-layer buffers that follow the grid. It is rebuilt only when the
// shapes change.
type plan struct {
	shapes [][5]int // the shapes the plan was built for
	next   [][5]int // the current call's shapes (validate)
	grids  [][2]int // the current call's grids (validate)
	chunks []chunk  // objectness chunks, layer by layer
	blocks int      // blocks of bce.Block cells, over every layer
}

// layerState is one layer's matches and their terms. The fields marked
// held are written only by unfrozen calls and reused by frozen ones.
type layerState struct {
	geo     target.Layer
	grid    iou.Grid
	shape   [5]int
	matches []target.Match
	held    []iou.Held // per match: the box loss's held terms (held)
	value   []float64  // per match: the box term's value clamped at 0 (held)
	weight  []float64  // per match: the box loss's layer weight (held)
	// weighted: weight is in force; else every weight is 1 (held).
	weighted bool
	boxLoss  []float64    // per match: the box loss ℓ, before the weight
	boxBase  []float64    // per match: what the layer weight is computed from
	boxGrad  [][4]float64 // per match: ∂total/∂(raw x, y, w, h)
	clsGrad  []float64    // per match × nc: ∂total/∂(class logits)
	tobj     []float64    // per cell: objectness target, 0 off the matches
	objGain  float64      // ∂total/∂(mean objectness loss of the layer)
	boxGain  float64      // ∂total/∂(a match's box loss ℓ): box·bs/n
	block0   int          // index of the layer's first block
	mchunk0  int          // index of the layer's first match chunk
}

// cell returns the flat cell index of a match, ((b·na + a)·ny + gj)·nx + gi.
func (ls *layerState) cell(k int) int {
	return ls.matches[k].Cell(ls.shape[1], ls.shape[2], ls.shape[3])
}

// begin starts a call that validate passed: it fits the plan to the call's
// shapes, keeps the call's tensors, and starts the scheduler's region.
func (e *Engine[T]) begin(p, grad []tensor.Tensor[T]) {
	e.fitPlan()
	e.call = call[T]{p: p, g: grad, bs: float64(p[0].Shape[0])}
	e.sched.begin()
}

// end closes the call: the scheduler's workers leave, and the engine
// drops the call's tensors.
func (e *Engine[T]) end() {
	e.sched.end()
	e.call = call[T]{}
}

// fitPlan rebuilds the plan and the per-layer cell buffers when the
// call's shapes (plan.next) differ from the plan's.
func (e *Engine[T]) fitPlan() {
	pl := &e.plan
	if slices.Equal(pl.shapes, pl.next) {
		return
	}
	pl.shapes = append(pl.shapes[:0], pl.next...)
	pl.chunks = pl.chunks[:0]
	pl.blocks = 0
	for i, sh := range pl.shapes {
		ls := &e.layers[i]
		ls.shape = sh
		ls.geo.NY, ls.geo.NX = sh[2], sh[3]
		ls.grid = iou.Grid{NY: sh[2], NX: sh[3]}
		cells := sh[0] * sh[1] * sh[2] * sh[3]
		ls.tobj = make([]float64, cells)
		for c0 := 0; c0 < cells; c0 += chunkCells {
			pl.chunks = append(pl.chunks, chunk{i, c0, min(c0+chunkCells, cells)})
		}
		ls.block0 = pl.blocks
		pl.blocks += (cells + bce.Block - 1) / bce.Block
	}
	e.blocks.size(pl.blocks)
}

// grow returns s with length n, reallocating only when its capacity is
// short.
func grow[S ~[]E, E any](s S, n int) S {
	if cap(s) < n {
		return make(S, n, n+n/4)
	}
	return s[:n]
}
