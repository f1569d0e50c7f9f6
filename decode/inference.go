package decode

import (
	"fmt"

	"github.com/yolo-loss/yololoss/tensor"
)

// InferenceRows returns n, the number of rows per image of Detect's
// inference output for the layers ps: Σ_l na·ny_l·nx_l. It panics if a
// layer is not of rank 5.
func InferenceRows[T tensor.Float](ps []tensor.Tensor[T]) int {
	n := 0
	for _, p := range ps {
		if len(p.Shape) != 5 {
			panic(fmt.Sprintf("decode: shape %v is not of rank 5 [bs, na, ny, nx, 5+nc]", p.Shape))
		}
		n += p.Shape[1] * p.Shape[2] * p.Shape[3]
	}
	return n
}

// Inference writes Detect's inference output for the raw output layers ps
// into dst and returns it: a tensor of shape [bs, n, 5+nc] whose row holds
// (x, y, w, h, obj, cls_0 … cls_{nc−1}) as the package doc gives them,
// every class probability included. Rows go layer after layer, and within
// a layer by anchor, row, column, the order of YOLOv5's torch.cat of the
// layers' views [bs, na·ny·nx, 5+nc]. anchors[l] holds layer l's anchors in
// grid units (model.Detect's AnchorsGrid) and strides[l] its stride in
// pixels.
//
// dst's storage is reused when it holds enough elements (pass the
// previous result); otherwise a new tensor is allocated. Inference panics
// if ps is empty, a layer's data does not match its shape, the layers
// differ in bs, na or 5+nc, or anchors and strides do not fit the layers.
func Inference[T tensor.Float](dst tensor.Tensor[T], ps []tensor.Tensor[T], anchors [][][2]float64, strides []float64) tensor.Tensor[T] {
	bs, no := checkLayers(ps, anchors, strides)
	n := InferenceRows(ps)
	dst = reuse3(dst, bs, n, no)
	first := 0 // the row of the layer's first cell
	for l, p := range ps {
		inferLayer(dst.Data, n, first, p, anchors[l], strides[l])
		first += p.Shape[1] * p.Shape[2] * p.Shape[3]
	}
	return dst
}

// inferLayer writes the rows of layer p, which start at row first of each
// image's n rows in out.
func inferLayer[T tensor.Float](out []T, n, first int, p tensor.Tensor[T], anchors [][2]float64, stride float64) {
	s := p.Shape
	no := s[4]
	off := 0
	for b := range s[0] {
		row := (b*n + first) * no
		for a := range s[1] {
			for gj := range s[2] {
				for gi := range s[3] {
					v := p.Data[off : off+no : off+no]
					o := out[row : row+no : row+no]
					for c, x := range pixelBox(v, anchors[a], gj, gi, stride) {
						o[c] = T(x)
					}
					for c := 4; c < no; c++ {
						o[c] = T(sigmoid(float64(v[c])))
					}
					off += no
					row += no
				}
			}
		}
	}
}

// checkLayers panics unless the layers, anchors and strides fit together,
// and returns bs and 5+nc.
func checkLayers[T tensor.Float](ps []tensor.Tensor[T], anchors [][][2]float64, strides []float64) (bs, no int) {
	if len(ps) == 0 {
		panic("decode: no layers")
	}
	if len(anchors) != len(ps) || len(strides) != len(ps) {
		panic(fmt.Sprintf("decode: %d layers, %d anchor sets, %d strides", len(ps), len(anchors), len(strides)))
	}
	for l, p := range ps {
		checkShape(p)
		if s, s0 := p.Shape, ps[0].Shape; s[0] != s0[0] || s[1] != s0[1] || s[4] != s0[4] {
			panic(fmt.Sprintf("decode: layer %d has shape %v, layer 0 %v: bs, na and 5+nc must agree", l, p.Shape, ps[0].Shape))
		}
		if len(anchors[l]) != p.Shape[1] {
			panic(fmt.Sprintf("decode: layer %d: %d anchors for shape %v", l, len(anchors[l]), p.Shape))
		}
	}
	return ps[0].Shape[0], ps[0].Shape[4]
}

// reuse3 returns dst shaped [d0, d1, d2], its storage reused when it holds
// enough elements, a new one allocated otherwise; the values are not
// cleared.
func reuse3[T tensor.Float](dst tensor.Tensor[T], d0, d1, d2 int) tensor.Tensor[T] {
	size := d0 * d1 * d2
	if cap(dst.Data) >= size {
		dst.Data = dst.Data[:size]
	} else {
		dst.Data = make([]T, size)
	}
	if cap(dst.Shape) >= 3 {
		dst.Shape = dst.Shape[:3]
	} else {
		dst.Shape = make([]int, 3)
	}
	dst.Shape[0], dst.Shape[1], dst.Shape[2] = d0, d1, d2
	return dst
}
