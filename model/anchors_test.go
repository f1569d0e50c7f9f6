package model_test

import (
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/model"
)

// reversedP5 is YOLOv5's P5 anchors in pixels with the rows in reversed
// order: the largest anchors on the finest grid.
var reversedP5 = [][][2]float64{
	{{116, 90}, {156, 198}, {373, 326}},
	{{30, 61}, {62, 45}, {59, 119}},
	{{10, 13}, {16, 30}, {33, 23}},
}

// TestAnchorOrder: anchor rows whose mean area shrinks while the strides
// grow (the case YOLOv5's check_anchor_order flips) are refused by every
// constructor, with the areas and the fix in the message.
func TestAnchorOrder(t *testing.T) {
	grid := make([][][2]float64, len(reversedP5))
	for i, layer := range reversedP5 {
		for _, wh := range layer {
			s := float64(int(8) << i)
			grid[i] = append(grid[i], [2]float64{wh[0] / s, wh[1] / s})
		}
	}
	const want = "model: anchors in reversed order: their mean area is 54309 px² in layer 0 (P3, stride 8) and 456 px² in layer 2 (P5, stride 32)"
	for _, tc := range []struct {
		name string
		make func() (model.Detect, error)
		want string
	}{
		{"FromPixels", func() (model.Detect, error) { return model.FromPixels(80, reversedP5, nil) }, want},
		{"FromGrid", func() (model.Detect, error) { return model.FromGrid(80, grid, nil) }, want},
		{"Parse", func() (model.Detect, error) {
			return model.Parse([]byte(withAnchors("\n  - [116, 90, 156, 198, 373, 326]\n  - [30, 61, 62, 45, 59, 119]\n  - [10, 13, 16, 30, 33, 23]")), nil)
		}, `model: line 4: key "anchors": rows in reversed order: their mean area is 54309 px² in row 0 (P3, stride 8) and 456 px² in row 2 (P5, stride 32)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := tc.make()
			if err == nil {
				t.Fatalf("accepted reversed anchors: %+v", d)
			}
			if !strings.HasPrefix(err.Error(), tc.want) || !strings.Contains(err.Error(), "check_anchor_order") {
				t.Errorf("error\n got %v\nwant one starting %q that names check_anchor_order", err, tc.want)
			}
		})
	}
}

// TestAnchorOrderAccepted: the mean areas of the first and the last layer
// decide, as in check_anchor_order; equal areas and a single layer pass.
func TestAnchorOrderAccepted(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pixels  [][][2]float64
		strides []float64
	}{
		{"P5", [][][2]float64{{{10, 13}, {16, 30}, {33, 23}}, {{30, 61}, {62, 45}, {59, 119}}, {{116, 90}, {156, 198}, {373, 326}}}, nil},
		{"equal areas", [][][2]float64{{{32, 32}}, {{16, 64}}}, nil},
		{"one layer", [][][2]float64{{{300, 300}, {10, 10}}}, nil},
		// Only the first and the last layer count: a middle layer out of
		// line passes, as in YOLOv5.
		{"middle layer large", [][][2]float64{{{10, 10}}, {{400, 400}}, {{100, 100}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := model.FromPixels(3, tc.pixels, tc.strides); err != nil {
				t.Errorf("FromPixels: %v", err)
			}
		})
	}
}

// TestFromGridPixelAnchors: anchors in pixels passed to FromGrid (P5's 373
// px as 373 cells) are refused, naming the layer and the likely mistake;
// 64 cells still pass.
func TestFromGridPixelAnchors(t *testing.T) {
	_, err := model.FromGrid(80, [][][2]float64{
		{{10, 13}, {16, 30}, {33, 23}},
		{{30, 61}, {62, 45}, {59, 119}},
		{{116, 90}, {156, 198}, {373, 326}},
	}, nil)
	const want = "model: anchors[1][2] (P4, stride 16) is 59 × 119 grid cells: no YOLO model has an anchor wider or taller than 64 cells; anchors in pixels? use FromPixels"
	if err == nil || err.Error() != want {
		t.Errorf("FromGrid(pixel anchors) = %v,\nwant %q", err, want)
	}
	if _, err := model.FromGrid(1, [][][2]float64{{{64, 0.5}}}, nil); err != nil {
		t.Errorf("FromGrid(64 cells) = %v, want nil", err)
	}
	if _, err := model.FromGrid(1, [][][2]float64{{{1, 64.5}}}, nil); err == nil || !strings.Contains(err.Error(), "anchors[0][0] (P3, stride 8) is 1 × 64.5 grid cells") {
		t.Errorf("FromGrid(64.5 cells tall) = %v, want the anchor refused", err)
	}
}
