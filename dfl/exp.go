package dfl

import "math"

// The constants of expNonPos.
const (
	expInv   = 64 / math.Ln2
	expLn2Hi = 6.93147180369123816490e-01 / 64 // ln 2 / 64, high part (math's exp split)
	expLn2Lo = 1.90821492927058770002e-10 / 64 // the rest
)

// exp2Table[j] = 2^{j/64}.
var exp2Table [64]float64

func init() {
	for j := range exp2Table {
		exp2Table[j] = math.Exp2(float64(j) / 64)
	}
}

// expNonPos returns e^u for u ≤ 0, within a few units in the last place
// of math.Exp and faster: u = (64·m + j)·ln2/64 + r with |r| ≤ ln2/128,
//
//	e^u = 2^m · 2^{j/64} · e^r,   e^r = Σ_{i≤5} r^i/i!  (remainder below 4e-17 relative)
//
// with 2^{j/64} from a table. Below −700 it returns 0: a softmax term that
// small is lost against the largest term, 1, in any case.
func expNonPos(u float64) float64 {
	if u < -700 {
		return 0
	}
	k := int64(math.Floor(u*expInv + 0.5))
	fk := float64(k)
	r := (u - fk*expLn2Hi) - fk*expLn2Lo
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	return p * exp2Table[k&63] * math.Float64frombits(uint64((k>>6)+1023)<<52)
}
