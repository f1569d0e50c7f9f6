package ciou_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/yolo-loss/yololoss/ciou"
	"github.com/yolo-loss/yololoss/internal/gradcheck"
)

func TestKnownValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		p, t ciou.Box
		want float64
	}{
		// Identical boxes: IoU = I/(I+ε), no distance, no aspect term.
		{"identical", ciou.Box{1, 1, 2, 3}, ciou.Box{1, 1, 2, 3}, 6 / (6 + ciou.Eps)},
		// Same shape shifted by a width: IoU 0, ρ² = 4, c² = 4² + 2² (+ε).
		{"disjoint", ciou.Box{0, 0, 2, 2}, ciou.Box{2, 0, 2, 2}, -4 / (16 + 4 + ciou.Eps)},
		// Concentric, half the size: IoU = 1/4 (ε aside), ρ = 0, v = 0.
		{"nested", ciou.Box{0, 0, 1, 1}, ciou.Box{0, 0, 2, 2}, 1 / (1 + 4 - 1 + ciou.Eps)},
	} {
		if got := ciou.CIoU(tc.p, tc.t); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("%s: CIoU = %.17g, want %.17g", tc.name, got, tc.want)
		}
		if got, _, _ := ciou.Grad(tc.p, tc.t); got != ciou.CIoU(tc.p, tc.t) {
			t.Errorf("%s: Grad's CIoU %v differs from CIoU's", tc.name, got)
		}
	}
}

// TestAspectTerm: with equal centres and no overlap issue, CIoU differs from
// IoU by exactly α·v.
func TestAspectTerm(t *testing.T) {
	p, q := ciou.Box{0, 0, 1, 3}, ciou.Box{0, 0, 3, 1}
	v := 4 / (math.Pi * math.Pi) * math.Pow(math.Atan(3)-math.Atan(1.0/3), 2)
	iou := ciou.IoU(p, q)
	a := v / (v - iou + 1 + ciou.Eps)
	if got := ciou.Alpha(p, q); math.Abs(got-a) > 1e-15 {
		t.Errorf("Alpha = %v, want %v", got, a)
	}
	cw, ch := 3.0, 3.0
	want := iou - (0/(cw*cw+ch*ch+ciou.Eps) + a*v)
	if got := ciou.CIoU(p, q); math.Abs(got-want) > 1e-15 {
		t.Errorf("CIoU = %v, want %v", got, want)
	}
}

// TestFiniteDifferences checks the gradient against central differences of
// CIoU with α held at its value at the point, as YOLOv5 detaches it, over
// overlapping, nested, disjoint and elongated pairs.
func TestFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct{ p, t ciou.Box }{
		{ciou.Box{0.4, 0.6, 1.3, 2.2}, ciou.Box{0.52, 0.5, 1.1, 1.9}}, // overlapping, no corner near a tie
		{ciou.Box{0.1, 0.2, 0.5, 0.4}, ciou.Box{1.7, 1.9, 2.0, 3.0}},
		{ciou.Box{0.5, 0.5, 4.0, 0.3}, ciou.Box{0.6, 0.4, 0.3, 4.0}},
		{ciou.Box{0.5, 0.5, 0.2, 0.2}, ciou.Box{0.52, 0.47, 3.0, 2.5}},
	}
	for range 200 {
		cases = append(cases, struct{ p, t ciou.Box }{
			ciou.Box{rng.Float64()*3 - 0.5, rng.Float64()*3 - 0.5, 0.05 + 4*rng.Float64(), 0.05 + 4*rng.Float64()},
			ciou.Box{rng.Float64() * 2, rng.Float64() * 2, 0.05 + 4*rng.Float64(), 0.05 + 4*rng.Float64()},
		})
	}
	for _, tc := range cases {
		_, d, a := ciou.Grad(tc.p, tc.t)
		if want := ciou.Alpha(tc.p, tc.t); a != want {
			t.Errorf("p=%v t=%v: Grad's α %v, Alpha %v", tc.p, tc.t, a, want)
		}
		f := func(x []float64) float64 { return ciou.WithAlpha(ciou.Box(x), tc.t, a) }
		if err := gradcheck.Gradient(f, tc.p[:], d[:], 1e-6, 1e-8); err != nil {
			t.Errorf("p=%v t=%v: %v", tc.p, tc.t, err)
		}
		// GradLog with α fixed elsewhere: the value is WithAlpha's and the
		// gradient its derivative in (x, y, log w, log h).
		fixed := a * 0.7
		lwh := [2]float64{math.Log(tc.p[2]), math.Log(tc.p[3])}
		c, d2, _ := ciou.GradLog(tc.p, lwh, tc.t, fixed)
		if w := ciou.WithAlpha(tc.p, tc.t, fixed); math.Abs(c-w) > 1e-15 {
			t.Errorf("GradLog value %v, WithAlpha %v", c, w)
		}
		g := func(x []float64) float64 {
			return ciou.WithAlpha(ciou.Box{x[0], x[1], math.Exp(x[2]), math.Exp(x[3])}, tc.t, fixed)
		}
		if err := gradcheck.Gradient(g, []float64{tc.p[0], tc.p[1], lwh[0], lwh[1]}, d2[:], 1e-6, 1e-8); err != nil {
			t.Errorf("fixed α, log sizes, p=%v t=%v: %v", tc.p, tc.t, err)
		}
	}
}

// TestTies: where a corner of the prediction equals the target's, min and
// max split the gradient in halves (PyTorch's rule), which is the mean of
// the one-sided derivatives.
func TestTies(t *testing.T) {
	p, q := ciou.Box{1, 1, 2, 2}, ciou.Box{1.5, 1, 1, 2} // right edges tie at 2
	_, d, a := ciou.Grad(p, q)
	h := 1e-7
	for i := range p {
		up, dn := p, p
		up[i] += h
		dn[i] -= h
		c := ciou.WithAlpha(p, q, a)
		right := (ciou.WithAlpha(up, q, a) - c) / h
		left := (c - ciou.WithAlpha(dn, q, a)) / h
		if mid := (left + right) / 2; math.Abs(d[i]-mid) > 1e-5 {
			t.Errorf("∂/∂p[%d] at a tie = %v, want the mean of one-sided %v and %v", i, d[i], left, right)
		}
	}
}

// TestUnderflowedSize: a predicted box whose width and height underflow to
// 0 (logits far below 0 in the loss) still has a finite CIoU and gradient,
// because the aspect ratio comes from the log sizes; the derivative in
// log w tends to 0 and the one in log h to 0 as well (the box vanishes).
func TestUnderflowedSize(t *testing.T) {
	tgt := ciou.Box{0.5, 0.5, 2, 1}
	for _, lwh := range [][2]float64{{-800, -790}, {-1000, -1000}, {-750, 3}, {2, -900}} {
		p := ciou.Box{0.3, 0.6, math.Exp(lwh[0]), math.Exp(lwh[1])}
		c, d, a := ciou.GradLog(p, lwh, tgt, math.NaN())
		for _, v := range []float64{c, d[0], d[1], d[2], d[3], a} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("log sizes %v: CIoU %v, gradient %v, α %v; want finite", lwh, c, d, a)
				break
			}
		}
	}
}
