package fit_test

import (
	"fmt"
	"log"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/fit"
)

// Fit random logits on small grids (a golden case) to the labels.
func ExampleFit() {
	const dir = "../../testdata/golden/bce_basic/"
	b, err := batchfile.ReadFile(dir + "input.npz")
	if err != nil {
		log.Fatal(err)
	}
	h, err := hyp.Load(dir + "hyp.yaml")
	if err != nil {
		log.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		log.Fatal(err)
	}
	e, err := computeloss.New[float64](h, m, nil)
	if err != nil {
		log.Fatal(err)
	}
	p := feed.Preds[float64](b) // the file is float64: Fit moves b's own predictions
	r, err := fit.Fit(e, p, b.Targets, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d free parameters of %d; %v\n", r.Free, r.Total, r.Stop)
	fmt.Printf("loss %.3f, then below 1%% of it: %v\n", r.Start.Loss, r.End.Loss < r.Start.Loss/100)
	fmt.Printf("lbox %.3f, then below 10%% of it: %v\n", r.Start.LBox, r.End.LBox < r.Start.LBox/10)
	for k, a := range r.After {
		if a.N > 0 {
			fmt.Printf("label %d: %2d cells, mean IoU %.2f → %.2f\n", k, a.N, r.Before[k].Mean(), a.Mean())
		}
	}
	// Output:
	// 875 free parameters of 4032; converged
	// loss 13.017, then below 1% of it: true
	// lbox 0.137, then below 10% of it: true
	// label 0:  6 cells, mean IoU 0.11 → 1.00
	// label 1:  2 cells, mean IoU 0.00 → 1.00
	// label 2: 18 cells, mean IoU 0.19 → 1.00
	// label 3: 17 cells, mean IoU 0.16 → 1.00
	// label 5: 10 cells, mean IoU 0.23 → 1.00
}
