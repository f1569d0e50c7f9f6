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

// job asks a worker to take chunks from next until none are left, as
// worker slot slot.
type job struct {
	run  func(slot, k int)
	next *atomic.Int64
	n    int
	slot int
	wg   *sync.WaitGroup
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
				j.wg.Done()
			}
		}()
	}
}

// parallelState is the bookkeeping of one parallel call; an engine keeps
// its own so that calls allocate nothing.
type parallelState struct {
	next atomic.Int64
	wg   sync.WaitGroup
}

// parallel calls run(slot, k) for k in [0, n) on up to workers goroutines,
// the caller's (slot 0) included, and returns when all are done; slot
// tells each goroutine's calls apart, in [0, workers). Idle pool workers
// join in; when they are busy with other engines' calls, the caller does
// the rest itself rather than wait.
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
	j := job{run: run, next: &st.next, n: n, wg: &st.wg}
	for w := 1; w < workers; w++ {
		st.wg.Add(1)
		j.slot = w
		select {
		case workerPool.jobs <- j:
		default:
			st.wg.Done()
		}
	}
	j.slot = 0
	j.do()
	st.wg.Wait()
}
