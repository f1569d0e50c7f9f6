package v8loss

import (
	"slices"
	"sync/atomic"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tal"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// Result is the outcome of one call. Its Branches slice belongs to the
// engine and is overwritten by the next call: keep a Clone.
type Result struct {
	// Loss is the value to minimise: bs·(lbox + lcls + ldfl), or for an
	// end-to-end head bs·(O2M·(…)_one-to-many + O2O·(…)_one-to-one).
	Loss float64
	// LBox, LCls and LDfl are the items after their gains: the only
	// branch's, or the one-to-one branch's for an end-to-end head (as
	// ultralytics' E2ELoss reports them).
	LBox, LCls, LDfl float64
	// FG is the number of foreground anchors and TSS target_scores_sum,
	// max(Σ target scores, 1): the only or the one-to-many branch's.
	FG  int
	TSS float64
	// O2M and O2O are the branch weights the call used: 1 and 0 for a
	// head without a one-to-one branch.
	O2M, O2O float64
	// Box is the only or the one-to-many branch's box-loss running state
	// after the call (WIoU's mean).
	Box iou.State
	// Branches breaks the call down by branch: one-to-many (or the only
	// one) first, then one-to-one.
	Branches []BranchResult
}

// BranchResult is one branch's part of a Result.
type BranchResult struct {
	LBox, LCls, LDfl float64   // items after their gains
	FG               int       // foreground anchors
	TSS              float64   // target_scores_sum, max(Σ target scores, 1)
	Weight           float64   // the branch's weight in Loss (1, or O2M / O2O)
	Box              iou.State // the branch's box-loss running state after the call
}

// Clone returns a copy of r that shares no memory with it.
func (r Result) Clone() Result {
	r.Branches = slices.Clone(r.Branches)
	return r
}

// config is what New fixes for the engine's life.
type config struct {
	set      settings
	m        model.AnchorFree
	nl, nb   int // output layers, branches (2 for an end-to-end head)
	r, nc, c int // reg_max, classes, channels 4·reg_max + nc
	cls      bce.Criterion
	zero     bce.ZeroTarget
	hasZero  bool
	f32      bool
}

// Engine computes the anchor-free detection loss of YOLOv8, YOLO11, YOLO26
// and YOLOv10 (ultralytics 8.4.35's v8DetectionLoss and E2ELoss) and its
// gradient, for predictions of element type T.
//
// An Engine is not safe for concurrent use: it holds the box losses'
// running states, the epoch and reusable buffers. Use one Engine per
// goroutine; two goroutines in Loss at once panic. A call spreads its work
// over SetWorkers goroutines; its results do not depend on their number.
// A call with the shapes and labels of an earlier call allocates
// nothing, at any worker count: each call sizes every worker's buffers
// for its largest image before the workers start. (With several workers
// the Go runtime itself may allocate now and then, when a goroutine
// parks.)
//
// A call runs in phases, each in its own file with the state it owns:
// validate (validate.go: every error), assign (assign.go: the assigner and
// the foreground anchors' box and DFL terms, image by image), reduce
// (reduce.go: target_scores_sum, WIoU's weights, the box and DFL sums)
// and classes (classes.go: the class criterion over every element and the
// whole gradient, by image and layer).
type Engine[T tensor.Float] struct {
	cfg      config
	inUse    atomic.Bool
	workers  int
	epoch    int
	frozen   frozenRecord
	grid     grid
	branches []branch
	slots    []slot[T]
	images   imageIndex
	assignPh phase
	classPh  phase
	call     call[T]
	res      Result
}

// call is the current call's inputs.
type call[T tensor.Float] struct {
	p, g   []tensor.Tensor[T]
	labels []target.Label
	bs     int
}

// New returns an engine for the hyperparameters h, the head d and the
// options opt (nil means the zero Options). h and d are copied. A YOLOv10
// head is end-to-end: set d.End2End.
func New[T tensor.Float](h *hyp.Hyp, d model.AnchorFree, opt *Options) (*Engine[T], error) {
	s, err := settingsOf(h)
	if err != nil {
		return nil, err
	}
	return newEngine[T](s, d, opt)
}

// newEngine is New from the settings.
func newEngine[T tensor.Float](s settings, d model.AnchorFree, opt *Options) (*Engine[T], error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	var err error
	e := &Engine[T]{}
	if opt != nil {
		e.workers = opt.Workers
	}
	c := &e.cfg
	c.set, c.m, c.f32 = s, d.Clone(), tensor.IsFloat32[T]()
	c.nl, c.r, c.nc, c.c = len(d.Strides), d.RegMax, d.NC, d.Channels()
	s.crit.Fast = c.f32
	if c.cls, err = classCriterion(s.crit); err != nil {
		return nil, err
	}
	if z, ok := c.cls.(bce.ZeroTargeter); ok {
		c.zero, c.hasZero = z.ZeroTarget(), true
	}
	c.nb = 1
	if d.End2End {
		c.nb = 2
	}
	e.branches = make([]branch, c.nb)
	for k := range e.branches {
		b := &e.branches[k]
		b.cfg = tal.Config{TopK: s.topk}
		if d.End2End {
			b.cfg = tal.Config{TopK: e2eTopKO2M}
			if k == 1 {
				b.cfg = tal.Config{TopK: e2eTopKO2O, OneToOne: true}
			}
		}
		if b.box, err = iou.NewXYXY(s.boxLoss); err != nil {
			return nil, err
		}
	}
	e.res.Branches = make([]BranchResult, c.nb)
	e.assignPh.run = e.assignItem
	e.classPh.run = e.classItem
	return e, nil
}

// SetWorkers sets how many goroutines a call may use; n ≤ 0 means
// runtime.GOMAXPROCS(0) at each call. Results do not depend on it.
func (e *Engine[T]) SetWorkers(n int) { e.workers = n }

// SetEpoch sets the epoch of the next calls, from 0, which sets an
// end-to-end head's branch weights:
//
//	o2m = 0.8 at epoch 0, else max(1 − k/max(epochs − 1, 1), 0)·(0.8 − 0.1) + 0.1
//	o2o = max(1 − o2m, 0)
//
// A negative k counts as 0. It has no effect on other heads.
func (e *Engine[T]) SetEpoch(k int) { e.epoch = max(k, 0) }

// Epoch returns the epoch set by SetEpoch.
func (e *Engine[T]) Epoch() int { return e.epoch }

// Weights returns the branch weights o2m, o2o at the current epoch: 1, 0
// for a head without a one-to-one branch.
func (e *Engine[T]) Weights() (o2m, o2o float64) {
	if e.cfg.nb == 1 {
		return 1, 0
	}
	o2m = o2mStart
	if e.epoch > 0 {
		o2m = max(1-float64(e.epoch)/float64(max(e.cfg.set.epochs-1, 1)), 0)*(o2mStart-o2mFinal) + o2mFinal
	}
	return o2m, max(1-o2m, 0)
}

// SetFrozen freezes (or thaws) what ultralytics detaches: while frozen, a
// call reuses the assignment (foreground anchors, their targets and
// target scores), the box loss's held terms (CIoU's aspect weight, the
// Focal-IoU weight, WIoU's terms and weights) of the last unfrozen call
// that succeeded, and leaves the box losses' running states alone. The
// loss is then a smooth function of the predictions whose exact gradient
// Loss returns (for finite-difference checks and line searches).
//
// A frozen call must have exactly the labels and shapes of the last
// unfrozen call that succeeded, else Loss returns an error.
func (e *Engine[T]) SetFrozen(frozen bool) { e.frozen.on = frozen }

// Model returns a copy of the head the engine was built for.
func (e *Engine[T]) Model() model.AnchorFree { return e.cfg.m.Clone() }

// Criterion returns the class criterion in force.
func (e *Engine[T]) Criterion() bce.Criterion { return e.cfg.cls }

// Loss computes the loss of the predictions p for the labels, rows of
// (image, class, x, y, w, h) normalised to 0..1. p holds one tensor
// [bs, 4·reg_max + nc, ny, nx] per output layer, and for an end-to-end
// head the one-to-one branch's layers after the one-to-many ones (2·nl
// tensors).
//
// When grad is not nil, it also writes ∂Loss/∂p into grad, one tensor of
// p's shape per tensor of p; every element is written.
//
// Predictions or gradients whose shapes do not fit the head or each
// other, invalid labels, and a frozen call whose labels or shapes differ
// from the last unfrozen call's are returned as errors; the engine and
// grad are then unchanged.
func (e *Engine[T]) Loss(p []tensor.Tensor[T], labels []target.Label, grad []tensor.Tensor[T]) (Result, error) {
	if !e.inUse.CompareAndSwap(false, true) {
		panic("v8loss: Engine used by two goroutines at once; use one Engine per goroutine")
	}
	defer e.inUse.Store(false)
	if err := e.validate(p, labels, grad); err != nil {
		return Result{}, err
	}
	e.begin(p, labels, grad)
	defer e.end()
	e.assign()
	e.reduce()
	e.classes()
	e.finish()
	return e.res, nil
}
