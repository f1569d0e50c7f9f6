package v8loss

import (
	"math"

	"github.com/yolo-loss/yololoss/dfl"
	"github.com/yolo-loss/yololoss/internal/vec"
	"github.com/yolo-loss/yololoss/tensor"
)

// blockLen is how many class elements the bulk kernel evaluates at once.
const blockLen = 256

// blockScratch is one worker's arrays for a block of class elements.
type blockScratch struct {
	x, l, g  [blockLen]float64
	l32, g32 [blockLen]float32
}

// classes is the fourth phase: the class criterion over every element,
// and the whole gradient, one item per (branch, image, layer), the
// largest layers first. Each item's class loss sum goes to its own entry
// of branch.cls0; finish adds them in item order, so the result is the
// same at any worker count.
func (e *Engine[T]) classes() {
	n := e.cfg.nb * e.call.bs * e.cfg.nl
	e.classPh.do(n, workers(e.workers, n))
}

// classItem runs item k: layer k / (nb·bs) of image k mod bs of branch
// (k / bs) mod nb, on worker slot sl.
func (e *Engine[T]) classItem(sl, k int) {
	c := &e.cfg
	bs := e.call.bs
	l, kb, b := k/(c.nb*bs), (k/bs)%c.nb, k%bs
	br := &e.branches[kb]
	ia := &br.imgs[b]
	ly := e.grid.layers[l]
	plane := ly.NY * ly.NX
	t := kb*c.nl + l
	img := b * c.c * plane
	p := e.call.p[t].Data[img : img+c.c*plane]
	var g []T
	if e.call.g != nil {
		g = e.call.g[t].Data[img : img+c.c*plane]
	}
	// The image's foreground anchors of this layer (sorted by anchor).
	f0, f1 := 0, len(ia.terms)
	for f0 < f1 && ia.terms[f0].layer < l {
		f0++
	}
	for f := f0; f < f1; f++ {
		if ia.terms[f].layer > l {
			f1 = f
			break
		}
	}
	sw := &e.slots[sl]
	s := &sw.blk
	stage := sw.stage
	fg := ia.terms[f0:f1]
	for _, t := range fg {
		sw.has[t.class] = true
	}
	var sum float64
	for cl := range c.nc {
		off := (4*c.r + cl) * plane
		var gp []T
		if g != nil {
			gp = g[off : off+plane]
		}
		var fc []fgTerm // the plane's foreground, if it has any of class cl
		if sw.has[cl] {
			fc = fg
		}
		sum += e.classPlane(s, stage, p[off:off+plane], gp, fc, cl, br.gCls)
	}
	for _, t := range fg {
		sw.has[t.class] = false
	}
	br.cls0[l*bs+b] = sum
	if g != nil {
		e.boxGrad(g[:4*c.r*plane], stage, sw.zeros, plane, br, ia, f0, f1)
	}
}

// classPlane evaluates the criterion on one class plane x of a layer
// (targets 0 but at the foreground anchors fg of class cl, whose targets
// are their scores), writes scale·∂ℓ/∂x into g when not nil, and returns
// the plane's loss sum. The target-0 bulk runs through the vector kernel
// (bce.ZeroTarget), and the few foreground elements are then replaced by
// the criterion's Elem.
//
// The gradient goes out with non-temporal stores (vec.Stream) from the
// staging block stage: it is written once and not read again by this
// call, and such stores spare the memory the read of every cache line
// that an ordinary store would first bring in.
func (e *Engine[T]) classPlane(s *blockScratch, stage, x, g []T, fg []fgTerm, cl int, scale float64) float64 {
	if e.cfg.f32 && e.cfg.hasZero {
		return e.classPlane32(s, x, g, fg, cl, scale)
	}
	c := &e.cfg
	var sum float64
	f := 0
	for c0 := 0; c0 < len(x); c0 += blockLen {
		n := min(blockLen, len(x)-c0)
		xs := x[c0 : c0+n]
		for i, v := range xs {
			s.x[i] = float64(v)
		}
		l, gr := s.l[:n], s.g[:n]
		if c.hasZero {
			c.zero.Elems(l, gr, s.x[:n])
		} else {
			c.cls.Elems(l, gr, s.x[:n], zeros[:n])
		}
		for ; f < len(fg) && fg[f].cell < c0+n; f++ {
			if fg[f].class == cl {
				i := fg[f].cell - c0
				l[i], gr[i] = c.cls.Elem(s.x[i], fg[f].score)
			}
		}
		sum += vec.Sum(l)
		if g != nil {
			st := stage[:n]
			for i, v := range gr {
				st[i] = T(v * scale)
			}
			vec.Stream(g[c0:c0+n], st)
		}
	}
	return sum
}

// classPlane32 is classPlane for float32 data, with the kernel in
// float32. The kernel's constant factor takes the scale, so that its
// derivatives need no second pass; its losses, scaled too, are summed and
// unscaled. A block (or the whole plane) without a foreground element of
// class cl goes through vec.ZeroTargetSum32, which streams the
// derivatives straight out and sums the losses in the same pass; a block
// with one is computed on the worker's scratch, its foreground elements
// replaced, then streamed out. A scale of 0 (a cls gain of 0) is applied
// after the kernel instead, on the scratch.
func (e *Engine[T]) classPlane32(s *blockScratch, xt, gt []T, fg []fgTerm, cl int, scale float64) float64 {
	c := &e.cfg
	x := tensor.Float32s(xt)
	var g []float32
	if gt != nil {
		g = tensor.Float32s(gt)
	}
	z, ls := c.zero, scale // the kernel, and the factor its losses carry
	z.A *= scale
	if !(scale > 0) || math.IsInf(scale, 0) {
		z, ls = c.zero, 1
	}
	if len(fg) == 0 && g != nil && ls == scale {
		// No foreground element of this class: the kernel writes the
		// derivatives straight out and sums the losses.
		return vec.ZeroTargetSum32(g, x, float32(z.A), float32(z.Gamma)) / ls
	}
	var sum float64
	f := 0
	for c0 := 0; c0 < len(x); c0 += blockLen {
		n := min(blockLen, len(x)-c0)
		if g != nil && ls == scale {
			f1, has := f, false
			for ; f1 < len(fg) && fg[f1].cell < c0+n; f1++ {
				has = has || fg[f1].class == cl
			}
			if !has { // the block has no element to replace: as a plane without any
				sum += vec.ZeroTargetSum32(g[c0:c0+n], x[c0:c0+n], float32(z.A), float32(z.Gamma))
				f = f1
				continue
			}
		}
		l, gr := s.l32[:n], s.g32[:n]
		z.Elems32(l, gr, x[c0:c0+n])
		if ls == 1 && scale != 1 {
			sc := float32(scale)
			for i := range gr {
				gr[i] *= sc
			}
		}
		for ; f < len(fg) && fg[f].cell < c0+n; f++ {
			if fg[f].class == cl {
				i := fg[f].cell - c0
				lv, gv := c.cls.Elem(float64(x[c0+i]), fg[f].score)
				l[i], gr[i] = float32(lv*ls), float32(gv*scale)
			}
		}
		sum += vec.Sum(l)
		if g != nil {
			vec.Stream(g[c0:c0+n], gr)
		}
	}
	return sum / ls
}

// zeros are the targets of a block without foreground.
var zeros [blockLen]float64

// boxGrad writes the gradient of the box channels g (4·reg_max planes) of
// one image and layer: 0 but at the foreground anchors fg[f0:f1], where
//
//	∂Loss/∂z = gBox·score·w_WIoU·Σ_sides ∂ℓ_box/∂d·∂d/∂z + gDfl·score·∂DFL/∂z
//
// computed first for every foreground anchor, in place of its ∂DFL/∂z in
// ia.dz (which nothing reads after). Then each plane goes out in blocks
// with non-temporal stores (vec.Stream): from zero, a block of zeros,
// where the block has no foreground anchor, else from the staging block
// stage holding zeros and the block's foreground values; the foreground
// anchors' lines are not read back from memory for ordinary stores after
// their zeros were streamed out. The fence publishes the streamed
// gradient, the item's class planes included.
func (e *Engine[T]) boxGrad(g, stage, zero []T, plane int, br *branch, ia *imageAssign, f0, f1 int) {
	r := e.cfg.r
	r4 := 4 * r
	for f := f0; f < f1; f++ {
		t := &ia.terms[f]
		z := ia.dz[f*r4 : (f+1)*r4]
		gb := br.gBox * t.score * br.weights[ia.w0+f]
		gf := br.gDfl * t.score
		for k := range z {
			z[k] = gf * z[k]
		}
		prob := ia.prob[f*r4 : (f+1)*r4]
		for side := range 4 {
			dfl.AddExpectGrad(z[side*r:(side+1)*r], prob[side*r:(side+1)*r], t.d[side], gb*t.gd[side])
		}
	}
	for k := range r4 {
		gk := g[k*plane : (k+1)*plane]
		f := f0
		for c0 := 0; c0 < plane; c0 += len(zero) {
			n := min(len(zero), plane-c0)
			if f == f1 || ia.terms[f].cell >= c0+n {
				vec.Stream(gk[c0:c0+n], zero[:n])
				continue
			}
			st := stage[:n]
			copy(st, zero[:n])
			for ; f < f1 && ia.terms[f].cell < c0+n; f++ {
				st[ia.terms[f].cell-c0] = T(ia.dz[f*r4+k])
			}
			vec.Stream(gk[c0:c0+n], st)
		}
	}
	vec.Fence()
}
