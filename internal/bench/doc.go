// Package bench times an engine the way lossdemo -bench reports it: the
// median time of n forward+backward calls after a warm-up, with the heap
// allocations per call, then the median of n forward-only calls, and the
// median of n clear() of the gradient buffers, the least any backward pass
// must do (write its output once), as a yardstick that moves with the
// machine's memory bandwidth.
//
// Medians, not means: on a shared machine a few calls stall, and a median
// over n calls ignores them. Go's own benchmarks (go test -bench) are for
// development; this harness runs on a user's file from the command line.
package bench
