package bench_test

import (
	"fmt"
	"log"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/bench"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/sample"
)

// Time the engine on the built-in sample, as lossdemo -bench 20 does.
func ExampleRun() {
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		log.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		log.Fatal(err)
	}
	e, err := computeloss.New[float32](hyp.Default(), m, nil)
	if err != nil {
		log.Fatal(err)
	}
	e.SetWorkers(1)
	p := feed.Preds[float32](b)
	r, err := bench.Run(e, p, b.Targets, feed.Grads(p), 20)
	if err != nil {
		log.Fatal(err)
	}
	// The times depend on the machine; the allocations do not.
	fmt.Printf("forward+backward > 0: %v, allocations per call: %v\n", r.ForwardBackward > 0, r.AllocsPerCall)
	// Output:
	// forward+backward > 0: true, allocations per call: 0
}
