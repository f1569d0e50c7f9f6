package sample

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// Config says what to generate.
type Config struct {
	Layers  int    // 3 (P5) or 4 (P6)
	ImgSize int    // square image side in pixels, a multiple of the largest stride
	Seed    uint64 // PCG seed
}

// Default configurations of the embedded samples.
var (
	DefaultP5 = Config{Layers: 3, ImgSize: 256, Seed: 5}
	DefaultP6 = Config{Layers: 4, ImgSize: 256, Seed: 6}
)

// NC is the number of classes: COCO's 80.
const NC = 80

// labels are the objects of the two images: image, COCO class, x, y, w, h.
var labels = [][6]float64{
	{0, 0, 0.32, 0.55, 0.18, 0.62},  // person
	{0, 16, 0.66, 0.71, 0.30, 0.26}, // dog
	{0, 24, 0.28, 0.40, 0.08, 0.12}, // backpack
	{1, 2, 0.50, 0.62, 0.56, 0.30},  // car
	{1, 9, 0.85, 0.18, 0.05, 0.14},  // traffic light
	{1, 0, 0.12, 0.58, 0.07, 0.28},  // person
}

// quantum rounds every logit to a multiple of 1/64, exact in float32, so
// the stored file compresses and reads back bit for bit.
const quantum = 64

func q(v float64) float32 { return float32(math.Round(v*quantum) / quantum) }

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// Generate returns the sample batch for c: float32 predictions [2, 3, ny,
// nx, 85] per layer, the labels, the anchors in grid units and the strides.
func Generate(c Config) (*batchfile.Batch, error) {
	var m model.Detect // anchors in grid units, and strides
	switch c.Layers {
	case 3:
		m = model.P5(NC)
	case 4:
		m = model.P6(NC)
	default:
		return nil, fmt.Errorf("sample: %d layers; want 3 or 4", c.Layers)
	}
	return ForDetect(m, c.ImgSize, c.Seed)
}

// ForDetect returns a sample batch shaped by the YOLOv5 head m: float32
// predictions [2, na, ny, nx, 5+nc] per layer of an imgSize square image
// (a multiple of the largest stride), the sample's labels (each class
// taken modulo nc), m's anchors in grid units and its strides. Generate is
// ForDetect of model.P5 or P6 with 80 classes.
func ForDetect(m model.Detect, imgSize int, seed uint64) (*batchfile.Batch, error) {
	if err := checkSize(m.Strides, imgSize); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a3b1e))
	const bs = 2
	nc := m.NC
	no := 5 + nc
	b := &batchfile.Batch{Targets: Labels(nc), AnchorsGrid: m.AnchorsGrid, Strides: m.Strides}
	for i, stride := range m.Strides {
		g := imgSize / int(stride)
		anc := m.AnchorsGrid[i]
		na := len(anc)
		data := make([]float32, bs*na*g*g*no)
		for img := range bs {
			for a := range na {
				for gj := range g {
					for gi := range g {
						cellLogits(rng, data[(((img*na+a)*g+gj)*g+gi)*no:][:no], b.Targets, img, anc[a], gi, gj, float64(g))
					}
				}
			}
		}
		b.Preds = append(b.Preds, batchfile.Tensor{Name: batchfile.PredName(i), Array: tensor.Array{Shape: []int{bs, na, g, g, no}, F32: data}})
	}
	return b, b.Validate()
}

// Labels returns the sample's labels for a head of nc classes: each COCO
// class taken modulo nc.
func Labels(nc int) [][6]float64 {
	out := append([][6]float64(nil), labels...)
	for i := range out {
		out[i][1] = float64(int(out[i][1]) % nc)
	}
	return out
}

// checkSize reports an image size that is not a positive multiple of the
// largest stride.
func checkSize(strides []float64, imgSize int) error {
	if len(strides) == 0 {
		return fmt.Errorf("sample: no strides")
	}
	top := int(strides[len(strides)-1])
	if top < 1 || imgSize < top || imgSize%top != 0 {
		return fmt.Errorf("sample: image size %d is not a multiple of the stride %d", imgSize, top)
	}
	return nil
}

// cellLogits fills one cell's logits. Away from objects: objectness near
// σ⁻¹(0.005), box logits around 0, class logits near σ⁻¹(0.01). Near an
// object whose size suits the anchor, objectness rises with closeness to
// the centre, the box logits decode close to the object, and its class
// logit stands out.
func cellLogits(rng *rand.Rand, out []float32, labels [][6]float64, img int, anc [2]float64, gi, gj int, g float64) {
	obj := logit(0.005) + 0.8*rng.NormFloat64()
	box := [4]float64{0.6 * rng.NormFloat64(), 0.6 * rng.NormFloat64(), 0.6 * rng.NormFloat64(), 0.6 * rng.NormFloat64()}
	cls := -1.0 // no object
	var best float64
	for _, l := range labels {
		if int(l[0]) != img {
			continue
		}
		gx, gy, gw, gh := l[2]*g, l[3]*g, l[4]*g, l[5]*g
		dx, dy := gx-(float64(gi)+0.5), gy-(float64(gj)+0.5)
		r := math.Max(math.Max(gw/anc[0], anc[0]/gw), math.Max(gh/anc[1], anc[1]/gh))
		// closeness in [0, 1]: cell distance and anchor fit
		w := math.Exp(-(dx*dx+dy*dy)/1.5) * math.Exp(-math.Pow(math.Log(r), 2)/0.8)
		if w <= best {
			continue
		}
		best, cls = w, l[1]
		// box logits that decode to the object, with noise: pxy = 2σ − 0.5
		// is the offset in the cell, pwh = (2σ)²·anchor.
		ox := math.Min(math.Max(gx-float64(gi), -0.45), 1.45)
		oy := math.Min(math.Max(gy-float64(gj), -0.45), 1.45)
		sw := math.Min(math.Sqrt(gw/anc[0])/2, 0.99)
		sh := math.Min(math.Sqrt(gh/anc[1])/2, 0.99)
		box = [4]float64{
			logit((ox+0.5)/2) + 0.3*rng.NormFloat64(),
			logit((oy+0.5)/2) + 0.3*rng.NormFloat64(),
			logit(sw) + 0.3*rng.NormFloat64(),
			logit(sh) + 0.3*rng.NormFloat64(),
		}
	}
	obj += best * (logit(0.8) - logit(0.005))
	for k, v := range box {
		out[k] = q(v)
	}
	out[4] = q(obj)
	for k := range len(out) - 5 {
		v := logit(0.01) + 0.7*rng.NormFloat64()
		if float64(k) == cls {
			v += best * (logit(0.9) - logit(0.01))
		}
		out[5+k] = q(v)
	}
}
