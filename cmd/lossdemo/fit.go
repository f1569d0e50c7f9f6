package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/ciou"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/decode"
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
	fs.StringVar(&o.hyp, "hyp", "", "hyp YAML `file` (default: the embedded hyp.scratch-low.yaml)")
	fs.StringVar(&o.pred, "pred", "", "predictions and targets, `file.npz` (default: the built-in sample)")
	fs.StringVar(&o.sample, "sample", "p5", "built-in sample when -pred is absent: p5 or p6")
	fs.StringVar(&o.out, "out", "", "write the fitted predictions to `file.npz` (required; never overwrites)")
	fs.IntVar(&o.iters, "iters", 500, "at most `N` LBFGS iterations")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "stop after this long")
	fs.BoolVar(&o.engine.Autobalance, "autobalance", false, "autobalance the objectness balance")
	fs.BoolVar(&o.engine.SortObjIoU, "sort-obj-iou", false, "write objectness targets in increasing IoU order")
	fs.Float64Var(&o.engine.GR, "gr", 1, "objectness target mix (1−gr) + gr·IoU")
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
	return fit(&o, in, stdout)
}

// fitter evaluates the loss and its gradient at a parameter vector: the
// concatenated prediction layers, in float64.
type fitter struct {
	e      *computeloss.Engine[float64]
	p, g   []computeloss.Tensor[float64]
	labels []target.Label
	last   []float64 // the x of the cached evaluation
	res    computeloss.Result
	evals  int
	total  int // engine calls, for the summary
}

// eval loads x into the predictions and runs the engine, unless x is the
// point evaluated last: gonum asks for the value and the gradient at the
// same x separately, and one engine call gives both.
func (f *fitter) eval(x []float64) error {
	if f.evals > 0 && floats.Equal(x, f.last) {
		return nil
	}
	off := 0
	for _, t := range f.p {
		off += copy(t.Data, x[off:])
	}
	r, err := f.e.Loss(f.p, f.labels, f.g)
	if err != nil {
		return err
	}
	f.res = r
	copy(f.last, x)
	f.evals++
	f.total++
	return nil
}

func fit(o *fitOpts, in *inputs, stdout io.Writer) error {
	e, err := computeloss.New[float64](in.hyp, in.model, &o.engine)
	if err != nil {
		return asInput(err)
	}
	f := &fitter{e: e, labels: in.batch.Targets}
	var x0 []float64
	for _, t := range in.batch.Preds {
		var sh [5]int
		copy(sh[:], t.Shape)
		f.p = append(f.p, computeloss.NewTensor[float64](sh))
		f.g = append(f.g, computeloss.NewTensor[float64](sh))
		for k := range t.Len() {
			if t.F32 != nil {
				x0 = append(x0, float64(t.F32[k]))
			} else {
				x0 = append(x0, t.F64[k])
			}
		}
	}
	f.last = make([]float64, len(x0))
	// LBFGS runs on z with x = base + scale⊙z (see precondition).
	base := make([]float64, len(x0))
	scale := make([]float64, len(x0))
	xs := make([]float64, len(x0))
	toX := func(z []float64) []float64 {
		for k := range xs {
			xs[k] = base[k] + scale[k]*z[k]
		}
		return xs
	}
	var evalErr error
	problem := optimize.Problem{
		Func: func(z []float64) float64 {
			if err := f.eval(toX(z)); err != nil {
				evalErr = err
				return math.NaN()
			}
			return f.res.Loss
		},
		Grad: func(grad, z []float64) {
			if err := f.eval(toX(z)); err != nil {
				evalErr = err
				return
			}
			off := 0
			for _, t := range f.g {
				off += copy(grad[off:], t.Data)
			}
			floats.Mul(grad, scale)
		},
	}
	if err := f.eval(x0); err != nil {
		return asInput(err)
	}
	start := f.res
	before := labelIoUs(in, f.p)
	fmt.Fprintf(stdout, "fit: %d parameters (%s), %s, criteria %s\n", len(x0), in.source, in.hypName, criteriaText(e))
	fmt.Fprintf(stdout, "start: loss %.6f  lbox %.6f  lobj %.6f  lcls %.6f\n", start.Loss, start.LBox, start.LObj, start.LCls)

	t0 := time.Now()
	rec := &progress{w: stdout, f: f, t0: t0, quiet: o.quiet, every: time.Second}
	// The engine's gradient is YOLOv5's: the objectness targets (IoUs) and
	// the CIoU aspect weights are constants to it, but they move with the
	// predictions, so it is not the derivative of the loss that a line
	// search sees. Fit in rounds instead: freeze those terms, minimise the
	// then smooth loss with LBFGS, thaw, refresh them from the improved
	// boxes, and go again.
	x := x0
	var status optimize.Status
	left := o.iters
	for round := 1; left > 0 && time.Since(t0) < o.timeout; round++ {
		e.SetFrozen(false)
		if err := f.refresh(x); err != nil {
			return err
		}
		e.SetFrozen(true)
		copy(base, x)
		if err := f.precondition(scale, x); err != nil {
			return err
		}
		settings := &optimize.Settings{
			MajorIterations: min(left, 100),
			Runtime:         o.timeout - time.Since(t0),
			Recorder:        rec,
			Converger:       &optimize.FunctionConverge{Relative: 1e-6, Iterations: 10},
		}
		res, err := optimize.Minimize(problem, make([]float64, len(x)), settings, &optimize.LBFGS{})
		if evalErr != nil {
			return evalErr
		}
		if res == nil {
			return fmt.Errorf("fit: %v", err)
		}
		left -= res.MajorIterations
		status = res.Status
		moved := floats.Norm(res.X, math.Inf(1)) > 0
		x = slices.Clone(toX(res.X))
		if !o.quiet {
			fmt.Fprintf(stdout, "  round %d: %d iterations, %v, loss %.6f with frozen targets\n", round, res.MajorIterations, res.Status, res.F)
		}
		if !moved {
			break
		}
	}
	e.SetFrozen(false)
	if err := f.refresh(x); err != nil {
		return err
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
	outB.Anchors, outB.Strides = in.model.Anchors, in.model.Strides
	off := 0
	for i, t := range in.batch.Preds {
		nt := batchfile.Tensor{Name: t.Name, Shape: t.Shape}
		n := t.Len()
		if t.F32 != nil {
			nt.F32 = make([]float32, n)
			for k := range nt.F32 {
				nt.F32[k] = float32(x[off+k])
			}
		} else {
			nt.F64 = append([]float64(nil), x[off:off+n]...)
		}
		off += n
		outB.Preds = append(outB.Preds, nt)
		_ = i
	}
	if err := batchfile.WriteFile(o.out, outB.Tensors()); err != nil {
		return asInput(err)
	}
	fmt.Fprintf(stdout, "\nfitted predictions written to %s\n", o.out)
	return nil
}

// precondition sets scale to 1/√h, where h estimates the diagonal of the
// Hessian at x from two gradient differences along random ±1 directions
// (Hutchinson's estimator, diag H ≈ E[v⊙Hv]). The loss's curvature spans
// orders of magnitude between the objectness logits of background cells
// and the box logits of matched ones; LBFGS alone, with one scalar initial
// Hessian, crawls on such a problem. The engine's gradient is all it uses.
func (f *fitter) precondition(scale, x []float64) error {
	const eps = 1e-4
	rng := rand.New(rand.NewPCG(1, 1))
	diag := make([]float64, len(x))
	v := make([]float64, len(x))
	xp := make([]float64, len(x))
	gp := make([]float64, len(x))
	const probes = 2
	for range probes {
		for k := range v {
			v[k] = float64(2*rng.IntN(2) - 1)
		}
		for sign := 1.0; sign >= -1; sign -= 2 {
			floats.AddScaledTo(xp, x, sign*eps, v)
			if err := f.refresh(xp); err != nil {
				return err
			}
			off := 0
			for _, t := range f.g {
				off += copy(gp[off:], t.Data)
			}
			// v⊙(g(x+εv) − g(x−εv))/(2ε)
			for k := range diag {
				diag[k] += sign * v[k] * gp[k] / (2 * eps * probes)
			}
		}
	}
	top := floats.Norm(diag, math.Inf(1))
	for k, d := range diag {
		scale[k] = 1 / math.Sqrt(max(math.Abs(d), 1e-6*top))
	}
	return nil
}

// refresh evaluates x unconditionally: after a thaw the same x gives new
// targets.
func (f *fitter) refresh(x []float64) error {
	f.evals = 0
	return f.eval(x)
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
func labelIoUs(in *inputs, p []computeloss.Tensor[float64]) []iouStats {
	out := make([]iouStats, len(in.batch.Targets))
	for k := range out {
		out[k].min = math.Inf(1)
	}
	for i, t := range p {
		sh := t.Shape
		stride := in.model.Strides[i]
		geo := target.Layer{NY: sh[2], NX: sh[3], Anchors: in.model.Anchors[i]}
		for _, m := range target.Build(nil, geo, in.batch.Targets, in.hyp.AnchorT) {
			d := decode.Cell(t, m.Image, m.Anchor, m.GJ, m.GI, in.model.Anchors[i][m.Anchor], stride)
			l := in.batch.Targets[m.Label]
			W, H := float64(sh[3])*stride, float64(sh[2])*stride
			iou := ciou.IoU(d.Box.XYWH(), ciou.Box{l[2] * W, l[3] * H, l[4] * W, l[5] * H})
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
