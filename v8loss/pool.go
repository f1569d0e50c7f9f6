package v8loss

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A process-wide pool of worker goroutines serves every engine: starting
// goroutines per call would allocate. They start as the largest worker
// count asked for so far and live for the process.
var pool struct {
	mu      sync.Mutex
	started int
	jobs    chan job
}

// maxWorkers caps the goroutines of one call.
const maxWorkers = 64

// job asks a pool worker to take items of phase ph as worker slot slot.
type job struct {
	ph   *phase
	slot int
}

func ensureWorkers(n int) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.jobs == nil {
		// Buffered, so that handing out a phase's jobs never parks the
		// caller (a parked goroutine may make the runtime allocate).
		pool.jobs = make(chan job, maxWorkers)
	}
	for ; pool.started < n; pool.started++ {
		go func() {
			for j := range pool.jobs {
				j.ph.work(j.slot)
				j.ph.pending.Add(-1)
			}
		}()
	}
}

// phase is one parallel phase of a call: run(slot, k) for the items
// k = 0 … n−1, taken in order by whichever worker is free. Each item
// writes only its own outputs, so the results do not depend on which
// worker ran it.
//
// The caller waits for the pool workers it handed the phase by yielding
// (runtime.Gosched) until pending is 0, not on a sync.WaitGroup: a
// goroutine parked on the runtime's wait queues takes a wait record that
// the runtime reallocates after a garbage collection, which would make a
// call allocate. A worker's decrement of pending comes after all its
// writes, and the caller's load that sees 0 before all its reads, so every
// item's outputs are visible when do returns.
type phase struct {
	run     func(slot, k int)
	n       int64
	next    atomic.Int64
	pending atomic.Int64 // pool workers handed this phase and not yet done
}

// work runs items until none is left.
func (ph *phase) work(slot int) {
	for {
		k := ph.next.Add(1) - 1
		if k >= ph.n {
			return
		}
		ph.run(slot, int(k))
	}
}

// workers returns the worker count for n items with the setting w.
func workers(w, n int) int {
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	return max(1, min(w, n, maxWorkers))
}

// do runs items 0 … n−1 of ph on w workers (the caller is slot 0).
func (ph *phase) do(n, w int) {
	ph.n = int64(n)
	ph.next.Store(0)
	if w > 1 {
		ensureWorkers(w - 1)
		ph.pending.Store(int64(w - 1))
		for s := 1; s < w; s++ {
			pool.jobs <- job{ph: ph, slot: s}
		}
	}
	ph.work(0)
	for ph.pending.Load() != 0 {
		runtime.Gosched()
	}
}
