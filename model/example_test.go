package model_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/model"
)

// Anchors from a model file are in pixels: FromPixels divides them by the
// strides.
func ExampleFromPixels() {
	d, err := model.FromPixels(80, [][][2]float64{
		{{10, 13}, {16, 30}, {33, 23}},      // P3/8
		{{30, 61}, {62, 45}, {59, 119}},     // P4/16
		{{116, 90}, {156, 198}, {373, 326}}, // P5/32
	}, nil) // nil: strides 8, 16, 32
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Strides, d.AnchorsGrid[0][0], d.AnchorsGrid[2][2])
	// Output: [8 16 32] [1.25 1.625] [11.65625 10.1875]
}

func ExampleDetect_CheckGrids() {
	d := model.P5(80)
	fmt.Println(d.CheckGrids([][2]int{{80, 80}, {40, 40}, {20, 20}}))
	fmt.Println(d.CheckGrids([][2]int{{20, 20}, {40, 40}, {80, 80}}))
	// Output:
	// <nil>
	// model: p1 (P4, stride 16) has a 40x40 grid, whose height fits an image of 624 to 656 px exclusive; no image height also fits p0 20x20 at stride 8: layers out of order? p0 must be the finest grid (stride 8)
}
