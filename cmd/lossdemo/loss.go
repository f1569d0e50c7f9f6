package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/bench"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/compare"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// lossOpts are the flags of the loss breakdown.
type lossOpts struct {
	hyp, pred, sample, grad, dtype string
	model                          string
	json, compare, force           bool
	engine                         computeloss.Options
	bench, workers, iters          int
}

func runLoss(args []string, stdout, stderr io.Writer) error {
	var o lossOpts
	fs := flag.NewFlagSet("lossdemo", flag.ContinueOnError)
	usage(fs, stderr, mainHeading())
	inputFlags(fs, &o.hyp, &o.pred, &o.sample)
	engineFlags(fs, &o.engine)
	fs.BoolVar(&o.json, "json", false, "print one JSON object")
	fs.StringVar(&o.grad, "grad", "", "write d(loss)/d(p_i) to `file.npz` (never over an existing file without -force)")
	forceFlag(fs, &o.force, "-grad")
	fs.StringVar(&o.dtype, "dtype", "", "run the engine in this `dtype`, float32 or float64, converting the predictions (default: the file's)")
	fs.IntVar(&o.bench, "bench", 0, "time `N` forward+backward calls after a warm-up, then N forward-only calls and N clear() of the gradient")
	fs.BoolVar(&o.compare, "compare", false, "compare "+joinList(compare.Names(), "and")+" on the same input, where the criterion applies, and the box losses")
	fs.IntVar(&o.workers, "workers", 0, "goroutines per call (0: GOMAXPROCS)")
	fs.IntVar(&o.iters, "iters", 1, "consecutive calls on one engine (autobalance moves between them; call k runs at epoch k); report each, the gradient of the last")
	fs.StringVar(&o.model, "model", "", "a YOLOv5 or ultralytics model `file`: run the built-in sample shaped by its head")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	runF32, err := checkLossOpts(&o)
	if err != nil {
		return err
	}
	in, in8, err := loadLossInputs(&o)
	if err != nil {
		return err
	}
	if in8 != nil {
		return runV8(stdout, stderr, &o, in8)
	}
	var rep *report
	var save func() error
	if runF32(in.f32) {
		if !in.f32 {
			if err := checkFloat32Range(in.source, in.batch.Preds); err != nil {
				return err
			}
		}
		rep, save, err = lossRun[float32](&o, in)
	} else {
		rep, save, err = lossRun[float64](&o, in)
	}
	if err != nil {
		return err
	}
	return output(stdout, stderr, &o, rep, in, save)
}

// output writes the gradient (save) and prints the report, in that order,
// once everything has been computed and checked: a run that fails leaves
// no file and prints no result.
func output(stdout, stderr io.Writer, o *lossOpts, rep *report, in *inputs, save func() error) error {
	return emit(stdout, o.json, rep, save, func() {
		for _, w := range rep.Warnings {
			fmt.Fprintf(stderr, "lossdemo: warning: %s\n", w)
		}
		printReport(stdout, rep, in)
	})
}

// emit is output for either head's report: it encodes rep as JSON (when
// asJSON) before save runs, so a report that cannot be encoded writes no
// file, then writes the JSON or calls print.
func emit(stdout io.Writer, asJSON bool, rep any, save func() error, print func()) error {
	var js []byte
	if asJSON {
		var err error
		if js, err = json.MarshalIndent(rep, "", " "); err != nil {
			return cli.Inputf("a number of the report is not finite: %v", err)
		}
		js = append(js, '\n')
	}
	if save != nil {
		if err := save(); err != nil {
			return err
		}
	}
	if asJSON {
		_, err := stdout.Write(js)
		return err
	}
	print()
	return nil
}

// checkLossOpts checks the flags that need no input, the -grad path
// included, and returns whether the engine runs in float32 for a file
// whose predictions are float32 or not (-dtype).
func checkLossOpts(o *lossOpts) (runF32 func(fileF32 bool) bool, err error) {
	if o.bench < 0 {
		return nil, cli.Inputf("-bench %d: want a count ≥ 0", o.bench)
	}
	if o.iters < 1 {
		return nil, cli.Inputf("-iters %d: want a count ≥ 1", o.iters)
	}
	if o.grad != "" {
		if err := cli.CheckOutput("-grad", o.grad, o.force); err != nil {
			return nil, err
		}
	}
	switch o.dtype {
	case "":
		return func(f bool) bool { return f }, nil
	case "float32", "float64":
		f32 := o.dtype == "float32"
		return func(bool) bool { return f32 }, nil
	}
	return nil, cli.Inputf("-dtype %q: want float32 or float64", o.dtype)
}

// checkFloat32Range returns an input error for the first element of the
// float64 arrays ts of source that -dtype float32 cannot hold.
func checkFloat32Range(source string, ts []batchfile.Tensor) error {
	for _, p := range ts {
		for k := range p.Len() {
			if v := p.At(k); math.Abs(v) > math.MaxFloat32 {
				return cli.Inputf("-dtype float32: %s: %s%v = %g is beyond float32's range (±%.4g); run in float64 (no -dtype)",
					source, p.Name, unravel(k, p.Shape), v, math.MaxFloat32)
			}
		}
	}
	return nil
}

// unravel returns the index in shape of flat index k, C order.
func unravel(k int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = k % shape[d]
		k /= shape[d]
	}
	return idx
}

// lossRun makes the calls that the flags ask for and reports them; save,
// not nil with -grad, writes the gradient of the last call.
func lossRun[T tensor.Float](o *lossOpts, in *inputs) (rep *report, save func() error, err error) {
	e, err := computeloss.New[T](in.hyp, in.model, &o.engine)
	if err != nil {
		return nil, nil, cli.AsInput(err)
	}
	e.SetWorkers(o.workers)
	p := feed.Preds[T](in.batch)
	// The gradient is written only with -grad; -compare and -bench use g
	// as their own scratch, after a copy has been taken for -grad.
	var g, gi []tensor.Tensor[T]
	if o.grad != "" || o.bench > 0 || o.compare {
		g = feed.Grads(p)
	}
	if o.grad != "" {
		gi = g
	}
	if rep, err = newReport(e, in); err != nil {
		return nil, nil, err
	}
	res, err := lossCalls(rep, e, p, in, gi, o.iters)
	if err != nil {
		return nil, nil, err
	}
	rep.Layers = layerReports(in, p, res)
	rep.Warnings = matchWarnings(in, rep.Layers)
	if o.grad != "" {
		kept := g
		if o.compare || o.bench > 0 { // they overwrite g: keep the call's gradient
			kept = make([]tensor.Tensor[T], len(g))
			for i, t := range g {
				kept[i] = tensor.Tensor[T]{Data: slices.Clone(t.Data), Shape: t.Shape}
			}
		}
		recordGrad(rep, o.grad, kept)
		save = func() error { return writeTensors("-grad", o.grad, feed.Arrays(kept), o.force) }
	}
	if o.compare {
		if err := addCompare(rep, in, o, p, g); err != nil {
			return nil, nil, err
		}
	}
	if o.bench > 0 {
		if err := addBench(rep, e, p, in, g, o); err != nil {
			return nil, nil, err
		}
	}
	return rep, save, nil
}

// newReport starts the report of engine e on in.
func newReport[T tensor.Float](e *computeloss.Engine[T], in *inputs) (*report, error) {
	rep := &report{Head: "v5", Criteria: compare.Describe(e.Criteria()), Source: in.source, Hyp: in.hypName, DType: tensor.DTypeName[T](),
		NC: in.model.NC, Strides: in.model.Strides}
	if file := in.batch.Preds[0].DType(); file != rep.DType {
		rep.InputDType = file
	} else if in.fileDType != "" { // converted as it was read
		rep.InputDType = in.fileDType
	}
	p := in.hyp.BoxLoss()
	l, err := iou.New(p)
	if err != nil {
		return nil, cli.AsInput(err)
	}
	rep.IoUType, rep.BoxLoss = p.Type, l.String()
	return rep, nil
}

// lossCalls makes iters calls of e and records each in r's history (kept
// only with more than one call), the last as r's items; the gradient of
// the last goes to gi when not nil.
func lossCalls[T tensor.Float](r *report, e *computeloss.Engine[T], p []tensor.Tensor[T], in *inputs, gi []tensor.Tensor[T], iters int) (computeloss.Result, error) {
	wiou := in.hyp.BoxLoss().Type == "wiou"
	var res computeloss.Result
	var err error
	for k := range iters {
		if res, err = e.Loss(p, in.batch.Targets, gi); err != nil {
			return res, cli.AsInput(err)
		}
		if err := checkFinite(res, p, in, k, iters); err != nil {
			return res, err
		}
		it := items{res.Loss, res.LBox, res.LObj, res.LCls, slices.Clone(res.Balance), nil}
		if wiou {
			it.WIoUMeans = wiouMeans(res)
		}
		r.History = append(r.History, it)
	}
	r.items = r.History[len(r.History)-1]
	if iters == 1 {
		r.History = nil
	}
	return res, nil
}

// wiouMeans returns the box loss's running mean after each layer with
// matches: WIoU's, which moves once per such layer.
func wiouMeans(res computeloss.Result) []float64 {
	means := []float64{}
	for _, l := range res.Layers {
		if l.Matches > 0 {
			means = append(means, l.Box.Mean)
		}
	}
	return means
}

// layerReports describes each layer of a call's result.
func layerReports[T tensor.Float](in *inputs, p []tensor.Tensor[T], res computeloss.Result) []layerReport {
	matches := feed.Matches(in.model, in.hyp.AnchorT, p, in.batch.Targets)
	var out []layerReport
	for i, l := range res.Layers {
		sh := p[i].Shape
		out = append(out, layerReport{
			Grid: [2]int{sh[2], sh[3]}, Stride: in.model.Strides[i],
			Matches: l.Matches, Labels: labelCount(matches, i),
			LBox: l.LBox, LObj: l.LObj, LCls: l.LCls, Balance: l.Balance,
		})
	}
	return out
}

// matchWarnings returns a warning for each layer that matches none of the
// labels although there are labels, which YOLOv5 does not report: anchors
// given in pixels where grid units are expected do that to the layers of
// larger strides (so can labels that are all far smaller or larger than a
// layer's anchors, which the warning cannot tell apart).
func matchWarnings(in *inputs, layers []layerReport) []string {
	if len(in.batch.Targets) == 0 {
		return nil
	}
	var w []string
	for i, l := range layers {
		if l.Matches == 0 {
			w = append(w, model.LayerName(i, in.model.Strides)+": no label matched its anchors; anchors in pixels?")
		}
	}
	return w
}

// labelCount returns the number of labels with a match in layer i of
// matches.
func labelCount(matches [][]target.Match, i int) int {
	labels := map[int]bool{}
	for _, m := range matches[i] {
		labels[m.Label] = true
	}
	return len(labels)
}

// recordGrad records in r the gradient g that goes to path, with the
// count of its elements and of those not finite.
func recordGrad[T tensor.Float](r *report, path string, g []tensor.Tensor[T]) {
	var n, bad int
	for _, t := range g {
		n += len(t.Data)
		for _, v := range t.Data {
			if !isFinite(float64(v)) {
				bad++
			}
		}
	}
	r.Grad, r.GradElements, r.GradNonFinite = path, &n, &bad
}

// isFinite reports whether v is neither NaN nor infinite.
func isFinite(v float64) bool { return v-v == 0 }

// addCompare adds the tables of -compare to r: the criteria, where the
// criterion applies, and the box losses.
func addCompare[T tensor.Float](r *report, in *inputs, o *lossOpts, p, g []tensor.Tensor[T]) error {
	cin := compare.Input[T]{Hyp: in.hyp, Model: in.model, Options: &o.engine, Workers: o.workers, Preds: p, Labels: in.batch.Targets}
	var err error
	if r.Compare, err = compare.Criteria(cin, g); err != nil {
		return cli.AsInput(err)
	}
	if r.Placements, err = compare.Placements(cin, g); err != nil {
		return cli.AsInput(err)
	}
	if r.BoxLosses, err = compare.BoxLosses(cin, g); err != nil {
		return cli.AsInput(err)
	}
	return nil
}

// addBench times the engine as -bench asks and adds the times to r.
func addBench[T tensor.Float](r *report, e *computeloss.Engine[T], p []tensor.Tensor[T], in *inputs, g []tensor.Tensor[T], o *lossOpts) error {
	b, err := bench.Run(e, p, in.batch.Targets, g, o.bench)
	if err != nil {
		return cli.AsInput(err)
	}
	r.MedianMs, r.AllocsPerCall, r.Calls = &b.ForwardBackward, &b.AllocsPerCall, o.bench
	r.ForwardMs, r.ClearMs = &b.Forward, &b.Clear
	r.Workers = o.workers
	if r.Workers <= 0 {
		r.Workers = runtime.GOMAXPROCS(0)
	}
	return nil
}
