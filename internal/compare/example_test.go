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

// Where focal applies, and varifocal with constant against IoU class
// targets, on the built-in sample with the default hyp (γ 1.5 in place of
// its 0).
func ExamplePlacements() {
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		log.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		log.Fatal(err)
	}
	p := feed.Preds[float64](b)
	rows, err := compare.Placements(compare.Input[float64]{Hyp: hyp.Default(), Model: m, Preds: p, Labels: b.Targets}, feed.Grads(p))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range rows {
		fmt.Printf("%-62s lobj %.4f lcls %.4f\n", r.Criterion, r.LObj, r.LCls)
	}
	// Output:
	// focal γ=1.5 α=0.25 on cls and obj                              lobj 0.0271 lcls 0.0107
	// focal γ=1.5 α=0.25 on cls, BCE on obj                          lobj 0.1694 lcls 0.0107
	// BCE on cls, focal γ=1.5 α=0.25 on obj                          lobj 0.0271 lcls 0.0667
	// varifocal γ=1.5 α=0.25 on cls and obj, constant class targets  lobj 0.0868 lcls 0.0478
	// varifocal γ=1.5 α=0.25 on cls and obj, IoU class targets       lobj 0.0868 lcls 0.0213
}

// The box losses on the built-in sample, each with its default
// parameters; the default hyp trains with CIoU.
func ExampleBoxLosses() {
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		log.Fatal(err)
	}
	m, err := feed.Model(b)
	if err != nil {
		log.Fatal(err)
	}
	p := feed.Preds[float64](b)
	boxes, err := compare.BoxLosses(compare.Input[float64]{Hyp: hyp.Default(), Model: m, Preds: p, Labels: b.Targets}, feed.Grads(p))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d matches, mean IoU %.4f\n", boxes.Matches, boxes.MeanIoU)
	for _, r := range boxes.Rows {
		mark := ""
		if r.Hyp {
			mark = " (hyp)"
		}
		fmt.Printf("%-9s lbox %.4f mean value %.4f, %s share of |box grad| %.0f%%%s\n",
			r.IoUType, r.LBox, r.MeanValue, boxes.Layers[2], 100*r.BoxGradShare[2], mark)
	}
	// Output:
	// 94 matches, mean IoU 0.6351
	// iou       lbox 0.0548 mean value 0.6351, P5 share of |box grad| 36%
	// giou      lbox 0.0581 mean value 0.6158, P5 share of |box grad| 38%
	// diou      lbox 0.0550 mean value 0.6336, P5 share of |box grad| 36%
	// ciou      lbox 0.0552 mean value 0.6329, P5 share of |box grad| 36% (hyp)
	// eiou      lbox 0.0742 mean value 0.5105, P5 share of |box grad| 37%
	// siou      lbox 0.0560 mean value 0.6267, P5 share of |box grad| 36%
	// wiou      lbox 0.0410 mean value 0.6351, P5 share of |box grad| 38%
	// mpdiou    lbox 0.0554 mean value 0.6315, P5 share of |box grad| 36%
	// shape_iou lbox 0.0557 mean value 0.6291, P5 share of |box grad| 36%
}
