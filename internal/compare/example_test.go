package compare_test

import (
	"fmt"
	"log"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/compare"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/sample"
)

// The criteria on the built-in sample with the default hyp (BCE; the
// focal family at γ 1.5).
func ExampleCriteria() {
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		log.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		log.Fatal(err)
	}
	p := feed.Preds[float32](b)
	rows, err := compare.Criteria(compare.Input[float32]{Hyp: hyp.Default(), Model: m, Preds: p, Labels: b.Targets}, feed.Grads(p))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Printf("%-22s loss %.4f, positives' share of |obj grad| %4.1f%%\n", r.Criterion, r.Loss, 100*r.ObjGradShare)
	}
	// Output:
	// BCE                    loss 0.5825, positives' share of |obj grad| 46.9%
	// focal γ=1.5 α=0.25     loss 0.1858, positives' share of |obj grad| 96.7%
	// qfocal γ=1.5 α=0.25    loss 0.1816, positives' share of |obj grad| 97.1%
	// varifocal γ=1.5 α=0.25 loss 0.3795, positives' share of |obj grad| 99.6%
}
