package v8loss

import (
	"cmp"
	"math"
	"slices"
	"unsafe"

	"github.com/yolo-loss/yololoss/dfl"
	"github.com/yolo-loss/yololoss/internal/vec"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/tal"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// grid is the call's layout, from the validated shapes.
type grid struct {
	next   [][4]int    // the call's shapes, written by validate
	layers []tal.Layer // the one-to-many (or only) branch's layers
	off    []int       // off[l] is layer l's first anchor; off[nl] the total
	h, w   float64     // the image size in pixels
}

// imageIndex lists each image's labels, in label order.
type imageIndex struct {
	start  []int // image b's labels are order[start[b]:start[b+1]]
	order  []int
	byWork []int     // the images by decreasing work, then index
	work   []float64 // per image: the labels' total area (normalised), plus 1e-3 a label
}

// branch is one branch's state: the assigner's settings, the box loss
// with its running state, and the call's assignment and terms.
type branch struct {
	cfg     tal.Config
	box     iou.XYXYLoss
	imgs    []imageAssign
	bases   []float64 // every foreground anchor's XYXYTerm.Base, in image order
	weights []float64 // WIoU's weights of those anchors (1 for other variants)
	fg      int
	tss     float64 // max(Σ target scores, 1)
	// The sums over the foreground anchors, before /tss and the gains.
	box0, dfl0 float64
	// The gradient scales bs·weight·gain/tss.
	gBox, gCls, gDfl float64
	cls0             []float64 // the class loss sum of each class item
}

// imageAssign is one image's assignment and foreground terms in a branch.
type imageAssign struct {
	targets []tal.Target
	fg      []tal.Fg
	terms   []fgTerm
	held    []iou.Held
	prob    []float64 // 4·reg_max per anchor: each side's softmax
	dz      []float64 // 4·reg_max per anchor: ∂(DFL or L1 mean)/∂logit
	w0      int       // the index of the image's first anchor in branch.weights
}

// fgTerm is one foreground anchor's box and DFL terms.
type fgTerm struct {
	layer, cell int
	class       int
	score       float64    // the target score
	d           [4]float64 // the predicted distances
	box         float64    // ℓ_box
	base        float64    // XYXYTerm.Base
	gd          [4]float64 // ∂ℓ_box/∂d of each side
	dfl         float64    // the mean over the sides of DFL (or L1)
}

// slot is one worker's scratch.
type slot[T tensor.Float] struct {
	as    []*tal.Assigner // per branch
	pr    predictor[T]
	z     []float64 // 4·reg_max logits of an anchor
	blk   blockScratch
	stage []T    // the gradient's staging block
	zeros []T    // a block of zeros, never written
	has   []bool // per class: the class item's foreground has it (false between items)
}

// begin sets up the call's state from its validated inputs.
func (e *Engine[T]) begin(p []tensor.Tensor[T], labels []target.Label, grad []tensor.Tensor[T]) {
	c := &e.cfg
	e.call = call[T]{p: p, g: grad, labels: labels, bs: e.grid.next[0][0]}
	g := &e.grid
	g.layers, g.off = g.layers[:0], append(g.off[:0], 0)
	for l := range c.nl {
		sh := g.next[l]
		g.layers = append(g.layers, tal.Layer{NY: sh[2], NX: sh[3], Stride: c.m.Strides[l]})
		g.off = append(g.off, g.off[l]+sh[2]*sh[3])
	}
	g.h, g.w = float64(g.next[0][2])*c.m.Strides[0], float64(g.next[0][3])*c.m.Strides[0]
	e.images.index(labels, e.call.bs)
	nw := workers(e.workers, c.nb*e.call.bs*c.nl)
	for len(e.slots) < nw {
		s := slot[T]{z: make([]float64, 4*c.r), stage: make([]T, blockLen), zeros: make([]T, blockLen), has: make([]bool, c.nc)}
		for k := range e.branches {
			s.as = append(s.as, tal.New(e.branches[k].cfg))
		}
		s.pr.init(c.r, c.c)
		e.slots = append(e.slots, s)
	}
	for k := range e.branches {
		b := &e.branches[k]
		for len(b.imgs) < e.call.bs {
			b.imgs = append(b.imgs, imageAssign{})
		}
		if !e.frozen.on {
			for i := range e.call.bs {
				ia := &b.imgs[i]
				ia.targets = ia.targets[:0]
				for _, li := range e.images.order[e.images.start[i]:e.images.start[i+1]] {
					ia.targets = append(ia.targets, e.pixelBox(e.call.labels[li]))
				}
			}
		}
		n := e.call.bs * c.nl
		if cap(b.cls0) < n {
			b.cls0 = make([]float64, n)
		}
		b.cls0 = b.cls0[:n]
	}
	e.reserve()
}

// reserve sizes every worker's buffers for the call's largest image, so
// that whichever worker takes an image allocates nothing: a call with
// the shapes and labels of an earlier one allocates nothing at any
// worker count.
func (e *Engine[T]) reserve() {
	n := e.grid.off[len(e.grid.off)-1]
	for i := range e.slots {
		e.slots[i].pr.size(n)
	}
	if e.frozen.on {
		return
	}
	as := e.slots[0].as[0]
	as.SetLayers(e.grid.layers)
	nc, nt := 0, 0
	for _, ia := range e.branches[0].imgs[:e.call.bs] {
		nc, nt = max(nc, as.MaxCandidates(ia.targets)), max(nt, len(ia.targets))
	}
	for i := range e.slots {
		for _, as := range e.slots[i].as {
			as.SetLayers(e.grid.layers)
			as.Reserve(nc, nt)
		}
	}
}

// end forgets the call's inputs.
func (e *Engine[T]) end() { e.call = call[T]{} }

// index lists each image's labels.
func (x *imageIndex) index(labels []target.Label, bs int) {
	x.start = append(x.start[:0], make([]int, bs+1)...)
	for _, l := range labels {
		x.start[int(l[0])+1]++
	}
	for b := range bs {
		x.start[b+1] += x.start[b]
	}
	if cap(x.order) < len(labels) {
		x.order = make([]int, len(labels))
	}
	x.order = x.order[:len(labels)]
	next := x.start // reused as the fill pointers, then restored
	for k, l := range labels {
		b := int(l[0])
		x.order[next[b]] = k
		next[b]++
	}
	for b := bs; b > 0; b-- {
		x.start[b] = x.start[b-1]
	}
	x.start[0] = 0
	// The assigner's work on an image is about its candidates, the
	// anchors inside its labels: their area.
	x.byWork, x.work = x.byWork[:0], x.work[:0]
	for b := range bs {
		x.byWork = append(x.byWork, b)
		x.work = append(x.work, 0)
	}
	for _, l := range labels {
		x.work[int(l[0])] += l[4]*l[5] + 1e-3
	}
	slices.SortStableFunc(x.byWork, func(a, b int) int { return cmp.Compare(x.work[b], x.work[a]) })
}

// assign is the second phase: each branch's assignment of each image and
// its foreground anchors' terms, one item per (branch, image).
func (e *Engine[T]) assign() {
	n := e.cfg.nb * e.call.bs
	e.assignPh.do(n, workers(e.workers, n))
}

// assignItem assigns image byWork[k mod bs] of branch k / bs on worker
// slot sl: the images with the most work first, so that the workers
// finish together.
func (e *Engine[T]) assignItem(sl, k int) {
	c := &e.cfg
	kb, b := k/e.call.bs, e.images.byWork[k%e.call.bs]
	br := &e.branches[kb]
	ia := &br.imgs[b]
	s := &e.slots[sl]
	s.pr.set(e.call.p[kb*c.nl:(kb+1)*c.nl], &e.grid, b)
	if !e.frozen.on {
		as := s.as[kb]
		as.SetLayers(e.grid.layers)
		ia.fg = as.Assign(ia.fg, ia.targets, &s.pr)
	}
	e.terms(br, ia, s)
}

// pixelBox returns the label's class and its box's corners in pixels, as
// ultralytics scales the normalised xywh by the image size, then converts
// to xyxy.
func (e *Engine[T]) pixelBox(l target.Label) tal.Target {
	x, y, w, h := l[2]*e.grid.w, l[3]*e.grid.h, l[4]*e.grid.w, l[5]*e.grid.h
	return tal.Target{Class: int(l[1]), Box: [4]float64{x - w/2, y - h/2, x + w/2, y + h/2}}
}

// terms computes the box and DFL terms of the image's foreground anchors:
// the predicted box from the distances, the box loss against the target
// box (both in the anchor's stride units), and DFL or L1 on the distances.
func (e *Engine[T]) terms(br *branch, ia *imageAssign, s *slot[T]) {
	c := &e.cfg
	r4 := 4 * c.r
	n := len(ia.fg)
	ia.terms = grow(ia.terms, n)
	ia.held = grow(ia.held, n)
	ia.prob = grow(ia.prob, n*r4)
	ia.dz = grow(ia.dz, n*r4)
	clear(ia.dz)
	for k, f := range ia.fg {
		t := &ia.terms[k]
		l := s.pr.layer(f.Anchor)
		ly := e.grid.layers[l]
		*t = fgTerm{layer: l, cell: f.Anchor - e.grid.off[l], class: ia.targets[f.Target].Class, score: f.Score}
		i, j := t.cell/ly.NX, t.cell%ly.NX
		prob, dz := ia.prob[k*r4:(k+1)*r4], ia.dz[k*r4:(k+1)*r4]
		s.pr.logits(s.z, l, t.cell)
		var lse [4]float64
		for side := range 4 {
			sl := side * c.r
			t.d[side], lse[side] = dfl.ExpectLSE(prob[sl:sl+c.r], s.z[sl:sl+c.r])
		}
		st := ly.Stride
		ax, ay := float64(j)+0.5, float64(i)+0.5
		pb := iou.Box{ax - t.d[0], ay - t.d[1], ax + t.d[2], ay + t.d[3]}
		tp := ia.targets[f.Target].Box
		tb := iou.Box{tp[0] / st, tp[1] / st, tp[2] / st, tp[3] / st}
		dw, dh := e.grid.w/st, e.grid.h/st
		bt := br.box.Eval(pb, tb, dw*dw+dh*dh, &ia.held[k], e.frozen.on)
		t.box, t.base = bt.Loss, bt.Base
		t.gd = [4]float64{-bt.Grad[0], -bt.Grad[1], bt.Grad[2], bt.Grad[3]}
		td := [4]float64{ax - tb[0], ay - tb[1], tb[2] - ax, tb[3] - ay}
		t.dfl = e.sideLoss(dz, prob, s.z, t.d, td, lse, st)
	}
}

// sideLoss returns the mean over the four sides of DFL (reg_max > 1) or
// of the L1 distance (reg_max 1), and stores its gradient with respect
// to the anchor's 4·reg_max logits z in dz; lse holds each side's
// log-sum-exp (dfl.ExpectLSE).
func (e *Engine[T]) sideLoss(dz, prob, z []float64, d, td, lse [4]float64, st float64) float64 {
	r := e.cfg.r
	var sum float64
	for side := range 4 {
		if r > 1 {
			sl := side * r
			sum += dfl.LossLSE(dz[sl:sl+r], prob[sl:sl+r], z[sl:sl+r], dfl.Clamp(td[side], r), 0.25, lse[side])
			continue
		}
		size := e.grid.w
		if side%2 == 1 {
			size = e.grid.h
		}
		l, g := dfl.L1(d[side], td[side], st, size)
		sum += l
		dz[side] = 0.25 * g
	}
	return sum / 4
}

// grow returns s resized to n, reusing its array when large enough.
func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}

// predictor reads one image of a branch's outputs for the assigner. It
// keeps the boxes it has decoded in this image, since an anchor may be a
// candidate of several targets.
type predictor[T tensor.Float] struct {
	p        []tensor.Tensor[T]
	g        *grid
	b        int
	r, c     int
	z, prob  []float64
	u, sp, s []float64    // 4·reg_max: the logits less their side's maximum; the kernel's outputs
	next     int          // the cell whose lines were last prefetched (one cell at a time)
	boxes    [][4]float64 // per anchor, valid where stamp is gen
	stamp    []uint32
	gen      uint32
}

func (q *predictor[T]) init(r, c int) {
	q.r, q.c = r, c
	q.z, q.prob = make([]float64, 4*r), make([]float64, r)
	q.u, q.sp, q.s = make([]float64, 4*r), make([]float64, 4*r), make([]float64, 4*r)
}

// set points q at image b of the branch outputs p.
func (q *predictor[T]) set(p []tensor.Tensor[T], g *grid, b int) {
	q.p, q.g, q.b = p, g, b
	q.size(g.off[len(g.off)-1])
	if q.gen++; q.gen == 0 { // wrapped: forget every stamp
		clear(q.stamp)
		q.gen = 1
	}
}

// size makes room for n anchors.
func (q *predictor[T]) size(n int) {
	if len(q.stamp) < n {
		q.boxes, q.stamp, q.gen = make([][4]float64, n), make([]uint32, n), 0
	}
}

// layer returns the layer of anchor a.
func (q *predictor[T]) layer(a int) int {
	l := len(q.g.off) - 2
	for q.g.off[l] > a {
		l--
	}
	return l
}

// logits gathers the 4·reg_max box logits of cell cell of layer l into z.
func (q *predictor[T]) logits(z []float64, l, cell int) {
	ly := q.g.layers[l]
	plane := ly.NY * ly.NX
	d := q.p[l].Data[q.b*q.c*plane+cell:]
	for k := range 4 * q.r {
		z[k] = float64(d[k*plane])
	}
}

// Box returns anchor a's predicted box in pixels:
// (anchor point ∓ distances)·stride.
func (q *predictor[T]) Box(a int) [4]float64 {
	if q.stamp[a] == q.gen {
		return q.boxes[a]
	}
	l := q.layer(a)
	ly := q.g.layers[l]
	plane := ly.NY * ly.NX
	cell := a - q.g.off[l]
	if q.r > 1 && plane >= 4 && q.decode4(l, min(cell, plane-4)) {
		return q.boxes[a]
	}
	q.logits(q.z, l, cell)
	// The next cache line of this row in every box channel, for the
	// candidates to the right, which the hardware prefetchers do not
	// follow across 4·reg_max planes.
	if next := (cell | 15) + 1; next != q.next && next < plane {
		q.next = next
		vec.Prefetch(q.p[l].Data[q.b*q.c*plane+next:], plane, 4*q.r)
	}
	d := q.distances()
	ax, ay := float64(cell%ly.NX)+0.5, float64(cell/ly.NX)+0.5
	s := ly.Stride
	box := [4]float64{(ax - d[0]) * s, (ay - d[1]) * s, (ax + d[2]) * s, (ay + d[3]) * s}
	q.boxes[a], q.stamp[a] = box, q.gen
	return box
}

// decode4 decodes the boxes of the four cells c0 … c0+3 of layer l at
// once, in the lanes of the vector kernel (vec.SoftmaxMeans64 or 32),
// and reports whether it could: the candidates of a target come in runs
// along rows, so the cells after a candidate are likely ones too. In
// float64 the distances are bit for bit those of distances; float32 data
// take e^u straight from the kernel's exponential.
func (q *predictor[T]) decode4(l, c0 int) bool {
	ly := q.g.layers[l]
	plane := ly.NY * ly.NX
	d := q.p[l].Data[q.b*q.c*plane+c0 : (q.b*q.c+4*q.r-1)*plane+c0+4]
	var out [16]float64
	if tensor.IsFloat32[T]() {
		if !vec.SoftmaxMeans32(&out, tensor.Float32s(d), plane, q.r) {
			return false
		}
	} else if !vec.SoftmaxMeans64(&out, float64s(d), plane, q.r) {
		return false
	}
	s := ly.Stride
	for j := range 4 {
		cell := c0 + j
		ax, ay := float64(cell%ly.NX)+0.5, float64(cell/ly.NX)+0.5
		a := q.g.off[l] + cell
		q.boxes[a] = [4]float64{(ax - out[j]) * s, (ay - out[4+j]) * s, (ax + out[8+j]) * s, (ay + out[12+j]) * s}
		q.stamp[a] = q.gen
	}
	return true
}

// float64s views data of a ~float64 type as []float64.
func float64s[T tensor.Float](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// distances returns the expected distances of the four sides of the
// logits in q.z, as dfl.Expect, with the exponentials of all 4·reg_max
// logits at once from the vector kernel: for u = z − max ≤ 0 it gives
// σ(u), and e^u = σ(u)/(1 − σ(u)), where 1 − σ(u) ≥ 1/2 loses nothing.
func (q *predictor[T]) distances() [4]float64 {
	var d [4]float64
	r := q.r
	if r == 1 {
		return [4]float64(q.z)
	}
	for side := range 4 {
		z := q.z[side*r : (side+1)*r]
		m := z[0]
		for _, v := range z[1:] {
			m = max(m, v)
		}
		for k, v := range z {
			q.u[side*r+k] = v - m
		}
	}
	vec.ZeroTarget(q.sp, q.s, q.u, 1, 0)
	for side := range 4 {
		var num, den float64
		for k, sg := range q.s[side*r : (side+1)*r] {
			e := sg / (1 - sg)
			den += e
			num += float64(k) * e
		}
		d[side] = num / den
	}
	return d
}

// NextRow prefetches the cache lines of cells j0…j1 of row i of layer l
// in every box channel (tal.RowHinter): the assigner calls it before a
// target's row of candidates, for the target's next row, whose first
// cache line would otherwise be a miss in each of the 4·reg_max planes
// (the hardware prefetchers do not follow that many).
func (q *predictor[T]) NextRow(l, i, j0, j1 int) {
	ly := q.g.layers[l]
	plane := ly.NY * ly.NX
	d := q.p[l].Data[q.b*q.c*plane:]
	for c := i*ly.NX + j0; c <= i*ly.NX+j1; c = c | 15 + 1 {
		vec.Prefetch(d[c:], plane, 4*q.r)
	}
}

// Score returns σ of anchor a's logit for class c.
func (q *predictor[T]) Score(a, c int) float64 {
	l := q.layer(a)
	ly := q.g.layers[l]
	plane := ly.NY * ly.NX
	x := float64(q.p[l].Data[(q.b*q.c+4*q.r+c)*plane+a-q.g.off[l]])
	return 1 / (1 + math.Exp(-x))
}
