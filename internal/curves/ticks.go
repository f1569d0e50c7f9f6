package curves

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
)

// niceStep returns 1, 2 or 5 times a power of ten, the smallest not below
// v.
func niceStep(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*e >= v {
			return m * e
		}
	}
	return 10 * e
}

// digits returns the decimals needed to print multiples of step.
func digits(step float64) int {
	return max(0, int(math.Ceil(-math.Log10(step)-1e-9)))
}

// linearTicks returns labelled ticks every step and unlabelled ones every
// minor step from lo to hi.
func linearTicks(lo, hi, step, minor float64, digits int) []plot.Tick {
	var ticks []plot.Tick
	for i := 0; ; i++ {
		v := lo + float64(i)*minor
		if v > hi*(1+1e-9) {
			break
		}
		t := plot.Tick{Value: v}
		if k := v / step; math.Abs(k-math.Round(k)) < 1e-6 {
			t.Label = strconv.FormatFloat(v, 'f', digits, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// logTicks labels the powers of ten of a log axis and marks 2…9 times
// them.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for k := int(math.Floor(math.Log10(lo))); k <= int(math.Ceil(math.Log10(hi))); k++ {
		d := math.Pow(10, float64(k))
		for m := 1; m <= 9; m++ {
			v := float64(m) * d
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 {
				t.Label = pow10(k)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// pow10 writes 10^k: 1, 0.1 and 0.01, else as 1e−3 (the fonts have no
// superscript minus).
func pow10(k int) string {
	if k >= -2 && k <= 2 {
		return strconv.FormatFloat(math.Pow(10, float64(k)), 'f', -1, 64)
	}
	return strings.Replace("1e"+strconv.Itoa(k), "-", "−", 1)
}
