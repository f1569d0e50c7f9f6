package feed_test

import (
	"fmt"
	"log"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/sample"
)

// A batch (here the built-in sample, as batchfile.ReadFile returns one) to
// the engine, and its gradient back to arrays for batchfile.WriteFile.
func Example() {
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		log.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		log.Fatal(err)
	}
	f32, err := feed.Float32(b)
	if err != nil || !f32 {
		log.Fatal("want float32 predictions: ", err)
	}
	e, err := computeloss.New[float32](hyp.Default(), m, nil)
	if err != nil {
		log.Fatal(err)
	}
	p := feed.Preds[float32](b)
	g := feed.Grads(p)
	r, err := e.Loss(p, b.Targets, g)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loss %.6f\n", r.Loss)
	for _, a := range feed.Arrays(g) {
		fmt.Println(a.Name, a.Shape, a.DType())
	}
	// Output:
	// loss 0.582511
	// p0 [2 3 32 32 85] float32
	// p1 [2 3 16 16 85] float32
	// p2 [2 3 8 8 85] float32
}
