package tal_test

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/dfl"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/tal"
)

// pred is a Pred over one image of a golden case's float64 outputs.
type pred struct {
	p       []batchfile.Tensor
	b, r    int
	layers  []tal.Layer
	off     []int
	z, prob []float64
}

// locate returns the layer, row and column of anchor a.
func (q *pred) locate(a int) (l, i, j int) {
	for l = len(q.off) - 1; q.off[l] > a; l-- {
	}
	k := a - q.off[l]
	return l, k / q.layers[l].NX, k % q.layers[l].NX
}

func (q *pred) at(l, c, i, j int) float64 {
	ly := q.layers[l]
	sh := q.p[l].Shape
	return q.p[l].At(((q.b*sh[1]+c)*ly.NY+i)*ly.NX + j)
}

func (q *pred) Box(a int) [4]float64 {
	l, i, j := q.locate(a)
	var d [4]float64
	for side := range 4 {
		for k := range q.r {
			q.z[k] = q.at(l, side*q.r+k, i, j)
		}
		d[side] = dfl.Expect(q.prob, q.z)
	}
	s := q.layers[l].Stride
	ax, ay := float64(j)+0.5, float64(i)+0.5
	return [4]float64{(ax - d[0]) * s, (ay - d[1]) * s, (ax + d[2]) * s, (ay + d[3]) * s}
}

func (q *pred) Score(a, c int) float64 {
	l, i, j := q.locate(a)
	return 1 / (1 + math.Exp(-q.at(l, 4*q.r+c, i, j)))
}

// hypInt returns the integer value of key in a flat YAML file, or def.
func hypInt(t *testing.T, path, key string, def int) int {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == key {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	return def
}

// TestGolden checks the foreground count and the target-score sum of every
// golden case's (one-to-many) assignment.
func TestGolden(t *testing.T) {
	cases, err := golden.LoadV8("../testdata/golden-v8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			e := c.Expect
			topk := 10
			if !e.End2End {
				topk = hypInt(t, c.HypPath, "tal_topk", 10)
			}
			var layers []tal.Layer
			for l, s := range c.Strides {
				layers = append(layers, tal.Layer{NY: c.P[l].Shape[2], NX: c.P[l].Shape[3], Stride: s})
			}
			as := tal.New(tal.Config{TopK: topk})
			as.SetLayers(layers)
			q := &pred{p: c.P, r: e.RegMax, layers: layers, z: make([]float64, e.RegMax), prob: make([]float64, e.RegMax)}
			for l := range layers {
				q.off = append(q.off, as.Offset(l))
			}
			h, w := float64(e.ImgSz[0]), float64(e.ImgSz[1])
			var fg []tal.Fg
			n, tss := 0, 0.0
			for b := range c.P[0].Shape[0] {
				q.b = b
				var ts []tal.Target
				for _, lb := range c.Labels {
					if int(lb[0]) != b {
						continue
					}
					cx, cy, bw, bh := lb[2]*w, lb[3]*h, lb[4]*w, lb[5]*h
					ts = append(ts, tal.Target{Class: int(lb[1]), Box: [4]float64{cx - bw/2, cy - bh/2, cx + bw/2, cy + bh/2}})
				}
				fg = as.Assign(fg, ts, q)
				n += len(fg)
				for _, f := range fg {
					tss += f.Score
				}
			}
			want := e.History[0]
			if n != want.FG {
				t.Errorf("fg = %d, want %d", n, want.FG)
			}
			tss = max(tss, 1) // expect.json holds target_scores_sum, floored at 1
			if d := math.Abs(tss - want.TSS); d > 1e-9*max(1, want.TSS) {
				t.Errorf("tss = %.15g, want %.15g (diff %.3g)", tss, want.TSS, d)
			}
		})
	}
}
