package computeloss

import (
	"sync"
	"sync/atomic"
)

// A process-wide pool of worker goroutines serves every engine. Starting
// goroutines per call would allocate; these start once, as the largest
// worker count asked for so far, and live for the process.
var workerPool struct {
	mu      sync.Mutex
	started int
	jobs    chan job
}

// maxWorkers caps the goroutines of one call.
const maxWorkers = 64

// job asks a pool worker to join region r as worker slot slot (and, for
// the parking region, to work on step step).
type job struct {
	r    *region
	slot int
	step int
}

func ensureWorkers(n int) {
	workerPool.mu.Lock()
	defer workerPool.mu.Unlock()
	if workerPool.jobs == nil {
		workerPool.jobs = make(chan job)
	}
	for ; workerPool.started < n; workerPool.started++ {
		go func() {
			for j := range workerPool.jobs {
				j.r.join(j)
			}
		}()
	}
}

// The steps of a call, in the order of the pool workers' preference.
const (
	// stepPlainBlocks is the objectness pass over the blocks of cells
	// that hold no matched cell: it needs nothing but the matches'
	// places, so it runs while the caller computes the matched cells'
	// terms.
	stepPlainBlocks = iota
	// stepMatches is the matched cells' box and class terms.
	stepMatches
	// stepMatchedBlocks is the objectness pass over the blocks that hold
	// matched cells, which needs the terms of stepMatches.
	stepMatchedBlocks
	maxSteps
)

// step is one parallel step of a region: run(slot, k) for the items k
// in [0, avail), the items opened so far.
type step struct {
	run      func(slot, k int)
	next     atomic.Int64 // the next item to take
	avail    atomic.Int64 // items open so far
	inflight atomic.Int64 // pool workers running an item
}

// reset makes st a new step of run, with items [0, open) open and none
// taken or in flight.
func (st *step) reset(open int, run func(slot, k int)) {
	st.run = run
	st.next.Store(0)
	st.avail.Store(int64(open))
	st.inflight.Store(0)
}

// take runs one open item of the step as worker slot slot, if one is
// left, and reports whether it did. A pool worker counts itself in flight
// before it takes the item, so a caller that finds no items left and then
// no worker in flight knows that all of the step's items are done.
func (st *step) take(slot int) bool {
	if st.next.Load() >= st.avail.Load() {
		return false
	}
	if slot != 0 {
		st.inflight.Add(1)
		defer st.inflight.Add(-1)
	}
	for {
		k := st.next.Load()
		if k >= st.avail.Load() {
			return false
		}
		if st.next.CompareAndSwap(k, k+1) {
			st.run(slot, int(k))
			return true
		}
	}
}
