package computeloss

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// Result is the outcome of one call.
//
// Its slices (Balance, Layers, Unmatched) belong to the engine and are
// overwritten by the engine's next call: a trainer that keeps Results
// (a history, a log written later) keeps r.Clone(), not r.
type Result struct {
	Loss float64 // (lbox + lobj + lcls)·bs, the value to minimise
	LBox float64 // box loss after the box gain
	LObj float64 // objectness loss after the balance and the obj gain
	LCls float64 // class loss after the cls gain
	// Balance is the per-layer objectness balance after the call (it moves
	// only with Autobalance).
	Balance []float64
	// Box is the box loss's running state after the call (WIoU's mean).
	Box    iou.State
	Layers []LayerResult
	// Unmatched lists, in increasing order, the layers that matched no
	// label in a call that had labels (Layers[i].Matches == 0); it is empty
	// when the call had none. Such a layer gets no box or class loss and
	// learns only "no object here": once in a while (a batch of small or
	// large objects) that is normal; a layer that is unmatched call after
	// call has anchors that fit none of the dataset's boxes (anchors in
	// the wrong unit, or anchor_t too small).
	Unmatched []int
}

// Clone returns a deep copy of r, which the engine's later calls do not
// change.
func (r Result) Clone() Result {
	r.Balance = slices.Clone(r.Balance)
	r.Layers = slices.Clone(r.Layers)
	r.Unmatched = slices.Clone(r.Unmatched)
	return r
}

// LayerResult breaks a Result down by output layer.
type LayerResult struct {
	Matches int     // matched (target, anchor, cell) triples, neighbour cells included
	LBox    float64 // box gain·mean box loss of the matches
	LObj    float64 // obj gain·balance·Obj
	LCls    float64 // cls gain·mean class loss
	Obj     float64 // mean objectness loss of the layer, before balance and gain
	Balance float64 // the balance this call used
	// Box is the box loss's running state after this layer (it moves once
	// per layer with matches, in layer order, for WIoU).
	Box iou.State
}

// config is what New fixes for the engine's life.
type config struct {
	h        hyp.Hyp
	m        model.Detect
	opt      Options
	gr       float64
	cls, obj bce.Criterion
	// The criteria's forms at target 0, where almost every objectness
	// and class element is: evaluated in bulk by the vector kernel.
	clsZero, objZero       bce.ZeroTarget
	hasClsZero, hasObjZero bool
	f32                    bool // T is ~float32: the bulk runs in float32 (vec.ZeroTarget32)
	// logistic gives σ, σ(−x), log(1+e^{−|x|}) for the matched cells:
	// bce.LogisticFast for float32 data, bce.Logistic for float64.
	logistic     func(float64) (s, sc, sp float64)
	cp, cn       float64 // class targets of smooth_BCE
	clsIoUTarget bool    // the matched class's target is the match's IoU (cls_iou_target)
	nc, no       int     // classes, and channels per cell (5 + nc)
}

// Engine computes YOLOv5's ComputeLoss and its gradient for predictions of
// element type T.
//
// An Engine is not safe for concurrent use: it holds the autobalance and
// box-loss state and reusable buffers. Use one Engine per goroutine; any
// number of engines may run at once. A call that overlaps another call on
// the same engine panics (see Loss). A call itself spreads its work over
// SetWorkers goroutines (GOMAXPROCS by default). After the first call with
// given shapes and label count, calls allocate nothing.
//
// A call runs in phases, each in its own file with the state it owns:
// validate (validate.go), assign (assign.go: build_targets and the matches'
// blocks), matched terms (matched.go: box and class terms), objectness
// (objectness.go) and reduce (reduce.go). The scheduler (pool.go) runs the
// parallel parts of the last three.
type Engine[T tensor.Float] struct {
	cfg     config
	box     iou.Loss     // the box term, with its running state
	balance autobalance  // moved by reduce
	frozen  frozenRecord // checked by validate, written by reduce
	plan    plan         // the shapes' chunks and blocks, sized by begin
	layers  []layerState // per layer: the matches and their terms
	blocks  blockIndex   // the matches of each block of cells, from assign
	sched   scheduler[T]
	call    call[T] // the current call's inputs, nil between calls
	res     Result
	inUse   atomic.Bool // a call is running: set and cleared by Loss
}

// call is the current call's inputs.
type call[T tensor.Float] struct {
	p, g []tensor.Tensor[T]
	bs   float64
}

// New returns an engine for the hyperparameters h, the Detect head d and
// the options opt (nil means the zero Options, YOLOv5's defaults). h and d
// are copied.
func New[T tensor.Float](h *hyp.Hyp, d model.Detect, opt *Options) (*Engine[T], error) {
	if h == nil {
		return nil, errors.New("computeloss: nil hyp")
	}
	h, err := h.For(hyp.HeadV5)
	if err != nil {
		return nil, err
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	var o Options
	if opt != nil {
		o = *opt
	}
	if gr := o.gr(); !(gr >= 0 && gr <= 1) {
		return nil, fmt.Errorf("computeloss: gr must be in [0, 1], got %v", gr)
	}
	e := &Engine[T]{}
	if err := e.cfg.init(h, d, o, tensor.IsFloat32[T]()); err != nil {
		return nil, err
	}
	box, err := iou.New(h.BoxLoss())
	if err != nil {
		return nil, err
	}
	e.box = box
	nl := d.NL()
	e.balance = autobalance{on: o.Autobalance, balance: InitialBalance(nl)}
	if len(e.balance.balance) < nl {
		return nil, fmt.Errorf("computeloss: no objectness balance for %d layers", nl)
	}
	if o.Autobalance {
		if e.balance.refLayer = slices.Index(d.Strides, 16); e.balance.refLayer < 0 {
			return nil, errors.New("computeloss: autobalance needs a stride-16 layer in the model's strides")
		}
	}
	e.layers = make([]layerState, nl)
	for i := range e.layers {
		e.layers[i].geo.Anchors = e.cfg.m.AnchorsGrid[i]
	}
	e.res.Balance = make([]float64, len(e.balance.balance))
	e.res.Layers = make([]LayerResult, nl)
	e.res.Unmatched = make([]int, 0, nl)
	e.sched.init(e)
	return e, nil
}

// init fills c from the hyp, the Detect head and the options, for float32
// data when f32.
func (c *config) init(h *hyp.Hyp, d model.Detect, o Options, f32 bool) error {
	c.h, c.m, c.opt, c.gr, c.f32 = *h, d.Clone(), o, o.gr(), f32
	cls, obj, err := criterion.Select(h.CriterionConfig(f32))
	if err != nil {
		return err
	}
	c.cls, c.obj = cls, obj
	if z, ok := cls.(bce.ZeroTargeter); ok {
		c.clsZero, c.hasClsZero = z.ZeroTarget(), true
	}
	if z, ok := obj.(bce.ZeroTargeter); ok {
		c.objZero, c.hasObjZero = z.ZeroTarget(), true
	}
	c.logistic = bce.Logistic
	if f32 {
		c.logistic = bce.LogisticFast
	}
	// smooth_BCE(eps): positive and negative class targets 1 − eps/2, eps/2.
	c.cp, c.cn = 1-0.5*h.LabelSmoothing, 0.5*h.LabelSmoothing
	c.clsIoUTarget = h.ClsIoUTarget
	c.nc, c.no = d.NC, 5+d.NC
	return nil
}

// SetWorkers sets how many goroutines a call may use; n ≤ 0 means
// runtime.GOMAXPROCS(0) at each call. Results do not depend on it.
func (e *Engine[T]) SetWorkers(n int) { e.sched.workers = n }

// SetFrozen freezes (or thaws) the terms YOLOv5 detaches: while frozen,
// calls reuse the objectness targets, the IoU class targets, the box
// loss's held terms (CIoU's aspect weight α, the Focal weight, WIoU's c²
// and layer weights) and the autobalance balance of the last unfrozen call
// that succeeded, and leave the box loss's running state alone. The loss
// is then a smooth function of the predictions whose exact gradient Loss
// returns, which an optimiser with a line search needs (see internal/fit, lossdemo fit);
// unfrozen, the gradient is YOLOv5's, which treats those terms as
// constants but lets them move with the predictions.
//
// A frozen call must have exactly the labels and shapes of the last
// unfrozen call that succeeded, else Loss returns an error and changes
// nothing.
func (e *Engine[T]) SetFrozen(frozen bool) { e.frozen.on = frozen }

// Criteria returns the class and objectness criteria in force.
func (e *Engine[T]) Criteria() (cls, obj bce.Criterion) { return e.cfg.cls, e.cfg.obj }

// Balance returns the current objectness balance (a copy).
func (e *Engine[T]) Balance() []float64 { return slices.Clone(e.balance.balance) }

// Model returns a copy of the Detect head the engine was built for.
func (e *Engine[T]) Model() model.Detect { return e.cfg.m.Clone() }

// Hyp returns a copy of the hyperparameters in force.
func (e *Engine[T]) Hyp() hyp.Hyp { return e.cfg.h }

// Loss computes YOLOv5's loss of the predictions p (one tensor per layer,
// of shape [bs, na, ny, nx, 5+nc]) for the labels, rows of (image, class,
// x, y, w, h) normalised to 0..1:
//
//	total = (box·Σ_i mean(ℓ_box) + obj·Σ_i balance_i·mean(ℓ_obj) + cls·Σ_i mean(ℓ_cls))·bs
//
// When grad is not nil, it also writes ∂total/∂p into grad, one tensor per
// layer of the same shapes as p; every element is written. Size the
// buffers for each batch with grad = tensor.Like(grad, p): a smaller last
// batch then reuses the full batch's arrays.
//
// Predictions whose shapes do not fit the model or each other, gradients
// that do not match the predictions in count or shape, invalid labels,
// and a frozen call whose labels or shapes differ from the last unfrozen
// call's are returned as errors; the call then writes nothing and the
// engine's state is unchanged.
//
// A call on an engine whose call on another goroutine has not returned
// panics with "computeloss: Engine used by two goroutines at once; use
// one Engine per goroutine".
func (e *Engine[T]) Loss(p []tensor.Tensor[T], labels []target.Label, grad []tensor.Tensor[T]) (Result, error) {
	if !e.inUse.CompareAndSwap(false, true) {
		panic("computeloss: Engine used by two goroutines at once; use one Engine per goroutine")
	}
	defer e.inUse.Store(false)
	if err := e.validate(p, labels, grad); err != nil {
		return Result{}, err
	}
	e.begin(p, grad)
	defer e.end()
	e.assign(labels)
	e.matchedTerms()
	e.objectness()
	e.reduce(labels)
	return e.res, nil
}
