package sample_test

import (
	"fmt"
	"log"

	"github.com/yolo-loss/yololoss/internal/sample"
)

func ExampleGenerate() {
	b, err := sample.Generate(sample.DefaultP5)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d images, %d classes, %d labels\n", b.BS(), b.NC(), len(b.Targets))
	for i, p := range b.Preds {
		fmt.Printf("p%d %v stride %g\n", i, p.Shape, b.Strides[i])
	}
	// Output:
	// 2 images, 80 classes, 6 labels
	// p0 [2 3 32 32 85] stride 8
	// p1 [2 3 16 16 85] stride 16
	// p2 [2 3 8 8 85] stride 32
}
