//go:build !syncpool

package computeloss

import (
	"runtime"
	"sync/atomic"
)

// A region is one call's parallel work: steps of items that the caller and
// the pool workers that joined take in turn. The caller publishes a step
// when its inputs are ready and takes the items of the steps it chooses;
// a worker takes items of whichever published step it prefers (the lowest
// index) that still has some, and polls for more until the region ends.
// So the workers fill the caller's serial work with items that do not
// depend on it (see scheduler for what each step reads and writes).
//
// Invariants:
//   - An item runs exactly once, on one goroutine, and only once it is
//     open: take claims it with a compare-and-swap on the step's next item,
//     below the step's open count.
//   - A pool worker counts itself in flight before it claims an item, so
//     a caller that has drained a step (no item left to claim) and then
//     sees no worker in flight knows every item of the step has finished.
//   - Workers join when the region begins and leave when it ends; end
//     returns only when every worker has left, so nothing of a call runs
//     after its Loss returns.
//   - Worker slot w (0 is the caller) is used by one goroutine per region.
//
// Waiting never parks on the runtime's wait queues: the caller yields
// (runtime.Gosched) and the workers poll, because a parked goroutine takes
// a runtime wait record that the runtime reallocates now and then, which
// would break the engine's allocation-free calls. BENCHMARKS.md compares
// this design with sync-based ones.
//
// An engine keeps its own region, so calls allocate nothing.
type region struct {
	pub   atomic.Uint32 // bit s: step s is published
	ended atomic.Bool
	busy  atomic.Int64 // pool workers in the region
	steps [maxSteps]step
}

// begin starts a region on up to workers goroutines, the caller's (slot 0)
// included, and asks idle pool workers to join; when they are busy with
// other engines' calls, the caller does the work itself rather than wait.
func (r *region) begin(workers int) {
	r.pub.Store(0)
	r.ended.Store(false)
	if workers <= 1 {
		return
	}
	ensureWorkers(workers - 1)
	for w := 1; w < workers; w++ {
		r.busy.Add(1)
		select {
		case workerPool.jobs <- job{r: r, slot: w}:
		default:
			r.busy.Add(-1)
		}
	}
}

// publish makes step s, run(slot, k) for items k from 0 on, known to the
// region's goroutines, with items [0, open) open to be taken; slot tells
// each goroutine's calls apart, in [0, workers). Each step is published
// once per region.
func (r *region) publish(s int, open int, run func(slot, k int)) {
	r.steps[s].reset(open, run)
	r.pub.Or(1 << s) // publishes the step to the workers
}

// open opens the items of published step s up to item k (exclusive); k
// never decreases.
func (r *region) open(s int, k int) { r.steps[s].avail.Store(int64(k)) }

// drain takes the open items of step s on the caller's goroutine (slot 0)
// until none are left; the workers may still be running their last ones.
// The caller has opened all of the step's items.
func (r *region) drain(s int) {
	st := &r.steps[s]
	for st.take(0) {
	}
}

// wait returns when the workers have finished their items of the drained
// step s, yielding meanwhile (see region); it is at most one item long.
func (r *region) wait(s int) {
	for r.steps[s].inflight.Load() > 0 {
		runtime.Gosched()
	}
}

// end closes the region and waits for its workers to leave it; ending an
// ended region does nothing more. The caller has drained and waited for
// every step it published.
func (r *region) end() {
	r.ended.Store(true)
	for r.busy.Load() > 0 {
		runtime.Gosched()
	}
}

// work is a pool worker's part of the region: one item at a time, of the
// first published step that has any left, until the region ends.
//
// It waits for items by polling without yielding, for up to spinLimit
// polls, then yields between polls. A worker that yielded would sit in
// the global run queue, where the caller's processor, yielding as it
// waits for a step's last item, could take it, and the worker would park
// and wake on the other processor (see region for why parking is
// avoided). The scheduler still preempts a long poll when another
// goroutine needs the processor.
func (r *region) join(j job) {
	r.work(j.slot)
	r.busy.Add(-1)
}

func (r *region) work(slot int) {
	polls := 0
	for !r.ended.Load() {
		pub := r.pub.Load()
		took := false
		for s := range maxSteps {
			if pub&(1<<s) != 0 && r.steps[s].take(slot) {
				took = true
				break
			}
		}
		if took {
			polls = 0
			continue
		}
		if polls++; polls > spinLimit {
			runtime.Gosched()
		}
	}
}

// spinLimit is how many times a worker polls for an item before it starts
// yielding: enough to span the caller's serial work between steps
// (building the targets, the per-layer tails), short enough that a worker
// of an engine whose caller went away stops spinning soon.
const spinLimit = 1 << 19
