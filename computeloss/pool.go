package computeloss

import (
	"runtime"
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

// job asks a pool worker to join region r as worker slot slot.
type job struct {
	r    *region
	slot int
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
				j.r.work(j.slot)
				j.r.busy.Add(-1)
			}
		}()
	}
}

// maxSteps is how many steps a region holds: a call has two, the matched
// cells' terms and the objectness pass.
const maxSteps = 2

// regionEnded is the step count of a region that is over.
const regionEnded = -1

// A region is one call's parallel work: a sequence of steps, each a set of
// items that the caller and the pool workers that joined take in turn,
// with the caller's serial work between steps. Workers join when the
// region begins and stay in it until it ends, so a call wakes them once,
// and early. Waking a parked worker took 170–200 µs on the project's VM
// (its idle virtual CPU has to be woken), which each of a call's two steps
// used to wait for; now the caller's own serial work, building the
// targets, covers it (the worker was there before the first step in 119 of
// 120 calls). BenchmarkScaling, one against two workers call by call, ten
// runs of 150 pairs alternating with the previous design: median 1.61 →
// 1.64 (focal, better in 8 of 10 runs) and 1.57 → 1.65 (BCE, 9 of 10).
//
// An engine keeps its own region, so calls allocate nothing. Which
// goroutine runs an item never changes what the item computes, so results
// do not depend on the number of workers.
type region struct {
	seq   atomic.Int32 // steps published; regionEnded once over
	busy  atomic.Int64 // pool workers in the region
	steps [maxSteps]step
}

// step is one parallel step of a region: run(slot, k) for k in [0, n).
type step struct {
	run      func(slot, k int)
	n        int
	next     atomic.Int64 // the next item to take
	inflight atomic.Int64 // workers taking items
}

// items takes items of st until none are left, as worker slot slot.
func (st *step) items(slot int) {
	for {
		k := int(st.next.Add(1) - 1)
		if k >= st.n {
			return
		}
		st.run(slot, k)
	}
}

// begin starts a region on up to workers goroutines, the caller's (slot 0)
// included, and asks idle pool workers to join; when they are busy with
// other engines' calls, the caller does the work itself rather than wait.
func (r *region) begin(workers int) {
	r.seq.Store(0)
	if workers <= 1 {
		return
	}
	ensureWorkers(workers - 1)
	for w := 1; w < workers; w++ {
		r.busy.Add(1)
		select {
		case workerPool.jobs <- job{r, w}:
		default:
			r.busy.Add(-1)
		}
	}
}

// step runs run(slot, k) for k in [0, n) on the region's goroutines and
// returns when all are done; slot tells each goroutine's calls apart, in
// [0, workers).
//
// The caller waits for the workers' last items by yielding, not by parking
// on a WaitGroup: parking takes a runtime wait record that the garbage
// collector's cache clearing makes the runtime allocate again now and
// then, which would break the engine's allocation-free calls. The wait is
// at most one item long.
func (r *region) step(n int, run func(slot, k int)) {
	s := r.seq.Load()
	if s < 0 || s >= maxSteps {
		panic("computeloss: region step out of sequence")
	}
	st := &r.steps[s]
	st.run, st.n = run, n
	st.next.Store(0)
	st.inflight.Store(0)
	r.seq.Store(s + 1) // publishes the step to the workers
	st.items(0)
	for st.inflight.Load() > 0 {
		runtime.Gosched()
	}
}

// end closes the region and waits for its workers to leave it; ending an
// ended region does nothing more.
func (r *region) end() {
	r.seq.Store(regionEnded)
	for r.busy.Load() > 0 {
		runtime.Gosched()
	}
}

// work is a pool worker's part of the region: each step in turn, as it is
// published, until the region ends. A worker that comes to a step after
// its items are taken finds none, and goes on.
//
// It waits for the next step, through the caller's serial work, by
// polling without yielding: a goroutine that yields goes to the global run
// queue, where the caller's processor, yielding as it waits for a step's
// last item, can take it; the worker then parks on the pool's channel on
// one processor and wakes on the other, and the runtime's per-processor
// caches of wait records drift apart until it allocates new ones (seen as
// 0.03–0.17 allocations per call in lossdemo -bench; none with the poll).
// After spinLimit polls it yields after all; the scheduler also preempts a
// long poll when another goroutine needs the processor.
func (r *region) work(slot int) {
	done := int32(0) // steps this worker has been through
	polls := 0
	for {
		s := r.seq.Load()
		if s == regionEnded {
			return
		}
		if s > done {
			st := &r.steps[done]
			st.inflight.Add(1)
			st.items(slot)
			st.inflight.Add(-1)
			done++
			polls = 0
			continue
		}
		if polls++; polls > spinLimit {
			runtime.Gosched()
		}
	}
}

// spinLimit is how many times a worker polls for the next step before it
// starts yielding: about 0.25 ms (measured), more than the caller's serial
// work before and between a call's steps.
const spinLimit = 1 << 19
