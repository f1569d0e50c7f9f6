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

// A YOLOv5 model file gives nc and the anchors in pixels; the strides come
// from the caller (nil: 8, 16, 32, … from P3 upwards).
func ExampleParse() {
	d, err := model.Parse([]byte(`
nc: 80 # number of classes
depth_multiple: 0.33
width_multiple: 0.50
anchors:
  - [10, 13, 16, 30, 33, 23] # P3/8
  - [30, 61, 62, 45, 59, 119] # P4/16
  - [116, 90, 156, 198, 373, 326] # P5/32
backbone: [[-1, 1, Conv, [64, 6, 2, 2]]]
head: [[[17, 20, 23], 1, Detect, [nc, anchors]]]
`), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.NC, d.Strides, d.AnchorsGrid[2][2])

	// autoanchor.yaml and -p7.yaml leave the anchors to AutoAnchor.
	_, err = model.Load("testdata/autoanchor.yaml", nil)
	fmt.Println(err)
	// Output:
	// 80 [8 16 32] [11.65625 10.1875]
	// model: testdata/autoanchor.yaml: line 6: key "anchors": 3 is a number of anchors per layer, not the anchors: YOLOv5 computes them by AutoAnchor when it trains, so this file holds none. Take them from the trained model (Detect's anchors are in grid units: FromGrid) or write them into the file as rows of anchor (w, h) pairs in pixels, one row per output layer, such as - [10, 13, 16, 30, 33, 23]
}

// LoadFile reads YOLOv5's and ultralytics' model files; an ultralytics
// file's strides come from its layer graph (yolov8-p2.yaml has a P2
// output, stride 4). LoadOptions.NC replaces the file's nc with the
// dataset's class count.
func ExampleLoadFile() {
	for _, path := range []string{
		"../testdata/ultralytics-8.4.35/models/yolov8-p2.yaml",
		"../testdata/ultralytics-8.4.35/models/yolo26.yaml",
		"testdata/p5.yaml",
	} {
		f, err := model.LoadFile(path, &model.LoadOptions{NC: 3})
		if err != nil {
			panic(err)
		}
		switch f.Head {
		case model.HeadV8:
			a := f.V8
			fmt.Printf("%s: nc %d, strides %v, reg_max %d, end2end %v, %d channels\n", f.Head, a.NC, a.Strides, a.RegMax, a.End2End, a.Channels())
		case model.HeadV5:
			d := f.V5
			fmt.Printf("%s: nc %d, strides %v, %d anchors per layer\n", f.Head, d.NC, d.Strides, d.NA())
		}
	}
	// Output:
	// v8: nc 3, strides [4 8 16 32], reg_max 16, end2end false, 67 channels
	// v8: nc 3, strides [8 16 32], reg_max 1, end2end true, 7 channels
	// v5: nc 3, strides [8 16 32], 3 anchors per layer
}
