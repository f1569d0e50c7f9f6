package fit

import "math"

// rprop is iRprop+ (Igel and Hüsken, "Improving the Rprop learning
// algorithm", 2000) with every parameter held in [−bound, bound]: each
// parameter k has its own step Δ_k and moves by Δ_k against the sign of its
// partial derivative g_k, whatever the derivative's size. With g⁻ the
// derivative after the previous step and Δz_k that step:
//
//	g⁻_k·g_k > 0:  Δ_k ← min(η⁺Δ_k, Δmax);  z_k ← z_k − sign(g_k)·Δ_k
//	g⁻_k·g_k < 0:  Δ_k ← max(η⁻Δ_k, Δmin);  z_k ← z_k − Δz_k if the loss rose, and g_k ← 0
//	otherwise:     z_k ← z_k − sign(g_k)·Δ_k
//
// then z_k is clamped into [−bound, bound]. A sign change means the step
// jumped over a minimum along k: the step shrinks, and is taken back when
// the loss as a whole rose. Setting g_k to 0 makes the next step neither
// grow nor shrink Δ_k.
type rprop struct {
	delta []float64 // Δ_k
	dz    []float64 // the last change of z_k, after the clamp
	gprev []float64 // g⁻_k
	fprev float64   // the loss before the last step; +Inf before the first
	bound float64
}

// iRprop+'s constants: the usual growth and shrink factors, the first step
// and the bounds on a step (logit units).
const (
	rpropInc   = 1.2  // η⁺
	rpropDec   = 0.5  // η⁻
	rpropDelta = 0.05 // Δ at the start
	rpropMax   = 1.0  // Δmax
	rpropMin   = 1e-9 // Δmin
)

func newRprop(n int, bound float64) *rprop {
	r := &rprop{delta: make([]float64, n), dz: make([]float64, n), gprev: make([]float64, n), bound: bound}
	for k := range r.delta {
		r.delta[k] = rpropDelta
	}
	r.restart()
	return r
}

// restart forgets the last step, keeping the step sizes: the function has
// changed (a new round), so its old derivatives and loss say nothing.
func (r *rprop) restart() {
	clear(r.gprev)
	clear(r.dz)
	r.fprev = math.Inf(1)
}

// step moves z, where the loss is f and its gradient g. It sets the entries
// of g whose sign changed to 0 (g is the caller's scratch).
func (r *rprop) step(z, g []float64, f float64) {
	rose := f > r.fprev
	for k, gk := range g {
		old := z[k]
		// The signs, not the product, which underflows for derivatives
		// below 1e-162 as in a sigmoid's tail.
		switch s := sign(r.gprev[k]) * sign(gk); {
		case s > 0:
			r.delta[k] = min(r.delta[k]*rpropInc, rpropMax)
			z[k] -= math.Copysign(r.delta[k], gk)
		case s < 0:
			r.delta[k] = max(r.delta[k]*rpropDec, rpropMin)
			if rose {
				z[k] -= r.dz[k]
			}
			g[k] = 0
		case gk != 0:
			z[k] -= math.Copysign(r.delta[k], gk)
		}
		z[k] = min(max(z[k], -r.bound), r.bound)
		r.dz[k] = z[k] - old
		r.gprev[k] = g[k]
	}
	r.fprev = f
}

// sign returns −1, 0 or 1.
func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
