package curves_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"
	"strings"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/curves"
)

// Draw the criteria of the default hyp (fl_gamma 0, so γ = 1.5 is drawn)
// as a PNG.
func ExampleFigure_Render() {
	f := curves.New(hyp.Default(), "hyp.scratch-low.yaml")
	var buf bytes.Buffer
	if err := f.Render(&buf, ".png"); err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("γ = %s, α = %s, obj_pw = %s\n", curves.Num(f.Gamma), curves.Num(f.Alpha), curves.Num(f.PosWeight))
	fmt.Printf("%d positive and %d negative curves, %v PNG\n", len(f.Pos), len(f.Neg), img.Bounds().Size())
	// Output:
	// γ = 1.5, α = 0.25, obj_pw = 1
	// 5 positive and 4 negative curves, (1200,800) PNG
}

// Draw the box losses around their target, the default hyp's CIoU marked,
// as a PNG.
func ExampleBoxFigure_Render() {
	f, err := curves.NewBox(hyp.Default(), "hyp.scratch-low.yaml")
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Render(&buf, ".png"); err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		log.Fatal(err)
	}
	var labels []string
	for _, c := range f.Curves {
		labels = append(labels, c.Label)
	}
	fmt.Println(strings.Join(labels, ", "))
	fmt.Printf("%v PNG\n", img.Bounds().Size())
	// Output:
	// iou, giou, diou, ciou (hyp), eiou, siou, wiou, mpdiou, shape_iou
	// (1200,800) PNG
}
