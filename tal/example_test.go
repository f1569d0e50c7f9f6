package tal_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/tal"
)

// fixed predicts the same box, shifted to each anchor's cell, and one
// score for every anchor and class.
type fixed struct {
	layers []tal.Layer
	half   float64 // half the box side, pixels
	score  float64
}

func (f fixed) Box(a int) [4]float64 {
	for _, l := range f.layers {
		if n := l.NY * l.NX; a >= n {
			a -= n
			continue
		}
		x, y := (float64(a%l.NX)+0.5)*l.Stride, (float64(a/l.NX)+0.5)*l.Stride
		return [4]float64{x - f.half, y - f.half, x + f.half, y + f.half}
	}
	panic("no such anchor")
}

func (f fixed) Score(a, c int) float64 { return f.score }

// One 24×24-pixel target centred on a 32×32 image with strides 8 and 16,
// and a head that predicts a 24-pixel box around every anchor: the four
// stride-8 anchors nearest the centre tie for the best overlap, and the
// top 3 takes the first three of them in anchor order.
func ExampleAssigner_Assign() {
	layers := []tal.Layer{{NY: 4, NX: 4, Stride: 8}, {NY: 2, NX: 2, Stride: 16}}
	as := tal.New(tal.Config{TopK: 3})
	as.SetLayers(layers)
	targets := []tal.Target{{Class: 0, Box: [4]float64{4, 4, 28, 28}}}
	fg := as.Assign(nil, targets, fixed{layers: layers, half: 12, score: 0.25})
	for _, f := range fg {
		fmt.Printf("anchor %2d: overlap %.3f, score %.3f\n", f.Anchor, f.Overlap, f.Score)
	}
	// Output:
	// anchor  5: overlap 0.512, score 0.512
	// anchor  6: overlap 0.512, score 0.512
	// anchor  9: overlap 0.512, score 0.512
}
