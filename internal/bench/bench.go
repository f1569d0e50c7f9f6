package bench

import (
	"runtime"
	"slices"
	"time"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// Warmup is the number of untimed calls before the timed ones: the first
// call sizes the engine's buffers.
const Warmup = 3

// Result is what Run measures, medians in milliseconds.
type Result struct {
	ForwardBackward float64 // Loss with a gradient
	Forward         float64 // Loss without one
	Clear           float64 // clear() of every gradient tensor
	AllocsPerCall   float64 // heap allocations per forward+backward call
}

// Run times n calls of each kind (see the package doc) of the engine e on
// the predictions p and labels, writing the gradient into g. The error is
// the engine's. It panics if n < 1.
func Run[T tensor.Float](e *computeloss.Engine[T], p []tensor.Tensor[T], labels []target.Label, g []tensor.Tensor[T], n int) (Result, error) {
	return Calls(func(grad []tensor.Tensor[T]) error { _, err := e.Loss(p, labels, grad); return err }, g, n)
}

// Calls is Run for any engine: loss makes one call, writing the gradient
// into grad when it is not nil (the anchor-free engine's, package v8loss,
// as computeloss's). It panics if n < 1.
func Calls[T tensor.Float](loss func(grad []tensor.Tensor[T]) error, g []tensor.Tensor[T], n int) (Result, error) {
	if n < 1 {
		panic("bench: n < 1")
	}
	for range Warmup {
		if err := loss(g); err != nil {
			return Result{}, err
		}
	}
	forwardBackward := func() error { return loss(g) }
	forward := func() error { return loss(nil) }
	clearGrad := func() error {
		for _, t := range g {
			clear(t.Data)
		}
		return nil
	}
	times := make([]time.Duration, n)
	var r Result
	// Only the timed calls run between the two readings.
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := timeCalls(times, forwardBackward)
	runtime.ReadMemStats(&after)
	if err != nil {
		return Result{}, err
	}
	r.ForwardBackward = Median(times)
	r.AllocsPerCall = float64(after.Mallocs-before.Mallocs) / float64(n)
	if err := timeCalls(times, forward); err != nil {
		return Result{}, err
	}
	r.Forward = Median(times)
	timeCalls(times, clearGrad)
	r.Clear = Median(times)
	return r, nil
}

// timeCalls calls f len(times) times and stores the time of each call in
// times, or returns f's first error.
func timeCalls(times []time.Duration, f func() error) error {
	for k := range times {
		t0 := time.Now()
		if err := f(); err != nil {
			return err
		}
		times[k] = time.Since(t0)
	}
	return nil
}

// Median sorts t and returns its median in milliseconds: the middle value,
// or the mean of the two middle values for an even count. It panics if t
// is empty.
func Median(t []time.Duration) float64 {
	slices.Sort(t)
	n := len(t)
	m := t[n/2]
	if n%2 == 0 {
		m = (t[n/2-1] + t[n/2]) / 2
	}
	return float64(m) / 1e6
}
