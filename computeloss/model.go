package computeloss

import (
	"errors"
	"fmt"
	"math"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/focal"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/varifocal"
)

// Float is the element type of predictions and gradients.
type Float interface{ ~float32 | ~float64 }

// Tensor is one output layer's raw predictions, or their gradient: a dense
// C-order array of Shape [bs, na, ny, nx, 5+nc] with channels x, y, w, h,
// objectness and the nc class logits.
type Tensor[T Float] struct {
	Data  []T
	Shape [5]int
}

// NewTensor returns a zeroed tensor of the given shape.
func NewTensor[T Float](shape [5]int) Tensor[T] {
	return Tensor[T]{Data: make([]T, shape[0]*shape[1]*shape[2]*shape[3]*shape[4]), Shape: shape}
}

// Model is what ComputeLoss reads from YOLOv5's Detect module.
type Model struct {
	NC      int            // number of classes, ≥ 1
	Anchors [][][2]float64 // [nl][na] anchor (w, h) in grid units of each layer (pixels / stride)
	Strides []float64      // [nl] strides in pixels; needed by Autobalance and decoding, else optional
}

// p5Anchors are YOLOv5's default P5 anchors in pixels (models/yolov5s.yaml).
var p5Anchors = [][3][2]float64{
	{{10, 13}, {16, 30}, {33, 23}},      // P3/8
	{{30, 61}, {62, 45}, {59, 119}},     // P4/16
	{{116, 90}, {156, 198}, {373, 326}}, // P5/32
}

// p6Anchors are YOLOv5's P6 anchors in pixels (models/hub/yolov5s6.yaml).
var p6Anchors = [][3][2]float64{
	{{19, 27}, {44, 40}, {38, 94}},       // P3/8
	{{96, 68}, {86, 152}, {180, 137}},    // P4/16
	{{140, 301}, {303, 264}, {238, 542}}, // P5/32
	{{436, 615}, {739, 380}, {925, 792}}, // P6/64
}

// P5Model returns YOLOv5's default three-layer model description for nc
// classes: the P5 anchors of yolov5s.yaml over strides 8, 16 and 32, in grid
// units.
func P5Model(nc int) Model { return pixelModel(nc, p5Anchors) }

// P6Model returns YOLOv5's four-layer model description for nc classes: the
// P6 anchors of yolov5s6.yaml over strides 8, 16, 32 and 64, in grid units.
func P6Model(nc int) Model { return pixelModel(nc, p6Anchors) }

// pixelModel returns the model with anchors given in pixels for layers of
// strides 8, 16, 32, …, converting them to grid units.
func pixelModel(nc int, pixels [][3][2]float64) Model {
	m := Model{NC: nc, Anchors: make([][][2]float64, len(pixels)), Strides: make([]float64, len(pixels))}
	for i, layer := range pixels {
		stride := float64(int(8) << i)
		m.Strides[i] = stride
		m.Anchors[i] = make([][2]float64, len(layer))
		for j, wh := range layer {
			m.Anchors[i][j] = [2]float64{wh[0] / stride, wh[1] / stride}
		}
	}
	return m
}

// NL returns the number of output layers.
func (m Model) NL() int { return len(m.Anchors) }

// NA returns the number of anchors per layer.
func (m Model) NA() int {
	if len(m.Anchors) == 0 {
		return 0
	}
	return len(m.Anchors[0])
}

// Validate reports whether m describes a usable model.
func (m Model) Validate() error {
	if m.NC < 1 {
		return fmt.Errorf("computeloss: nc must be ≥ 1, got %d", m.NC)
	}
	nl := len(m.Anchors)
	if nl < 1 || nl > 5 {
		return fmt.Errorf("computeloss: need 1 to 5 output layers, got %d", nl)
	}
	na := len(m.Anchors[0])
	if na < 1 {
		return errors.New("computeloss: anchors[0] is empty")
	}
	for i, layer := range m.Anchors {
		if len(layer) != na {
			return fmt.Errorf("computeloss: anchors[%d] has %d anchors, anchors[0] has %d", i, len(layer), na)
		}
		for j, wh := range layer {
			for c, v := range wh {
				if !(v > 0) || math.IsInf(v, 0) {
					return fmt.Errorf("computeloss: anchors[%d][%d][%d] = %v, want a finite value > 0", i, j, c, v)
				}
			}
		}
	}
	if m.Strides != nil {
		if len(m.Strides) != nl {
			return fmt.Errorf("computeloss: %d strides for %d layers", len(m.Strides), nl)
		}
		for i, s := range m.Strides {
			if !(s > 0) || math.IsInf(s, 0) {
				return fmt.Errorf("computeloss: strides[%d] = %v, want a finite value > 0", i, s)
			}
		}
	}
	return nil
}

// Options are the engine's switches. The zero value is not YOLOv5's default,
// whose GR is 1: start from DefaultOptions.
type Options struct {
	// Autobalance adapts the per-layer objectness balance after each call,
	// normalised by the stride-16 layer (Model.Strides must hold 16).
	Autobalance bool
	// SortObjIoU writes the objectness targets of a layer in increasing
	// IoU order, so that the highest IoU wins a shared cell.
	SortObjIoU bool
	// GR mixes the objectness target of matched cells:
	// (1−gr) + gr·IoU. YOLOv5 uses 1.
	GR float64
}

// DefaultOptions returns YOLOv5's defaults: no autobalance, no IoU sort,
// gr = 1.
func DefaultOptions() Options { return Options{GR: 1} }

// Balance returns YOLOv5's initial objectness balance list for nl layers:
// [4, 1, 0.4] for three layers, else [4, 1, 0.25, 0.06, 0.02] whole, as
// YOLOv5 keeps it (layer i uses entry i; the unused entries still take part
// in the autobalance normalisation and in the reported list).
func Balance(nl int) []float64 {
	if nl == 3 {
		return []float64{4, 1, 0.4}
	}
	return []float64{4, 1, 0.25, 0.06, 0.02}
}

// Criteria returns the class and objectness criteria that a hyp selects, as
// YOLOv5's ComputeLoss builds them: BCE with logits and the positive weights
// cls_pw and obj_pw, both wrapped in the fl_type criterion with fl_gamma and
// fl_alpha when fl_gamma > 0. With fast, they use the float32-grade
// exponential and logarithm (bce.BCE.Fast), as engines for float32 do.
func Criteria(h *hyp.Hyp, fast bool) (cls, obj bce.Criterion) {
	bc, bo := bce.BCE{PosWeight: h.ClsPw, Fast: fast}, bce.BCE{PosWeight: h.ObjPw, Fast: fast}
	g, a := h.FlGamma, h.FlAlpha
	if !(g > 0) {
		return bc, bo
	}
	switch h.FlType {
	case hyp.QFocal:
		return focal.Quality{BCE: bc, Gamma: g, Alpha: a}, focal.Quality{BCE: bo, Gamma: g, Alpha: a}
	case hyp.Varifocal:
		return varifocal.Varifocal{BCE: bc, Gamma: g, Alpha: a}, varifocal.Varifocal{BCE: bo, Gamma: g, Alpha: a}
	}
	return focal.Focal{BCE: bc, Gamma: g, Alpha: a}, focal.Focal{BCE: bo, Gamma: g, Alpha: a}
}
