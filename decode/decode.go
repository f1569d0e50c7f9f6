package decode

import (
	"fmt"
	"math"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/tensor"
)

// Box is an axis-aligned box given by its centre (X, Y) and size (W, H), in
// pixels of the network input.
type Box struct {
	X, Y, W, H float64
}

// XYWH returns the box as (x, y, w, h), the layout of package iou.
func (b Box) XYWH() [4]float64 { return [4]float64{b.X, b.Y, b.W, b.H} }

// XYXY returns the box as its corners (x1, y1, x2, y2), the layout of
// YOLOv5's non_max_suppression.
func (b Box) XYXY() [4]float64 {
	return [4]float64{b.X - b.W/2, b.Y - b.H/2, b.X + b.W/2, b.Y + b.H/2}
}

// Detection is one decoded cell of one anchor.
type Detection struct {
	Box        Box     // pixels, centre and size
	Obj        float64 // objectness σ(t_obj)
	Class      int     // the most likely class; −1 when the layer has no class channels
	ClassScore float64 // σ of that class's logit; 1 when the layer has no class channels

	Layer  int // output layer index (set by Layer; 0 from Cell)
	Image  int // b, the image in the batch
	Anchor int // a, the anchor of the layer
	GJ, GI int // cell row and column
}

// Conf returns the detection's confidence Obj·ClassScore, the score that
// Layer filters on.
func (d Detection) Conf() float64 { return d.Obj * d.ClassScore }

// sigmoid is σ(x), without overflow for any finite x.
func sigmoid(x float64) float64 {
	s, _ := bce.Sigmoid(x)
	return s
}

// pixelBox decodes the four box logits at v[0:4] of cell (gj, gi) into
// pixels: ((pxy + (gi, gj))·stride, pwh·stride), as Detect does at
// inference.
func pixelBox[T tensor.Float](v []T, anchor [2]float64, gj, gi int, stride float64) [4]float64 {
	g := gridBox(v, anchor)
	return [4]float64{(g[0] + float64(gi)) * stride, (g[1] + float64(gj)) * stride, g[2] * stride, g[3] * stride}
}

// gridBox decodes the four box logits at v[0:4] into the loss frame.
func gridBox[T tensor.Float](v []T, anchor [2]float64) [4]float64 {
	b, _, _ := LossBox([4]float64{float64(v[0]), float64(v[1]), float64(v[2]), float64(v[3])}, anchor, bce.Logistic)
	return b
}

// classes returns the first class whose logit is largest among v and its
// score σ(v[c]); −1 and 1 when v is empty.
func classes[T tensor.Float](v []T) (class int, score float64) {
	if len(v) == 0 {
		return -1, 1
	}
	best := v[0]
	for c, t := range v[1:] {
		if t > best {
			best, class = t, c+1
		}
	}
	return class, sigmoid(float64(best))
}

// decode fills a Detection from the channels v of one cell, whose
// objectness σ(v[4]) and best class are already known.
func decode[T tensor.Float](v []T, obj float64, class int, score float64, b, a, gj, gi int, anchor [2]float64, stride float64) Detection {
	px := pixelBox(v, anchor, gj, gi, stride)
	return Detection{
		Box:        Box{X: px[0], Y: px[1], W: px[2], H: px[3]},
		Obj:        obj,
		Class:      class,
		ClassScore: score,
		Image:      b,
		Anchor:     a,
		GJ:         gj,
		GI:         gi,
	}
}

// checkShape panics unless p is a layer tensor with at least the five box
// and objectness channels.
func checkShape[T tensor.Float](p tensor.Tensor[T]) {
	s := p.Shape
	if len(s) != 5 {
		panic(fmt.Sprintf("decode: shape %v is not of rank 5 [bs, na, ny, nx, 5+nc]", s))
	}
	n, ok := tensor.Size(s)
	if !ok {
		panic(fmt.Sprintf("decode: invalid shape %v", s))
	}
	if s[4] < 5 {
		panic(fmt.Sprintf("decode: shape %v has %d channels, want at least 5", s, s[4]))
	}
	if len(p.Data) != n {
		panic(fmt.Sprintf("decode: shape %v needs %d values, have %d", s, n, len(p.Data)))
	}
}

// cell returns the channels of cell (b, a, gj, gi) of p, panicking if the
// index is outside the shape.
func cell[T tensor.Float](p tensor.Tensor[T], b, a, gj, gi int) []T {
	checkShape(p)
	s := p.Shape
	if uint(b) >= uint(s[0]) || uint(a) >= uint(s[1]) || uint(gj) >= uint(s[2]) || uint(gi) >= uint(s[3]) {
		panic(fmt.Sprintf("decode: cell (b=%d, a=%d, gj=%d, gi=%d) outside shape %v", b, a, gj, gi, s))
	}
	off := (((b*s[1]+a)*s[2]+gj)*s[3] + gi) * s[4]
	return p.Data[off : off+s[4] : off+s[4]]
}

// Cell decodes cell (gj, gi) of anchor a of image b of the layer p, whose
// anchor (in grid units) and stride (in pixels) are given. The Layer field
// of the result is 0. Cell panics if the index is outside p's shape or p's
// data does not match its shape.
func Cell[T tensor.Float](p tensor.Tensor[T], b, a, gj, gi int, anchor [2]float64, stride float64) Detection {
	v := cell(p, b, a, gj, gi)
	class, score := classes(v[5:])
	return decode(v, sigmoid(float64(v[4])), class, score, b, a, gj, gi, anchor, stride)
}

// GridBox returns the box of cell (gj, gi) of anchor a of image b in the
// loss frame: (2σ(t_xy) − 0.5, (2σ(t_wh))²·anchor) in grid units, with the
// centre relative to the cell's corner. It is the box that ComputeLoss
// compares with a target's tbox (target.Match.Box), in the layout of package
// iou. GridBox panics as Cell does.
func GridBox[T tensor.Float](p tensor.Tensor[T], b, a, gj, gi int, anchor [2]float64) [4]float64 {
	return gridBox(cell(p, b, a, gj, gi), anchor)
}

// Layer appends to dst the detections of every cell of the output layer p
// whose confidence obj·max class score is at least conf, or of every cell
// when conf ≤ 0, and returns the extended slice. anchors holds the layer's
// anchors in grid units, one per anchor of p (Shape[1]); stride is in
// pixels; layer is recorded in each detection. Detections come in the order
// of p's data: image, anchor, row, column.
//
// Layer allocates only when dst must grow: pass the previous result, sliced
// to length 0, to reuse it. It panics if len(anchors) differs from Shape[1]
// or p's data does not match its shape.
func Layer[T tensor.Float](dst []Detection, p tensor.Tensor[T], anchors [][2]float64, stride float64, layer int, conf float64) []Detection {
	checkShape(p)
	s := p.Shape
	if len(anchors) != s[1] {
		panic(fmt.Sprintf("decode: %d anchors for shape %v", len(anchors), s))
	}
	no := s[4]
	off := 0
	for b := range s[0] {
		for a := range s[1] {
			anchor := anchors[a]
			for gj := range s[2] {
				for gi := range s[3] {
					v := p.Data[off : off+no : off+no]
					off += no
					obj := sigmoid(float64(v[4]))
					if conf > 0 && !(obj >= conf) {
						// conf·score ≤ obj < threshold (or obj is NaN).
						continue
					}
					class, score := classes(v[5:])
					if conf > 0 && !(obj*score >= conf) {
						continue
					}
					d := decode(v, obj, class, score, b, a, gj, gi, anchor, stride)
					d.Layer = layer
					dst = append(dst, d)
				}
			}
		}
	}
	return dst
}

// LossBox returns the box of the box logits t = (t_x, t_y, t_w, t_h) of
// one cell and anchor (grid units) in the loss frame, and what the loss's
// gradient needs:
//
//	pxy        = 2σ(t_xy) − 0.5
//	pwh        = (2σ(t_wh))²·anchor
//	log pwh    = log(4·anchor) − 2·log(1 + e^{−t_wh})     (finite where pwh underflows)
//	d_xy       = ∂pxy/∂t_xy = 2σ(t)σ(−t)
//	d_wh       = ∂log pwh/∂t_wh = 2σ(−t)
//
// logistic returns σ(t), σ(−t) and log(1 + e^{−|t|}): bce.Logistic, or
// bce.LogisticFast for float32 data. GridBox and the loss engine both
// decode through it.
func LossBox(t [4]float64, anchor [2]float64, logistic func(float64) (s, sc, sp float64)) (box [4]float64, logWH [2]float64, d [4]float64) {
	sx, scx, _ := logistic(t[0])
	sy, scy, _ := logistic(t[1])
	sw, scw, spw := logistic(t[2])
	sh, sch, sph := logistic(t[3])
	box = [4]float64{2*sx - 0.5, 2*sy - 0.5, 4 * sw * sw * anchor[0], 4 * sh * sh * anchor[1]}
	// log σ(t) = −log(1 + e^{−t}) = −(sp + max(−t, 0))
	logWH = [2]float64{math.Log(4*anchor[0]) - 2*(spw+max(-t[2], 0)), math.Log(4*anchor[1]) - 2*(sph+max(-t[3], 0))}
	d = [4]float64{2 * sx * scx, 2 * sy * scy, 2 * scw, 2 * sch}
	return box, logWH, d
}
