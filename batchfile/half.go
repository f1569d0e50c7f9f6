package batchfile

import "math"

// halfToFloat32 widens an IEEE 754 binary16 value, given by its bits, to
// float32, exactly (every binary16 value is a float32 value):
//
//	sign s, exponent e (5 bits, bias 15), fraction f (10 bits):
//	e = 0:        (−1)^s · f · 2^−24                (zero and subnormals)
//	0 < e < 31:   (−1)^s · (1 + f/2^10) · 2^(e−15)
//	e = 31:       ±Inf when f = 0, else NaN (the fraction kept in the top bits)
//
// It is written here because neither the standard library nor this
// module's dependencies convert binary16, and the conversion is a few
// lines of bit arithmetic, checked against the formula above for all 65536
// inputs by the tests.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias 15 → 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign) // ±0
	}
	// Subnormal: f·2^−24, exact in float32.
	v := float32(frac) * (1.0 / (1 << 24))
	return math.Float32frombits(sign | math.Float32bits(v))
}
