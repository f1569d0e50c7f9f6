package iou

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/yolo-loss/yololoss/internal/gradcheck"
)

// namedPair is a prediction and a target with a name for messages.
type namedPair struct {
	name string
	p    Pred
	t    Box
}

// degenerate are the pairs where references give NaN or where min, max
// and the clamps tie: identical boxes, nested boxes with coincident
// centres, disjoint boxes (α < 1 without overlap), coincident centres with
// other aspects, a tiny prediction, and predictions whose height or whole
// size has underflowed to 0 (CIoU at zero height).
func degenerate() []namedPair {
	lg := func(x, y, lw, lh float64) Pred {
		return Pred{Box: Box{x, y, math.Exp(lw), math.Exp(lh)}, LogW: lw, LogH: lh}
	}
	return []namedPair{
		{"identical", PredOf(Box{0.5, 0.5, 2, 3}), Box{0.5, 0.5, 2, 3}},
		{"nested", PredOf(Box{0.5, 0.5, 1, 1}), Box{0.5, 0.5, 2, 2}},
		{"nested_in_pred", PredOf(Box{0.25, 0.75, 3, 2.5}), Box{0.25, 0.75, 0.5, 0.4}},
		{"disjoint", PredOf(Box{0, 0, 2, 2}), Box{3, 0.5, 2, 2}},
		{"disjoint_diagonal", PredOf(Box{-0.3, 1.2, 0.2, 0.3}), Box{1.1, -0.2, 0.5, 0.4}},
		{"same_centre", PredOf(Box{0.5, 0.5, 1, 3}), Box{0.5, 0.5, 3, 1}},
		{"tiny", PredOf(Box{0.4, 0.6, 1e-3, 2e-3}), Box{0.5, 0.5, 1.2, 0.8}},
		{"zero_height", lg(0.3, 0.6, 0.5, -800), Box{0.5, 0.5, 2, 1}},
		{"zero_width", lg(0.3, 0.6, -760, 0.2), Box{0.5, 0.5, 2, 1}},
		{"zero_size", lg(0.3, 0.6, -800, -790), Box{0.5, 0.5, 2, 1}},
		{"zero_size_square", lg(0.5, 0.5, -900, -900), Box{0.5, 0.5, 2, 1}},
	}
}

// TestFiniteDifferences checks every variant and modifier's gradient
// against central differences of its loss in (x, y, log w, log h), with
// the held constants fixed at their values at the point (a frozen Eval),
// over random pairs and the degenerate ones. At the degenerate pairs
// min, max and the clamps tie, and PyTorch's rule (halves) gives the mean
// of the one-sided derivatives, which the central difference also takes.
//
// SIoU's angle varies on the scale of iou.py's centre offset ε where the
// centres coincide, far below the step: there its x and y derivatives are
// checked by TestSIoUCentres instead.
func TestFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	pairs := degenerate()
	for k := range 100 {
		p, b := randomPair(rng)
		pairs = append(pairs, namedPair{fmt.Sprintf("random %d", k), p, b})
	}
	for _, l := range family(t) {
		_, isSIoU := l.(siou)
		for _, c := range pairs {
			centred := math.Abs(c.p.Box[0]-c.t[0]) < 1e-3 && math.Abs(c.p.Box[1]-c.t[1]) < 1e-3
			if err := checkFD(l, c.p, c.t, isSIoU && centred); err != nil {
				t.Errorf("%v, %s p=%v t=%v: %v", l, c.name, c.p.Box, c.t, err)
			}
		}
	}
}

// checkFD compares l's gradient at (p, t) with central differences of
// its loss with the held constants of the point, but for x and y when
// skipXY. The absolute slack is 1e-8 plus the central difference's
// rounding error, 2·ν/Step, with ν the loss's rounding noise at the point
// as measured by noise: α-IoU's powers (x + ε)^α with α < 1 amplify it
// ~α·ε^(α−1) times where x is near 0.
func checkFD(l Loss, p Pred, t Box, skipXY bool) error {
	var h Held
	tm := l.Eval(p, t, testGrid, &h, false)
	if !finiteTerm(tm) {
		return errNotFinite(tm)
	}
	f := func(x []float64) float64 {
		hc := h
		q := Pred{Box: Box{x[0], x[1], math.Exp(x[2]), math.Exp(x[3])}, LogW: x[2], LogH: x[3]}
		return l.Eval(q, t, testGrid, &hc, true).Loss
	}
	x := []float64{p.Box[0], p.Box[1], p.LogW, p.LogH}
	num := fd.Gradient(nil, f, x, &fd.Settings{Formula: fd.Central, Step: gradcheck.Step})
	for i := range num {
		if skipXY && i < 2 {
			continue
		}
		slack := 1e-8 + 2*noise(f, x, i, tm.Grad[i])/gradcheck.Step
		if !gradcheck.Close(tm.Grad[i], num[i], 1e-6, slack) {
			return fmt.Errorf("∂ℓ/∂x[%d]: analytic %.12g, central difference %.12g (slack %.3g)", i, tm.Grad[i], num[i], slack)
		}
	}
	return nil
}

// noise returns the largest deviation of f from its linearisation g along
// x[i] over steps of 1e-13 to 4e-13, where the curvature's share is below
// 1e-24: the rounding noise of f at x, which the central difference
// divides by its step.
func noise(f func([]float64) float64, x []float64, i int, g float64) float64 {
	f0 := f(x)
	y := append([]float64(nil), x...)
	var n float64
	for k := 1; k <= 4; k++ {
		for _, s := range []float64{-1, 1} {
			d := s * float64(k) * 1e-13
			y[i] = x[i] + d
			n = max(n, math.Abs(f(y)-f0-g*(y[i]-x[i])))
		}
	}
	return n
}

// TestSIoUCentres checks SIoU's distance cost Δ near coincident centres,
// where its angle varies on the scale of iou.py's offset ε: the gradient
// against central differences of step 1e-10 of siouDistance, and at the
// point where the offset s = dx/2 + ε vanishes in both axes (the
// reference's angle is 0/0 there) that the gradient is 0, the limit of
// the gradients about it, which shrink with |s|.
func TestSIoUCentres(t *testing.T) {
	tgt := Box{0.5, 0.5, 2, 3}
	for _, c := range []struct {
		name string
		p    Box
	}{
		{"coincident", Box{0.5, 0.5, 1, 1}},
		{"offset ε/3", Box{0.5 + Eps/3, 0.5 - Eps/5, 1.5, 2}},
		{"offset 5ε", Box{0.5 - 5*Eps, 0.5 + 2*Eps, 2, 3}},
		{"offset 1e-5", Box{0.5 + 1e-5, 0.5 + 3e-6, 2, 1}},
	} {
		g := distGrad(c.p, tgt)
		f := func(x []float64) float64 { return siouDistance(Box{x[0], x[1], c.p[2], c.p[3]}, tgt) }
		num := fd.Gradient(nil, f, c.p[:2], &fd.Settings{Formula: fd.Central, Step: 1e-10})
		for i := range num {
			if !gradcheck.Close(g[i], num[i], 1e-4, 1e-20) {
				t.Errorf("%s: ∂Δ/∂x[%d]: analytic %.10g, central difference %.10g", c.name, i, g[i], num[i])
			}
		}
	}
	// s = 0 needs corner sums as fine as ε's last bit: boxes below ε.
	tiny := Box{0, 0, 1e-8, 2e-8}
	p := sigmaZero(t, tiny)
	if g := distGrad(p, tiny); g != [2]float64{} {
		t.Errorf("σ = 0: ∂Δ/∂(x, y) = %v, want 0", g)
	}
	prev := math.Inf(1)
	for _, d := range []float64{1e-10, 1e-12, 1e-14} {
		g := distGrad(Box{p[0] + d, p[1] + d/2, p[2], p[3]}, tiny)
		n := math.Hypot(g[0], g[1])
		if !(n < prev/50) {
			t.Errorf("σ = 0, offset %g: |∂Δ/∂(x, y)| = %g, want below 1/50 of %g (the offset's 100 times as large)", d, n, prev)
		}
		prev = n
	}
}

// distGrad returns ∂Δ/∂(x, y) of SIoU's distance cost (siouCost).
func distGrad(p, t Box) [2]float64 {
	q := newPair(PredOf(p), t)
	var sc siouCost
	sc.forward(&q)
	var a adjoint
	// ∂S/∂Δ = ½ and Ω does not depend on the centre: g = 2 gives ∂Δ.
	sc.backward(&q, &a, 2)
	g := a.grad(&q)
	return [2]float64{g[0], g[1]}
}

// siouDistance is SIoU's distance cost Δ = 2 − e^{γ_a·ρx} − e^{γ_a·ρy},
// transcribed apart from siouCost and with expm1, so that it keeps its
// digits where Δ is near 1e-15.
func siouDistance(p, t Box) float64 {
	sx := (t[0]-t[2]/2+t[0]+t[2]/2-(p[0]-p[2]/2)-(p[0]+p[2]/2))*0.5 + Eps
	sy := (t[1]-t[3]/2+t[1]+t[3]/2-(p[1]-p[3]/2)-(p[1]+p[3]/2))*0.5 + Eps
	cw := max(p[0]+p[2]/2, t[0]+t[2]/2) - min(p[0]-p[2]/2, t[0]-t[2]/2)
	ch := max(p[1]+p[3]/2, t[1]+t[3]/2) - min(p[1]-p[3]/2, t[1]-t[3]/2)
	sigma := math.Hypot(sx, sy)
	sin := math.Abs(sx) / sigma
	if sin > math.Sqrt2/2 {
		sin = math.Abs(sy) / sigma
	}
	ga := math.Cos(2*math.Asin(sin)-math.Pi/2) - 2
	return -math.Expm1(ga*(sx/cw)*(sx/cw)) - math.Expm1(ga*(sy/ch)*(sy/ch))
}

// sigmaZero returns a prediction whose SIoU offsets s = dx/2 + ε vanish in
// both axes against tgt: its centre is tgt's plus ε, nudged by ulps until
// the corner sums cancel exactly. It checks that the reference's angle,
// |s_x|/√(s_x² + s_y²), is NaN there.
func sigmaZero(t *testing.T, tgt Box) Box {
	t.Helper()
	p := Box{tgt[0] + Eps, tgt[1] + Eps, tgt[2] / 2, tgt[3] * 2}
	for i := range 2 {
		start := p[i]
	search:
		for _, dir := range []float64{1, -1} {
			p[i] = start
			for range 200 {
				q := newPair(PredOf(p), tgt)
				if [2]float64{q.dx, q.dy}[i]*0.5+Eps == 0 {
					break search
				}
				p[i] = math.Nextafter(p[i], dir)
			}
		}
	}
	q := newPair(PredOf(p), tgt)
	sx, sy := q.dx*0.5+Eps, q.dy*0.5+Eps
	if sx != 0 || sy != 0 || !math.IsNaN(math.Abs(sx)/math.Sqrt(sx*sx+sy*sy)) {
		t.Fatalf("no prediction with s = 0 found near %v: s = (%g, %g)", p, sx, sy)
	}
	return p
}
