package iou

import (
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/bce"
)

// extremeLogits are the box logits of TestFiniteLogits: saturated σ at
// ±20, σ(−t)² underflowing at −80 and σ itself at −1e4.
var extremeLogits = []float64{0, 20, -20, 80, -80, 1e4, -1e4}

// TestFiniteLogits: for every variant and modifier, value, loss, base and
// gradient (chained to the logits) are finite, unfrozen and frozen, for
// predictions decoded by PredFromLogits from every combination of
// extremeLogits on the four box channels, against targets in the middle
// of the cell, at the saturated prediction itself (identical boxes, with
// coincident centres), and tiny.
func TestFiniteLogits(t *testing.T) {
	anchor := [2]float64{1.25, 1.625}
	targets := []Box{
		{0.5, 0.5, 1.2, 0.8},
		{1.5, 1.5, 4 * anchor[0], 4 * anchor[1]}, // the prediction at t = +∞
		{-0.5, -0.5, 1e-3, 2e-3},
		{0.5, 0.5, 1e-300, 1e-300},
	}
	for _, l := range family(t) {
		bad := 0
		var tv [4]float64
		for _, t0 := range extremeLogits {
			for _, t1 := range extremeLogits {
				for _, t2 := range extremeLogits {
					for _, t3 := range extremeLogits {
						tv = [4]float64{t0, t1, t2, t3}
						p, c := PredFromLogits(tv, anchor, false)
						for _, tb := range targets {
							var h Held
							for _, frozen := range []bool{false, true} {
								tm := l.Eval(p, tb, testGrid, &h, frozen)
								for i := range tm.Grad {
									tm.Grad[i] *= c[i]
								}
								if !finiteTerm(tm) && bad < 5 {
									bad++
									t.Errorf("%v, logits %v (box %v, log size %v %v), target %v, frozen %v: %+v",
										l, tv, p.Box, p.LogW, p.LogH, tb, frozen, tm)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestPredFromLogits checks the decoding against its formulas with
// package bce's logistic, and the chain factors against central
// differences of x and log w in the logits.
func TestPredFromLogits(t *testing.T) {
	anchor := [2]float64{3.625, 2.8125}
	for _, v := range []float64{-30, -2.5, -0.3, 0, 0.7, 4, 25} {
		tv := [4]float64{v, -v, v / 2, -v / 3}
		p, c := PredFromLogits(tv, anchor, false)
		s := func(x float64) float64 { v, _, _ := bce.Logistic(x); return v }
		want := Box{2*s(tv[0]) - 0.5, 2*s(tv[1]) - 0.5, 4 * s(tv[2]) * s(tv[2]) * anchor[0], 4 * s(tv[3]) * s(tv[3]) * anchor[1]}
		for i := range want {
			if math.Abs(p.Box[i]-want[i]) > 1e-15*max(1, want[i]) {
				t.Errorf("logits %v: box %v, want %v", tv, p.Box, want)
			}
		}
		if math.Abs(p.LogW-math.Log(want[2])) > 1e-13 || math.Abs(p.LogH-math.Log(want[3])) > 1e-13 {
			t.Errorf("logits %v: log size %v %v, want %v %v", tv, p.LogW, p.LogH, math.Log(want[2]), math.Log(want[3]))
		}
		const h = 1e-6
		for i, f := range []func(x float64) float64{
			func(x float64) float64 {
				q, _ := PredFromLogits([4]float64{x, 0, 0, 0}, anchor, false)
				return q.Box[0]
			},
			func(x float64) float64 {
				q, _ := PredFromLogits([4]float64{0, x, 0, 0}, anchor, false)
				return q.Box[1]
			},
			func(x float64) float64 { q, _ := PredFromLogits([4]float64{0, 0, x, 0}, anchor, false); return q.LogW },
			func(x float64) float64 { q, _ := PredFromLogits([4]float64{0, 0, 0, x}, anchor, false); return q.LogH },
		} {
			num := (f(tv[i]+h) - f(tv[i]-h)) / (2 * h)
			if math.Abs(num-c[i]) > 1e-8*max(1, math.Abs(c[i])) {
				t.Errorf("logits %v: chain factor %d = %v, central difference %v", tv, i, c[i], num)
			}
		}
	}
}

// FuzzEval: for any finite box logits and any target in the loss frame
// (centre in [−0.5, 1.5), size e^[−50, 5]), every variant and modifier
// gives a finite Term, unfrozen and frozen, chained to the logits.
func FuzzEval(f *testing.F) {
	f.Add(0.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0)
	f.Add(1e4, -1e4, -80.0, 20.0, 0.1, 0.9, -3.0, 2.0)
	f.Add(-20.0, 80.0, -1e4, -1e4, 0.0, 0.0, -50.0, -50.0)
	ls := family(f)
	f.Fuzz(func(t *testing.T, t0, t1, t2, t3, cx, cy, lw, lh float64) {
		for _, v := range []float64{t0, t1, t2, t3, cx, cy, lw, lh} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return
			}
		}
		frac := func(v float64) float64 { _, f := math.Modf(math.Abs(v)); return f }
		tb := Box{2*frac(cx) - 0.5, 2*frac(cy) - 0.5, math.Exp(min(max(lw, -50), 5)), math.Exp(min(max(lh, -50), 5))}
		p, c := PredFromLogits([4]float64{t0, t1, t2, t3}, [2]float64{1.25, 1.625}, false)
		for _, l := range ls {
			var h Held
			for _, frozen := range []bool{false, true} {
				tm := l.Eval(p, tb, testGrid, &h, frozen)
				for i := range tm.Grad {
					tm.Grad[i] *= c[i]
				}
				if !finiteTerm(tm) {
					t.Fatalf("%v, logits %v, target %v, frozen %v: %+v", l, [4]float64{t0, t1, t2, t3}, tb, frozen, tm)
				}
			}
		}
	})
}

// TestPredOfEmpty: PredOf of a box with a zero size has a logarithm −∞;
// every variant still gives a finite Term (CIoU's aspect ratio of an
// empty box is 1 by the convention of doc.go).
func TestPredOfEmpty(t *testing.T) {
	for _, b := range []Box{{0.5, 0.5, 0, 0}, {0.5, 0.5, 0, 1}, {0.2, 0.7, 2, 0}} {
		for _, l := range family(t) {
			var h Held
			if tm := l.Eval(PredOf(b), Box{0.5, 0.5, 1, 2}, testGrid, &h, false); !finiteTerm(tm) {
				t.Errorf("%v, prediction %v: %+v", l, b, tm)
			}
		}
	}
}
