package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"github.com/yolo-loss/yololoss/tensor"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/target"
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
	if in.f32 {
		return lossRun[float32](&o, in, stdout)
	}
	return lossRun[float64](&o, in, stdout)
}

// report is the JSON output; its field names are a contract with outside
// scripts.
type report struct {
	items                        // the last call's numbers
	Criteria      string         `json:"criteria"`
	Source        string         `json:"source"`
	Hyp           string         `json:"hyp"`
	DType         string         `json:"dtype"`
	Layers        []layerReport  `json:"layers"`
	Grad          string         `json:"grad,omitempty"`
	MedianMs      *float64       `json:"median_ms,omitempty"`
	AllocsPerCall *float64       `json:"allocs_per_call,omitempty"`
	ForwardMs     *float64       `json:"forward_median_ms,omitempty"` // the loss alone
	ClearMs       *float64       `json:"clear_median_ms,omitempty"`   // clear() of the gradient buffers
	Calls         int            `json:"bench_calls,omitempty"`
	Workers       int            `json:"workers,omitempty"`
	Compare       []compareEntry `json:"compare,omitempty"`
	History       []items        `json:"history,omitempty"` // every call with -iters > 1
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

func lossRun[T tensor.Float](o *lossOpts, in *inputs, stdout io.Writer) error {
	e, err := computeloss.New[T](in.hyp, in.model, &o.engine)
	if err != nil {
		return asInput(err)
	}
	e.SetWorkers(o.workers)
	p, g := tensors[T](in.batch, o.grad != "" || o.bench > 0 || o.compare)
	// The gradient is written only with -grad; -compare and -bench use g
	// as their own scratch.
	var gi []tensor.Tensor[T]
	if o.grad != "" {
		gi = g
	}
	var res computeloss.Result
	var history []items
	for range o.iters {
		if res, err = e.Loss(p, in.batch.Targets, gi); err != nil {
			return asInput(err)
		}
		history = append(history, items{res.Loss, res.LBox, res.LObj, res.LCls, slices.Clone(res.Balance)})
	}
	rep := report{
		items:    history[len(history)-1],
		Criteria: criteriaText(e),
		Source:   in.source, Hyp: in.hypName, DType: dtypeName(in.f32),
	}
	if o.iters > 1 {
		rep.History = history
	}
	for i, l := range res.Layers {
		sh := p[i].Shape
		rep.Layers = append(rep.Layers, layerReport{
			Grid: [2]int{sh[2], sh[3]}, Stride: in.model.Strides[i],
			Matches: l.Matches, Labels: labelsMatched(in, i),
			LBox: l.LBox, LObj: l.LObj, LCls: l.LCls, Balance: l.Balance,
		})
	}
	if o.grad != "" {
		if err := batchfile.WriteFile(o.grad, gradTensors(g)); err != nil {
			return outputErr(err)
		}
		rep.Grad = o.grad
	}
	if o.compare {
		if rep.Compare, err = compare[T](o, in, p, g); err != nil {
			return err
		}
	}
	if o.bench > 0 {
		b, err := bench(e, p, in.batch.Targets, g, o.bench)
		if err != nil {
			return err
		}
		rep.MedianMs, rep.AllocsPerCall, rep.Calls = &b.fwdBwd, &b.allocsPerCall, o.bench
		rep.ForwardMs, rep.ClearMs = &b.fwd, &b.clear
		rep.Workers = o.workers
		if rep.Workers <= 0 {
			rep.Workers = runtime.GOMAXPROCS(0)
		}
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(rep)
	}
	printReport(stdout, &rep, in)
	return nil
}

// criteriaText describes the criteria in force, e.g.
// "focal γ=1.5 α=0.25 on cls and obj".
func criteriaText[T tensor.Float](e *computeloss.Engine[T]) string {
	cls, obj := e.Criteria()
	if cls.String() == obj.String() {
		return cls.String() + " on cls and obj"
	}
	return fmt.Sprintf("%v on cls, %v on obj", cls, obj)
}

// labelsMatched counts the labels with at least one match in layer i.
func labelsMatched(in *inputs, i int) int {
	seen := map[int]bool{}
	for _, m := range in.layerMatches(i) {
		seen[m.Label] = true
	}
	return len(seen)
}

// benchResult is what -bench measures: medians in milliseconds.
type benchResult struct {
	fwdBwd, fwd, clear float64
	allocsPerCall      float64 // heap allocations per forward+backward call
}

// bench times n forward+backward calls after a warm-up, then n forward-only
// calls, then n clear() of the gradient buffers: the least any backward
// pass must do, writing its output once.
func bench[T tensor.Float](e *computeloss.Engine[T], p []tensor.Tensor[T], labels []target.Label, g []tensor.Tensor[T], n int) (benchResult, error) {
	for range 3 {
		if _, err := e.Loss(p, labels, g); err != nil {
			return benchResult{}, asInput(err)
		}
	}
	times := make([]time.Duration, n)
	var r benchResult
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for k := range times {
		t0 := time.Now()
		if _, err := e.Loss(p, labels, g); err != nil {
			return benchResult{}, asInput(err)
		}
		times[k] = time.Since(t0)
	}
	runtime.ReadMemStats(&after)
	r.fwdBwd = median(times)
	r.allocsPerCall = float64(after.Mallocs-before.Mallocs) / float64(n)
	for k := range times {
		t0 := time.Now()
		if _, err := e.Loss(p, labels, nil); err != nil {
			return benchResult{}, asInput(err)
		}
		times[k] = time.Since(t0)
	}
	r.fwd = median(times)
	for k := range times {
		t0 := time.Now()
		for _, t := range g {
			clear(t.Data)
		}
		times[k] = time.Since(t0)
	}
	r.clear = median(times)
	return r, nil
}

// median sorts t and returns its median in milliseconds.
func median(t []time.Duration) float64 {
	slices.Sort(t)
	n := len(t)
	m := t[n/2]
	if n%2 == 0 {
		m = (t[n/2-1] + t[n/2]) / 2
	}
	return float64(m) / 1e6
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

// compareEntry is one criterion's row of -compare.
type compareEntry struct {
	Criterion string  `json:"criterion"`
	Loss      float64 `json:"loss"`
	LBox      float64 `json:"lbox"`
	LObj      float64 `json:"lobj"`
	LCls      float64 `json:"lcls"`
	// Sums of |∂loss/∂objectness logit| over the cells with a positive
	// objectness target and over the rest, and the share of the positives.
	ObjGradPos   float64 `json:"obj_grad_pos"`
	ObjGradNeg   float64 `json:"obj_grad_neg"`
	ObjGradShare float64 `json:"obj_grad_pos_share"`
	ClsGrad      float64 `json:"cls_grad"`
}

// compare runs the four criteria on the same input with the hyp's γ (1.5
// when the hyp has 0) and α.
func compare[T tensor.Float](o *lossOpts, in *inputs, p, g []tensor.Tensor[T]) ([]compareEntry, error) {
	gamma := in.hyp.FlGamma
	if gamma == 0 {
		gamma = 1.5
	}
	pos := positiveCells(in, p)
	var out []compareEntry
	for _, c := range []struct {
		gamma float64
		typ   string
	}{{0, "focal"}, {gamma, "focal"}, {gamma, "qfocal"}, {gamma, "varifocal"}} {
		h := *in.hyp
		h.FlGamma, h.FlType = c.gamma, c.typ
		e, err := computeloss.New[T](&h, in.model, &o.engine)
		if err != nil {
			return nil, asInput(err)
		}
		e.SetWorkers(o.workers)
		r, err := e.Loss(p, in.batch.Targets, g)
		if err != nil {
			return nil, asInput(err)
		}
		ce := compareEntry{Criterion: criteriaText(e), Loss: r.Loss, LBox: r.LBox, LObj: r.LObj, LCls: r.LCls}
		ce.Criterion = strings.TrimSuffix(ce.Criterion, " on cls and obj")
		no := 5 + in.model.NC
		for i, t := range g {
			for c := range len(t.Data) / no {
				v := math.Abs(float64(t.Data[c*no+4]))
				if pos[i][c] {
					ce.ObjGradPos += v
				} else {
					ce.ObjGradNeg += v
				}
				for _, x := range t.Data[c*no+5 : (c+1)*no] {
					ce.ClsGrad += math.Abs(float64(x))
				}
			}
		}
		ce.ObjGradShare = ce.ObjGradPos / (ce.ObjGradPos + ce.ObjGradNeg)
		out = append(out, ce)
	}
	return out, nil
}

// positiveCells marks, per layer, the cells that some match assigns to.
func positiveCells[T tensor.Float](in *inputs, p []tensor.Tensor[T]) [][]bool {
	var pos [][]bool
	for i, t := range p {
		pos = append(pos, matchedCells(in, i, [5]int(t.Shape)))
	}
	return pos
}

// matchedCells marks the cells of layer i, of shape sh, that some match
// assigns to.
func matchedCells(in *inputs, i int, sh [5]int) []bool {
	m := make([]bool, sh[0]*sh[1]*sh[2]*sh[3])
	for _, mt := range in.layerMatches(i) {
		m[mt.Cell(sh[1], sh[2], sh[3])] = true
	}
	return m
}

func printCompare(w io.Writer, rows []compareEntry) {
	fmt.Fprintln(w, "\ncriteria compared on the same predictions (|grad| sums over objectness logits of matched / other cells):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "criterion\tloss\tlbox\tlobj\tlcls\t|obj grad| pos\t|obj grad| neg\tpos share\t|cls grad|\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%.5f\t%.5f\t%.5f\t%.5f\t%.4g\t%.4g\t%.1f%%\t%.4g\t\n",
			r.Criterion, r.Loss, r.LBox, r.LObj, r.LCls, r.ObjGradPos, r.ObjGradNeg, 100*r.ObjGradShare, r.ClsGrad)
	}
	tw.Flush()
}
