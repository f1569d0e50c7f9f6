package v8loss

// Options are the engine's switches beyond the hyperparameters. The zero
// value, like a nil *Options, is ultralytics 8.4.35's v8DetectionLoss and
// E2ELoss.
type Options struct {
	// Workers is the number of goroutines a call may use; ≤ 0 means
	// runtime.GOMAXPROCS(0) at each call (see Engine.SetWorkers).
	Workers int
}
