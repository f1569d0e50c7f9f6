package main

import (
	"flag"
	"fmt"
	"github.com/yolo-loss/yololoss/tensor"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/target"
)

// fitOpts are the flags of `lossdemo fit`.
type fitOpts struct {
	hyp, pred, sample, out string
	iters                  int
	timeout                time.Duration
	engine                 computeloss.Options
	quiet                  bool
}

// runFit treats the raw predictions as free parameters and minimises the
// loss over them with gonum's LBFGS, driven by the engine's gradient.
func runFit(args []string, stdout, stderr io.Writer) error {
	var o fitOpts
	fs := flag.NewFlagSet("lossdemo fit", flag.ContinueOnError)
	usage(fs, stderr, "usage: lossdemo fit [-hyp FILE] [-pred IN.npz] -out OUT.npz [-iters N]")
	inputFlags(fs, &o.hyp, &o.pred, &o.sample)
	engineFlags(fs, &o.engine)
	fs.StringVar(&o.out, "out", "", "write the fitted predictions to `file.npz` (required; never overwrites)")
	fs.IntVar(&o.iters, "iters", 5000, "at most `N` LBFGS iterations")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "stop after this long")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress lines")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case o.out == "":
		return inputErr("fit: -out is required")
	case o.iters < 1:
		return inputErr("fit: -iters %d: want a count ≥ 1", o.iters)
	case o.timeout <= 0:
		return inputErr("fit: -timeout %v: want a positive duration", o.timeout)
	}
	if _, err := os.Lstat(o.out); err == nil {
		return inputErr("fit: -out %s: the file already exists; not overwriting it", o.out)
	}
	in, err := loadInputs(o.hyp, o.pred, o.sample)
	if err != nil {
		return err
	}
	_, err = fit(&o, in, stdout)
	return err
}

// fitSummary is what a fit achieved.
type fitSummary struct {
	start, end    computeloss.Result
	before, after []iouStats
	elapsed       time.Duration
}

// fitter evaluates the loss and its gradient over the free parameters.
//
// The parameters are the prediction elements whose gradient is not
// structurally zero: the objectness logit of every cell, and every channel
// of the cells that some label is assigned to. The box and class logits of
// the other cells take no part in the loss, so they stay as they are, and
// the optimiser's vectors are about 40 times shorter.
type fitter struct {
	e      *computeloss.Engine[float64]
	labels []target.Label
	x, gx  []float64 // every prediction element of every layer, and its gradient
	p, g   []tensor.Tensor[float64]
	idx    []int     // free parameters: positions in x
	groups [3][]int  // free parameters (indices into idx) of box, objectness and class logits
	base   []float64 // z = 0 is x[idx] = base
	scale  []float64 // x[idx] = base + scale⊙z (see precondition)
	last   []float64 // the z of the cached evaluation
	cached bool
	res    computeloss.Result
	total  int // engine calls, for the summary
}

func newFitter(e *computeloss.Engine[float64], in *inputs) *fitter {
	f := &fitter{e: e, labels: in.batch.Targets}
	for _, t := range in.batch.Preds {
		for k := range t.Len() {
			if t.F32 != nil {
				f.x = append(f.x, float64(t.F32[k]))
			} else {
				f.x = append(f.x, t.F64[k])
			}
		}
	}
	f.gx = make([]float64, len(f.x))
	off := 0
	for i, t := range in.batch.Preds {
		var sh [5]int
		copy(sh[:], t.Shape)
		n := t.Len()
		f.p = append(f.p, tensor.Tensor[float64]{Data: f.x[off : off+n], Shape: t.Shape})
		f.g = append(f.g, tensor.Tensor[float64]{Data: f.gx[off : off+n], Shape: t.Shape})
		no := sh[4]
		for c, all := range matchedCells(in, i, sh) {
			for ch := range no {
				if all || ch == 4 {
					g := 2 // class
					if ch < 4 {
						g = 0
					} else if ch == 4 {
						g = 1
					}
					f.groups[g] = append(f.groups[g], len(f.idx))
					f.idx = append(f.idx, off+c*no+ch)
				}
			}
		}
		off += n
	}
	f.base = make([]float64, len(f.idx))
	f.scale = make([]float64, len(f.idx))
	f.last = make([]float64, len(f.idx))
	for k := range f.scale {
		f.scale[k] = 1
	}
	f.rebase()
	return f
}

// rebase makes the current x the origin z = 0.
func (f *fitter) rebase() {
	for k, i := range f.idx {
		f.base[k] = f.x[i]
	}
	f.cached = false
}

// moveTo sets x from z, x = base + scale⊙z, without running the engine.
func (f *fitter) moveTo(z []float64) {
	for k, i := range f.idx {
		f.x[i] = f.base[k] + f.scale[k]*z[k]
	}
	f.cached = false
}

// eval sets x from z and runs the engine, unless z is the point evaluated
// last: gonum asks for the value and the gradient at the same z
// separately, and one engine call gives both.
func (f *fitter) eval(z []float64) error {
	if f.cached && floats.Equal(z, f.last) {
		return nil
	}
	f.moveTo(z)
	r, err := f.e.Loss(f.p, f.labels, f.g)
	if err != nil {
		return err
	}
	f.res = r
	copy(f.last, z)
	f.cached = true
	f.total++
	return nil
}

// grad stores ∂loss/∂z in dst.
func (f *fitter) grad(dst []float64) {
	for k, i := range f.idx {
		dst[k] = f.gx[i] * f.scale[k]
	}
}

// precondition sets scale to 1/√h for the free parameters at the current
// x, where h estimates the diagonal of the Hessian from two gradient
// differences along random ±1 directions (Hutchinson's estimator,
// diag H ≈ E[v⊙Hv]), and makes x the origin. The loss's curvature spans
// orders of magnitude between the objectness logits of background cells
// and the box logits of matched ones; LBFGS alone, with one scalar initial
// Hessian, crawls on such a problem. The engine's gradient is all it uses.
func (f *fitter) precondition(rng *rand.Rand) error {
	const eps, probes = 1e-4, 2
	for k := range f.scale {
		f.scale[k] = 1
	}
	f.rebase()
	n := len(f.idx)
	diag := make([]float64, n)
	v := make([]float64, n)
	z := make([]float64, n)
	gp := make([]float64, n)
	for range probes {
		for k := range v {
			v[k] = float64(2*rng.IntN(2) - 1)
		}
		for _, sign := range []float64{1, -1} {
			floats.ScaleTo(z, sign*eps, v)
			f.cached = false
			if err := f.eval(z); err != nil {
				return err
			}
			f.grad(gp)
			// v⊙(g(x+εv) − g(x−εv))/(2ε), averaged over the probes
			for k := range diag {
				diag[k] += sign * v[k] * gp[k] / (2 * eps * probes)
			}
		}
	}
	// Floor each group's curvature (box, objectness and class logits) at
	// three times the group's median. The box loss is not convex: a box
	// logit whose estimate is near 0 would otherwise take a step that
	// throws its box far from its target, where CIoU's gradient fades and
	// the box stays lost. With the floor, most of a group moves with one
	// scale and only its stiffest parameters are scaled down further.
	for g := range f.groups {
		var abs []float64
		for _, k := range f.groups[g] {
			abs = append(abs, math.Abs(diag[k]))
		}
		if len(abs) == 0 {
			continue
		}
		slices.Sort(abs)
		floor := 3.0 * abs[len(abs)/2]
		for _, k := range f.groups[g] {
			f.scale[k] = 1 / math.Sqrt(max(math.Abs(diag[k]), floor, 1e-300))
		}
	}
	f.cached = false
	return nil
}

// refresh evaluates the current x unconditionally: after a thaw the same x
// gives new targets.
func (f *fitter) refresh() error {
	f.rebase()
	return f.eval(make([]float64, len(f.idx)))
}

func fit(o *fitOpts, in *inputs, stdout io.Writer) (*fitSummary, error) {
	e, err := computeloss.New[float64](in.hyp, in.model, &o.engine)
	if err != nil {
		return nil, asInput(err)
	}
	f := newFitter(e, in)
	var evalErr error
	problem := optimize.Problem{
		Func: func(z []float64) float64 {
			if err := f.eval(z); err != nil {
				evalErr = err
				return math.NaN()
			}
			return f.res.Loss
		},
		Grad: func(grad, z []float64) {
			if err := f.eval(z); err != nil {
				evalErr = err
				return
			}
			f.grad(grad)
		},
	}
	if err := f.refresh(); err != nil {
		return nil, asInput(err)
	}
	start := f.res
	before := labelIoUs(in, f.p)
	fmt.Fprintf(stdout, "fit: %d free parameters of %d (%s), %s, criteria %s\n",
		len(f.idx), len(f.x), in.source, in.hypName, criteriaText(e))
	fmt.Fprintf(stdout, "start: loss %.6f  lbox %.6f  lobj %.6f  lcls %.6f\n", start.Loss, start.LBox, start.LObj, start.LCls)

	t0 := time.Now()
	rec := &progress{w: stdout, f: f, t0: t0, quiet: o.quiet, every: time.Second}
	rng := rand.New(rand.NewPCG(1, 1))
	// The engine's gradient is YOLOv5's: the objectness targets (IoUs) and
	// the CIoU aspect weights are constants to it, but they move with the
	// predictions, so it is not the derivative of the loss that a line
	// search sees. Fit in rounds instead: freeze those terms, minimise the
	// then smooth loss with LBFGS, thaw, refresh them from the improved
	// boxes, and go again.
	var status optimize.Status
	left := o.iters
	for round := 1; left > 0 && time.Since(t0) < o.timeout; round++ {
		e.SetFrozen(false)
		if err := f.refresh(); err != nil {
			return nil, err
		}
		e.SetFrozen(true)
		if err := f.precondition(rng); err != nil {
			return nil, err
		}
		settings := &optimize.Settings{
			MajorIterations: min(left, 200),
			Runtime:         o.timeout - time.Since(t0),
			Recorder:        rec,
			Converger:       &optimize.FunctionConverge{Relative: 1e-9, Iterations: 20},
		}
		res, err := optimize.Minimize(problem, make([]float64, len(f.idx)), settings, &optimize.LBFGS{Store: 10})
		if evalErr != nil {
			return nil, evalErr
		}
		if res == nil {
			return nil, fmt.Errorf("fit: %v", err)
		}
		left -= res.MajorIterations
		status = res.Status
		// Keep the best point LBFGS found; the refresh that follows
		// evaluates it.
		f.moveTo(res.X)
		if !o.quiet {
			fmt.Fprintf(stdout, "  round %d: %d iterations, %v, loss %.6g with the targets frozen\n", round, res.MajorIterations, res.Status, res.F)
		}
		if floats.Norm(res.X, math.Inf(1)) == 0 {
			break
		}
	}
	e.SetFrozen(false)
	if err := f.refresh(); err != nil {
		return nil, err
	}
	end := f.res
	after := labelIoUs(in, f.p)
	fmt.Fprintf(stdout, "end:   loss %.6f  lbox %.6f  lobj %.6f  lcls %.6f  (%s after %d iterations, %d evaluations, %.1fs)\n",
		end.Loss, end.LBox, end.LObj, end.LCls, status, rec.iters, f.total, time.Since(t0).Seconds())
	fmt.Fprintf(stdout, "loss before %.6f, after %.6f: %.2f%% of the start\n\n", start.Loss, end.Loss, 100*end.Loss/start.Loss)
	fmt.Fprintln(stdout, "IoU of each label with the decoded predicted boxes of its assigned cells (before → after):")
	fmt.Fprintln(stdout, "label  image  class  cells   min IoU            mean IoU")
	for k, l := range in.batch.Targets {
		b, a := before[k], after[k]
		if a.n == 0 {
			fmt.Fprintf(stdout, "%5d  %5d  %5d  %5d   (no cell: filtered by anchor_t)\n", k, int(l[0]), int(l[1]), 0)
			continue
		}
		fmt.Fprintf(stdout, "%5d  %5d  %5d  %5d   %.3f → %.3f      %.3f → %.3f\n", k, int(l[0]), int(l[1]), a.n, b.min, a.min, b.mean(), a.mean())
	}

	// Write the fitted predictions, in the input's dtype, with the same
	// targets, anchors and strides.
	outB := *in.batch
	outB.Preds = nil
	outB.AnchorsGrid, outB.Strides = in.model.AnchorsGrid, in.model.Strides
	for i, t := range in.batch.Preds {
		nt := batchfile.Tensor{Name: t.Name, Array: tensor.Array{Shape: t.Shape}}
		if t.F32 != nil {
			nt.F32 = make([]float32, t.Len())
			for k, v := range f.p[i].Data {
				nt.F32[k] = float32(v)
			}
		} else {
			nt.F64 = f.p[i].Data // not used after this
		}
		outB.Preds = append(outB.Preds, nt)
	}
	if err := batchfile.WriteFile(o.out, outB.Tensors()); err != nil {
		return nil, outputErr(err)
	}
	fmt.Fprintf(stdout, "\nfitted predictions written to %s\n", o.out)
	return &fitSummary{start: start, end: end, before: before, after: after, elapsed: time.Since(t0)}, nil
}

// iouStats summarises the IoUs of one label's assigned cells.
type iouStats struct {
	n        int
	min, sum float64
}

func (s iouStats) mean() float64 { return s.sum / float64(s.n) }

// labelIoUs decodes, for every label, the predicted boxes of all the cells
// the assigner gives it (every layer, neighbour cells included) and returns
// their IoU with the label's box, in pixels.
func labelIoUs(in *inputs, p []tensor.Tensor[float64]) []iouStats {
	out := make([]iouStats, len(in.batch.Targets))
	for k := range out {
		out[k].min = math.Inf(1)
	}
	for i, t := range p {
		sh := t.Shape
		stride := in.model.Strides[i]
		W, H := float64(sh[3])*stride, float64(sh[2])*stride // image size in pixels
		for _, m := range in.layerMatches(i) {
			d := decode.Cell(t, m.Image, m.Anchor, m.GJ, m.GI, in.model.AnchorsGrid[i][m.Anchor], stride)
			l := in.batch.Targets[m.Label]
			iou := iou.IoU(d.Box.XYWH(), iou.Box{l[2] * W, l[3] * H, l[4] * W, l[5] * H})
			s := &out[m.Label]
			s.n++
			s.sum += iou
			s.min = math.Min(s.min, iou)
		}
	}
	return out
}

// progress prints a line per second of fitting.
type progress struct {
	w     io.Writer
	f     *fitter
	t0    time.Time
	last  time.Time
	every time.Duration
	iters int
	quiet bool
}

func (r *progress) Init() error { return nil }

func (r *progress) Record(loc *optimize.Location, op optimize.Operation, _ *optimize.Stats) error {
	if op != optimize.MajorIteration {
		return nil
	}
	r.iters++
	if r.quiet || time.Since(r.last) < r.every {
		return nil
	}
	r.last = time.Now()
	fmt.Fprintf(r.w, "  %6.1fs  iter %5d  loss %.6f  lbox %.6f  lobj %.6f  lcls %.6f  |grad| %.3g\n",
		time.Since(r.t0).Seconds(), r.iters, loc.F, r.f.res.LBox, r.f.res.LObj, r.f.res.LCls, floats.Norm(loc.Gradient, 2))
	return nil
}
