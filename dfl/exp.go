package dfl

import "math"

// expNonPos returns e^u for u ≤ 0, within a few units in the last place
// of math.Exp, several times faster: u = k·ln2 + r with |r| ≤ ln2/2, e^r
// by its Taylor polynomial to degree 13 (remainder below 2e-17 relative),
// times 2^k. Below −700 it returns 0: a softmax term that small is lost
// against the largest term, 1, in any case.
func expNonPos(u float64) float64 {
	if u < -700 {
		return 0
	}
	const (
		ln2Hi = 6.93147180369123816490e-01 // ln 2, high part (math's exp split)
		ln2Lo = 1.90821492927058770002e-10 // ln 2 − ln2Hi
		log2e = 1.44269504088896338700e+00
	)
	k := math.Floor(u*log2e + 0.5)
	r := (u - k*ln2Hi) - k*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320+
		r*(1.0/362880+r*(1.0/3628800+r*(1.0/39916800+r*(1.0/479001600+r*(1.0/6227020800)))))))))))))
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}
