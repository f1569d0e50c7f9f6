package dfl

import "math"

// Expect returns the expected distance d = Σ_k k·p_k of the logits z and
// stores the softmax p_k in p, which must be as long as z. For a single
// logit it returns z[0] and stores p[0] = 1. It panics if the lengths
// differ or z is empty.
func Expect(p, z []float64) float64 {
	d, _ := ExpectLSE(p, z)
	return d
}

// ExpectLSE is Expect that also returns the log-sum-exp of z, log Σ_k
// e^{z_k}, computed as Loss computes it (so that LossLSE with it is Loss).
func ExpectLSE(p, z []float64) (d, lse float64) {
	if len(p) != len(z) || len(z) == 0 {
		panic("dfl: Expect needs len(p) == len(z) > 0")
	}
	if len(z) == 1 {
		p[0] = 1
		return z[0], z[0]
	}
	m := maxOf(z)
	var sum float64
	for k, v := range z {
		e := expNonPos(v - m)
		p[k] = e
		sum += e
	}
	inv := 1 / sum
	for k := range p {
		p[k] *= inv
		d += float64(k) * p[k]
	}
	return d, m + math.Log(sum)
}

// maxOf returns the largest element of z, which is not empty.
func maxOf(z []float64) float64 {
	m := z[0]
	for _, v := range z[1:] {
		m = max(m, v)
	}
	return m
}

// AddExpectGrad adds g·∂d/∂z_k = g·p_k·(k − d) to dz[k], for the softmax
// p and expectation d that Expect returned; for a single logit it adds g.
func AddExpectGrad(dz, p []float64, d, g float64) {
	if len(p) == 1 {
		dz[0] += g
		return
	}
	for k, pk := range p {
		dz[k] += g * pk * (float64(k) - d)
	}
}

// Clamp returns the target distance t clamped to [0, R − 1.01], the range
// of DFL's targets (ultralytics' bbox2dist with reg_max − 1, and DFLoss).
func Clamp(t float64, r int) float64 {
	return min(max(t, 0), float64(r-1)-0.01)
}

// Loss returns the distribution focal loss DFL(z, t) of one side, with t
// already clamped (Clamp), and adds g·∂DFL/∂z_k to dz[k] when dz is not
// nil. p is the softmax of z (Expect). It needs R = len(z) ≥ 2.
//
// The log-sum-exp is computed as max + log Σ e^{z_j − max}.
func Loss(dz, p, z []float64, t, g float64) float64 {
	m := maxOf(z)
	var sum float64
	for _, v := range z {
		sum += expNonPos(v - m)
	}
	return LossLSE(dz, p, z, t, g, m+math.Log(sum))
}

// LossLSE is Loss with the log-sum-exp of z given, as ExpectLSE returns
// it: no exponential is computed again.
func LossLSE(dz, p, z []float64, t, g, lse float64) float64 {
	l := int(t) // t ≥ 0: truncation is ⌊t⌋
	wl := float64(l+1) - t
	wr := 1 - wl
	loss := (lse-z[l])*wl + (lse-z[l+1])*wr
	if dz != nil {
		ws := wl + wr
		for k, pk := range p {
			dz[k] += g * ws * pk
		}
		dz[l] -= g * wl
		dz[l+1] -= g * wr
	}
	return loss
}

// L1 returns |d·s/W − t·s/W| of one side, with scale = s and size = W
// (or H), and ∂/∂d.
func L1(d, t, scale, size float64) (loss, grad float64) {
	a := d * scale / size
	b := t * scale / size
	switch {
	case a > b:
		return a - b, scale / size
	case a < b:
		return b - a, -scale / size
	}
	return 0, 0
}
