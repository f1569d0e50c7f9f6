package decode

import (
	"fmt"
	"math"

	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// AnchorFreeRows returns A, the number of anchors (cells) per image of the
// anchor-free head's inference output for the layers ps
// [bs, 4·reg_max+nc, ny, nx]: Σ_l ny_l·nx_l. It panics if a layer is not
// of rank 4.
func AnchorFreeRows[T tensor.Float](ps []tensor.Tensor[T]) int {
	n := 0
	for l, p := range ps {
		if len(p.Shape) != 4 {
			panic(fmt.Sprintf("decode: layer %d: shape %v is not of rank 4 [bs, 4·reg_max+nc, ny, nx]", l, p.Shape))
		}
		n += p.Shape[2] * p.Shape[3]
	}
	return n
}

// CheckAnchorFree reports whether ps can be the raw outputs of head: one
// layer per stride, each of shape [bs, 4·RegMax+NC, ny, nx] with the same
// bs, at least one cell, and data matching the shape. It does not look at
// the values. The error names the layer.
func CheckAnchorFree[T tensor.Float](ps []tensor.Tensor[T], head model.AnchorFree) error {
	if err := head.Validate(); err != nil {
		return err
	}
	if len(ps) != len(head.Strides) {
		return fmt.Errorf("%d layers for %d strides %v", len(ps), len(head.Strides), head.Strides)
	}
	for l, p := range ps {
		s := p.Shape
		if len(s) != 4 {
			return fmt.Errorf("layer %d: shape %v is not of rank 4 [bs, 4·reg_max+nc, ny, nx]", l, s)
		}
		if err := p.Check(); err != nil {
			return fmt.Errorf("layer %d: %w", l, err)
		}
		if c := head.Channels(); s[1] != c {
			return fmt.Errorf("layer %d: shape %v has %d channels, want 4·reg_max + nc = 4·%d + %d = %d", l, s, s[1], head.RegMax, head.NC, c)
		}
		if s[2] < 1 || s[3] < 1 {
			return fmt.Errorf("layer %d: shape %v has no cell", l, s)
		}
		if s[0] != ps[0].Shape[0] {
			return fmt.Errorf("layer %d: shape %v, layer 0 %v: the batch sizes differ", l, s, ps[0].Shape)
		}
	}
	return nil
}

// AnchorFree writes the inference output of the anchor-free Detect head
// (ultralytics' Detect in eval mode, the one-to-many branch) for its raw
// output layers ps into dst and returns it: a tensor of shape
// [bs, 4+nc, A], channels first, whose channels are cx, cy, w, h in pixels
// of the network input and the nc class probabilities, for every cell of
// every layer (A = AnchorFreeRows(ps); anchors go layer after layer, and
// within a layer by row, then column). See the package doc for the
// formulas. head gives reg_max and the layers' strides; head.End2End is
// not read (an end-to-end head's NMS-free output is another layout).
//
// dst's storage is reused when it holds enough elements (pass the
// previous result); otherwise a new tensor is allocated. AnchorFree panics
// where CheckAnchorFree reports an error.
func AnchorFree[T tensor.Float](dst tensor.Tensor[T], ps []tensor.Tensor[T], head model.AnchorFree) tensor.Tensor[T] {
	if err := CheckAnchorFree(ps, head); err != nil {
		panic("decode: " + err.Error())
	}
	bs, nc, a := ps[0].Shape[0], head.NC, AnchorFreeRows(ps)
	no := 4 + nc
	dst = reuse3(dst, bs, no, a)
	first := 0 // the anchor of the layer's first cell
	for l, p := range ps {
		anchorFreeLayer(dst.Data, a, first, p, head.RegMax, head.Strides[l])
		first += p.Shape[2] * p.Shape[3]
	}
	return dst
}

// anchorFreeLayer writes the columns of layer p, which start at anchor
// first of each image's a anchors in out [bs, 4+nc, a].
func anchorFreeLayer[T tensor.Float](out []T, a, first int, p tensor.Tensor[T], regMax int, stride float64) {
	s := p.Shape
	bs, ch, ny, nx := s[0], s[1], s[2], s[3]
	cells := ny * nx
	nc := ch - 4*regMax
	no := 4 + nc
	for b := range bs {
		in := p.Data[b*ch*cells : (b+1)*ch*cells]
		o := out[b*no*a : (b+1)*no*a]
		for gj := range ny {
			for gi := range nx {
				cell := gj*nx + gi
				var d [4]float64 // distances to the left, top, right and bottom sides, grid units
				for k := range d {
					d[k] = expectation(in[k*regMax*cells+cell:], regMax, cells)
				}
				box := AnchorFreeBox(d, gj, gi, stride)
				col := first + cell
				for c, v := range box {
					o[c*a+col] = T(v)
				}
				for c := range nc {
					o[(4+c)*a+col] = T(sigmoid(float64(in[(4*regMax+c)*cells+cell])))
				}
			}
		}
	}
}

// expectation returns Σ_i i·softmax(v)_i over the regMax bins v[i·step],
// the distribution focal loss' expected distance (ultralytics' DFL), or
// the value itself when regMax is 1. The softmax subtracts the largest
// logit first, so no finite logit overflows.
func expectation[T tensor.Float](v []T, regMax, step int) float64 {
	if regMax == 1 {
		return float64(v[0])
	}
	m := math.Inf(-1)
	for i := range regMax {
		m = max(m, float64(v[i*step]))
	}
	var sum, dot float64
	for i := range regMax {
		e := math.Exp(float64(v[i*step]) - m)
		sum += e
		dot += float64(i) * e
	}
	return dot / sum
}

// AnchorFreeBox returns the box (cx, cy, w, h) in pixels of cell (gj, gi)
// of a layer of the given stride whose distances from the cell centre
// (gi + 0.5, gj + 0.5) to the box's left, top, right and bottom sides are
// d, in grid units: ultralytics' dist2bbox in the xywh form, times the
// stride.
func AnchorFreeBox(d [4]float64, gj, gi int, stride float64) [4]float64 {
	ax, ay := float64(gi)+0.5, float64(gj)+0.5
	x1, y1, x2, y2 := ax-d[0], ay-d[1], ax+d[2], ay+d[3]
	return [4]float64{(x1 + x2) / 2 * stride, (y1 + y2) / 2 * stride, (x2 - x1) * stride, (y2 - y1) * stride}
}
