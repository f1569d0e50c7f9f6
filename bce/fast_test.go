package bce

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestFastMath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var worstExp, worstLog float64
	for range 200000 {
		x := -rng.ExpFloat64() * 30
		if got, want := expNeg(x), math.Exp(x); math.Abs(got-want) > 1e-12*want {
			t.Fatalf("expNeg(%v) = %v, want %v", x, got, want)
		} else {
			worstExp = math.Max(worstExp, math.Abs(got-want)/want)
		}
		e := rng.Float64()
		if rng.IntN(4) == 0 {
			e = math.Exp(-40 * rng.Float64())
		}
		if got, want := log1pUnit(e), math.Log1p(e); math.Abs(got-want) > 1e-12*want {
			t.Fatalf("log1pUnit(%v) = %v, want %v", e, got, want)
		} else if want > 0 {
			worstLog = math.Max(worstLog, math.Abs(got-want)/want)
		}
	}
	t.Logf("worst relative error: exp %.2g, log1p %.2g", worstExp, worstLog)
	for _, x := range []float64{0, -1e-300, -708, -709, -1e4, math.Inf(-1)} {
		got, want := expNeg(x), math.Exp(x)
		if x < -708 {
			want = 0
		}
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("expNeg(%v) = %v, want %v", x, got, want)
		}
	}
	if got := log1pUnit(0); got != 0 {
		t.Errorf("log1pUnit(0) = %v", got)
	}
}

func TestLogisticFast(t *testing.T) {
	for _, x := range []float64{-1e4, -80, -20, -3, -0.1, 0, 0.1, 3, 20, 80, 1e4} {
		s, sc, sp := Logistic(x)
		fs, fsc, fsp := LogisticFast(x)
		for _, p := range [][2]float64{{s, fs}, {sc, fsc}, {sp, fsp}} {
			if math.Abs(p[0]-p[1]) > 1e-12*p[0] {
				t.Errorf("x=%v: exact %v, fast %v", x, p[0], p[1])
			}
		}
	}
}

func BenchmarkLogistic(b *testing.B) {
	x, sum := -3.0, 0.0
	for b.Loop() {
		s, sc, sp := Logistic(x)
		sum += s + sc + sp
		x += 1e-7
	}
	_ = sum
}

func BenchmarkLogisticFast(b *testing.B) {
	x, sum := -3.0, 0.0
	for b.Loop() {
		s, sc, sp := LogisticFast(x)
		sum += s + sc + sp
		x += 1e-7
	}
	_ = sum
}
