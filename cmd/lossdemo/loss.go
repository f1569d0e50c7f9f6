package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/yolo-loss/yololoss/tensor"
	"io"
	"os"
	"runtime"
	"slices"
	"text/tabwriter"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/bench"
	"github.com/yolo-loss/yololoss/internal/compare"
	"github.com/yolo-loss/yololoss/internal/feed"
)

// lossOpts are the flags of the loss breakdown.
type lossOpts struct {
	hyp, pred, sample, grad string
	json, compare           bool
	engine                  computeloss.Options
	bench, workers, iters   int
}

func runLoss(args []string, stdout, stderr io.Writer) error {
	var o lossOpts
	fs := flag.NewFlagSet("lossdemo", flag.ContinueOnError)
	usage(fs, stderr, "usage: lossdemo [flags]            (also: lossdemo curves -h, lossdemo fit -h)")
	inputFlags(fs, &o.hyp, &o.pred, &o.sample)
	engineFlags(fs, &o.engine)
	fs.BoolVar(&o.json, "json", false, "print one JSON object")
	fs.StringVar(&o.grad, "grad", "", "write d(loss)/d(p_i) to `file.npz` (never overwrites)")
	fs.IntVar(&o.bench, "bench", 0, "time `N` forward+backward calls after a warm-up, then N forward-only calls and N clear() of the gradient")
	fs.BoolVar(&o.compare, "compare", false, "compare BCE, focal, qfocal and varifocal on the same input")
	fs.IntVar(&o.workers, "workers", 0, "goroutines per call (0: GOMAXPROCS)")
	fs.IntVar(&o.iters, "iters", 1, "consecutive calls on one engine (autobalance moves between them); report each, the gradient of the last")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.bench < 0 {
		return inputErr("-bench %d: want a count ≥ 0", o.bench)
	}
	if o.iters < 1 {
		return inputErr("-iters %d: want a count ≥ 1", o.iters)
	}
	if o.grad != "" {
		if _, err := os.Lstat(o.grad); err == nil {
			return inputErr("-grad %s: the file already exists; not overwriting it", o.grad)
		}
	}
	in, err := loadInputs(o.hyp, o.pred, o.sample)
	if err != nil {
		return err
	}
	var rep *report
	if in.f32 {
		rep, err = lossRun[float32](&o, in)
	} else {
		rep, err = lossRun[float64](&o, in)
	}
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(rep)
	}
	printReport(stdout, rep, in)
	return nil
}

// report is the JSON output; its field names are a contract with outside
// scripts.
type report struct {
	items                       // the last call's numbers
	Criteria      string        `json:"criteria"`
	Source        string        `json:"source"`
	Hyp           string        `json:"hyp"`
	DType         string        `json:"dtype"`
	Layers        []layerReport `json:"layers"`
	Grad          string        `json:"grad,omitempty"`
	MedianMs      *float64      `json:"median_ms,omitempty"`
	AllocsPerCall *float64      `json:"allocs_per_call,omitempty"`
	ForwardMs     *float64      `json:"forward_median_ms,omitempty"` // the loss alone
	ClearMs       *float64      `json:"clear_median_ms,omitempty"`   // clear() of the gradient buffers
	Calls         int           `json:"bench_calls,omitempty"`
	Workers       int           `json:"workers,omitempty"`
	Compare       []compare.Row `json:"compare,omitempty"`
	History       []items       `json:"history,omitempty"` // every call with -iters > 1
}

// items are one call's numbers.
type items struct {
	Loss    float64   `json:"loss"`
	LBox    float64   `json:"lbox"`
	LObj    float64   `json:"lobj"`
	LCls    float64   `json:"lcls"`
	Balance []float64 `json:"balance"`
}

type layerReport struct {
	Grid    [2]int  `json:"grid"` // ny, nx
	Stride  float64 `json:"stride"`
	Matches int     `json:"matches"`
	Labels  int     `json:"labels_matched"`
	LBox    float64 `json:"lbox"`
	LObj    float64 `json:"lobj"`
	LCls    float64 `json:"lcls"`
	Balance float64 `json:"balance"`
}

// lossRun makes the calls that the flags ask for and reports them.
func lossRun[T tensor.Float](o *lossOpts, in *inputs) (*report, error) {
	e, err := computeloss.New[T](in.hyp, in.model, &o.engine)
	if err != nil {
		return nil, asInput(err)
	}
	e.SetWorkers(o.workers)
	p := feed.Preds[T](in.batch)
	// The gradient is written only with -grad; -compare and -bench use g
	// as their own scratch.
	var g, gi []tensor.Tensor[T]
	if o.grad != "" || o.bench > 0 || o.compare {
		g = feed.Grads(p)
	}
	if o.grad != "" {
		gi = g
	}
	rep := &report{Criteria: compare.Describe(e.Criteria()), Source: in.source, Hyp: in.hypName, DType: feed.DTypeName(in.f32)}
	var res computeloss.Result
	for range o.iters {
		if res, err = e.Loss(p, in.batch.Targets, gi); err != nil {
			return nil, asInput(err)
		}
		rep.History = append(rep.History, items{res.Loss, res.LBox, res.LObj, res.LCls, slices.Clone(res.Balance)})
	}
	rep.items = rep.History[len(rep.History)-1]
	if o.iters == 1 {
		rep.History = nil
	}
	rep.Layers = layerReports(in, p, res)
	if o.grad != "" {
		if err := batchfile.WriteFile(o.grad, feed.Arrays(g)); err != nil {
			return nil, outputErr(err)
		}
		rep.Grad = o.grad
	}
	if o.compare {
		cin := compare.Input[T]{Hyp: in.hyp, Model: in.model, Options: &o.engine, Workers: o.workers, Preds: p, Labels: in.batch.Targets}
		if rep.Compare, err = compare.Criteria(cin, g); err != nil {
			return nil, asInput(err)
		}
	}
	if o.bench > 0 {
		if err := addBench(rep, e, p, in, g, o); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// layerReports describes each layer of a call's result.
func layerReports[T tensor.Float](in *inputs, p []tensor.Tensor[T], res computeloss.Result) []layerReport {
	matches := feed.Matches(in.model, in.hyp.AnchorT, p, in.batch.Targets)
	var out []layerReport
	for i, l := range res.Layers {
		labels := map[int]bool{} // the labels with at least one match
		for _, m := range matches[i] {
			labels[m.Label] = true
		}
		sh := p[i].Shape
		out = append(out, layerReport{
			Grid: [2]int{sh[2], sh[3]}, Stride: in.model.Strides[i],
			Matches: l.Matches, Labels: len(labels),
			LBox: l.LBox, LObj: l.LObj, LCls: l.LCls, Balance: l.Balance,
		})
	}
	return out
}

// addBench times the engine as -bench asks and adds the times to r.
func addBench[T tensor.Float](r *report, e *computeloss.Engine[T], p []tensor.Tensor[T], in *inputs, g []tensor.Tensor[T], o *lossOpts) error {
	b, err := bench.Run(e, p, in.batch.Targets, g, o.bench)
	if err != nil {
		return asInput(err)
	}
	r.MedianMs, r.AllocsPerCall, r.Calls = &b.ForwardBackward, &b.AllocsPerCall, o.bench
	r.ForwardMs, r.ClearMs = &b.Forward, &b.Clear
	r.Workers = o.workers
	if r.Workers <= 0 {
		r.Workers = runtime.GOMAXPROCS(0)
	}
	return nil
}

func printReport(w io.Writer, r *report, in *inputs) {
	b := in.batch
	fmt.Fprintf(w, "YOLOv5 loss on %s: %d images, %d classes, %d labels, %s\n",
		r.Source, b.BS(), b.NC(), len(b.Targets), r.DType)
	fmt.Fprintf(w, "hyp: %s (box %g, obj %g, cls %g, anchor_t %g)\n", r.Hyp, in.hyp.Box, in.hyp.Obj, in.hyp.Cls, in.hyp.AnchorT)
	fmt.Fprintf(w, "criteria: %s\n\n", r.Criteria)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tgrid\tstride\tlabels\tmatches\tlbox\tlobj\tlcls\tbalance\t")
	for i, l := range r.Layers {
		fmt.Fprintf(tw, "P%d\t%dx%d\t%g\t%d\t%d\t%.6f\t%.6f\t%.6f\t%.4g\t\n",
			i+3, l.Grid[1], l.Grid[0], l.Stride, l.Labels, l.Matches, l.LBox, l.LObj, l.LCls, l.Balance)
	}
	fmt.Fprintf(tw, "total\t\t\t\t\t%.6f\t%.6f\t%.6f\t\t\n", r.LBox, r.LObj, r.LCls)
	tw.Flush()
	fmt.Fprintf(w, "\nloss = (lbox + lobj + lcls) × bs = (%.6f + %.6f + %.6f) × %d = %.6f\n",
		r.LBox, r.LObj, r.LCls, b.BS(), r.Loss)
	if len(r.History) > 1 {
		fmt.Fprintf(w, "%d calls (the table shows the last):\n", len(r.History))
		for k, h := range r.History {
			fmt.Fprintf(w, "  call %d: loss %.6f  lbox %.6f  lobj %.6f  lcls %.6f  balance %.6g\n", k+1, h.Loss, h.LBox, h.LObj, h.LCls, h.Balance)
		}
	}
	if in.hyp.FlGamma == 0 {
		fmt.Fprintln(w, "(fl_gamma is 0: plain BCE. Set fl_gamma > 0 and fl_type to try focal, qfocal or varifocal; -compare shows all four.)")
	}
	if r.Grad != "" {
		fmt.Fprintf(w, "gradient written to %s (p0…p%d, %s)\n", r.Grad, len(r.Layers)-1, r.DType)
	}
	if len(r.Compare) > 0 {
		printCompare(w, r.Compare)
	}
	if r.MedianMs != nil {
		fmt.Fprintf(w, "\nbench: %d forward+backward calls, median %.3f ms, %.1f allocations per call, %d workers\n",
			r.Calls, *r.MedianMs, *r.AllocsPerCall, r.Workers)
		fmt.Fprintf(w, "       forward only %.3f ms; clear() of the gradient %.3f ms, so forward+backward = %.1f × clear()\n",
			*r.ForwardMs, *r.ClearMs, *r.MedianMs / *r.ClearMs)
	}
}

func printCompare(w io.Writer, rows []compare.Row) {
	fmt.Fprintln(w, "\ncriteria compared on the same predictions (|grad| sums over objectness logits of matched / other cells):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "criterion\tloss\tlbox\tlobj\tlcls\t|obj grad| pos\t|obj grad| neg\tpos share\t|cls grad|\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.5f\t%.5f\t%.5f\t%.5f\t%.4g\t%.4g\t%.1f%%\t%.4g\t\n",
			r.Criterion, r.Loss, r.LBox, r.LObj, r.LCls, r.ObjGradPos, r.ObjGradNeg, 100*r.ObjGradShare, r.ClsGrad)
	}
	tw.Flush()
}
