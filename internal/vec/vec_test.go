package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// logits covers the range a model produces and the extremes.
func logits() []float64 {
	x := []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 1e-9, -1e-9, 0.5, -0.5, 5, -5,
		20, -20, 36, -36, 80, -80, 700, -700, 745, -745, 1e4, -1e4, math.MaxFloat64, -math.MaxFloat64}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		x = append(x, 12*rng.NormFloat64())
	}
	for v := -40.0; v <= 40; v += 0.0625 {
		x = append(x, v)
	}
	return x
}

// relErr is |got − want| relative to |want|, or absolute below tiny.
func relErr(got, want, tiny float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / max(math.Abs(want), tiny)
}

func TestZeroTargetAgainstGo(t *testing.T) {
	if kernelIsGo() {
		t.Skip("ZeroTarget is zeroTargetGo here (purego build, or no AVX2): the comparison would pass whatever it computes; TestZeroTarget32AgainstGo and the criteria's tests check the Go version against float64 and the criteria")
	}
	x := logits()
	for _, tc := range []struct{ a, gamma float64 }{
		{1, 0}, {0.75, 1.5}, {0.25, 2}, {0.75, 0.5}, {1, 3}, {0.4, 1.2345},
	} {
		t.Run(fmt.Sprintf("a=%g,γ=%g", tc.a, tc.gamma), func(t *testing.T) {
			l, g := make([]float64, len(x)), make([]float64, len(x))
			wl, wg := make([]float64, len(x)), make([]float64, len(x))
			ZeroTarget(l, g, x, tc.a, tc.gamma)
			zeroTargetGo(wl, wg, x, tc.a, tc.gamma)
			var worst float64
			for i, v := range x {
				// Below e^{−700} the kernel's clamp differs from an
				// underflow; such values are zero to any sum.
				el, eg := relErr(l[i], wl[i], 1e-290), relErr(g[i], wg[i], 1e-290)
				if !(el <= 1e-12 && eg <= 1e-12) || math.IsNaN(l[i]) || math.IsNaN(g[i]) {
					t.Errorf("x=%v: loss %v, want %v (rel %.2g); grad %v, want %v (rel %.2g)", v, l[i], wl[i], el, g[i], wg[i], eg)
				}
				worst = max(worst, el, eg)
			}
			t.Logf("worst relative difference %.3g over %d logits", worst, len(x))
		})
	}
}

func TestZeroTargetLengths(t *testing.T) {
	// Every tail length, against the element-by-element result.
	x := logits()[:40]
	for n := range 13 {
		l, g := make([]float64, n), make([]float64, n)
		ZeroTarget(l, g, x[:n], 0.75, 1.5)
		for i := range n {
			var wl, wg [1]float64
			ZeroTarget(wl[:], wg[:], x[i:i+1], 0.75, 1.5)
			if l[i] != wl[0] || g[i] != wg[0] {
				t.Errorf("n=%d, i=%d: (%v, %v), alone (%v, %v)", n, i, l[i], g[i], wl[0], wg[0])
			}
		}
	}
}

func TestZeroTargetNaN(t *testing.T) {
	x := []float64{1, math.NaN(), -3, math.NaN(), 2}
	l, g := make([]float64, len(x)), make([]float64, len(x))
	ZeroTarget(l, g, x, 1, 1.5)
	for i, v := range x {
		if math.IsNaN(v) != math.IsNaN(l[i]) || math.IsNaN(v) != math.IsNaN(g[i]) {
			t.Errorf("x[%d] = %v: loss %v, grad %v", i, v, l[i], g[i])
		}
	}
}

func TestZeroTargetPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for mismatched lengths")
		}
	}()
	ZeroTarget(make([]float64, 3), make([]float64, 2), make([]float64, 3), 1, 0)
}

func TestStream(t *testing.T) {
	const pad = 40
	buf := make([]float32, 4096+2*pad)
	src := make([]float32, 4096)
	for i := range src {
		src[i] = float32(i + 1)
	}
	// Every start offset modulo 32 bytes and lengths around the 32-byte
	// boundaries; the elements around dst must stay as they were.
	for off := range 9 {
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096} {
			for i := range buf {
				buf[i] = -1
			}
			dst := buf[pad+off : pad+off+n]
			Stream(dst, src[:n])
			Fence()
			for i, v := range buf {
				want := float32(-1)
				if k := i - pad - off; k >= 0 && k < n {
					want = src[k]
				}
				if v != want {
					t.Fatalf("offset %d, n %d: element %d is %v, want %v", off, n, i-pad-off, v, want)
				}
			}
		}
	}
	d64 := make([]float64, 100)
	s64 := make([]float64, 100)
	for i := range s64 {
		s64[i] = float64(i) / 3
	}
	Stream(d64[3:], s64[3:])
	Fence()
	for i := 3; i < 100; i++ {
		if d64[i] != s64[i] {
			t.Fatalf("float64: element %d is %v, want %v", i, d64[i], s64[i])
		}
	}
}

func BenchmarkZeroTarget32(b *testing.B) {
	x := make([]float32, 64)
	for i := range x {
		x[i] = -5 + float32(i)/16
	}
	l, g := make([]float32, 64), make([]float32, 64)
	for _, gamma := range []float32{0, 1.5} {
		b.Run(fmt.Sprintf("γ=%g", gamma), func(b *testing.B) {
			for b.Loop() {
				ZeroTarget32(l, g, x, 0.75, gamma)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/elem")
		})
	}
}

func BenchmarkZeroTarget(b *testing.B) {
	x := make([]float64, 64)
	for i := range x {
		x[i] = -5 + float64(i)/16
	}
	l, g := make([]float64, 64), make([]float64, 64)
	for _, gamma := range []float64{0, 1.5} {
		b.Run(fmt.Sprintf("asm/γ=%g", gamma), func(b *testing.B) {
			for b.Loop() {
				ZeroTarget(l, g, x, 0.75, gamma)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/elem")
		})
		b.Run(fmt.Sprintf("go/γ=%g", gamma), func(b *testing.B) {
			for b.Loop() {
				zeroTargetGo(l, g, x, 0.75, gamma)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)), "ns/elem")
		})
	}
}

func TestZeroTarget32AgainstGo(t *testing.T) {
	var x []float32
	for _, v := range logits() {
		x = append(x, float32(v)) // ±MaxFloat64 become ±Inf, and stay in
	}
	for _, tc := range []struct{ a, gamma float32 }{
		{1, 0}, {0.75, 1.5}, {0.25, 2}, {0.75, 0.5}, {1, 3}, {0.4, 1.2345},
	} {
		t.Run(fmt.Sprintf("a=%g,γ=%g", tc.a, tc.gamma), func(t *testing.T) {
			l, g := make([]float32, len(x)), make([]float32, len(x))
			ZeroTarget32(l, g, x, tc.a, tc.gamma)
			var worst float64
			for i, v := range x {
				var wl, wg [1]float64
				zeroTargetGo(wl[:], wg[:], []float64{float64(v)}, float64(tc.a), float64(tc.gamma))
				if math.IsInf(float64(v), 0) {
					continue // checked by TestZeroTarget32Inf
				}
				// Below about 1e-36 float32 turns subnormal and the kernel
				// flushes to 0.
				el, eg := relErr(float64(l[i]), wl[0], 1e-36), relErr(float64(g[i]), wg[0], 1e-36)
				if !(el <= 4e-6 && eg <= 4e-6) {
					t.Errorf("x=%v: loss %v, want %v (rel %.2g); grad %v, want %v (rel %.2g)", v, l[i], wl[0], el, g[i], wg[0], eg)
				}
				worst = max(worst, el, eg)
			}
			t.Logf("worst relative difference %.3g over %d logits", worst, len(x))
		})
	}
}

func TestZeroTarget32Special(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	x := []float32{nan, 1, -inf, inf, 0, nan, -3, 2, 5}
	l, g := make([]float32, len(x)), make([]float32, len(x))
	ZeroTarget32(l, g, x, 0.75, 1.5)
	for i, v := range x {
		if isNaN32(v) != isNaN32(l[i]) || isNaN32(v) != isNaN32(g[i]) {
			t.Errorf("x[%d] = %v: loss %v, grad %v", i, v, l[i], g[i])
		}
	}
	// −∞: no loss, no gradient; +∞: infinite loss, gradient a.
	if l[2] != 0 || g[2] != 0 || !math.IsInf(float64(l[3]), 1) || g[3] != 0.75 {
		t.Errorf("x = ∓∞: loss %v, %v; grad %v, %v", l[2], l[3], g[2], g[3])
	}
}

func isNaN32(v float32) bool { return v != v }

func TestZeroTarget32Lengths(t *testing.T) {
	var x []float32
	for _, v := range logits()[:200] {
		x = append(x, float32(v))
	}
	for n := range 140 {
		l, g := make([]float32, n), make([]float32, n)
		ZeroTarget32(l, g, x[:n], 0.75, 1.5)
		for i := range n {
			var wl, wg [1]float32
			ZeroTarget32(wl[:], wg[:], x[i:i+1], 0.75, 1.5)
			if l[i] != wl[0] || g[i] != wg[0] {
				t.Fatalf("n=%d, i=%d: (%v, %v), alone (%v, %v)", n, i, l[i], g[i], wl[0], wg[0])
			}
		}
	}
}

// FuzzZeroTarget compares the kernels with the Go version at one logit:
// float64 within 1e-12 relative; float32, at the logit rounded to float32,
// within 1e-6 plus 3e-7·γ·(|x|+1) relative (the float32 rounding of the
// exponent of σ(x)^γ, which grows with it) or 1e-35 absolutely, where the
// kernel flushes to 0 what float32 would hold as a subnormal.
// near reports whether got is within rel of want relative, or abs
// absolutely; NaN is never close.
func near(got, want, rel, abs float64) bool {
	d := math.Abs(got - want)
	return d <= abs || d <= rel*math.Abs(want) || got == want
}

func FuzzZeroTarget(f *testing.F) {
	f.Add(0.0, 1.0, 0.0)
	f.Add(-5.0, 0.75, 1.5)
	f.Add(30.0, 0.25, 3.0)
	f.Add(-745.0, 0.5, 0.5)
	f.Fuzz(func(t *testing.T, x, a, gamma float64) {
		if !(a >= 0 && a <= 1) || !(gamma >= 0 && gamma <= 10) {
			t.Skip()
		}
		var l, g, wl, wg [1]float64
		ZeroTarget(l[:], g[:], []float64{x}, a, gamma)
		zeroTargetGo(wl[:], wg[:], []float64{x}, a, gamma)
		if math.IsNaN(x) {
			if !math.IsNaN(l[0]) || !math.IsNaN(g[0]) {
				t.Fatalf("x = NaN: (%v, %v)", l[0], g[0])
			}
			return
		}
		// Where ZeroTarget is zeroTargetGo this compares it with itself;
		// the float32 check below still tests it.
		if !near(l[0], wl[0], 1e-12, 1e-290) || !near(g[0], wg[0], 1e-12, 1e-290) {
			t.Fatalf("x=%v a=%v γ=%v: (%v, %v), Go (%v, %v)", x, a, gamma, l[0], g[0], wl[0], wg[0])
		}
		x32, a32, g32 := float32(x), float32(a), float32(gamma)
		if math.IsInf(float64(x32), 0) {
			return
		}
		var l32, gr32 [1]float32
		ZeroTarget32(l32[:], gr32[:], []float32{x32}, a32, g32)
		zeroTargetGo(wl[:], wg[:], []float64{float64(x32)}, float64(a32), float64(g32))
		tol := 1e-6 + 3e-7*float64(g32)*(math.Abs(float64(x32))+1)
		if !near(float64(l32[0]), wl[0], tol, 1e-35) || !near(float64(gr32[0]), wg[0], tol, 1e-35) {
			t.Fatalf("float32 x=%v a=%v γ=%v: (%v, %v), Go (%v, %v), tolerance %.2g", x32, a32, g32, l32[0], gr32[0], wl[0], wg[0], tol)
		}
	})
}

// TestZeroTargetSum32 checks ZeroTargetSum32 against ZeroTarget32: the
// same derivatives bit for bit, and the sum of the same losses in the
// documented order, at every length, on aligned and unaligned
// destinations (non-temporal and ordinary stores), for γ = 0 and γ > 0.
func TestZeroTargetSum32(t *testing.T) {
	var x []float32
	for _, v := range logits()[:300] {
		x = append(x, float32(v))
	}
	x[17] = float32(math.NaN())
	for _, tc := range []struct{ a, gamma float32 }{{1, 0}, {0.25, 1.5}, {0.375, 0}} {
		for n := range 150 {
			for shift := range 3 {
				buf := make([]float32, n+16)
				at := (32-int(uintptr(unsafe.Pointer(&buf[0]))&31))&31/4 + shift
				g := buf[at : at+n] // 32-byte aligned for shift 0, else not
				want, wantG := make([]float32, n), make([]float32, n)
				ZeroTarget32(want, wantG, x[:n], tc.a, tc.gamma)
				got := ZeroTargetSum32(g, x[:n], tc.a, tc.gamma)
				Fence()
				var acc [8]float64
				for i, v := range want {
					acc[i%8] += float64(v)
				}
				if w := sum8(&acc); math.Float64bits(got) != math.Float64bits(w) && !(math.IsNaN(got) && math.IsNaN(w)) {
					t.Fatalf("a=%v γ=%v n=%d shift %d: sum %v, want %v", tc.a, tc.gamma, n, shift, got, w)
				}
				for i := range n {
					if math.Float32bits(g[i]) != math.Float32bits(wantG[i]) && !(isNaN32(g[i]) && isNaN32(wantG[i])) {
						t.Fatalf("a=%v γ=%v n=%d shift %d: grad[%d] = %v, want %v", tc.a, tc.gamma, n, shift, i, g[i], wantG[i])
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic on lengths that differ")
		}
	}()
	ZeroTargetSum32(make([]float32, 3), make([]float32, 4), 1, 0)
}

// TestZeroTargetSum32Go checks the portable ZeroTargetSum32 against the
// kernel's within float32 accuracy.
func TestZeroTargetSum32Go(t *testing.T) {
	var x []float32
	for _, v := range logits()[:500] {
		if !math.IsInf(v, 0) && math.Abs(v) < 80 {
			x = append(x, float32(v))
		}
	}
	g, gg := make([]float32, len(x)), make([]float32, len(x))
	s := ZeroTargetSum32(g, x, 0.25, 1.5)
	sg := zeroTargetSum32Go(gg, x, 0.25, 1.5)
	if relErr(s, sg, 1e-30) > 1e-5 {
		t.Errorf("sum %v, portable %v", s, sg)
	}
	for i := range g {
		if relErr(float64(g[i]), float64(gg[i]), 1e-36) > 4e-6 {
			t.Errorf("x=%v: grad %v, portable %v", x[i], g[i], gg[i])
		}
	}
}

// TestSoftmaxMeans checks SoftmaxMeans64 bit for bit against the column
// by column computation it documents (through ZeroTarget), and
// SoftmaxMeans32 against package math, for several r and strides,
// logits up to ±1e4 included.
func TestSoftmaxMeans(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, r := range []int{1, 2, 3, 16, 17} {
		for _, stride := range []int{4, 7, 400} {
			z := make([]float64, (4*r-1)*stride+4)
			for i := range z {
				z[i] = 3 * rng.NormFloat64()
				if rng.IntN(50) == 0 {
					z[i] = 1e4 * rng.NormFloat64()
				}
			}
			z32 := make([]float32, len(z))
			for i, v := range z {
				z32[i] = float32(v)
			}
			var out, out32 [16]float64
			if !SoftmaxMeans64(&out, z, stride, r) || !SoftmaxMeans32(&out32, z32, stride, r) {
				if !kernelIsGo() {
					t.Fatal("no kernel on a processor with AVX2")
				}
				t.Skip("no kernel")
			}
			u, sp, s := make([]float64, r), make([]float64, r), make([]float64, r)
			for side := range 4 {
				for j := range 4 {
					col := func(k int) float64 { return z[(side*r+k)*stride+j] }
					m := col(0)
					for k := 1; k < r; k++ {
						m = max(m, col(k))
					}
					for k := range r {
						u[k] = col(k) - m
					}
					ZeroTarget(sp, s, u, 1, 0)
					var num, den, num32, den32 float64
					for k, sg := range s {
						e := sg / (1 - sg)
						den += e
						num += float64(k) * e
						e32 := math.Exp(float64(z32[(side*r+k)*stride+j]) - float64(float32(m)))
						den32 += e32
						num32 += float64(k) * e32
					}
					if want := num / den; math.Float64bits(out[4*side+j]) != math.Float64bits(want) {
						t.Errorf("r=%d stride %d side %d lane %d: %v, want %v", r, stride, side, j, out[4*side+j], want)
					}
					// m of the float32 logits is float32(m) where the maximum is
					// the same element, which holds for these random values.
					if want := num32 / den32; relErr(out32[4*side+j], want, 1e-300) > 1e-13 && math.Abs(out32[4*side+j]-want) > 1e-13 {
						t.Errorf("float32, r=%d stride %d side %d lane %d: %v, want %v", r, stride, side, j, out32[4*side+j], want)
					}
				}
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("no panic for too short logits")
		}
	}()
	var out [16]float64
	SoftmaxMeans64(&out, make([]float64, 4*16-1), 4, 4)
}
