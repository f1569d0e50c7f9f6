package bce

import "math"

// Pow returns q^γ for q ≥ 0, with the exponents that the focal family uses
// in practice (0, 0.5, 1, 1.5, 2, 2.5, 3) computed by multiplications and a
// square root instead of math.Pow, which is several times slower. Other
// exponents go to math.Pow. 0^0 is 1, as in math.Pow and PyTorch.
func Pow(q, gamma float64) float64 {
	switch gamma {
	case 0:
		return 1
	case 0.5:
		return math.Sqrt(q)
	case 1:
		return q
	case 1.5:
		return q * math.Sqrt(q)
	case 2:
		return q * q
	case 2.5:
		return q * q * math.Sqrt(q)
	case 3:
		return q * q * q
	}
	return math.Pow(q, gamma)
}
