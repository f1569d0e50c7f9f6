package trainer

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/yolo-loss/yololoss/examples/train/dataset"
	"github.com/yolo-loss/yololoss/examples/train/net"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
)

// Config is a training run.
type Config struct {
	// Hyp gives the loss (box, obj, cls, the criteria) and the schedule
	// (lr0, lrf, momentum, weight_decay, warmup_epochs). Its gains are scaled
	// to the model and image size as YOLOv5's train.py does (Hyp.ScaleGains).
	//
	// With AnchorFree set, Hyp is an ultralytics config (hyp.DefaultV8, or a
	// file of its keys): the loss is v8loss's, its gains are taken as they
	// are (ultralytics does not scale them), and the schedule keys are read
	// as for YOLOv5.
	Hyp    *hyp.Hyp
	Detect model.Detect // classes, anchors and strides of the YOLOv5 head
	// AnchorFree, when set, makes the model anchor-free (ultralytics'
	// Detect, the head of YOLOv8 and YOLO11): the network's head, the loss
	// (v8loss, its epoch set at each epoch) and the validation (decode.
	// AnchorFree, ultralytics' NMS settings nms.ValV8) follow it, and Detect
	// is unused. An end-to-end head is refused.
	AnchorFree  *model.AnchorFree
	ImgSize     int // the images' side in pixels
	Epochs      int
	Batch       int    // images per batch; the last partial batch of an epoch is dropped
	Seed        uint64 // weights and the order of the images
	Optimizer   string // "adam" or "sgd"
	Autobalance bool   // the engine's per-layer objectness balance adapts (YOLOv5's default: off)
	// NominalBatch is YOLOv5's nbs: the gradients of accumulate =
	// max(round(NominalBatch/Batch), 1) batches are summed before each
	// optimiser step, and weight_decay is scaled by Batch·accumulate/
	// NominalBatch. 0 steps after every batch, with weight_decay as is.
	NominalBatch int
	Dir          string    // run directory: results.csv, results.png, weights/
	Progress     io.Writer // a progress line, rewritten in place; nil for none
	Job          Job       // the larger job the run is part of, for the progress line
	Log          io.Writer // a line per epoch; nil for none
}

func (c *Config) check() error {
	switch {
	case c.Hyp == nil:
		return errors.New("trainer: no hyp")
	case c.Epochs < 1:
		return fmt.Errorf("trainer: epochs %d is below 1", c.Epochs)
	case c.Batch < 1:
		return fmt.Errorf("trainer: batch %d is below 1", c.Batch)
	case c.NominalBatch < 0:
		return fmt.Errorf("trainer: nominal batch %d is below 0", c.NominalBatch)
	case c.Dir == "":
		return errors.New("trainer: no run directory")
	}
	return nil
}

// Run is a training run: the network, the loss engine, the data and the
// progress so far.
type Run struct {
	cfg        Config
	h          hyp.Hyp // scaled gains
	g          *graphs
	loss       *lossEngine
	train, val *dataset.Split
	epoch      int        // epochs completed
	step       int64      // optimiser steps taken
	rows       []Row      // results.csv so far
	trainTime  float64    // seconds spent in completed epochs, validation included
	times      EpochTimes // of the epoch in progress, or the last one
	prog       *progress  // nil without cfg.Progress
	optSteps   int64      // optimiser steps taken in this process (for tests)
}

// EpochTimes is where an epoch's time went: the training steps' three phases,
// summed over the steps, and the validation.
type EpochTimes struct {
	Steps   int           // batches (with a nominal batch, an update runs every few of them)
	Forward time.Duration // the forward program (raw outputs for the engine)
	Loss    time.Duration // the loss engine: loss and ∂loss/∂outputs
	Update  time.Duration // the update program (forward again, backward, optimiser)
	Val     time.Duration // validation: forward, val losses, decode, NMS, metrics
}

func (t *EpochTimes) add(fwd, loss, upd time.Duration) {
	t.Steps++
	t.Forward += fwd
	t.Loss += loss
	t.Update += upd
}

// New prepares a run on the backend. The splits' image size must be
// cfg.ImgSize and their labels' classes below the head's nc.
func New(b backends.Backend, cfg Config, train, val *dataset.Split) (*Run, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	for _, s := range []*dataset.Split{train, val} {
		if s.Size != cfg.ImgSize {
			return nil, fmt.Errorf("trainer: images of %d px, want %d", s.Size, cfg.ImgSize)
		}
	}
	if train.Len() < cfg.Batch {
		return nil, fmt.Errorf("trainer: %d training images is fewer than a batch of %d", train.Len(), cfg.Batch)
	}
	n, err := net.New(b, net.Config{Detect: cfg.Detect, AnchorFree: cfg.AnchorFree, ImgSize: cfg.ImgSize})
	if err != nil {
		return nil, err
	}
	if a := n.Config().AnchorFree; a != nil {
		cfg.AnchorFree = a // the run's own copy
	}
	h := *cfg.Hyp
	if cfg.AnchorFree == nil {
		h.ScaleGains(cfg.Detect.NL(), cfg.Detect.NC, cfg.ImgSize)
	}
	if cfg.NominalBatch > 0 {
		h.WeightDecay *= float64(cfg.Batch*accumulateFor(cfg.NominalBatch, cfg.Batch)) / float64(cfg.NominalBatch)
	}
	var le *lossEngine
	if cfg.AnchorFree != nil {
		if cfg.Autobalance {
			return nil, errors.New("trainer: autobalance is YOLOv5's objectness balance; the anchor-free head has no objectness")
		}
		le, err = newLossEngineV8(&h, *cfg.AnchorFree)
	} else {
		le, err = newLossEngine(&h, cfg.Detect, cfg.Autobalance)
	}
	if err != nil {
		return nil, err
	}
	g, err := newGraphs(b, n, cfg.Optimizer, cfg.Seed, h.Momentum, h.WeightDecay)
	if err != nil {
		return nil, err
	}
	r := &Run{cfg: cfg, h: h, g: g, loss: le, train: train, val: val}
	if cfg.Progress != nil {
		r.prog = newProgress(cfg.Progress, cfg.Job, cfg.Epochs, r.stepsPerEpoch(), r.objName())
	}
	return r, nil
}

// Epoch is the number of epochs completed.
func (r *Run) Epoch() int { return r.epoch }

// Rows returns results.csv's rows so far.
func (r *Run) Rows() []Row { return append([]Row(nil), r.rows...) }

// TrainTime is the time spent in completed epochs, validation included.
func (r *Run) TrainTime() time.Duration {
	return time.Duration(r.trainTime * float64(time.Second))
}

// stepsPerEpoch is the number of full batches of the training split.
func (r *Run) stepsPerEpoch() int { return r.train.Len() / r.cfg.Batch }

// lr is YOLOv5's learning rate at step i (of nb per epoch) of epoch e of E:
// the linear schedule
//
//	lf(e) = (1 − e/E)·(1 − lrf) + lrf,   lr = lr0·lf(e)
//
// ramped from 0 over the first nw = max(round(warmup_epochs·nb), 100) steps
// of the run (with warmup_epochs 0, no ramp): lr·(k+1)/nw at global step k.
func (r *Run) lr(e int, k int64) float64 {
	h := r.h
	lf := (1-float64(e)/float64(r.cfg.Epochs))*(1-h.Lrf) + h.Lrf
	lr := h.Lr0 * lf
	if h.WarmupEpochs > 0 {
		nw := max(math.Round(h.WarmupEpochs*float64(r.stepsPerEpoch())), 100)
		if float64(k) < nw {
			lr *= float64(k+1) / nw
		}
	}
	return lr
}

// Train runs the remaining epochs. After each it validates, writes
// results.csv and results.png, and saves a checkpoint.
func (r *Run) Train() error { return r.trainUntil(r.cfg.Epochs) }

// trainUntil runs epochs until `last` epochs are complete.
func (r *Run) trainUntil(last int) error {
	for r.epoch < last {
		start := time.Now()
		r.times = EpochTimes{}
		if r.prog != nil {
			r.prog.startEpoch(r.epoch + 1)
		}
		r.loss.setEpoch(r.epoch)
		trainItems, err := r.trainEpoch()
		if err != nil {
			return err
		}
		valStart := time.Now()
		val, err := r.validate()
		if err != nil {
			return err
		}
		r.times.Val = time.Since(valStart)
		if r.prog != nil {
			r.prog.endEpoch(r.times.Val)
		}
		if m := val.Metrics; !finite(val.Items.Box, val.Items.Obj, val.Items.Cls, m.MP, m.MR, m.MAP50, m.MAP) {
			return fmt.Errorf("trainer: epoch %d/%d: a validation loss or metric is not finite (box %g, obj %g, cls %g, %s); "+
				"stopped before writing anything for this epoch", r.epoch+1, r.cfg.Epochs, val.Items.Box, val.Items.Obj, val.Items.Cls, val.metricsLine())
		}
		r.trainTime += time.Since(start).Seconds()
		lr := r.lr(r.epoch, r.step-1)
		r.rows = append(r.rows, newRow(r.epoch, trainItems, val, lr))
		r.epoch++
		r.logEpoch(val, time.Since(start))
		if err := r.saveOutputs(); err != nil {
			return err
		}
	}
	return nil
}

// trainEpoch makes one pass over the training images in an order drawn from
// (Seed, epoch), and returns the mean loss items of its steps.
func (r *Run) trainEpoch() (lossItems, error) {
	nb := r.stepsPerEpoch()
	order := rand.New(rand.NewPCG(r.cfg.Seed, uint64(r.epoch))).Perm(r.train.Len())
	s := r.cfg.ImgSize
	x := make([]float32, r.cfg.Batch*s*s*3)
	var sum lossItems
	acc := accumulator{lastStep: r.step - 1}
	for i := range nb {
		labels := r.train.Batch(x, order[i*r.cfg.Batch:(i+1)*r.cfg.Batch])
		xt := tensors.FromFlatDataAndDimensions(x, r.cfg.Batch, s, s, 3)
		t0 := time.Now()
		preds, err := r.g.run(xt)
		if err != nil {
			return lossItems{}, err
		}
		t1 := time.Now()
		shapes := r.outShapes(r.cfg.Batch)
		items, total, grads, err := r.loss.loss(preds, shapes, labels, true)
		if err != nil {
			return lossItems{}, err
		}
		if !finite(total) {
			return lossItems{}, fmt.Errorf("trainer: epoch %d/%d, batch %d of %d: the training loss is not finite (box %g, %s %g, cls %g); "+
				"stopped before writing anything for this epoch", r.epoch+1, r.cfg.Epochs, i+1, nb, items.Box, r.objName(), items.Obj, items.Cls)
		}
		t2 := time.Now()
		due := r.step-acc.lastStep >= int64(r.accumulate(r.step)) || i == nb-1
		if !due || acc.n > 0 {
			acc.add(x, grads)
		}
		if due {
			// A step of this batch alone (every step without a nominal
			// batch) takes its own tensors: nothing was gathered.
			imgs, gs, shs := xt, grads, shapes
			if acc.n > 0 {
				imgs, gs, shs = acc.images(r.cfg.Batch, s), acc.grads, acc.shapes(shapes)
			}
			err := r.g.step(imgs, gs, shs, r.lr(r.epoch, r.step))
			if imgs != xt {
				imgs.FinalizeLocal()
			}
			if err != nil {
				return lossItems{}, err
			}
			acc.reset(r.step)
			r.optSteps++
		}
		r.times.add(t1.Sub(t0), t2.Sub(t1), time.Since(t2))
		xt.FinalizeLocal()
		r.step++
		sum = sum.add(items)
		mean := sum.scale(1 / float64(i+1))
		if r.prog != nil {
			r.prog.batch(mean)
		}
	}
	return sum.scale(1 / float64(nb)), nil
}

// outShapes are the raw outputs' shapes for a batch of bs images.
func (r *Run) outShapes(bs int) [][]int { return r.g.net.OutShapes(bs) }

// nc is the number of classes of the head.
func (r *Run) nc() int {
	if a := r.cfg.AnchorFree; a != nil {
		return a.NC
	}
	return r.cfg.Detect.NC
}

// objName is the name of the second loss item: YOLOv5's objectness, or the
// anchor-free head's DFL term.
func (r *Run) objName() string {
	if r.cfg.AnchorFree != nil {
		return "dfl"
	}
	return "obj"
}

func (r *Run) logEpoch(v valResult, took time.Duration) {
	if r.cfg.Log == nil {
		return
	}
	row := r.rows[len(r.rows)-1]
	tm := r.times
	perStep := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(max(tm.Steps, 1)) }
	o := r.objName()
	fmt.Fprintf(r.cfg.Log, "epoch %d/%d: train box %.4f %s %.4f cls %.4f | val box %.4f %s %.4f cls %.4f | %s | "+
		"%.1fs (per batch: forward %.0f ms, loss %.1f ms, update %.0f ms; validation %.1fs)\n",
		r.epoch, r.cfg.Epochs, row.TrainBox, o, row.TrainObj, row.TrainCls, row.ValBox, o, row.ValObj, row.ValCls, v.metricsLine(),
		took.Seconds(), perStep(tm.Forward), perStep(tm.Loss), perStep(tm.Update), tm.Val.Seconds())
}

// finite reports whether every value is neither NaN nor infinite.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// accumulateFor is YOLOv5's accumulate = max(round(nbs/bs), 1), rounding
// half to even as Python's round and NumPy's do.
func accumulateFor(nbs, bs int) int {
	return max(int(math.RoundToEven(float64(nbs)/float64(bs))), 1)
}

// accumulate is the number of batches whose gradients one optimiser step
// sums at global batch k: 1 without a nominal batch; during the warm-up
// (k ≤ nw, the learning rate's warm-up steps) YOLOv5's ramp
// max(1, round(interp(k, [0, nw], [1, nbs/bs]))); after it
// max(round(nbs/bs), 1).
func (r *Run) accumulate(k int64) int {
	nbs, bs := r.cfg.NominalBatch, r.cfg.Batch
	if nbs == 0 {
		return 1
	}
	if r.h.WarmupEpochs > 0 {
		nw := max(math.Round(r.h.WarmupEpochs*float64(r.stepsPerEpoch())), 100)
		if float64(k) <= nw {
			v := 1 + (float64(nbs)/float64(bs)-1)*float64(k)/nw
			return max(1, int(math.RoundToEven(v)))
		}
	}
	return accumulateFor(nbs, bs)
}

// accumulator gathers the images and loss gradients of the batches of one
// optimiser step. The network has no batch statistics, so one update over
// their concatenation gives the sum of their parameter gradients, which is
// what YOLOv5's loss.backward() accumulates between steps.
type accumulator struct {
	x        []float32
	grads    [][]float32
	n        int   // batches gathered
	lastStep int64 // the global batch of the last optimiser step
}

func (a *accumulator) add(x []float32, grads [][]float32) {
	a.x = append(a.x, x...)
	if a.grads == nil {
		a.grads = make([][]float32, len(grads))
	}
	for i, g := range grads {
		a.grads[i] = append(a.grads[i], g...)
	}
	a.n++
}

func (a *accumulator) reset(step int64) {
	a.x = a.x[:0]
	for i := range a.grads {
		a.grads[i] = a.grads[i][:0]
	}
	a.n, a.lastStep = 0, step
}

// images is the gathered images as one tensor [n·bs, s, s, 3].
func (a *accumulator) images(bs, s int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(a.x, a.n*bs, s, s, 3)
}

// shapes is the batch's output shapes with the batch dimension n·bs.
func (a *accumulator) shapes(batch [][]int) [][]int {
	out := make([][]int, len(batch))
	for i, sh := range batch {
		out[i] = append([]int{sh[0] * a.n}, sh[1:]...)
	}
	return out
}
