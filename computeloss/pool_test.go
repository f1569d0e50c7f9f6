package computeloss

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestRegion runs the steps of a region the way a call does, a step opened
// in parts, at several worker counts, and checks that every item ran
// exactly once, that no item ran before it was opened or was still running
// when the caller had waited for its step, and that pool workers took
// part.
func TestRegion(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		parts   []int // stepPlainBlocks opened up to each of these in turn
		nMatch  int
		nMarked int
	}{
		{"one goroutine", 1, []int{3, 10, 40}, 7, 40},
		{"two", 2, []int{3, 10, 40}, 7, 40},
		{"four", 4, []int{0, 25, 200}, 50, 200},
		{"few free items", 2, []int{1, 2}, 30, 5},
		{"empty steps", 2, []int{0, 0}, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var byWorkers atomic.Int64 // items run by pool workers
			for rep := range 50 {
				var r region
				free := tc.parts[len(tc.parts)-1]
				ran := [maxSteps][]atomic.Int32{
					make([]atomic.Int32, free),
					make([]atomic.Int32, tc.nMatch),
					make([]atomic.Int32, tc.nMarked),
				}
				var opened atomic.Int64 // stepPlainBlocks items opened so far
				var matchDone, ended atomic.Bool
				var bad atomic.Int32
				run := func(s int) func(slot, k int) {
					return func(slot, k int) {
						if slot < 0 || slot >= tc.workers ||
							(s == stepPlainBlocks && int64(k) >= opened.Load()) ||
							(s == stepMatchedBlocks && !matchDone.Load()) {
							bad.Add(1)
						}
						// Slow items, so that the workers join before the
						// caller is done, and the caller runs out of items
						// while a worker's are still in flight.
						for t0 := time.Now(); time.Since(t0) < 20*time.Microsecond; {
						}
						if slot != 0 {
							byWorkers.Add(1)
						}
						if ended.Load() {
							bad.Add(1) // still running after the waits
						}
						ran[s][k].Add(1)
					}
				}
				r.begin(tc.workers)
				r.publish(stepPlainBlocks, 0, run(stepPlainBlocks))
				for _, k := range tc.parts {
					opened.Store(int64(k))
					r.open(stepPlainBlocks, k)
				}
				r.publish(stepMatches, tc.nMatch, run(stepMatches))
				r.drain(stepMatches)
				r.wait(stepMatches)
				for k := range ran[stepMatches] {
					if n := ran[stepMatches][k].Load(); n != 1 {
						t.Fatalf("rep %d: match item %d ran %d times by the wait", rep, k, n)
					}
				}
				matchDone.Store(true)
				r.publish(stepMatchedBlocks, tc.nMarked, run(stepMatchedBlocks))
				r.drain(stepMatchedBlocks)
				r.drain(stepPlainBlocks)
				r.wait(stepMatchedBlocks)
				r.wait(stepPlainBlocks)
				ended.Store(true)
				r.end()
				for s := range ran {
					for k := range ran[s] {
						if n := ran[s][k].Load(); n != 1 {
							t.Fatalf("rep %d: step %d item %d ran %d times", rep, s, k, n)
						}
					}
				}
				if n := bad.Load(); n != 0 {
					t.Fatalf("rep %d: %d items ran out of turn", rep, n)
				}
			}
			items := 50 * (tc.parts[len(tc.parts)-1] + tc.nMatch + tc.nMarked)
			if tc.workers > 1 && items > 0 && byWorkers.Load() == 0 {
				t.Errorf("no pool worker ran any of %d items", items)
			}
			t.Logf("%d of %d items ran on pool workers", byWorkers.Load(), items)
		})
	}
}
