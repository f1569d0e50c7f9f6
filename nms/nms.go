package nms

import (
	"fmt"
	"math"
	"slices"

	"github.com/yolo-loss/yololoss/tensor"
)

// Cols is the number of columns of a detection row: x1, y1, x2, y2, conf,
// class.
const Cols = 6

// NMS runs non_max_suppression with fixed settings, reusing its buffers
// from call to call. Make one with New; it is for one goroutine at a time.
type NMS[T tensor.Float] struct {
	s     settings
	confT T   // conf_thres rounded to T, as PyTorch compares a tensor with a number
	n, no int // the current image's rows, and the V5 head's values per row

	nanRows []bool // V8, multi-label: the rows with a NaN score

	pairs []pair[T]
	kept  [][]box[T] // per class (one list when agnostic): the kept offset boxes
	used  []int32    // the classes whose kept list is not empty

	rows   []T // the detections of the last call, Cols values each, image after image
	ends   []int
	shapes []int
	out    []tensor.Tensor[T]
}

// pair is a candidate (row, class) with its confidence; idx is its
// position in the order of the input, row first, which breaks ties.
type pair[T tensor.Float] struct {
	conf T
	idx  int32
	row  int32
	cls  int32
}

// box is a kept box, offset by its class, with its area.
type box[T tensor.Float] struct {
	x1, y1, x2, y2, area T
}

// New returns an NMS with the settings o (nil: non_max_suppression's
// defaults; see Options). It returns an error if a threshold is outside
// [0, 1], MaxDet is negative or a class of the filter is negative.
func New[T tensor.Float](o *Options) (*NMS[T], error) {
	s, err := resolve(o)
	if err != nil {
		return nil, err
	}
	return &NMS[T]{s: s, confT: T(s.conf)}, nil
}

// Batch runs NMS on every image of pred and returns bs tensors of shape
// [k, 6]: each image's detections (see the package doc). pred is
// [bs, n, 5+nc] for the V5 head, [bs, 4+nc, n] for V8. The results are
// views of the NMS's buffers, valid until its next call. Batch panics if
// pred is not of rank 3 with at least one class channel, or its data does
// not match its shape.
func (s *NMS[T]) Batch(pred tensor.Tensor[T]) []tensor.Tensor[T] {
	checkShape(pred, 3, s.s.head)
	bs, per := pred.Shape[0], pred.Shape[1]*pred.Shape[2]
	s.rows, s.ends = s.rows[:0], s.ends[:0]
	for b := range bs {
		s.image(pred.Data[b*per:(b+1)*per], pred.Shape[1], pred.Shape[2])
		s.ends = append(s.ends, len(s.rows)/Cols)
	}
	return s.views()
}

// Image runs NMS on one image, pred of shape [n, 5+nc] (V5) or [4+nc, n]
// (V8), and returns its detections, a tensor of shape [k, 6] valid until
// the next call. It panics as Batch does, for rank 2.
func (s *NMS[T]) Image(pred tensor.Tensor[T]) tensor.Tensor[T] {
	checkShape(pred, 2, s.s.head)
	s.rows, s.ends = s.rows[:0], s.ends[:0]
	s.image(pred.Data, pred.Shape[0], pred.Shape[1])
	s.ends = append(s.ends, len(s.rows)/Cols)
	return s.views()[0]
}

// views slices the rows of the last call into one tensor per image.
func (s *NMS[T]) views() []tensor.Tensor[T] {
	s.out, s.shapes = s.out[:0], slices.Grow(s.shapes[:0], 2*len(s.ends))[:2*len(s.ends)]
	start := 0
	for b, end := range s.ends {
		sh := s.shapes[2*b : 2*b+2 : 2*b+2]
		sh[0], sh[1] = end-start, Cols
		s.out = append(s.out, tensor.Tensor[T]{Data: s.rows[Cols*start : Cols*end : Cols*end], Shape: sh})
		start = end
	}
	return s.out
}

func checkShape[T tensor.Float](p tensor.Tensor[T], rank int, head Head) {
	if len(p.Shape) != rank {
		panic(fmt.Sprintf("nms: shape %v is not of rank %d", p.Shape, rank))
	}
	if err := p.Check(); err != nil {
		panic("nms: " + err.Error())
	}
	if head == V8 {
		if p.Shape[rank-2] < 5 {
			panic(fmt.Sprintf("nms: shape %v has %d channels, want 4+nc with nc ≥ 1 (the V8 head's channels come before the rows)", p.Shape, p.Shape[rank-2]))
		}
		return
	}
	if p.Shape[rank-1] < 6 {
		panic(fmt.Sprintf("nms: shape %v has %d channels, want 5+nc with nc ≥ 1", p.Shape, p.Shape[rank-1]))
	}
}

// image appends the detections of one image to s.rows: x holds d1×d2
// values, n rows of no channels (V5) or nch channels of n rows (V8).
func (s *NMS[T]) image(x []T, d1, d2 int) {
	if s.s.head == V8 {
		s.n, s.no = d2, 1
		s.collectV8(x, d1, d2)
	} else {
		s.n, s.no = d1, d2
		s.collect(x, d1, d2)
	}
	s.suppress(x)
}

// collect gathers the candidate pairs of one image of the V5 head into
// s.pairs, in the order of the input.
func (s *NMS[T]) collect(x []T, n, no int) {
	s.pairs = s.pairs[:0]
	thr := s.confT
	multi := s.s.multiLabel && no > 6
	for r := range n {
		v := x[r*no : r*no+no : r*no+no]
		obj := v[4]
		if !(obj > thr) {
			continue
		}
		cls := v[5:]
		if multi {
			for c, p := range cls {
				if conf := p * obj; conf > thr && s.s.wanted(c) {
					s.pairs = append(s.pairs, pair[T]{conf: conf, idx: int32(len(s.pairs)), row: int32(r), cls: int32(c)})
				}
			}
			continue
		}
		best, bc := cls[0]*obj, 0
		for c := 1; c < len(cls); c++ {
			if conf := cls[c] * obj; conf > best {
				best, bc = conf, c
			}
		}
		if best > thr && s.s.wanted(bc) {
			s.pairs = append(s.pairs, pair[T]{conf: best, idx: int32(len(s.pairs)), row: int32(r), cls: int32(bc)})
		}
	}
}

// maxPairIdx is the largest pair index r·nc + c that collectV8Multi may
// give (a pair's idx is an int32); a variable for tests.
var maxPairIdx int64 = math.MaxInt32

// collectV8 gathers the candidate pairs of one image of the V8 head,
// nch = 4+nc channels of n rows, into s.pairs; a pair's idx is its place
// in the order of the (row, class) pairs, row first. A row is a candidate
// when its largest class score is above conf_thres; torch's amax is NaN
// when a score is, so a row with a NaN score is none.
func (s *NMS[T]) collectV8(x []T, nch, n int) {
	s.pairs = s.pairs[:0]
	nc := nch - 4
	cls := x[4*n : nch*n : nch*n]
	if s.s.multiLabel && nc > 1 && int64(n)*int64(nc) <= maxPairIdx {
		s.collectV8Multi(cls, nc, n)
		return
	}
	thr := s.confT
	multi := s.s.multiLabel && nc > 1
	for r := range n {
		start := len(s.pairs)
		best, bc := cls[r], 0
		nan := best != best
		if multi {
			for c := range nc {
				p := cls[c*n+r]
				if p > thr {
					if s.s.wanted(c) {
						s.pairs = append(s.pairs, pair[T]{conf: p, idx: int32(len(s.pairs)), row: int32(r), cls: int32(c)})
					}
				} else if p != p {
					nan = true
				}
			}
			if nan {
				s.pairs = s.pairs[:start]
			}
			continue
		}
		for c := 1; c < nc; c++ {
			p := cls[c*n+r]
			if p > best {
				best, bc = p, c
			} else if p != p {
				nan = true
			}
		}
		if !nan && best > thr && s.s.wanted(bc) {
			s.pairs = append(s.pairs, pair[T]{conf: best, idx: int32(len(s.pairs)), row: int32(r), cls: int32(bc)})
		}
	}
}

// collectV8Multi is collectV8's multi-label case, reading the scores
// class by class, in the order of the data: a pair's idx is r·nc + c.
// Rows with a NaN score, rare, are dropped afterwards.
func (s *NMS[T]) collectV8Multi(cls []T, nc, n int) {
	thr := s.confT
	nan := false
	for c := range nc {
		if !s.s.wanted(c) {
			for _, p := range cls[c*n : (c+1)*n] {
				nan = nan || p != p
			}
			continue
		}
		for r, p := range cls[c*n : (c+1)*n] {
			if p > thr {
				s.pairs = append(s.pairs, pair[T]{conf: p, idx: int32(r*nc + c), row: int32(r), cls: int32(c)})
			} else if p != p {
				nan = true
			}
		}
	}
	if !nan {
		return
	}
	s.nanRows = grow(s.nanRows, n)
	clear(s.nanRows)
	for c := range nc {
		for r, p := range cls[c*n : (c+1)*n] {
			if p != p {
				s.nanRows[r] = true
			}
		}
	}
	s.pairs = slices.DeleteFunc(s.pairs, func(p pair[T]) bool { return s.nanRows[p.row] })
}

// grow returns b with length n, reusing its storage when it can.
func grow(b []bool, n int) []bool {
	if cap(b) < n {
		return make([]bool, n)
	}
	return b[:n]
}

// suppress runs greedy NMS over the pairs in descending conf, appending
// each kept pair's detection row to s.rows, until maxDet are kept or
// MaxNMS pairs have been visited.
//
// The pairs are visited in the order of a full sort without sorting them
// all: a heap yields them one by one, so the cost is linear in the pairs
// plus a logarithm per pair visited, and NMS usually stops at maxDet long
// before the last pair.
func (s *NMS[T]) suppress(x []T) {
	for _, c := range s.used {
		s.kept[c] = s.kept[c][:0]
	}
	s.used = s.used[:0]
	h := heap[T](s.pairs)
	h.init()
	kept := 0
	for visited := 0; len(h) > 0 && visited < MaxNMS; visited++ {
		var p pair[T]
		p, h = h.pop()
		if !s.keep(s.box(x, int(p.row)), p) {
			continue
		}
		if kept++; kept == s.s.maxDet {
			return
		}
	}
}

// box returns the box (cx, cy, w, h) of row r of the image x.
func (s *NMS[T]) box(x []T, r int) [4]T {
	if s.s.head == V8 {
		n := s.n
		return [4]T{x[r], x[n+r], x[2*n+r], x[3*n+r]}
	}
	v := x[r*s.no : r*s.no+4 : r*s.no+4]
	return [4]T{v[0], v[1], v[2], v[3]}
}

// keep adds the pair p of box v (cx, cy, w, h) to its class's kept boxes
// and its detection to s.rows, unless a kept box of its class overlaps
// it.
func (s *NMS[T]) keep(v [4]T, p pair[T]) bool {
	cx, cy, w, h := v[0], v[1], v[2], v[3]
	x1, y1, x2, y2 := cx-w/2, cy-h/2, cx+w/2, cy+h/2
	list, off := 0, T(0)
	if !s.s.agnostic {
		list, off = int(p.cls), T(p.cls)*MaxWH
	}
	b := box[T]{x1: x1 + off, y1: y1 + off, x2: x2 + off, y2: y2 + off}
	b.area = (b.x2 - b.x1) * (b.y2 - b.y1)
	if list >= len(s.kept) {
		s.kept = append(s.kept, make([][]box[T], list+1-len(s.kept))...)
	}
	if s.overlaps(s.kept[list], b) {
		return false
	}
	if len(s.kept[list]) == 0 {
		s.used = append(s.used, int32(list))
	}
	s.kept[list] = append(s.kept[list], b)
	s.rows = append(s.rows, x1, y1, x2, y2, p.conf, T(p.cls))
	return true
}

// overlaps reports whether b's IoU with one of the kept boxes is above
// iou_thres, computed as torchvision's nms computes it:
//
//	inter = max(0, min(x2) − max(x1))·max(0, min(y2) − max(y1))
//	IoU   = inter / (area_kept + area_b − inter)
func (s *NMS[T]) overlaps(kept []box[T], b box[T]) bool {
	for _, k := range kept {
		w := maxOf(0, minOf(k.x2, b.x2)-maxOf(k.x1, b.x1))
		h := maxOf(0, minOf(k.y2, b.y2)-maxOf(k.y1, b.y1))
		inter := T(w * h) // rounded before the subtraction below: no fused multiply-add
		if float64(inter/(k.area+b.area-inter)) > s.s.iou {
			return true
		}
	}
	return false
}

// maxOf and minOf are C++'s std::max and std::min, which torchvision uses:
// the first argument unless the second is strictly larger (smaller).
func maxOf[T tensor.Float](a, b T) T {
	if a < b {
		return b
	}
	return a
}

func minOf[T tensor.Float](a, b T) T {
	if b < a {
		return b
	}
	return a
}
