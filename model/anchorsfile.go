package model

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/internal/yamlnode"
)

// anchorsForm shows the form of YOLOv5's anchors in error messages.
const anchorsForm = "rows of anchor (w, h) pairs in pixels, one row per output layer, such as - [10, 13, 16, 30, 33, 23]"

// readAnchors reads the anchors value v of the key at line into f.
func (f *modelFile) readAnchors(line int, v *yaml.Node) *FileError {
	f.anchorsLine = line
	if n, ok := yamlnode.Integer(v); ok {
		return keyError(line, "anchors", fmt.Sprintf("%d is a number of anchors per layer, not the anchors: "+
			"YOLOv5 computes them by AutoAnchor when it trains, so this file holds none. "+
			"Take them from the trained model (Detect's anchors are in grid units: FromGrid) or write them into the file as %s", n, anchorsForm))
	}
	if v == nil || v.Kind != yaml.SequenceNode {
		return keyError(line, "anchors", "want "+anchorsForm+", got "+yamlnode.Describe(v))
	}
	if len(v.Content) == 0 || len(v.Content) > MaxLayers {
		return keyError(line, "anchors", fmt.Sprintf("want 1 to %d rows (output layers), got %d", MaxLayers, len(v.Content)))
	}
	for i, rn := range v.Content {
		row, err := readAnchorRow(i, yamlnode.Resolve(rn))
		if err != nil {
			return err
		}
		if i > 0 && len(row) != len(f.anchors[0]) {
			return keyError(rn.Line, "anchors", fmt.Sprintf("row %d has %d anchors (%d values), row 0 has %d: every output layer has the same number of anchors",
				i, len(row), 2*len(row), len(f.anchors[0])))
		}
		f.anchors = append(f.anchors, row)
		f.rowLines = append(f.rowLines, rn.Line)
		f.rowComments = append(f.rowComments, rn.LineComment)
	}
	return nil
}

// readAnchorRow reads row i of the anchors, a flat sequence of pixel pairs
// w0, h0, w1, h1, …
func readAnchorRow(i int, rn *yaml.Node) ([][2]float64, *FileError) {
	if rn == nil || rn.Kind != yaml.SequenceNode {
		line := 0
		if rn != nil {
			line = rn.Line
		}
		return nil, keyError(line, "anchors", fmt.Sprintf("row %d: want a sequence of pixel pairs [w0, h0, w1, h1, …], got %s", i, yamlnode.Describe(rn)))
	}
	flat := make([]float64, len(rn.Content))
	for j, vn := range rn.Content {
		v := yamlnode.Resolve(vn)
		if v != nil && v.Kind == yaml.SequenceNode {
			return nil, keyError(vn.Line, "anchors", fmt.Sprintf("row %d, value %d is a sequence: a row is flat pixel pairs [w0, h0, w1, h1, …], not nested pairs", i, j))
		}
		x, ok := yamlnode.Number(v)
		if !ok || !(x > 0) || math.IsInf(x, 0) {
			wh := [2]string{"w", "h"}[j%2]
			return nil, keyError(vn.Line, "anchors", fmt.Sprintf("row %d, value %d (anchor %d %s) = %s: want a finite number of pixels > 0",
				i, j, j/2, wh, yamlnode.Describe(v)))
		}
		flat[j] = x
	}
	if len(flat) == 0 || len(flat)%2 != 0 {
		return nil, keyError(rn.Line, "anchors", fmt.Sprintf("row %d has %d values: want (w, h) pairs in pixels, an even number ≥ 2", i, len(flat)))
	}
	row := make([][2]float64, len(flat)/2)
	for j, x := range flat {
		row[j/2][j%2] = x
	}
	return row, nil
}

// strideComment matches YOLOv5's comment after an anchor row, "# P3/8 …":
// the level and the stride of the layer.
var strideComment = regexp.MustCompile(`^#\s*P(\d+)/(\d+)\b`)

// checkStrideComments returns an error when a row's comment gives a
// stride other than the default one, as the two-layer yolov3-tiny.yaml
// does (P4/16 and P5/32): its strides must come from the caller.
func (f *modelFile) checkStrideComments(defaults []float64) *FileError {
	for i, c := range f.rowComments {
		m := strideComment.FindStringSubmatch(c)
		if m == nil {
			continue
		}
		s, err := strconv.ParseFloat(m[2], 64)
		if err != nil || s == defaults[i] {
			continue
		}
		return keyError(f.rowLines[i], "anchors", fmt.Sprintf("row %d is marked P%s/%s, but the default stride of layer %d is %g (8·2^i, P3 upwards): "+
			"pass the model's strides%s", i, m[1], m[2], i, defaults[i], f.commentStrides()))
	}
	return nil
}

// commentStrides returns " (the comments say [16 32])" when every row's
// comment gives a stride, else "".
func (f *modelFile) commentStrides() string {
	s := make([]float64, len(f.rowComments))
	for i, c := range f.rowComments {
		m := strideComment.FindStringSubmatch(c)
		if m == nil {
			return ""
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return ""
		}
		s[i] = v
	}
	return fmt.Sprintf(" (the comments say %v)", s)
}
