//go:build syncpool

package computeloss

import "sync"

// This is the sync-based alternative to the spinning region of
// region_spin.go, built with -tags syncpool for the comparison in
// BENCHMARKS.md: the pool's workers park on the pool's channel between
// steps, each step is taken by the workers that drain dispatches to it and
// by the caller, and the caller parks on a sync.WaitGroup until they are
// done. Plain blocks opened during assign wait for their drain, as every
// step does. The invariants of region hold; the difference is only how
// goroutines wait.
type region struct {
	workers int
	steps   [maxSteps]step
	done    [maxSteps]sync.WaitGroup
}

func (r *region) begin(workers int) {
	r.workers = workers
	if workers > 1 {
		ensureWorkers(workers - 1)
	}
}

func (r *region) publish(s int, open int, run func(slot, k int)) {
	r.steps[s].reset(open, run)
}

func (r *region) open(s int, k int) { r.steps[s].avail.Store(int64(k)) }

// drain waits for the workers of the steps drained before (a worker slot
// serves one step at a time), wakes idle pool workers for step s, then
// takes its items on the caller's goroutine until none are left; pool
// workers that are busy with other engines are not waited for.
func (r *region) drain(s int) {
	for t := range r.done {
		r.done[t].Wait()
	}
	for w := 1; w < r.workers; w++ {
		r.done[s].Add(1)
		select {
		case workerPool.jobs <- job{r: r, slot: w, step: s}:
		default:
			r.done[s].Done()
		}
	}
	for r.steps[s].take(0) {
	}
}

func (r *region) wait(s int) { r.done[s].Wait() }

func (r *region) end() {}

// join is a pool worker's part of step j.step: items until none are left.
func (r *region) join(j job) {
	st := &r.steps[j.step]
	for st.take(j.slot) {
	}
	r.done[j.step].Done()
}
