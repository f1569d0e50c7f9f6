package computeloss

import (
	"runtime"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/tensor"
)

// scheduler runs a call's parallel parts on the engine's region (see
// region) and holds the work space of each worker slot and the call's
// work lists.
//
// Who touches what, and why results do not depend on the worker count:
//   - Work items are fixed by the shapes and the matches alone: objectness
//     chunks of chunkCells cells, match chunks of chunkMatches matches.
//     Each item writes only its own outputs (a chunk's blocks' sums and
//     gradient rows; a match chunk's per-match terms and its clsPartial
//     entry) and reads inputs that no item writes while items of its step
//     run. Which goroutine runs an item never changes what it computes.
//   - Sums over items are added on the caller's goroutine, in item order
//     (finishLayer, reduce), so every result is bit-identical at any
//     worker count.
//   - Plain-block items may run while the caller is still in assign: they
//     read a layer's predictions and write its blocks' sums and gradient
//     rows only after assign has bucketed that layer, and never read the
//     match index, which assign may reallocate for later layers.
//   - Matched-block items run after every match item has finished: they
//     read the matches' box and class gradients and the objectness targets.
//   - Worker slot s uses scratch[s] and staging[s] alone.
type scheduler[T tensor.Float] struct {
	workers int // SetWorkers; ≤ 0 means GOMAXPROCS
	r       region
	scratch []scratch    // per worker slot
	staging []staging[T] // per worker slot
	no      int          // channels per cell, the staging blocks' row length

	mchunks    []chunk   // match chunks, layer by layer
	clsPartial []float64 // per match chunk: its class loss sum
	order      []int     // writeTobj's order of the matches
	sortValue  []float64 // the values byValue compares
	byValue    func(a, b int) int

	runPlain, runMatched, runMatch func(slot, j int)
}

// init binds the scheduler to its engine's work functions, once, so that
// calls allocate no closures.
func (s *scheduler[T]) init(e *Engine[T]) {
	s.no = e.cfg.no
	s.runMatch = e.matchChunk
	s.runPlain = func(slot, j int) { e.objChunk(slot, j, false) }
	s.runMatched = func(slot, j int) { e.objChunk(slot, j, true) }
	s.byValue = func(a, b int) int { return cmpFloat(s.sortValue[a], s.sortValue[b]) }
}

// begin starts a call's region on up to the worker count, the caller
// included, after making each slot's work space.
func (s *scheduler[T]) begin() {
	w := s.workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	w = min(w, maxWorkers)
	for len(s.scratch) < w {
		s.scratch = append(s.scratch, scratch{})
	}
	for len(s.staging) < w {
		// Made here, not on a worker's first chunk: a pool worker may
		// first join long after the warm-up calls.
		s.staging = append(s.staging, staging[T]{g: make([]T, bce.Block*s.no)})
	}
	s.r.begin(w)
}

// end closes the region; the workers go back to the pool.
func (s *scheduler[T]) end() { s.r.end() }

// publishPlain publishes the plain-block step with no chunk open yet.
func (s *scheduler[T]) publishPlain() { s.r.publish(stepPlainBlocks, 0, s.runPlain) }

// openPlain opens the plain blocks of the first n objectness chunks.
func (s *scheduler[T]) openPlain(n int) { s.r.open(stepPlainBlocks, n) }

// runMatchChunks runs every match chunk, the caller taking part, and
// returns when all are done.
func (s *scheduler[T]) runMatchChunks() {
	s.r.publish(stepMatches, len(s.mchunks), s.runMatch)
	s.r.drain(stepMatches)
	s.r.wait(stepMatches)
}

// runObjectness runs the matched blocks of every one of the chunks
// objectness chunks, then what is left of the plain ones, and ends the
// region: the workers go back to the pool before the caller's serial
// reduction.
func (s *scheduler[T]) runObjectness(chunks int) {
	s.r.publish(stepMatchedBlocks, chunks, s.runMatched)
	s.r.drain(stepMatchedBlocks)
	s.r.drain(stepPlainBlocks)
	s.r.wait(stepMatchedBlocks)
	s.r.wait(stepPlainBlocks)
	s.r.end()
}
