package experiment

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// meanStd returns the mean of xs and their sample standard deviation (n−1
// in the denominator); the deviation is NaN for fewer than two values.
func meanStd(xs []float64) (mean, std float64) {
	n := float64(len(xs))
	for _, x := range xs {
		mean += x
	}
	mean /= n
	if len(xs) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / (n - 1))
}

// Interval is a paired difference's mean and its 95% confidence interval.
type Interval struct {
	N            int     // pairs
	Mean, Lo, Hi float64 // Lo and Hi are NaN for fewer than two pairs
}

// Contains0 reports whether the interval contains 0 (or there is none):
// such a difference is not a finding.
func (iv Interval) Contains0() bool { return !(iv.Lo > 0 || iv.Hi < 0) }

// paired returns the mean of the differences b[k] − a[k] and its 95%
// interval from Student's t with n−1 degrees of freedom:
//
//	d̄ ± t(0.975; n−1) · s_d / √n
//
// where s_d is the differences' sample standard deviation.
func paired(a, b []float64) Interval {
	n := min(len(a), len(b))
	d := make([]float64, n)
	for k := range n {
		d[k] = b[k] - a[k]
	}
	mean, sd := meanStd(d)
	iv := Interval{N: n, Mean: mean, Lo: math.NaN(), Hi: math.NaN()}
	if n >= 2 {
		t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
		half := t * sd / math.Sqrt(float64(n))
		iv.Lo, iv.Hi = mean-half, mean+half
	}
	return iv
}
