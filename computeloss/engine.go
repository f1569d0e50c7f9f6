package computeloss

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"unsafe"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/ciou"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/vec"
	"github.com/yolo-loss/yololoss/target"
)

// Autobalance update constants of YOLOv5's ComputeLoss:
// balance ← balance·0.9999 + 0.0001/obj.
const (
	abKeep = 0.9999
	abStep = 0.0001
	// abFloor bounds the update's divisor: a mean objectness loss below
	// it, far below any a model produces, counts as abFloor. The balance
	// then stays under abStep/abFloor/(1 − abKeep) = 1e12.
	abFloor = 1e-12
)

// chunkCells is how many cells one objectness work item covers. The split
// depends only on the shapes, never on the number of workers, so sums are
// combined in the same order, and results are bit-identical, at any
// GOMAXPROCS. It is a multiple of bce.Block, so that chunks are made of
// whole blocks.
const chunkCells = 64 * bce.Block

// chunkMatches is how many matches one box-and-class work item covers.
const chunkMatches = 128

// Result is the outcome of one call. Its slices belong to the engine and
// are overwritten by the next call.
type Result struct {
	Loss float64 // (lbox + lobj + lcls)·bs, the value to minimise
	LBox float64 // box loss after the box gain
	LObj float64 // objectness loss after the balance and the obj gain
	LCls float64 // class loss after the cls gain
	// Balance is the per-layer objectness balance after the call (it moves
	// only with Autobalance).
	Balance []float64
	Layers  []LayerResult
}

// LayerResult breaks a Result down by output layer.
type LayerResult struct {
	Matches int     // matched (target, anchor, cell) triples, neighbour cells included
	LBox    float64 // box gain·mean(1 − CIoU)
	LObj    float64 // obj gain·balance·Obj
	LCls    float64 // cls gain·mean class loss
	Obj     float64 // mean objectness loss of the layer, before balance and gain
	Balance float64 // the balance this call used
}

// layerState is the per-layer scratch of an engine.
type layerState struct {
	geo     target.Layer
	matches []target.Match
	iou     []float64    // per match: CIoU clamped at 0
	alpha   []float64    // per match: the CIoU aspect weight α
	boxGrad [][4]float64 // per match: ∂total/∂(raw x, y, w, h)
	clsGrad []float64    // per match × nc: ∂total/∂(class logits)
	tobj    []float64    // per cell: objectness target, 0 off the matches
	objGain float64      // ∂total/∂(mean objectness loss of the layer)
	block0  int          // index of the layer's first block in Engine.blockOff
}

// chunk is one objectness work item: cells [c0, c1) of a layer.
type chunk struct{ layer, c0, c1 int }

// Engine computes YOLOv5's ComputeLoss and its gradient for predictions of
// element type T.
//
// An Engine is not safe for concurrent use: it holds the autobalance state
// and reusable buffers. Use one Engine per goroutine; any number of engines
// may run at once. A call itself spreads the objectness pass over
// SetWorkers goroutines (GOMAXPROCS by default). After the first call with
// given shapes and label count, calls allocate nothing.
type Engine[T Float] struct {
	h        hyp.Hyp
	m        Model
	opt      Options
	cls, obj bce.Criterion
	// The criteria's forms at target 0, where almost every objectness
	// and class element is: evaluated in bulk by the vector kernel.
	clsZero, objZero       bce.ZeroTarget
	hasClsZero, hasObjZero bool
	f32                    bool    // T is ~float32: the bulk runs in float32 (vec.ZeroTarget32)
	cp, cn                 float64 // class targets of smooth_BCE
	balance                []float64
	ssi                    int // index of the stride-16 layer
	workers                int
	frozen                 bool // reuse the detached terms of the last unfrozen call

	layers  []layerState
	order   []int
	chunks  []chunk
	shapes  [][5]int // shapes the chunks were built for
	res     Result
	sortKey func(a, b int) int
	sortIoU []float64
	// runFree and runMarked run objectness chunk j on the current call's
	// tensors, over its blocks without and with matched cells.
	runFree, runMarked func(slot, j int)
	runMatch           func(slot, j int) // runs match chunk j
	mchunks            []chunk           // match chunks: matches [c0, c1) of a layer
	// The matches of each block of bce.Block cells, in match order:
	// blockMatch[blockOff[b]:blockOff[b+1]] for block b (see bucketLayer).
	blockOff   []int
	blockMatch []int32
	blockCur   []int        // per block: bucketLayer's cursor
	blockSum   []float64    // per block: its objectness loss sum
	mpartial   [][2]float64 // per match chunk: Σ(1 − CIoU), Σ class loss
	fbs        float64      // batch size of the current call
	scratch    []scratch    // per worker slot
	staging    []staging[T] // per worker slot
	curP       []Tensor[T]
	curG       []Tensor[T]
	par        region
}

// New returns an engine for the hyperparameters h, the model m and the
// options opt (nil means DefaultOptions). The hyp is copied.
func New[T Float](h *hyp.Hyp, m Model, opt *Options) (*Engine[T], error) {
	if h == nil {
		return nil, errors.New("computeloss: nil hyp")
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	o := DefaultOptions()
	if opt != nil {
		o = *opt
	}
	if !(o.GR >= 0 && o.GR <= 1) {
		return nil, fmt.Errorf("computeloss: gr must be in [0, 1], got %v", o.GR)
	}
	e := &Engine[T]{h: *h, m: m, opt: o}
	// float32 data gets the float32-grade exponential and logarithm.
	var zero T
	f32 := unsafe.Sizeof(zero) == 4 // T is ~float32
	e.f32 = f32
	e.cls, e.obj = Criteria(h, f32)
	if z, ok := e.cls.(bce.ZeroTargeter); ok {
		e.clsZero, e.hasClsZero = z.ZeroTarget(), true
	}
	if z, ok := e.obj.(bce.ZeroTargeter); ok {
		e.objZero, e.hasObjZero = z.ZeroTarget(), true
	}
	// smooth_BCE(eps): positive and negative class targets 1 − eps/2, eps/2.
	e.cp, e.cn = 1-0.5*h.LabelSmoothing, 0.5*h.LabelSmoothing
	nl := m.NL()
	e.balance = Balance(nl)
	if len(e.balance) < nl {
		return nil, fmt.Errorf("computeloss: no objectness balance for %d layers", nl)
	}
	if o.Autobalance {
		e.ssi = slices.Index(m.Strides, 16)
		if e.ssi < 0 {
			return nil, errors.New("computeloss: autobalance needs a stride-16 layer in Model.Strides")
		}
	}
	e.layers = make([]layerState, nl)
	for i := range e.layers {
		e.layers[i].geo.Anchors = m.Anchors[i]
	}
	e.res.Balance = make([]float64, len(e.balance))
	e.res.Layers = make([]LayerResult, nl)
	e.sortKey = func(a, b int) int {
		// argsort by IoU; ties keep build-targets order.
		if c := cmpFloat(e.sortIoU[a], e.sortIoU[b]); c != 0 {
			return c
		}
		return a - b
	}
	e.runMatch = e.matchChunk
	e.runFree = func(slot, j int) { e.objChunk(slot, j, false) }
	e.runMarked = func(slot, j int) { e.objChunk(slot, j, true) }
	return e, nil
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

// ensureSlots makes per-goroutine work space for w worker slots.
func (e *Engine[T]) ensureSlots(w int) {
	for len(e.scratch) < w {
		e.scratch = append(e.scratch, scratch{})
	}
	for len(e.staging) < w {
		// Allocated here, not on a worker's first chunk: a pool worker
		// may first join in long after the warm-up calls.
		e.staging = append(e.staging, staging[T]{g: make([]T, bce.Block*(5+e.m.NC))})
	}
}

// SetWorkers sets how many goroutines a call may use; n ≤ 0 means
// runtime.GOMAXPROCS(0) at each call. Results do not depend on it.
func (e *Engine[T]) SetWorkers(n int) { e.workers = n }

// SetFrozen freezes (or thaws) the two terms YOLOv5 detaches: while
// frozen, calls reuse the objectness targets and the CIoU aspect weights of
// the last unfrozen call instead of recomputing them from the predictions.
// The loss is then a smooth function of the predictions whose exact
// gradient Loss returns, which an optimiser with a line search needs (see
// lossdemo fit); unfrozen, the gradient is YOLOv5's, which treats those
// terms as constants but lets them move with the predictions. Frozen calls
// must have the labels and shapes of the last unfrozen call, or Loss returns
// an error. The autobalance balance is held as well: a balance that moved
// with every evaluation would change the function being minimised.
func (e *Engine[T]) SetFrozen(frozen bool) { e.frozen = frozen }

// Criteria returns the class and objectness criteria in force.
func (e *Engine[T]) Criteria() (cls, obj bce.Criterion) { return e.cls, e.obj }

// Balance returns the current objectness balance (a copy).
func (e *Engine[T]) Balance() []float64 { return slices.Clone(e.balance) }

// Model returns the model description the engine was built for.
func (e *Engine[T]) Model() Model { return e.m }

// Hyp returns a copy of the hyperparameters in force.
func (e *Engine[T]) Hyp() hyp.Hyp { return e.h }

// Loss computes YOLOv5's loss of the predictions p (one tensor per layer)
// for the labels, rows of (image, class, x, y, w, h) normalised to 0..1:
//
//	total = (box·Σ_i mean(1 − CIoU) + obj·Σ_i balance_i·mean(ℓ_obj) + cls·Σ_i mean(ℓ_cls))·bs
//
// When grad is not nil, it also writes ∂total/∂p into grad, one tensor per
// layer of the same shapes as p; every element is written. It panics if
// grad does not match p in count or shape: that is a programming error.
// Predictions whose shapes do not fit the model, and invalid labels, are
// returned as errors, and the engine's state is then unchanged.
func (e *Engine[T]) Loss(p []Tensor[T], labels []target.Label, grad []Tensor[T]) (Result, error) {
	if err := e.check(p, labels); err != nil {
		return Result{}, err
	}
	if grad != nil {
		if len(grad) != len(p) {
			panic(fmt.Sprintf("computeloss: %d gradient tensors for %d layers", len(grad), len(p)))
		}
		for i := range grad {
			if grad[i].Shape != p[i].Shape || len(grad[i].Data) != len(p[i].Data) {
				panic(fmt.Sprintf("computeloss: gradient %d has shape %v (%d elements), prediction has %v",
					i, grad[i].Shape, len(grad[i].Data), p[i].Shape))
			}
		}
	}
	h := &e.h
	fbs := float64(p[0].Shape[0])
	e.prepare(p)
	w := min(e.workersNow(), maxWorkers)
	e.ensureSlots(w)
	// The pool's workers wake up while this goroutine builds the targets
	// (see region).
	e.par.begin(w)
	defer e.par.end()

	// Matches first, and the blocks of cells they fall in, layer by layer.
	// The objectness pass over the blocks without matched cells needs
	// nothing more: the pool's workers start on a layer's as soon as its
	// matches are in place (unfrozen, where a later layer cannot fail).
	e.mchunks = e.mchunks[:0]
	e.curP, e.curG, e.fbs = p, grad, fbs
	e.par.publish(stepFree, 0, e.runFree)
	nch := 0 // objectness chunks of the layers so far
	for i := range p {
		ls := &e.layers[i]
		n := len(ls.matches)
		ls.matches = target.Build(ls.matches, ls.geo, labels, h.AnchorT)
		if e.frozen && (len(ls.matches) != n || len(ls.alpha) != n) {
			e.curP, e.curG = nil, nil
			return Result{}, fmt.Errorf("computeloss: frozen targets: layer %d has %d matches, the last unfrozen call had %d", i, len(ls.matches), len(ls.alpha))
		}
		e.sizeMatchBuffers(ls, grad != nil)
		for k0 := 0; k0 < len(ls.matches); k0 += chunkMatches {
			e.mchunks = append(e.mchunks, chunk{i, k0, min(k0+chunkMatches, len(ls.matches))})
		}
		ls.objGain = h.Obj * fbs * e.balance[i] / float64(len(ls.tobj))
		e.bucketLayer(i, p[i].Shape)
		for nch < len(e.chunks) && e.chunks[nch].layer == i {
			nch++
		}
		if !e.frozen {
			e.par.open(stepFree, nch)
		}
	}
	e.par.open(stepFree, nch)
	e.mpartial = grow(e.mpartial, len(e.mchunks))

	// The matched cells' box and class terms, in chunks that the workers
	// take too once they run out of blocks.
	e.par.publish(stepMatch, len(e.mchunks), e.runMatch)
	e.par.drain(stepMatch)
	e.par.wait(stepMatch)
	j := 0
	for i := range p {
		ls := &e.layers[i]
		lr := &e.res.Layers[i]
		*lr = LayerResult{Balance: e.balance[i], Matches: len(ls.matches)}
		var box, cls float64
		for ; j < len(e.mchunks) && e.mchunks[j].layer == i; j++ {
			box += e.mpartial[j][0]
			cls += e.mpartial[j][1]
		}
		if n := float64(len(ls.matches)); n > 0 {
			lr.LBox = box / n
			if e.m.NC > 1 {
				lr.LCls = cls / (n * float64(e.m.NC))
			}
		}
		e.writeTobj(ls, p[i].Shape)
	}

	// Then the blocks with matched cells, whose gradient blocks get the
	// matched cells' box and class terms before they are written out, and
	// what is left of the others.
	e.par.publish(stepMarked, len(e.chunks), e.runMarked)
	e.par.drain(stepMarked)
	e.par.drain(stepFree)
	e.par.wait(stepMarked)
	e.par.wait(stepFree)
	e.par.end() // the workers go back to the pool before the serial tail
	e.curP, e.curG = nil, nil

	var lbox, lobj, lcls float64
	j = 0
	for i := range p {
		ls := &e.layers[i]
		// Per-layer sum of the chunk sums, in chunk order, each the sum
		// of its block sums in block order.
		var sum float64
		for ; j < len(e.chunks) && e.chunks[j].layer == i; j++ {
			ch := e.chunks[j]
			var cs float64
			for _, v := range e.blockSum[ls.block0+ch.c0/bce.Block : ls.block0+(ch.c1+bce.Block-1)/bce.Block] {
				cs += v
			}
			sum += cs
		}
		obji := sum / float64(len(ls.tobj))
		lr := &e.res.Layers[i]
		lr.Obj = obji
		lbox += lr.LBox
		lcls += lr.LCls
		lobj += obji * e.balance[i]
		lr.LBox *= h.Box
		lr.LCls *= h.Cls
		lr.LObj = h.Obj * obji * e.balance[i]
		// YOLOv5 divides by the layer's mean objectness loss; where every
		// cell's loss has underflowed that makes the balance infinite and
		// then NaN, so the divisor is floored at abFloor.
		if e.opt.Autobalance && !e.frozen {
			e.balance[i] = e.balance[i]*abKeep + abStep/max(obji, abFloor)
		}

		// The matched cells' targets back to 0 for the next call.
		for k := range ls.matches {
			ls.tobj[cell(&ls.matches[k], p[i].Shape)] = 0
		}
	}
	if e.opt.Autobalance && !e.frozen {
		ref := e.balance[e.ssi]
		for i := range e.balance {
			e.balance[i] /= ref
		}
	}
	lbox *= h.Box
	lobj *= h.Obj
	lcls *= h.Cls
	e.res.Loss = (lbox + lobj + lcls) * fbs
	e.res.LBox, e.res.LObj, e.res.LCls = lbox, lobj, lcls
	copy(e.res.Balance, e.balance)
	return e.res, nil
}

// cell returns the flat cell index of a match, ((b·na + a)·ny + gj)·nx + gi.
func cell(m *target.Match, sh [5]int) int {
	return m.Cell(sh[1], sh[2], sh[3])
}

// prepare sizes the per-layer buffers and the chunk list for the shapes of p.
func (e *Engine[T]) prepare(p []Tensor[T]) {
	same := len(e.shapes) == len(p)
	for i := range p {
		same = same && e.shapes[i] == p[i].Shape
	}
	if same {
		return
	}
	e.shapes = e.shapes[:0]
	e.chunks = e.chunks[:0]
	blocks := 0
	for i := range p {
		sh := p[i].Shape
		e.shapes = append(e.shapes, sh)
		ls := &e.layers[i]
		ls.geo.NY, ls.geo.NX = sh[2], sh[3]
		cells := sh[0] * sh[1] * sh[2] * sh[3]
		ls.tobj = make([]float64, cells)
		for c0 := 0; c0 < cells; c0 += chunkCells {
			e.chunks = append(e.chunks, chunk{i, c0, min(c0+chunkCells, cells)})
		}
		ls.block0 = blocks
		blocks += (cells + bce.Block - 1) / bce.Block
	}
	e.blockOff = make([]int, blocks+1)
	e.blockCur = make([]int, blocks)
	e.blockSum = make([]float64, blocks)
}

// bucketLayer sorts the matches of layer i, of shape sh, by block,
// keeping match order within a block (a counting sort), into e.blockOff
// and e.blockMatch: the matches of block b are
// blockMatch[blockOff[b]:blockOff[b+1]]. Layers are sorted in order, each
// after the one before; blockOff at the layer's first block is already
// the previous layer's end (0 for the first layer), and is not written,
// as the objectness pass may be reading it.
func (e *Engine[T]) bucketLayer(i int, sh [5]int) {
	ls := &e.layers[i]
	nb := (sh[0]*sh[1]*sh[2]*sh[3] + bce.Block - 1) / bce.Block
	off := e.blockOff[ls.block0 : ls.block0+nb+1]
	cur := e.blockCur[ls.block0 : ls.block0+nb]
	clear(off[1:])
	for k := range ls.matches {
		off[cell(&ls.matches[k], sh)/bce.Block+1]++
	}
	for b := range nb {
		off[b+1] += off[b]
	}
	copy(cur, off[:nb])
	// The earlier layers' matches, off[0] of them, stay.
	e.blockMatch = slices.Grow(e.blockMatch[:off[0]], off[nb]-off[0])[:off[nb]]
	for k := range ls.matches {
		b := cell(&ls.matches[k], sh) / bce.Block
		e.blockMatch[cur[b]] = int32(k)
		cur[b]++
	}
}

// addMatched adds the box and class gradients of the matches in block b
// (cells from c0 on) to the staging block s, in match order, or, with
// reset, sets those entries back to 0.
func (e *Engine[T]) addMatched(ls *layerState, sh [5]int, b, c0 int, s []T, reset bool) {
	no, nc := 5+e.m.NC, e.m.NC
	for _, k := range e.blockMatch[e.blockOff[b]:e.blockOff[b+1]] {
		g := s[(cell(&ls.matches[k], sh)-c0)*no:][:no]
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

// sizeMatchBuffers sizes a layer's per-match buffers for its matches.
func (e *Engine[T]) sizeMatchBuffers(ls *layerState, withGrad bool) {
	n := len(ls.matches)
	if !e.frozen {
		ls.iou = grow(ls.iou, n)
		ls.alpha = grow(ls.alpha, n)
	}
	if withGrad {
		ls.boxGrad = grow(ls.boxGrad, n)
		if e.m.NC > 1 {
			ls.clsGrad = grow(ls.clsGrad, n*e.m.NC)
		}
	}
}

// matchChunk computes, for the matches of one chunk, the sums of 1 − CIoU
// and of the class losses into e.mpartial[j], and with a gradient their
// contributions to ∂total/∂p, kept in the layer's boxGrad and clsGrad
// until the objectness pass has written the gradient. Unfrozen, it records
// the clamped IoU and the aspect weight of every match.
func (e *Engine[T]) matchChunk(slot, j int) {
	ch := e.mchunks[j]
	ls := &e.layers[ch.layer]
	p := e.curP[ch.layer]
	n := len(ls.matches)
	nc := e.m.NC
	no := 5 + nc
	pd := p.Data
	// total = box·bs·(1/n)·Σ(1 − CIoU) + …, so ∂total/∂CIoU = −box·bs/n.
	gCIoU := -e.h.Box * e.fbs / float64(n)
	// The matched cells' rows are scattered over the tensor: each is
	// prefetched, all its cache lines, a few matches ahead, and is still
	// in the cache for the class loop below.
	var z T
	line := 64 / int(unsafe.Sizeof(z))
	lines := (no+line-1)/line + 1
	const ahead = 8
	for k := ch.c0; k < min(ch.c0+ahead, ch.c1); k++ {
		vec.Prefetch(pd[cell(&ls.matches[k], p.Shape)*no:], line, lines)
	}
	// float32 data get the float32-grade exponential and logarithm.
	lg := bce.BCE{Fast: e.f32}
	var sumBox float64
	for k := ch.c0; k < ch.c1; k++ {
		mt := &ls.matches[k]
		off := cell(mt, p.Shape) * no
		if k+ahead < ch.c1 {
			vec.Prefetch(pd[cell(&ls.matches[k+ahead], p.Shape)*no:], line, lines)
		}
		// pxy = 2σ(t) − 0.5,  pwh = (2σ(t))²·anchor, and
		// log pwh = log(4·anchor) + 2·log σ(t), log σ(t) = −log(1 + e^{−t})
		sx, scx, _ := lg.Logistic(float64(pd[off]))
		sy, scy, _ := lg.Logistic(float64(pd[off+1]))
		tw, th := float64(pd[off+2]), float64(pd[off+3])
		sw, scw, spw := lg.Logistic(tw)
		sh, sch, sph := lg.Logistic(th)
		pbox := ciou.Box{2*sx - 0.5, 2*sy - 0.5, 4 * sw * sw * mt.AW, 4 * sh * sh * mt.AH}
		lwh := [2]float64{math.Log(4*mt.AW) - 2*(spw+max(-tw, 0)), math.Log(4*mt.AH) - 2*(sph+max(-th, 0))}
		alpha := math.NaN()
		if e.frozen {
			alpha = ls.alpha[k]
		}
		c, d, a := ciou.GradLog(pbox, lwh, mt.Box, alpha)
		if !e.frozen {
			ls.alpha[k] = a
			// The objectness target is the IoU, detached and clamped at 0.
			ls.iou[k] = max(c, 0)
		}
		sumBox += 1 - c
		if e.curG != nil {
			// ∂pxy/∂t = 2σ(t)σ(−t),  ∂log pwh/∂t = 2σ(−t)
			ls.boxGrad[k] = [4]float64{
				gCIoU * d[0] * 2 * sx * scx,
				gCIoU * d[1] * 2 * sy * scy,
				gCIoU * d[2] * 2 * scw,
				gCIoU * d[3] * 2 * sch,
			}
		}
	}
	e.mpartial[j] = [2]float64{sumBox, 0}
	if nc == 1 {
		return // YOLOv5 has no class loss for one class
	}
	// The class criterion over n×nc elements, a mean; the target is cn
	// everywhere but cp at the label's class (smooth_BCE).
	gScale := e.h.Cls * e.fbs / float64(n*nc)
	sc := &e.scratch[slot]
	var sum float64
	zero := e.hasClsZero && e.cn == 0
	for k := ch.c0; k < ch.c1; k++ {
		mt := &ls.matches[k]
		logits := pd[cell(mt, p.Shape)*no+5:][:nc]
		for c0 := 0; c0 < nc; c0 += bce.Block {
			m := min(bce.Block, nc-c0)
			var cg []float64
			if e.curG != nil {
				cg = ls.clsGrad[k*nc+c0:][:m]
			}
			if zero && e.f32 {
				sum += e.clsBlock32(sc, f32s(logits[c0:c0+m]), mt.Class-c0, cg, gScale)
			} else {
				sum += e.clsBlock(sc, logits[c0:c0+m], mt.Class-c0, zero, cg, gScale)
			}
		}
	}
	e.mpartial[j][1] = sum
}

// clsBlock32 evaluates the class criterion on up to bce.Block float32
// logits x of one match, whose targets are all 0 but at index c (the
// label's class, when it is in range), in float32 arithmetic
// (bce.ZeroTarget.Elems32). It stores ∂/∂x·scale in cg (nil: no gradient)
// and returns the loss sum.
func (e *Engine[T]) clsBlock32(sc *scratch, x []float32, c int, cg []float64, scale float64) float64 {
	l, g := sc.l32[:len(x)], sc.g32[:len(x)]
	e.clsZero.Elems32(l, g, x)
	if c >= 0 && c < len(x) {
		lv, gv := e.cls.Elem(float64(x[c]), e.cp)
		l[c], g[c] = float32(lv), float32(gv)
	}
	for i := range cg {
		cg[i] = float64(g[i]) * scale
	}
	return sumOf(l)
}

// clsBlock is clsBlock32 for any T, in float64 arithmetic: targets cn but
// cp at index c, through the criterion's target-0 form when zero (cn = 0).
func (e *Engine[T]) clsBlock(sc *scratch, logits []T, c int, zero bool, cg []float64, scale float64) float64 {
	m := len(logits)
	x, y, l, g := sc.x[:m], sc.y[:m], sc.loss[:m], sc.grad[:m]
	for i, v := range logits {
		x[i] = float64(v)
	}
	if zero {
		e.clsZero.Elems(l, g, x)
		if c >= 0 && c < m {
			l[c], g[c] = e.cls.Elem(x[c], e.cp)
		}
	} else {
		for i := range y {
			y[i] = e.cn
		}
		if c >= 0 && c < m {
			y[c] = e.cp
		}
		e.cls.Elems(l, g, x, y)
	}
	for i := range cg {
		cg[i] = g[i] * scale
	}
	return sumOf(l)
}

// writeTobj writes the objectness targets of the matched cells in YOLOv5's
// order (by IoU when SortObjIoU): the last write to a cell wins.
func (e *Engine[T]) writeTobj(ls *layerState, sh [5]int) {
	n := len(ls.matches)
	e.order = grow(e.order, n)
	for k := range e.order {
		e.order[k] = k
	}
	if e.opt.SortObjIoU {
		e.sortIoU = ls.iou
		slices.SortStableFunc(e.order, e.sortKey)
		e.sortIoU = nil
	}
	gr := e.opt.GR
	for _, k := range e.order {
		v := ls.iou[k]
		if gr < 1 {
			v = (1 - gr) + gr*v
		}
		ls.tobj[cell(&ls.matches[k], sh)] = v
	}
}

// scratch is one goroutine's work arrays for the batched criteria.
type scratch struct {
	x, y, loss, grad [bce.Block]float64
	x32, l32, g32    [bce.Block]float32
}

// f32s views float32 data of the type parameter as []float32; only for T
// of size 4, which is ~float32.
func f32s[T Float](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// staging is one goroutine's gradient block of bce.Block cells: zero
// everywhere but in the objectness channel, which each block overwrites.
type staging[T Float] struct{ g []T }

// objChunk runs the objectness criterion over the blocks of one chunk of
// cells that hold matched cells (marked) or that hold none (not marked),
// storing each block's loss sum in e.blockSum and, with a gradient,
// writing the blocks' gradient: the objectness derivatives, the matched
// cells' box and class terms (addMatched), and zeros everywhere else. It
// runs on the goroutine of the given worker slot.
//
// The gradient is the bulk of a backward pass's memory traffic: 85 values
// per cell, all but one of them 0 outside the matched cells. Each block of
// cells is assembled in a staging block that stays in the L1 cache and is
// streamed out with non-temporal stores (vec.Stream), so memory sees one
// write of every cache line and no read of it; writing in place would
// first read every line into the cache.
func (e *Engine[T]) objChunk(slot, j int, marked bool) {
	ch := e.chunks[j]
	ls := &e.layers[ch.layer]
	no := 5 + e.m.NC
	pd := e.curP[ch.layer].Data[ch.c0*no : ch.c1*no]
	to := ls.tobj[ch.c0:ch.c1]
	var gd, sg []T
	if e.curG != nil {
		gd = e.curG[ch.layer].Data[ch.c0*no : ch.c1*no]
		sg = e.staging[slot].g
	}
	sc := &e.scratch[slot]
	scale := ls.objGain
	sh := e.curP[ch.layer].Shape
	blk0 := ls.block0 + ch.c0/bce.Block // the chunk's first block
	// nextBlock returns the offset of the chunk's first block from cell
	// b0 on of the kind asked for, or len(to).
	nextBlock := func(b0 int) int {
		for ; b0 < len(to); b0 += bce.Block {
			b := blk0 + b0/bce.Block
			if (e.blockOff[b] != e.blockOff[b+1]) == marked {
				return b0
			}
		}
		return len(to)
	}
	b0 := nextBlock(0)
	if b0 == len(to) {
		return
	}
	// The objectness logits are one per 85 values, a cache line and a
	// twelfth of a page apart: each block prefetches the next one's while
	// it evaluates and streams out its own cells (see prefetchPart).
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
		// A block without matches has every target 0 (tobj is 0 off the
		// matched cells): zeroTargets, which stays in the cache, spares
		// reading those cells' 8-byte targets from memory.
		y := zeroTargets[:n]
		if marked {
			y = to[b0 : b0+n]
		}
		b := blk0 + b0/bce.Block
		if e.hasObjZero && e.f32 {
			e.blockSum[b] = e.objBlock32(sc, f32s(pd[b0*no:]), y, next, s, scale)
		} else {
			e.blockSum[b] = e.objBlock(sc, pd[b0*no:], y, next, s, scale)
		}
		if s != nil {
			// Only marked blocks have matched terms. Free blocks run
			// while the caller is still bucketing later layers' matches,
			// so they must not read blockMatch, which that may reallocate.
			if marked {
				e.addMatched(ls, sh, b, ch.c0+b0, s, false)
			}
			vec.Stream(gd[b0*no:(b0+n)*no], s)
			if marked {
				e.addMatched(ls, sh, b, ch.c0+b0, s, true)
			}
		}
		b0 = nb0
	}
	if sg != nil {
		vec.Fence() // the streamed stores before the pool's hand-back
	}
}

// zeroTargets are the objectness targets of a block without matched cells.
var zeroTargets [bce.Block]float64

// objBlock32 evaluates the objectness criterion on the cells of one block
// of float32 data, p from the block's first cell on, with targets y: the
// target-0 bulk in float32 arithmetic (bce.ZeroTarget.Elems32), then the
// matched cells with the criterion's Elem. It prefetches the objectness
// logits of the next block (nil: none; see prefetchPart), writes ∂/∂logit·scale into the
// objectness slots of the staging block s (nil: no gradient), and returns
// the block's loss sum.
func (e *Engine[T]) objBlock32(sc *scratch, p []float32, y []float64, next, s []T, scale float64) float64 {
	n, no := len(y), 5+e.m.NC
	x, l, g := sc.x32[:n], sc.l32[:n], sc.g32[:n]
	for i := range x {
		x[i] = p[i*no+4]
	}
	prefetchPart(next, no, 0)
	e.objZero.Elems32(l, g, x)
	prefetchPart(next, no, 1)
	for i, v := range y {
		if v != 0 {
			lv, gv := e.obj.Elem(float64(x[i]), v)
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
	return sumOf(l)
}

// objBlock is objBlock32 for any T, in float64 arithmetic.
func (e *Engine[T]) objBlock(sc *scratch, p []T, y []float64, next, s []T, scale float64) float64 {
	n, no := len(y), 5+e.m.NC
	x, l, g := sc.x[:n], sc.loss[:n], sc.grad[:n]
	for i := range x {
		x[i] = float64(p[i*no+4])
	}
	prefetchPart(next, no, 0)
	if e.hasObjZero {
		// The bulk at target 0, then the few matched cells.
		e.objZero.Elems(l, g, x)
		prefetchPart(next, no, 1)
		for i, v := range y {
			if v != 0 {
				l[i], g[i] = e.obj.Elem(x[i], v)
			}
		}
	} else {
		e.obj.Elems(l, g, x, y)
		prefetchPart(next, no, 1)
	}
	prefetchPart(next, no, 2)
	if s != nil {
		for i, v := range g {
			s[i*no+4] = T(v * scale)
		}
	}
	prefetchPart(next, no, 3)
	return sumOf(l)
}

// prefetchPart prefetches the objectness logits of part k of 4 of the
// next block, whose data start at next (nil: no next block). A block's
// work issues the four parts at four points: the processor can have only
// a few cache misses in flight, and one burst of 64 prefetches would stall
// it until most had arrived, where spread out they overlap with the
// arithmetic (measured: 11.9 against 13.4 ms per COCO call on one core,
// the mean of six alternating runs).
func prefetchPart[T Float](next []T, no, k int) {
	const q = bce.Block / 4
	if len(next) > k*q*no {
		vec.Prefetch(next[k*q*no:], no, q)
	}
}

// sumOf returns the sum of x in float64, in four interleaved partial sums
// so that the additions do not wait on each other; the order depends only
// on len(x).
func sumOf[F float32 | float64](x []F) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

func (e *Engine[T]) workersNow() int {
	if e.workers > 0 {
		return e.workers
	}
	return runtime.GOMAXPROCS(0)
}

// check validates the predictions against the model and the labels against
// the predictions.
func (e *Engine[T]) check(p []Tensor[T], labels []target.Label) error {
	nl, na, no := e.m.NL(), e.m.NA(), 5+e.m.NC
	if len(p) != nl {
		return fmt.Errorf("computeloss: %d prediction layers, the model has %d", len(p), nl)
	}
	bs := p[0].Shape[0]
	for i, t := range p {
		sh := t.Shape
		switch {
		case sh[0] < 1 || sh[2] < 1 || sh[3] < 1:
			return fmt.Errorf("computeloss: p%d has shape %v: bs, ny and nx must be ≥ 1", i, sh)
		case sh[0] != bs:
			return fmt.Errorf("computeloss: p%d has batch size %d, p0 has %d", i, sh[0], bs)
		case sh[1] != na:
			return fmt.Errorf("computeloss: p%d has %d anchors, the model has %d", i, sh[1], na)
		case sh[4] != no:
			return fmt.Errorf("computeloss: p%d has %d channels, want 5+nc = %d", i, sh[4], no)
		case len(t.Data) != sh[0]*sh[1]*sh[2]*sh[3]*sh[4]:
			return fmt.Errorf("computeloss: p%d has %d elements, its shape %v needs %d", i, len(t.Data), sh, sh[0]*sh[1]*sh[2]*sh[3]*sh[4])
		}
	}
	return CheckLabels(labels, bs, e.m.NC)
}

// CheckLabels reports the first label row that is not (image, class, x, y,
// w, h) with an integer image in [0, bs), an integer class in [0, nc), a
// centre in [0, 1] and a size in (0, 1].
func CheckLabels(labels []target.Label, bs, nc int) error {
	for r, l := range labels {
		for c, v := range l {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("computeloss: label %d: column %d (%s) is %v", r, c, labelCols[c], v)
			}
		}
		if l[0] != math.Trunc(l[0]) || l[0] < 0 || l[0] >= float64(bs) {
			return fmt.Errorf("computeloss: label %d: image %v is not an integer in [0, %d)", r, l[0], bs)
		}
		if l[1] != math.Trunc(l[1]) || l[1] < 0 || l[1] >= float64(nc) {
			return fmt.Errorf("computeloss: label %d: class %v is not an integer in [0, %d)", r, l[1], nc)
		}
		for c := 2; c < 4; c++ {
			if l[c] < 0 || l[c] > 1 {
				return fmt.Errorf("computeloss: label %d: centre %s = %v is outside [0, 1]", r, labelCols[c], l[c])
			}
		}
		for c := 4; c < 6; c++ {
			if l[c] <= 0 || l[c] > 1 {
				return fmt.Errorf("computeloss: label %d: %s = %v is outside (0, 1]", r, labelCols[c], l[c])
			}
		}
	}
	return nil
}

var labelCols = [6]string{"image", "class", "x", "y", "w", "h"}

// grow returns s with length n, reallocating only when its capacity is
// short.
func grow[S ~[]E, E any](s S, n int) S {
	if cap(s) < n {
		return make(S, n, n+n/4)
	}
	return s[:n]
}
