package model

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// MaxLayers is the largest number of output layers a Detect may have
// (YOLOv5's P7 models have 5).
const MaxLayers = 5

// Detect is what ComputeLoss reads from YOLOv5's Detect module.
//
// Construct it with FromPixels, FromGrid, P5 or P6, which check it; a
// Detect built by hand is checked by Validate when an engine is made.
type Detect struct {
	NC int // number of classes, ≥ 1
	// AnchorsGrid is [nl][na] anchor (w, h) in grid units of each layer:
	// pixels divided by the layer's stride.
	AnchorsGrid [][][2]float64
	// Strides is [nl]: each layer's stride in pixels per grid cell.
	Strides []float64
}

// p5Pixels are YOLOv5's default P5 anchors in pixels (models/yolov5s.yaml).
var p5Pixels = [][][2]float64{
	{{10, 13}, {16, 30}, {33, 23}},      // P3/8
	{{30, 61}, {62, 45}, {59, 119}},     // P4/16
	{{116, 90}, {156, 198}, {373, 326}}, // P5/32
}

// p6Pixels are YOLOv5's P6 anchors in pixels (models/hub/yolov5s6.yaml).
var p6Pixels = [][][2]float64{
	{{19, 27}, {44, 40}, {38, 94}},       // P3/8
	{{96, 68}, {86, 152}, {180, 137}},    // P4/16
	{{140, 301}, {303, 264}, {238, 542}}, // P5/32
	{{436, 615}, {739, 380}, {925, 792}}, // P6/64
}

// P5 returns YOLOv5's default three-layer Detect for nc classes: the P5
// anchors of yolov5s.yaml over strides 8, 16 and 32. It panics if nc < 1.
func P5(nc int) Detect { return must(FromPixels(nc, p5Pixels, nil)) }

// P6 returns YOLOv5's four-layer Detect for nc classes: the anchors of
// yolov5s6.yaml over strides 8, 16, 32 and 64. It panics if nc < 1.
func P6(nc int) Detect { return must(FromPixels(nc, p6Pixels, nil)) }

func must(d Detect, err error) Detect {
	if err != nil {
		panic(err)
	}
	return d
}

// DefaultStrides returns YOLOv5's strides for nl layers from P3 upwards:
// 8, 16, 32, … (8·2^i for layer i).
func DefaultStrides(nl int) []float64 {
	s := make([]float64, nl)
	for i := range s {
		s[i] = float64(int(8) << i)
	}
	return s
}

// FromPixels returns the Detect for nc classes with anchors given in
// pixels, as model files give them, over the given strides (nil:
// DefaultStrides): each anchor is divided by its layer's stride. The
// arguments are copied.
//
// Anchor rows in reversed order, the mean anchor area of the last layer
// below that of the first, are an error: YOLOv5's check_anchor_order flips
// them, this package refuses them (see the package documentation).
func FromPixels(nc int, anchorsPixels [][][2]float64, strides []float64) (Detect, error) {
	if strides == nil {
		strides = DefaultStrides(len(anchorsPixels))
	}
	d := Detect{NC: nc, AnchorsGrid: clone(anchorsPixels), Strides: slices.Clone(strides)}
	if err := d.Validate(); err != nil {
		return Detect{}, err
	}
	if msg := orderMessage(d.AnchorsGrid, d.Strides, "layer"); msg != "" {
		return Detect{}, errors.New("model: anchors in reversed order: " + msg)
	}
	for i, layer := range d.AnchorsGrid {
		for j := range layer {
			layer[j][0] /= d.Strides[i]
			layer[j][1] /= d.Strides[i]
		}
	}
	// Again in grid units: a tiny pixel anchor can underflow to 0 there.
	if err := d.Validate(); err != nil {
		return Detect{}, err
	}
	return d, nil
}

// FromGrid returns the Detect for nc classes with anchors given in grid
// units (pixels / stride), as Detect's anchors buffer holds them, over the
// given strides (nil: DefaultStrides). The arguments are copied.
//
// Besides what FromPixels refuses (reversed rows, compared in pixels), an
// anchor wider or taller than MaxAnchorCells cells is an error that names
// its layer: such an anchor is almost surely given in pixels, which
// FromPixels takes.
func FromGrid(nc int, anchorsGrid [][][2]float64, strides []float64) (Detect, error) {
	if strides == nil {
		strides = DefaultStrides(len(anchorsGrid))
	}
	d := Detect{NC: nc, AnchorsGrid: clone(anchorsGrid), Strides: slices.Clone(strides)}
	if err := d.Validate(); err != nil {
		return Detect{}, err
	}
	if err := checkCells(d); err != nil {
		return Detect{}, err
	}
	if msg := orderMessage(d.AnchorsPixels(), d.Strides, "layer"); msg != "" {
		return Detect{}, errors.New("model: anchors in reversed order: " + msg)
	}
	return d, nil
}

// Clone returns a deep copy of d.
func (d Detect) Clone() Detect {
	return Detect{NC: d.NC, AnchorsGrid: clone(d.AnchorsGrid), Strides: slices.Clone(d.Strides)}
}

func clone(a [][][2]float64) [][][2]float64 {
	if a == nil {
		return nil
	}
	c := make([][][2]float64, len(a))
	for i, layer := range a {
		c[i] = slices.Clone(layer)
	}
	return c
}

// NL returns the number of output layers.
func (d Detect) NL() int { return len(d.AnchorsGrid) }

// NA returns the number of anchors per layer.
func (d Detect) NA() int {
	if len(d.AnchorsGrid) == 0 {
		return 0
	}
	return len(d.AnchorsGrid[0])
}

// AnchorsPixels returns the anchors in pixels: AnchorsGrid times each
// layer's stride.
func (d Detect) AnchorsPixels() [][][2]float64 {
	a := clone(d.AnchorsGrid)
	for i, layer := range a {
		for j := range layer {
			layer[j][0] *= d.Strides[i]
			layer[j][1] *= d.Strides[i]
		}
	}
	return a
}

// Validate reports whether d describes a usable Detect: nc ≥ 1, 1 to
// MaxLayers layers of the same number of anchors, finite positive anchors,
// and one finite positive stride per layer, increasing from layer to
// layer.
func (d Detect) Validate() error {
	if d.NC < 1 {
		return fmt.Errorf("model: nc must be ≥ 1, got %d", d.NC)
	}
	nl := len(d.AnchorsGrid)
	if nl < 1 || nl > MaxLayers {
		return fmt.Errorf("model: need 1 to %d output layers, got %d", MaxLayers, nl)
	}
	na := len(d.AnchorsGrid[0])
	if na < 1 {
		return errors.New("model: anchors[0] is empty")
	}
	for i, layer := range d.AnchorsGrid {
		if len(layer) != na {
			return fmt.Errorf("model: anchors[%d] has %d anchors, anchors[0] has %d", i, len(layer), na)
		}
		for j, wh := range layer {
			for c, v := range wh {
				if !(v > 0) || math.IsInf(v, 0) {
					return fmt.Errorf("model: anchors[%d][%d][%d] = %v, want a finite value > 0", i, j, c, v)
				}
			}
		}
	}
	if len(d.Strides) != nl {
		return fmt.Errorf("model: %d strides for %d layers", len(d.Strides), nl)
	}
	for i, s := range d.Strides {
		if !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("model: strides[%d] = %v, want a finite value > 0", i, s)
		}
		if i > 0 && !(s > d.Strides[i-1]) {
			return fmt.Errorf("model: strides[%d] = %v is not above strides[%d] = %v: layers go from the finest grid (P3) to the coarsest", i, s, i-1, d.Strides[i-1])
		}
	}
	return nil
}

// LayerName returns YOLOv5's name of layer i of a Detect with strides s:
// P3 for stride 8, P4 for 16, and so on (P followed by log₂ of the
// stride), or "layer i" for a stride that is not a power of 2.
func LayerName(i int, strides []float64) string {
	if i < len(strides) {
		if e := math.Log2(strides[i]); e == math.Trunc(e) && e >= 0 && e < 64 {
			return fmt.Sprintf("P%d", int(e))
		}
	}
	return fmt.Sprintf("layer %d", i)
}
