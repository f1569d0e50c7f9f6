package metrics

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// The constants of ap_per_class and compute_ap.
const (
	eps      = 1e-16 // ap_per_class's eps
	apPoints = 101   // compute_ap's x = 0, 0.01, …, 1 (COCO's 101-point interpolation)
	f1Smooth = 0.1   // ap_per_class's smooth(f1.mean(0), 0.1): 101 taps on NumConf points
)

// Compute runs ap_per_class over everything added since the last Reset.
// It allocates its result; the accumulator is unchanged.
func (a *Accumulator[T]) Compute() Result {
	res := Result{Images: a.images, NT: slices.Clone(a.nt)}
	if !slices.ContainsFunc(a.correct, func(c Correct) bool { return c != 0 }) {
		return res
	}
	byClass := a.sortedByClass()
	px := linspace(NumConf)
	cv := Curves{Conf: px}
	var w apWork
	for c, nl := range a.nt {
		if nl == 0 {
			continue
		}
		cl := Class{Class: c, Labels: nl}
		p, r, pr := make([]float64, NumConf), make([]float64, NumConf), []float64(nil)
		if dets := byClass[c]; len(dets) > 0 {
			pr = w.class(&cl, a.conf, a.correct, dets, px, p, r)
		}
		res.Classes = append(res.Classes, cl)
		cv.P, cv.R, cv.PR = append(cv.P, p), append(cv.R, r), append(cv.PR, pr)
	}
	cv.F1 = f1Curves(cv.P, cv.R)
	cv.Best = argmax(Smooth(MeanCurve(cv.F1), f1Smooth))
	res.Curves = cv
	res.summarise()
	return res
}

// summarise reads each class's P, R and F1 at Curves.Best, YOLOv5's TP
// and FP there, and the means. mAP is summed over the whole [classes, 10]
// matrix of APs, the same mean as over the classes' AP to the last bits
// (the goldens' rounding).
func (res *Result) summarise() {
	i := res.Curves.Best
	n := len(res.Classes)
	p, r, ap50, all := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, 0, n*NumIoU)
	for k := range res.Classes {
		cl := &res.Classes[k]
		cl.P, cl.R, cl.F1 = res.Curves.P[k][i], res.Curves.R[k][i], res.Curves.F1[k][i]
		cl.TP = math.RoundToEven(cl.R * float64(cl.Labels))
		cl.FP = math.RoundToEven(cl.TP/(cl.P+eps) - cl.TP)
		cl.AP50 = cl.APs[0]
		cl.AP = pairwiseSum(cl.APs[:]) / NumIoU
		p[k], r[k], ap50[k] = cl.P, cl.R, cl.AP50
		all = append(all, cl.APs[:]...)
	}
	res.MP, res.MR = pairwiseSum(p)/float64(n), pairwiseSum(r)/float64(n)
	res.MAP50, res.MAP = pairwiseSum(ap50)/float64(n), pairwiseSum(all)/float64(len(all))
}

// sortedByClass returns, per class, the indices of its detections in
// descending conf (stable: equal confs in the order added).
func (a *Accumulator[T]) sortedByClass() [][]int32 {
	order := make([]int32, len(a.conf))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(i, j int32) int { return cmp.Compare(a.conf[j], a.conf[i]) })
	byClass := make([][]int32, a.nc)
	for _, i := range order {
		byClass[a.cls[i]] = append(byClass[a.cls[i]], i)
	}
	return byClass
}

// apWork holds one class's scratch.
type apWork struct {
	negConf, recall, precision []float64
	mrec, mpre, y              []float64
}

// class fills cl.APs and the class's recall and precision curves p, r at
// px from its detections dets (indices into conf and correct, in
// descending conf), and returns its PR curve at IoU 0.5 (the envelope at
// recall px).
func (w *apWork) class(cl *Class, conf []float64, correct []Correct, dets []int32, px, p, r []float64) []float64 {
	n := len(dets)
	w.negConf = grow(w.negConf, n)
	for k, d := range dets {
		w.negConf[k] = -conf[d]
	}
	var pr []float64
	for t := range NumIoU {
		w.cumulate(correct, dets, t, float64(cl.Labels))
		if t == 0 {
			last := n - 1
			for k, x := range px {
				r[k] = interp(-x, w.negConf, w.recall, 0, w.recall[last])
				p[k] = interp(-x, w.negConf, w.precision, 1, w.precision[last])
			}
		}
		cl.APs[t] = w.computeAP()
		if t == 0 {
			pr = make([]float64, len(px))
			for k, x := range px {
				pr[k] = interp(x, w.mrec, w.mpre, w.mpre[0], w.mpre[len(w.mpre)-1])
			}
		}
	}
	return pr
}

// cumulate fills recall and precision at threshold t:
//
//	recall_k    = TPc_k / (n_l + 1e-16)
//	precision_k = TPc_k / (TPc_k + FPc_k) = TPc_k / (k + 1)
func (w *apWork) cumulate(correct []Correct, dets []int32, t int, nl float64) {
	w.recall, w.precision = grow(w.recall, len(dets)), grow(w.precision, len(dets))
	tpc := 0
	for k, d := range dets {
		if correct[d].At(t) {
			tpc++
		}
		w.recall[k] = float64(tpc) / (nl + eps)
		w.precision[k] = float64(tpc) / float64(k+1)
	}
}

// computeAP is compute_ap of the current recall and precision: the
// envelope of mpre = [1, precision…, 0] over mrec = [0, recall…, 1],
// sampled at 101 recalls and integrated with the trapezoid rule.
func (w *apWork) computeAP() float64 {
	n := len(w.recall)
	w.mrec, w.mpre = grow(w.mrec, n+2), grow(w.mpre, n+2)
	w.mrec[0], w.mpre[0] = 0, 1
	copy(w.mrec[1:], w.recall)
	copy(w.mpre[1:], w.precision)
	w.mrec[n+1], w.mpre[n+1] = 1, 0
	for i := n; i >= 0; i-- {
		w.mpre[i] = max(w.mpre[i], w.mpre[i+1])
	}
	x := linspace(apPoints)
	w.y = grow(w.y, apPoints)
	for i, xi := range x {
		w.y[i] = interp(xi, w.mrec, w.mpre, w.mpre[0], w.mpre[n+1])
	}
	return trapezoid(w.y, x)
}

// trapezoid is NumPy's trapz(y, x): the pairwise sum of
// (x_{i+1} − x_i)·(y_{i+1} + y_i)/2.
func trapezoid(y, x []float64) float64 {
	var terms [apPoints - 1]float64
	for i := range len(x) - 1 {
		terms[i] = (x[i+1] - x[i]) * (y[i+1] + y[i]) / 2
	}
	return pairwiseSum(terms[:len(x)-1])
}

// linspace returns NumPy's linspace(0, 1, n): i·(1/(n−1)), the last
// exactly 1.
func linspace(n int) []float64 {
	x := make([]float64, n)
	step := 1 / float64(n-1)
	for i := range x {
		x[i] = float64(i) * step
	}
	x[n-1] = 1
	return x
}

// interp is NumPy's interp(x, xp, fp, left, right) at one point, for xp
// ascending with ties allowed: left below xp₀, right above the last, and
// otherwise, with j the last index such that xp_j ≤ x, fp_j when xp_j = x
// or j is the last, else the line through j and j+1.
func interp(x float64, xp, fp []float64, left, right float64) float64 {
	n := len(xp)
	switch {
	case x > xp[n-1]:
		return right
	case x < xp[0]:
		return left
	}
	j := sort.Search(n, func(i int) bool { return xp[i] > x }) - 1
	if j == n-1 || xp[j] == x {
		return fp[j]
	}
	slope := (fp[j+1] - fp[j]) / (xp[j+1] - xp[j])
	v := float64(slope*(x-xp[j])) + fp[j] // rounded before the sum: no fused multiply-add
	if math.IsNaN(v) {
		v = float64(slope*(x-xp[j+1])) + fp[j+1]
		if math.IsNaN(v) && fp[j] == fp[j+1] {
			v = fp[j]
		}
	}
	return v
}

// f1Curves returns 2·p·r/(p + r + 1e-16) per class and point.
func f1Curves(p, r [][]float64) [][]float64 {
	f1 := make([][]float64, len(p))
	for c := range p {
		f1[c] = make([]float64, len(p[c]))
		for k := range f1[c] {
			f1[c][k] = 2 * p[c][k] * r[c][k] / (p[c][k] + r[c][k] + eps)
		}
	}
	return f1
}

// MeanCurve returns the mean of the curves at each point, summed curve
// after curve as NumPy reduces over the first axis (YOLOv5's
// f1.mean(0)). It panics if there is no curve.
func MeanCurve(curves [][]float64) []float64 {
	m := slices.Clone(curves[0])
	for _, c := range curves[1:] {
		for k, v := range c {
			m[k] += v
		}
	}
	for k := range m {
		m[k] /= float64(len(curves))
	}
	return m
}

// Smooth is YOLOv5's smooth(y, f), a box filter over the fraction f of
// the points: nf = round(2·f·len(y))//2 + 1 taps (odd; round half to even),
// y padded at each end by nf//2 copies of its edge value, then each
// window's sum of y·(1/nf) in order, a 'valid' convolution of the same
// length as y. It panics if y is empty.
func Smooth(y []float64, f float64) []float64 {
	nf := int(math.RoundToEven(float64(len(y))*f*2))/2 + 1
	half := nf / 2
	yp := make([]float64, 0, len(y)+2*half)
	for range half {
		yp = append(yp, y[0])
	}
	yp = append(yp, y...)
	for range half {
		yp = append(yp, y[len(y)-1])
	}
	w := 1 / float64(nf)
	out := make([]float64, len(y))
	for k := range out {
		s := 0.0
		for _, v := range yp[k : k+nf] {
			s += float64(v * w)
		}
		out[k] = s
	}
	return out
}

// argmax returns the index of the first largest value.
func argmax(y []float64) int {
	best := 0
	for i, v := range y {
		if v > y[best] {
			best = i
		}
	}
	return best
}

// pairwiseSum is NumPy's pairwise summation of a float64 array (add.reduce
// on a contiguous array): below 8 values one by one, up to 128 in eight
// interleaved partial sums, above that the two halves (split at a
// multiple of 8) summed separately.
func pairwiseSum(a []float64) float64 {
	n := len(a)
	switch {
	case n < 8:
		s := 0.0
		for _, v := range a {
			s += v
		}
		return s
	case n <= 128:
		var r [8]float64
		copy(r[:], a[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for k := range r {
				r[k] += a[i+k]
			}
		}
		s := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			s += a[i]
		}
		return s
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(a[:n2]) + pairwiseSum(a[n2:])
	}
}
