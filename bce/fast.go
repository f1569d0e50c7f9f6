package bce

import "math"

// Fast versions of e^{−|x|} and log(1+e), for the loss of float32 data,
// which spends most of its arithmetic in these two functions. Short
// polynomials around table points keep the relative error near 1e-13,
// far below float32's ε of 6e-8, at a fraction of package math's cost.

const (
	ln2Hi = 6.93147180369123816490e-01 // high bits of ln 2 (as in package math)
	ln2Lo = 1.90821492927058770002e-10 // ln 2 − ln2Hi
	log2e = 1.44269504088896338700e+00 // 1/ln 2
)

// expNeg returns e^t for t ≤ 0, to about 1e-12 relative. With
// t = (64k + j)·ln2/64 + r, j ∈ [0, 64), |r| ≤ ln 2/128,
//
//	e^t = 2^k · 2^{j/64} · e^r,   e^r ≈ 1 + r + r²/2 + r³/6 + r⁴/24
//
// (truncation r⁵/120 ≤ 4e-14), with 2^{j/64} from a table. Results below
// 2^−1022 (t < −708) are returned as 0.
func expNeg(t float64) float64 {
	if t < -708 {
		return 0
	}
	n := int(t*(64*log2e) - 0.5) // t·64/ln 2 rounded, for t ≤ 0
	fn := float64(n)
	r := (t - fn*(ln2Hi/64)) - fn*(ln2Lo/64)
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24))))
	k, j := n>>6, n&63 // n = 64k + j, k = ⌊n/64⌋
	return p * exp2Frac[j] * math.Float64frombits(uint64(k+1023)<<52)
}

// log1pUnit returns log(1+e) for e ∈ [0, 1], to about 1e-13 relative.
// Below 2⁻⁸ it sums the series e − e²/2 + e³/3 − e⁴/4 + e⁵/5 (truncation
// e⁶/6, relative ≤ 2.3e-15), which keeps full relative precision for tiny
// e, where log(1+e) ≈ e. Above, with u = 1+e and c the table point nearest
// u (u's top 7 mantissa bits), and i ≈ 1/c rounded,
//
//	log u = −log i + log(1 + r),   r = u·i − 1,  |r| ≤ 1/256
//	log(1 + r) ≈ r − r²/2 + r³/3 − r⁴/4 + r⁵/5   (truncation r⁶/6 ≤ 7e-16)
func log1pUnit(e float64) float64 {
	if e < 1.0/256 {
		return e * (1 - e*(1.0/2-e*(1.0/3-e*(1.0/4-e*(1.0/5)))))
	}
	if e >= 1 {
		return math.Ln2
	}
	u := 1 + e
	j := (math.Float64bits(u) >> 45) & 127
	r := u*logInv[j] - 1
	return logNegLog[j] + r*(1-r*(1.0/2-r*(1.0/3-r*(1.0/4-r*(1.0/5)))))
}

var (
	exp2Frac  [64]float64  // 2^{j/64}
	logInv    [128]float64 // 1/c_j rounded, c_j = 1 + (j + ½)/128
	logNegLog [128]float64 // −log(logInv[j]), so that the identity above is exact
)

func init() {
	for j := range exp2Frac {
		exp2Frac[j] = math.Exp2(float64(j) / 64)
	}
	for j := range logInv {
		logInv[j] = 1 / (1 + (float64(j)+0.5)/128)
		logNegLog[j] = -math.Log(logInv[j])
	}
}

// LogisticFast is Logistic with the fast exponential and logarithm.
func LogisticFast(x float64) (s, sc, sp float64) {
	e := expNeg(-math.Abs(x))
	s, sc = fromExp(x, e)
	return s, sc, log1pUnit(e)
}
