package model

import (
	"fmt"
	"strconv"
)

// MaxAnchorCells is the largest anchor width or height, in grid cells of
// its layer, that FromGrid accepts. YOLOv5's largest default anchors are
// under 15 cells (P6's 925 × 792 px at stride 64); its P5 anchors taken as
// cells, the likely mistake, are up to 373.
const MaxAnchorCells = 64

// checkCells returns an error naming the first anchor wider or taller than
// MaxAnchorCells cells; d is valid.
func checkCells(d Detect) error {
	for i, layer := range d.AnchorsGrid {
		for j, wh := range layer {
			if wh[0] > MaxAnchorCells || wh[1] > MaxAnchorCells {
				return fmt.Errorf("model: anchors[%d][%d] (%s, stride %g) is %g × %g grid cells: no YOLO model has an anchor wider or taller than %d cells; anchors in pixels? use FromPixels",
					i, j, LayerName(i, d.Strides), d.Strides[i], wh[0], wh[1], MaxAnchorCells)
			}
		}
	}
	return nil
}

// meanArea returns the mean area of the anchors of one layer.
func meanArea(layer [][2]float64) float64 {
	var s float64
	for _, wh := range layer {
		s += wh[0] * wh[1]
	}
	return s / float64(len(layer))
}

// orderMessage returns "" when the anchors, in pixels over the increasing
// strides, are in YOLOv5's order, else why they are not, calling a row of
// anchors row ("layer", "row"). As YOLOv5's check_anchor_order does, it compares the
// mean anchor area of the first and the last layer: the anchors are in
// reversed order when it shrinks while the stride grows. YOLOv5 then flips
// the rows; this package refuses them, so that the anchors a caller gives
// are the anchors it gets.
func orderMessage(pixels [][][2]float64, strides []float64, row string) string {
	last := len(pixels) - 1
	a0, an := meanArea(pixels[0]), meanArea(pixels[last])
	if !(an < a0) {
		return ""
	}
	return fmt.Sprintf("their mean area is %s px² in %s 0 (%s, stride %g) and %s px² in %s %d (%s, stride %g), while the stride grows: "+
		"list the anchors from the finest grid (the smallest, P3) to the coarsest, one %s per output layer "+
		"(YOLOv5's check_anchor_order flips such rows; this package refuses them)",
		area(a0), row, LayerName(0, strides), strides[0], area(an), row, last, LayerName(last, strides), strides[last], row)
}

// area formats a mean anchor area in px² for a message.
func area(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
