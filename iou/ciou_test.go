package iou

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCIoUBitForBit: the ciou entry with default parameters is YOLOv5's
// CIoU as CIoUGradLog computes it (the engine's CIoU before the box-loss
// family, and the goldens' reference), bit for bit, value,
// gradient and held α, unfrozen and frozen, over random pairs, the
// degenerate ones and predictions decoded from extreme logits.
func TestCIoUBitForBit(t *testing.T) {
	l, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	pairs := degenerate()
	for range 500 {
		p, b := randomPair(rng)
		pairs = append(pairs, namedPair{"random", p, b})
	}
	for _, v := range []float64{-1e4, -80, -20, 0, 20, 80, 1e4} {
		p, _ := PredFromLogits([4]float64{v, -v, v, v / 2}, [2]float64{1.25, 1.625}, false)
		pairs = append(pairs, namedPair{"logits", p, Box{0.4, 0.7, 2.5, 1.5}})
	}
	same := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
	for _, c := range pairs {
		lwh := [2]float64{c.p.LogW, c.p.LogH}
		var h Held
		tm := l.Eval(c.p, c.t, Grid{}, &h, false)
		want, d, a := CIoUGradLog(c.p.Box, lwh, c.t, math.NaN())
		ok := same(tm.Value, want) && same(tm.Loss, 1-want) && same(h.c[0], a)
		for i := range d {
			ok = ok && same(tm.Grad[i], -d[i])
		}
		hf := Held{c: [2]float64{a * 0.7}}
		fz := l.Eval(c.p, c.t, Grid{}, &hf, true)
		wantF, dF, _ := CIoUGradLog(c.p.Box, lwh, c.t, a*0.7)
		ok = ok && same(fz.Value, wantF) && same(fz.Grad[2], -dF[2]) && hf.c[0] == a*0.7
		if !ok {
			t.Errorf("%s p=%v t=%v: Eval %+v α %v; CIoUGradLog %v %v α %v",
				c.name, c.p.Box, c.t, tm, h.c[0], want, d, a)
		}
	}
}
