//go:build !race

// The race detector slows the engine tenfold; these convergence checks run
// without it (make test runs them separately).

package fit

import (
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// TestFit: within the default settings (iteration budget 1000), the fit
// brings the loss below 1% of its start and the box term below 10% of its
// start, every label's boxes close in on it, and only the free parameters
// move.
func TestFit(t *testing.T) {
	for _, c := range fitCases(t) {
		t.Run(c.name, func(t *testing.T) {
			e, p := c.engine(t)
			orig := feed.Preds[float64](c.b)
			r, err := Fit(e, p, c.b.Targets, nil)
			if err != nil {
				t.Fatal(err)
			}
			logResult(t, r)
			if r.Shared != 0 {
				t.Fatalf("%d matches share a cell; the case must have none", r.Shared)
			}
			if ratio := r.End.Loss / r.Start.Loss; !(ratio < 0.01) {
				t.Errorf("loss %.6g → %.6g, %.3g%% of the start; want < 1%%", r.Start.Loss, r.End.Loss, 100*ratio)
			}
			if ratio := r.End.LBox / r.Start.LBox; !(ratio < 0.1) {
				t.Errorf("lbox %.6g → %.6g, %.3g%% of the start; want < 10%%", r.Start.LBox, r.End.LBox, 100*ratio)
			}
			checkIoUsRise(t, r)
			checkOnlyFreeMoved(t, e, c, orig, p)
		})
	}
}

// TestFitSharedCells: where two labels claim one cell, one box cannot fit
// both, and the loss has a floor above 0 that no method passes. There the
// fit must still converge, raise every label's mean IoU, and fit exactly
// (IoU > 0.999) the box of every match whose cell no other label claims.
func TestFitSharedCells(t *testing.T) {
	for _, c := range sharedCases(t) {
		t.Run(c.name, func(t *testing.T) {
			e, p := c.engine(t)
			r, err := Fit(e, p, c.b.Targets, nil)
			if err != nil {
				t.Fatal(err)
			}
			logResult(t, r)
			if r.Shared == 0 {
				t.Fatal("no match shares a cell; the case must have some")
			}
			if r.Stop != Converged {
				t.Errorf("stopped: %v, want converged", r.Stop)
			}
			if !(r.End.Loss < r.Start.Loss) {
				t.Errorf("loss %.6g → %.6g", r.Start.Loss, r.End.Loss)
			}
			checkIoUsRise(t, r)
			m := e.Model()
			matches := feed.Matches(m, c.h.AnchorT, p, c.b.Targets)
			for i, layer := range matches {
				for _, mt := range layer {
					if claimedByOthers(p[i].Shape, layer, mt) {
						continue
					}
					if iou := LabelIoUs(m, p, c.b.Targets, oneMatch(len(p), i, mt))[mt.Label].Min; !(iou > 0.999) {
						t.Errorf("layer %d, label %d, cell (%d, %d) anchor %d, no other label: IoU %.6f, want > 0.999",
							i, mt.Label, mt.GJ, mt.GI, mt.Anchor, iou)
					}
				}
			}
		})
	}
}

// oneMatch returns per-layer matches holding only mt, in layer i.
func oneMatch(nl, i int, mt target.Match) [][]target.Match {
	out := make([][]target.Match, nl)
	out[i] = []target.Match{mt}
	return out
}

// claimedByOthers reports whether a label other than mt's has a match in
// mt's cell.
func claimedByOthers(shape []int, layer []target.Match, mt target.Match) bool {
	c := mt.Cell(shape[1], shape[2], shape[3])
	for _, o := range layer {
		if o.Label != mt.Label && o.Cell(shape[1], shape[2], shape[3]) == c {
			return true
		}
	}
	return false
}

func logResult(t *testing.T, r *Result) {
	t.Helper()
	var before, after float64
	n := 0
	for k, a := range r.After {
		if a.N > 0 {
			before += r.Before[k].Mean()
			after += a.Mean()
			n++
		}
	}
	t.Logf("loss %.6g → %.6g (%.3g%%), lbox %.4g → %.4g (%.3g%%), mean IoU %.3f → %.3f, %d iterations, %d rounds, %v, %d shared",
		r.Start.Loss, r.End.Loss, 100*r.End.Loss/r.Start.Loss, r.Start.LBox, r.End.LBox, 100*r.End.LBox/r.Start.LBox,
		before/float64(n), after/float64(n), r.Iterations, r.Rounds, r.Stop, r.Shared)
}

// checkIoUsRise reports every label with cells whose mean IoU did not rise.
func checkIoUsRise(t *testing.T, r *Result) {
	t.Helper()
	for k, a := range r.After {
		if a.N > 0 && !(a.Mean() > r.Before[k].Mean()) {
			t.Errorf("label %d: mean IoU %.4f → %.4f, want a rise", k, r.Before[k].Mean(), a.Mean())
		}
	}
}

// checkOnlyFreeMoved reports any element of the fitted predictions p that
// differs from orig although it carries no gradient: the box and class
// logits of the cells no label is assigned to.
func checkOnlyFreeMoved(t *testing.T, e *computeloss.Engine[float64], c fitCase, orig, p []tensor.Tensor[float64]) {
	t.Helper()
	matches := feed.Matches(e.Model(), c.h.AnchorT, p, c.b.Targets)
	for i, tp := range p {
		no := tp.Shape[4]
		for cell, matched := range feed.MatchedCells(matches[i], tp.Shape) {
			for ch := range no {
				k := cell*no + ch
				if !matched && ch != 4 && tp.Data[k] != orig[i].Data[k] {
					t.Fatalf("layer %d, cell %d, channel %d: no gradient, but moved %v → %v", i, cell, ch, orig[i].Data[k], tp.Data[k])
				}
				if math.Abs(tp.Data[k]) > DefaultBound && tp.Data[k] != orig[i].Data[k] {
					t.Fatalf("layer %d, element %d: %v, out of ±%d", i, k, tp.Data[k], DefaultBound)
				}
			}
		}
	}
}
