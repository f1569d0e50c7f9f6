package sample

import (
	"math"
	"math/rand/v2"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// AnchorFreeBatch is a sample for an anchor-free head: the raw outputs P
// (and Q, the one-to-one branch's, for an end-to-end head), float32
// [2, 4·reg_max + nc, ny, nx] per layer, named p0… and q0…, and the labels.
type AnchorFreeBatch struct {
	P, Q    []batchfile.Tensor
	Targets [][6]float64
}

// idealCells is the object size, in cells of a layer, that the sample's
// head predicts most confidently in that layer.
const idealCells = 5

// ForAnchorFree returns a sample shaped by the anchor-free head a on an
// imgSize square image (a multiple of the largest stride): the labels of
// Labels(a.NC), and outputs that look partly trained: near a label's
// centre, in the layers whose cells suit its size, the box distributions
// peak at the distances to its sides and its class logit stands out;
// elsewhere the box logits are noise and the class logits near σ⁻¹(0.001).
// Every logit is a multiple of 1/64, exact in float32.
func ForAnchorFree(a model.AnchorFree, imgSize int, seed uint64) (*AnchorFreeBatch, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if err := checkSize(a.Strides, imgSize); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0xaf0e))
	out := &AnchorFreeBatch{Targets: Labels(a.NC)}
	branches := 1
	if a.End2End {
		branches = 2
	}
	for br := range branches {
		for i, s := range a.Strides {
			g := imgSize / int(s)
			name := batchfile.PredName(i)
			if br == 1 {
				name = "q" + name[1:]
			}
			t := batchfile.Tensor{Name: name, Array: tensor.Array{Shape: []int{2, a.Channels(), g, g}, F32: anchorFreeLayer(rng, a, out.Targets, g)}}
			if br == 0 {
				out.P = append(out.P, t)
			} else {
				out.Q = append(out.Q, t)
			}
		}
	}
	return out, nil
}

// anchorFreeLayer returns one layer's outputs [2, 4·R + nc, g, g].
func anchorFreeLayer(rng *rand.Rand, a model.AnchorFree, labels [][6]float64, g int) []float32 {
	c := a.Channels()
	data := make([]float32, 2*c*g*g)
	cell := make([]float64, c)
	for img := range 2 {
		for y := range g {
			for x := range g {
				anchorFreeCell(rng, cell, a, labels, img, float64(x)+0.5, float64(y)+0.5, float64(g))
				for k, v := range cell {
					data[((img*c+k)*g+y)*g+x] = q(v)
				}
			}
		}
	}
	return data
}

// anchorFreeCell fills the logits of the anchor point (ax, ay), in cells
// of a g × g grid, from the label of image img that suits it best.
func anchorFreeCell(rng *rand.Rand, out []float64, a model.AnchorFree, labels [][6]float64, img int, ax, ay, g float64) {
	r := a.RegMax
	var dist [4]float64 // left, top, right, bottom, in cells
	for k := range dist {
		dist[k] = math.Abs(2 + rng.NormFloat64())
	}
	cls, best := -1.0, 0.0
	for _, l := range labels {
		if int(l[0]) != img {
			continue
		}
		cx, cy, w, h := l[2]*g, l[3]*g, l[4]*g, l[5]*g
		d := [4]float64{ax - (cx - w/2), ay - (cy - h/2), cx + w/2 - ax, cy + h/2 - ay}
		if min(d[0], d[1], d[2], d[3]) <= 0 {
			continue // the anchor point lies outside the box
		}
		dx, dy := 2*(ax-cx)/w, 2*(ay-cy)/h
		size := math.Log(math.Max(w, h) / idealCells)
		wt := math.Exp(-(dx*dx + dy*dy)) * math.Exp(-size*size/0.8)
		if wt <= best {
			continue
		}
		best, cls = wt, l[1]
		for k := range dist {
			dist[k] = d[k] + 0.15*rng.NormFloat64()
		}
	}
	for side, d := range dist {
		box := out[side*r : (side+1)*r]
		if r == 1 {
			box[0] = d
			continue
		}
		d = math.Min(math.Max(d, 0), float64(r-1))
		for k := range box {
			// a distribution peaked at d when best is near 1, flat noise
			// when it is near 0
			box[k] = -best*(float64(k)-d)*(float64(k)-d) + 0.6*rng.NormFloat64()
		}
	}
	for k := range a.NC {
		v := logit(0.001) + 0.5*rng.NormFloat64()
		if float64(k) == cls {
			v += best * (logit(0.9) - logit(0.001))
		}
		out[4*r+k] = v
	}
}
