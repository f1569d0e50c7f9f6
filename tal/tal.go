package tal

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/yolo-loss/yololoss/iou"
)

// The constants of ultralytics' TaskAlignedAssigner.
const (
	// CandEps is select_candidates_in_gts's margin: an anchor centre is
	// inside a target when its least distance to a side exceeds it.
	CandEps = 1e-9
	// NormEps is the ε of the target scores' normalisation.
	NormEps = 1e-9
	// Alpha and Beta are the exponents of the alignment metric s^α·o^β.
	Alpha = 0.5
	Beta  = 6.0
)

// Layer is one output layer's grid: NY×NX cells of Stride pixels.
type Layer struct {
	NY, NX int
	Stride float64
}

// Target is one labelled box of an image: its class and its corners
// x1, y1, x2, y2 in pixels.
type Target struct {
	Class int
	Box   [4]float64
}

// Pred is what the assigner reads of the predictions of one image, for
// anchors given by their flat index (the layers' cells in order, each
// layer row by row).
type Pred interface {
	// Box returns anchor a's predicted box x1, y1, x2, y2 in pixels.
	Box(a int) [4]float64
	// Score returns σ of anchor a's logit for class c.
	Score(a, c int) float64
}

// RowHinter is what a Pred may implement to learn the cells it will be
// asked for next: before visiting row i of a layer's candidates of a
// target, the assigner calls NextRow(l, i+1, j0, j1) when that target has
// candidates in cells j0…j1 of row i+1 (to prefetch them).
type RowHinter interface {
	NextRow(l, i, j0, j1 int)
}

// Config is an assigner's top-k: TopK anchors per target, and with
// OneToOne then only the best of those each target keeps.
type Config struct {
	TopK     int
	OneToOne bool
}

// Fg is one foreground anchor and what the loss needs of its assignment.
type Fg struct {
	Anchor  int     // the anchor's flat index
	Target  int     // the index of its target in the image's targets
	Metric  float64 // m(t, a)
	Overlap float64 // o(t, a), the CIoU clamped at 0
	Score   float64 // the target score at the target's class
}

// cand is one (target, anchor) candidate pair.
type cand struct {
	a, t int32
	sel  bool // among t's top-k
	o, m float64
}

// Assigner is the task-aligned assigner for one grid layout. It holds
// work buffers: use one per goroutine.
type Assigner struct {
	cfg    Config
	layers []Layer
	off    []int // off[l] is layer l's first anchor; off[nl] the total
	cands  []cand
	start  []int     // target t's candidates are cands[start[t]:start[t+1]]
	top    []int32   // one target's top-k, best first
	nsel   []int32   // per anchor: how many targets selected it
	best   []int32   // per anchor: its candidate of largest overlap, −1 when none
	last   []int32   // per anchor: its last selecting candidate
	seen   []int32   // anchors with best ≥ 0
	keep   []int32   // per target: its one-to-one anchor's index in fg, −1 when none
	maxM   []float64 // per target: the largest metric over its foreground
	maxO   []float64 // per target: the largest overlap over its foreground
	wide   [4]float64
	fgList []Fg
}

// New returns an assigner with the configuration c; set its grid with
// SetLayers before the first Assign. It panics if c.TopK < 1.
func New(c Config) *Assigner {
	if c.TopK < 1 {
		panic(fmt.Sprintf("tal: top-k %d, want ≥ 1", c.TopK))
	}
	return &Assigner{cfg: c}
}

// SetLayers sets the grid layout of the next calls, one Layer per output
// layer in increasing stride order (the small-target rule reads the first
// two strides); buffers are reused.
func (s *Assigner) SetLayers(layers []Layer) {
	s.layers = append(s.layers[:0], layers...)
	s.off = append(s.off[:0], 0)
	for _, l := range layers {
		s.off = append(s.off, s.off[len(s.off)-1]+l.NY*l.NX)
	}
	n := s.off[len(s.off)-1]
	if cap(s.best) < n {
		s.best = make([]int32, n)
		s.nsel = make([]int32, n)
		s.last = make([]int32, n)
		for i := range s.best {
			s.best[i] = -1
		}
	}
	s.best, s.nsel, s.last = s.best[:n], s.nsel[:n], s.last[:n]
}

// MaxCandidates returns an upper bound on the (target, anchor) candidate
// pairs of an Assign call with the targets ts on the current layers: the
// cells that each target's widened box covers in each layer.
func (s *Assigner) MaxCandidates(ts []Target) int {
	n := 0
	for _, tg := range ts {
		w := s.widen(tg.Box)
		for _, ly := range s.layers {
			j0, j1 := cellRange(w[0], w[2], ly.Stride, ly.NX)
			i0, i1 := cellRange(w[1], w[3], ly.Stride, ly.NY)
			if j1 >= j0 && i1 >= i0 {
				n += (j1 - j0 + 1) * (i1 - i0 + 1)
			}
		}
	}
	return n
}

// Reserve grows the assigner's buffers, on the current layers, for
// Assign calls with up to nc candidate pairs (MaxCandidates) and nt
// targets, so that those allocate nothing but what their dst needs.
func (s *Assigner) Reserve(nc, nt int) {
	s.cands = slices.Grow(s.cands[:0], nc)
	s.seen = slices.Grow(s.seen[:0], min(nc, s.Anchors()))
	s.start = slices.Grow(s.start[:0], nt+1)
	s.keep = slices.Grow(s.keep[:0], nt)
	s.maxM = slices.Grow(s.maxM[:0], nt)
	s.maxO = slices.Grow(s.maxO[:0], nt)
	s.top = slices.Grow(s.top[:0], s.cfg.TopK)
}

// Anchors returns the number of anchors of the layout.
func (s *Assigner) Anchors() int { return s.off[len(s.off)-1] }

// Offset returns the flat index of layer l's first anchor.
func (s *Assigner) Offset(l int) int { return s.off[l] }

// Assign assigns the anchors of one image with targets ts and
// predictions p, and returns the foreground anchors in increasing anchor
// order, appended to dst[:0].
func (s *Assigner) Assign(dst []Fg, ts []Target, p Pred) []Fg {
	s.candidates(ts, p)
	s.selectTopK(len(ts))
	fg := s.resolve(dst[:0])
	if s.cfg.OneToOne {
		fg = s.oneToOne(fg, len(ts))
	}
	s.scores(fg, len(ts))
	s.clear()
	return fg
}

// widen returns the box the candidate test uses: each side of b shorter
// than the smallest stride replaced by the second stride, centred as b
// (8.4's select_candidates_in_gts: xyxy → xywh → xyxy).
func (s *Assigner) widen(b [4]float64) [4]float64 {
	s0 := s.layers[0].Stride
	s1 := s.layers[min(1, len(s.layers)-1)].Stride
	cx, cy := (b[0]+b[2])/2, (b[1]+b[3])/2
	w, h := b[2]-b[0], b[3]-b[1]
	if w < s0 {
		w = s1
	}
	if h < s0 {
		h = s1
	}
	return [4]float64{cx - w/2, cy - h/2, cx + w/2, cy + h/2}
}

// candidates fills s.cands with every (target, anchor) pair whose anchor
// centre lies inside the target's widened box, with its overlap and
// metric, visiting only the cells that the box covers in each layer.
func (s *Assigner) candidates(ts []Target, p Pred) {
	s.cands = s.cands[:0]
	s.start = s.start[:0]
	rh, _ := p.(RowHinter)
	for t, tg := range ts {
		s.start = append(s.start, len(s.cands))
		w := s.widen(tg.Box)
		ct := iou.NewCIoUTarget(tg.Box)
		for l, ly := range s.layers {
			st := ly.Stride
			j0, j1 := cellRange(w[0], w[2], st, ly.NX)
			i0, i1 := cellRange(w[1], w[3], st, ly.NY)
			j0, j1 = inside(j0, j1, w[0], w[2], st)
			i0, i1 = inside(i0, i1, w[1], w[3], st)
			for i := i0; i <= i1; i++ {
				if rh != nil && i < i1 {
					rh.NextRow(l, i+1, j0, j1)
				}
				ay := (float64(i) + 0.5) * st
				for j := j0; j <= j1; j++ {
					ax := (float64(j) + 0.5) * st
					if !(min(ax-w[0], ay-w[1], w[2]-ax, w[3]-ay) > CandEps) {
						continue
					}
					a := s.off[l] + i*ly.NX + j
					s.addCand(a, t, tg.Class, &ct, p)
				}
			}
		}
	}
	s.start = append(s.start, len(s.cands))
}

// cellRange returns the cells [k0, k1] (possibly empty) of a row of n
// cells of size st whose centres may lie strictly between lo and hi; the
// caller tests each exactly.
func cellRange(lo, hi, st float64, n int) (k0, k1 int) {
	k0 = max(int(math.Floor(lo/st-0.5)), 0)
	k1 = min(int(math.Ceil(hi/st-0.5)), n-1)
	return k0, k1
}

// inside returns the cells of [k0, k1] whose centres c = (k + 0.5)·st
// pass the candidate test's terms along one axis, c − lo > CandEps and
// hi − c > CandEps: an interval, since c grows with k. Every other cell
// fails the test, so the hints of RowHinter name only rows and cells
// that have candidates.
func inside(k0, k1 int, lo, hi, st float64) (int, int) {
	for k0 <= k1 && !((float64(k0)+0.5)*st-lo > CandEps) {
		k0++
	}
	for k1 >= k0 && !(hi-(float64(k1)+0.5)*st > CandEps) {
		k1--
	}
	return k0, k1
}

// addCand appends the candidate (t, a) with its overlap and metric:
//
//	o = max(CIoU(pred, target), 0),   m = σ^α·o^β   (m = 0 where o = 0)
//
// with 8.4's xyxy CIoU (iou.CIoUXYXY, through the target ct prepared
// once), for a target of class cls.
func (s *Assigner) addCand(a, t, cls int, ct *iou.CIoUTarget, p Pred) {
	o := max(ct.CIoU(p.Box(a)), 0)
	var m float64
	if o > 0 {
		m = math.Sqrt(p.Score(a, cls)) * powBeta(o)
	}
	k := int32(len(s.cands))
	s.cands = append(s.cands, cand{a: int32(a), t: int32(t), o: o, m: m})
	switch b := s.best[a]; {
	case b < 0:
		s.best[a] = k
		s.seen = append(s.seen, int32(a))
	case o > s.cands[b].o: // the first target wins a tie, as torch's argmax
		s.best[a] = k
	}
}

// powBeta returns math.Pow(o, Beta) for 0 < o ≤ 1, bit for bit, in three
// multiplications: for Beta = 6, math.Pow squares the mantissa by
// repeated squaring, x⁶ = x²·(x²)², with exact power-of-two scaling, which
// is round(s·round(s·s)), s = round(x·x), wherever no product is
// subnormal (x ≥ 2^−170); below, it calls math.Pow.
func powBeta(o float64) float64 {
	if Beta != 6 || !(o >= 0x1p-170) {
		return math.Pow(o, Beta)
	}
	s := o * o
	return s * (s * s)
}

// selectTopK marks each target's TopK candidates of largest positive
// metric (the earlier anchor first on a tie) and counts, per anchor, the
// targets that selected it.
func (s *Assigner) selectTopK(nt int) {
	k := s.cfg.TopK
	for t := range nt {
		top := s.top[:0]
		cs := s.cands[s.start[t]:s.start[t+1]]
		for i := range cs {
			m := cs[i].m
			if !(m > 0) || len(top) == k && !(m > cs[top[k-1]].m) {
				continue
			}
			if len(top) < k {
				top = append(top, 0)
			}
			j := len(top) - 1
			for ; j > 0 && m > cs[top[j-1]].m; j-- {
				top[j] = top[j-1]
			}
			top[j] = int32(i)
		}
		for _, i := range top {
			c := &cs[i]
			c.sel = true
			s.nsel[c.a]++
			s.last[c.a] = int32(s.start[t]) + i
		}
		s.top = top
	}
}

// resolve appends the foreground anchors to fg: an anchor selected by one
// target goes to it; one selected by several goes to the target of
// largest overlap among all targets it is a candidate of.
func (s *Assigner) resolve(fg []Fg) []Fg {
	for _, a := range s.seen {
		var k int32
		switch n := s.nsel[a]; {
		case n == 0:
			continue
		case n == 1:
			k = s.last[a]
		default:
			k = s.best[a]
		}
		c := s.cands[k]
		fg = append(fg, Fg{Anchor: int(a), Target: int(c.t), Metric: c.m, Overlap: c.o})
	}
	slices.SortFunc(fg, func(x, y Fg) int { return cmp.Compare(x.Anchor, y.Anchor) })
	return fg
}

// oneToOne keeps, for each target, only its foreground anchor of largest
// metric (the earlier anchor on a tie), and none with metric 0.
func (s *Assigner) oneToOne(fg []Fg, nt int) []Fg {
	s.keep = s.keep[:0]
	for range nt {
		s.keep = append(s.keep, -1)
	}
	for i, f := range fg {
		if k := s.keep[f.Target]; f.Metric > 0 && (k < 0 || f.Metric > fg[k].Metric) {
			s.keep[f.Target] = int32(i)
		}
	}
	out := fg[:0]
	for i, f := range fg {
		if s.keep[f.Target] == int32(i) {
			out = append(out, f)
		}
	}
	return out
}

// scores sets each foreground anchor's target score,
//
//	score(a) = m(t, a)·max_a' o(t, a') / (max_a' m(t, a') + NormEps),
//
// the maxima over t's foreground anchors.
func (s *Assigner) scores(fg []Fg, nt int) {
	s.maxM, s.maxO = s.maxM[:0], s.maxO[:0]
	for range nt {
		s.maxM = append(s.maxM, 0)
		s.maxO = append(s.maxO, 0)
	}
	for _, f := range fg {
		s.maxM[f.Target] = max(s.maxM[f.Target], f.Metric)
		s.maxO[f.Target] = max(s.maxO[f.Target], f.Overlap)
	}
	for i := range fg {
		f := &fg[i]
		f.Score = f.Metric * s.maxO[f.Target] / (s.maxM[f.Target] + NormEps)
	}
}

// clear resets the per-anchor arrays of the anchors this call touched.
func (s *Assigner) clear() {
	for _, a := range s.seen {
		s.best[a], s.nsel[a] = -1, 0
	}
	s.seen = s.seen[:0]
}
