package bench

import (
	"runtime"
	"testing"
	"time"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/sample"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want float64
	}{
		{"one", []time.Duration{3e6}, 3},
		{"odd, unsorted", []time.Duration{9e6, 1e6, 4e6}, 4},
		{"even: mean of the middle two", []time.Duration{4e6, 1e6, 2e6, 100e6}, 3},
	} {
		if got := Median(tc.in); got != tc.want {
			t.Errorf("%s: Median = %v ms, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRun: on the built-in sample with one worker, every median is
// positive and a call allocates nothing; a label the engine rejects is the
// engine's error. MemStats counts every goroutine's allocations, the
// runtime's and the test framework's too: like testing.AllocsPerRun, the
// test runs at GOMAXPROCS 1, and it takes the least of three runs (an
// engine that allocates allocates in all three).
func TestRun(t *testing.T) {
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		t.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		t.Fatal(err)
	}
	e, err := computeloss.New[float32](hyp.Default(), m, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.SetWorkers(1)
	p := feed.Preds[float32](b)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var r Result
	for range 3 {
		if r, err = Run(e, p, b.Targets, feed.Grads(p), 5); err != nil {
			t.Fatal(err)
		}
		if r.AllocsPerCall == 0 {
			break
		}
	}
	if !(r.ForwardBackward > 0 && r.Forward > 0 && r.Clear > 0) || r.AllocsPerCall != 0 {
		t.Errorf("Run = %+v; want positive medians and 0 allocations", r)
	}
	bad := append(b.Targets[:0:0], b.Targets...)
	bad[0][1] = 1000 // a class the model does not have
	if _, err := Run(e, p, bad, feed.Grads(p), 5); err == nil {
		t.Errorf("Run with a bad label: error %v, want the engine's", err)
	}
}
