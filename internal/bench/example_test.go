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
	// The times depend on the machine and its load: print them with
	// fmt.Printf("%.3f ms", r.ForwardBackward) and so on. r.AllocsPerCall
	// is 0 for the engine; the runtime's own allocations, counted too, can
	// raise it on a busy machine.
	fmt.Println("medians positive:", r.ForwardBackward > 0 && r.Forward > 0 && r.Clear > 0)
	// Output:
	// medians positive: true
}
