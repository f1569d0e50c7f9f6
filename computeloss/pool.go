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

// job asks a worker to take chunks from next until none are left, as
// worker slot slot, and then to count itself out of busy.
type job struct {
	run  func(slot, k int)
	next *atomic.Int64
	busy *atomic.Int64
	n    int
	slot int
}

func (j job) do() {
	for {
		k := int(j.next.Add(1) - 1)
		if k >= j.n {
			return
		}
		j.run(j.slot, k)
	}
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
				j.do()
				j.busy.Add(-1)
			}
		}()
	}
}

// parallelState is the bookkeeping of one parallel call; an engine keeps
// its own so that calls allocate nothing.
type parallelState struct {
	next atomic.Int64
	busy atomic.Int64 // pool workers still on this call
}

// parallel calls run(slot, k) for k in [0, n) on up to workers goroutines,
// the caller's (slot 0) included, and returns when all are done; slot
// tells each goroutine's calls apart, in [0, workers). Idle pool workers
// join in; when they are busy with other engines' calls, the caller does
// the rest itself rather than wait.
//
// The caller waits for the workers' last chunks by yielding, not by
// parking on a WaitGroup: parking takes a runtime wait record that the
// garbage collector's cache clearing makes the runtime allocate again now
// and then, which would break the engine's allocation-free calls. The wait
// is at most one chunk long.
func parallel(st *parallelState, workers, n int, run func(slot, k int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for k := 0; k < n; k++ {
			run(0, k)
		}
		return
	}
	ensureWorkers(workers - 1)
	st.next.Store(0)
	j := job{run: run, next: &st.next, busy: &st.busy, n: n}
	for w := 1; w < workers; w++ {
		st.busy.Add(1)
		j.slot = w
		select {
		case workerPool.jobs <- j:
		default:
			st.busy.Add(-1)
		}
	}
	j.slot = 0
	j.do()
	for st.busy.Load() > 0 {
		runtime.Gosched()
	}
}
