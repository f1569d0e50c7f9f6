package main

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/bench"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/compare"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
	"github.com/yolo-loss/yololoss/v8loss"
)

// v8Report is the JSON output for an anchor-free head; its field names
// are a contract with outside scripts, and those of its items are the
// golden cases' (testdata/golden-v8).
type v8Report struct {
	Head string `json:"head"` // "v8"
	v8Items
	Criteria      string    `json:"criteria"`
	IoUType       string    `json:"iou_type"`
	BoxLoss       string    `json:"box_loss"`
	Source        string    `json:"source"`
	Hyp           string    `json:"hyp"`
	DType         string    `json:"dtype"`
	InputDType    string    `json:"input_dtype,omitempty"`
	NC            int       `json:"nc"`
	Strides       []float64 `json:"strides"`
	RegMax        int       `json:"reg_max"`
	End2End       bool      `json:"end2end"`
	Images        int       `json:"images"`
	Labels        int       `json:"labels"`
	Layers        []v8Layer `json:"layers"`
	Grad          string    `json:"grad,omitempty"`
	GradElements  *int      `json:"grad_elements,omitempty"`
	GradNonFinite *int      `json:"grad_nonfinite,omitempty"`
	History       []v8Items `json:"history,omitempty"` // every call with -iters > 1
	// -compare's tables: the class criteria and the box losses, each row
	// one call of an engine of its own at the last call's epoch.
	Compare   []compare.V8Row `json:"compare,omitempty"`
	BoxLosses []compare.V8Row `json:"box_losses,omitempty"`
	// -bench's medians, as the YOLOv5 head's report names them.
	MedianMs      *float64 `json:"median_ms,omitempty"`
	AllocsPerCall *float64 `json:"allocs_per_call,omitempty"`
	ForwardMs     *float64 `json:"forward_median_ms,omitempty"`
	ClearMs       *float64 `json:"clear_median_ms,omitempty"`
	Calls         int      `json:"bench_calls,omitempty"`
	Workers       int      `json:"workers,omitempty"`
}

// v8Items are one call's numbers: the items after their gains (the
// one-to-one branch's for an end-to-end head), the foreground count and
// target_scores_sum (the one-to-many branch's), the branch weights, and
// WIoU's running mean of the one-to-many branch.
type v8Items struct {
	Loss     float64  `json:"loss"`
	LBox     float64  `json:"lbox"`
	LCls     float64  `json:"lcls"`
	LDfl     float64  `json:"ldfl"`
	FG       int      `json:"fg"`
	TSS      float64  `json:"tss"`
	Epoch    int      `json:"epoch"`
	O2M      *float64 `json:"o2m,omitempty"`
	O2O      *float64 `json:"o2o,omitempty"`
	WIoUMean *float64 `json:"wiou_mean,omitempty"`
}

type v8Layer struct {
	Name   string  `json:"name"` // P3, …
	Grid   [2]int  `json:"grid"` // ny, nx
	Stride float64 `json:"stride"`
}

// loadV8Hyp reads the hyp file at path for the anchor-free head, or takes
// ultralytics 8.4.35's defaults when path is empty.
func loadV8Hyp(path string) (*hyp.Hyp, string, error) {
	if path == "" {
		return hyp.DefaultV8(), "ultralytics 8.4.35's defaults (hyp.DefaultV8)", nil
	}
	h, err := hyp.Load(path)
	if err != nil {
		return nil, "", cli.AsInput(err)
	}
	if h, err = h.For(hyp.HeadV8); err != nil {
		return nil, "", cli.AsInput(err)
	}
	return h, path, nil
}

// checkV8Opts refuses the flags that mean nothing for the anchor-free
// head.
func checkV8Opts(o *lossOpts) error {
	for _, f := range []struct {
		set  bool
		name string
	}{
		{o.engine.Autobalance, "-autobalance"}, {o.engine.SortObjIoU, "-sort-obj-iou"}, {o.engine.GR != nil, "-gr"},
	} {
		if f.set {
			return cli.Inputf("%s: YOLOv5's objectness option, which the anchor-free head has no use for", f.name)
		}
	}
	return nil
}

// runV8 is the loss breakdown of an anchor-free head.
func runV8(stdout, stderr io.Writer, o *lossOpts, in *v8Inputs) error {
	if err := checkV8Opts(o); err != nil {
		return err
	}
	h, hypName, err := loadV8Hyp(o.hyp)
	if err != nil {
		return err
	}
	runF32, _ := checkLossOpts(o)
	var rep *v8Report
	var save func() error
	if runF32(in.f32) {
		if !in.f32 {
			if err := checkFloat32Range(in.source, append(slices.Clone(in.p), in.q...)); err != nil {
				return err
			}
		}
		rep, save, err = v8Run[float32](o, in, h)
	} else {
		rep, save, err = v8Run[float64](o, in, h)
	}
	if err != nil {
		return err
	}
	rep.Hyp = hypName
	return emit(stdout, o.json, rep, save, func() { printV8(stdout, rep, h) })
}

// v8Run makes the calls that the flags ask for, call k at epoch k, and
// reports them; save, not nil with -grad, writes the last call's gradient.
func v8Run[T tensor.Float](o *lossOpts, in *v8Inputs, h *hyp.Hyp) (*v8Report, func() error, error) {
	e, err := v8loss.New[T](h, in.head, &v8loss.Options{Workers: o.workers})
	if err != nil {
		return nil, nil, cli.AsInput(err)
	}
	arrays := append(slices.Clone(in.p), in.q...)
	p := make([]tensor.Tensor[T], len(arrays))
	for i, a := range arrays {
		p[i] = tensor.Convert[T](a.Array)
	}
	// g is the gradient of the last call for -grad, and scratch for
	// -compare and -bench after it has been kept.
	var g []tensor.Tensor[T]
	if o.grad != "" || o.compare || o.bench > 0 {
		g = tensor.Like(nil, p)
	}
	gi := g
	if o.grad == "" {
		gi = nil
	}
	rep, err := newV8Report[T](h, in)
	if err != nil {
		return nil, nil, err
	}
	for k := range o.iters {
		e.SetEpoch(k)
		res, err := e.Loss(p, in.targets, gi)
		if err != nil {
			return nil, nil, cli.Inputf("%s: %v", in.source, err)
		}
		if err := checkV8Finite(res, p, in, k, o.iters); err != nil {
			return nil, nil, err
		}
		rep.History = append(rep.History, v8ItemsOf(res, k, in.head.End2End, rep.IoUType == "wiou"))
	}
	rep.v8Items = rep.History[len(rep.History)-1]
	if o.iters == 1 {
		rep.History = nil
	}
	var save func() error
	if o.grad != "" {
		out := make([]batchfile.Tensor, len(g))
		var n, bad int
		for i, t := range g {
			if o.compare || o.bench > 0 { // they overwrite g: keep the call's gradient
				t = tensor.Tensor[T]{Data: slices.Clone(t.Data), Shape: t.Shape}
			}
			out[i] = batchfile.Tensor{Name: arrays[i].Name, Array: tensor.View(t)}
			n += len(t.Data)
			for _, v := range t.Data {
				if !isFinite(float64(v)) {
					bad++
				}
			}
		}
		rep.Grad, rep.GradElements, rep.GradNonFinite = o.grad, &n, &bad
		save = func() error { return writeTensors("-grad", o.grad, out, o.force) }
	}
	if o.compare {
		cin := compare.V8Input[T]{Hyp: h, Head: in.head, Workers: o.workers, Epoch: o.iters - 1, Preds: p, Labels: in.targets}
		if rep.Compare, err = compare.V8Criteria(cin, g); err != nil {
			return nil, nil, cli.AsInput(err)
		}
		if rep.BoxLosses, err = compare.V8BoxLosses(cin, g); err != nil {
			return nil, nil, cli.AsInput(err)
		}
	}
	if o.bench > 0 {
		b, err := bench.Calls(func(grad []tensor.Tensor[T]) error { _, err := e.Loss(p, in.targets, grad); return err }, g, o.bench)
		if err != nil {
			return nil, nil, cli.AsInput(err)
		}
		rep.MedianMs, rep.AllocsPerCall, rep.ForwardMs, rep.ClearMs = &b.ForwardBackward, &b.AllocsPerCall, &b.Forward, &b.Clear
		rep.Calls, rep.Workers = o.bench, o.workers
		if rep.Workers <= 0 {
			rep.Workers = runtime.GOMAXPROCS(0)
		}
	}
	return rep, save, nil
}

// newV8Report starts the report of the head of in under hyp h.
func newV8Report[T tensor.Float](h *hyp.Hyp, in *v8Inputs) (*v8Report, error) {
	a := in.head
	r := &v8Report{Head: "v8", Source: in.source, DType: tensor.DTypeName[T](), NC: a.NC, Strides: a.Strides,
		RegMax: a.RegMax, End2End: a.End2End, Images: in.p[0].Shape[0], Labels: len(in.targets)}
	if file := in.p[0].DType(); file != r.DType {
		r.InputDType = file
	} else if in.fileDType != "" { // converted as it was read
		r.InputDType = in.fileDType
	}
	bl := h.BoxLoss()
	l, err := iou.New(bl)
	if err != nil {
		return nil, cli.AsInput(err)
	}
	r.IoUType, r.BoxLoss = bl.Type, l.String()
	r.Criteria = "BCE on cls"
	if h.FlGamma > 0 {
		r.Criteria = fmt.Sprintf("%s γ=%g α=%g on cls", h.FlType, h.FlGamma, h.FlAlpha)
	}
	for i, t := range in.p {
		r.Layers = append(r.Layers, v8Layer{model.LayerName(i, a.Strides), [2]int{t.Shape[2], t.Shape[3]}, a.Strides[i]})
	}
	return r, nil
}

// v8ItemsOf returns the items of call k.
func v8ItemsOf(res v8loss.Result, k int, e2e, wiou bool) v8Items {
	it := v8Items{Loss: res.Loss, LBox: res.LBox, LCls: res.LCls, LDfl: res.LDfl, FG: res.FG, TSS: res.TSS, Epoch: k}
	if e2e {
		o2m, o2o := res.O2M, res.O2O
		it.O2M, it.O2O = &o2m, &o2o
	}
	if wiou {
		m := res.Box.Mean
		it.WIoUMean = &m
	}
	return it
}

// v8Channels are the channels of an anchor-free output [bs, 4·R + nc, ny,
// nx] that each item reads: lbox and ldfl the box distributions, lcls the
// classes.
func v8Channels(item string, r, c int) (lo, hi int, what string) {
	if item == "lcls" {
		return 4 * r, c, "class logit"
	}
	return 0, 4 * r, "box logit"
}

// checkV8Finite is checkFinite for the anchor-free head: it names the
// branch and item that are not finite and the largest logit that item
// reads in that branch's outputs.
func checkV8Finite[T tensor.Float](res v8loss.Result, p []tensor.Tensor[T], in *v8Inputs, k, iters int) error {
	if isFinite(res.Loss) {
		return nil
	}
	b := notFinite(res.Loss, k, iters)
	nl := len(in.p)
	for br, bres := range res.Branches {
		for _, it := range []struct {
			name string
			v    float64
		}{{"lbox", bres.LBox}, {"lcls", bres.LCls}, {"ldfl", bres.LDfl}} {
			if isFinite(it.v) {
				continue
			}
			branch := "the"
			if in.head.End2End {
				branch = [2]string{"the one-to-many", "the one-to-one"}[br]
			}
			fmt.Fprintf(b, ": %s of %s branch is %v", it.name, branch, it.v)
			lo, hi, what := v8Channels(it.name, in.head.RegMax, in.head.Channels())
			names := in.p // the branch's arrays, for their names
			if br == 1 {
				names = in.q
			}
			best, bi, bj := 0.0, -1, 0
			for i, t := range p[br*nl : (br+1)*nl] {
				sh := t.Shape
				for j, x := range t.Data {
					c := (j / (sh[2] * sh[3])) % sh[1]
					if c >= lo && c < hi && math.Abs(float64(x)) > math.Abs(best) {
						best, bi, bj = float64(x), i, j
					}
				}
			}
			if bi >= 0 {
				t := p[br*nl+bi]
				fmt.Fprintf(b, "; its largest %s is %s%v = %g", what, names[bi].Name, unravel(bj, t.Shape), best)
			}
			b.WriteString("; logits this large overflow the loss, and nothing is written")
			return cli.Inputf("%s", b.String())
		}
	}
	b.WriteString(": the items' sum overflows; nothing is written")
	return cli.Inputf("%s", b.String())
}

// printV8 prints the breakdown of an anchor-free head's loss.
func printV8(w io.Writer, r *v8Report, h *hyp.Hyp) {
	dtype := r.DType
	if r.InputDType != "" {
		dtype += " (the file's " + r.InputDType + ", converted)"
	}
	kind := "anchor-free"
	if r.End2End {
		kind += ", end-to-end"
	}
	fmt.Fprintf(w, "YOLOv8-family loss (%s head, reg_max %d) on %s: %d images, %d classes, %d labels, %s\n",
		kind, r.RegMax, r.Source, r.Images, r.NC, r.Labels, dtype)
	fmt.Fprintf(w, "hyp: %s (box %g, cls %g, dfl %g, tal_topk %d", r.Hyp, h.Box, h.Cls, h.Dfl, h.TalTopk)
	if r.End2End {
		fmt.Fprintf(w, ", epochs %d", h.Epochs)
	}
	fmt.Fprintf(w, ")\ncriteria: %s\nbox loss: %s (%s)\n", r.Criteria, r.IoUType, r.BoxLoss)
	var layers []string
	for _, l := range r.Layers {
		layers = append(layers, fmt.Sprintf("%s %dx%d (stride %g)", l.Name, l.Grid[1], l.Grid[0], l.Stride))
	}
	fmt.Fprintf(w, "layers: %s\n\n", strings.Join(layers, ", "))
	fmt.Fprintf(w, "foreground anchors %d, target_scores_sum %s\n", r.FG, num(r.TSS))
	if r.End2End {
		fmt.Fprintf(w, "loss = bs·(o2m·(lbox + lcls + ldfl)_one-to-many + o2o·(…)_one-to-one), o2m %.4g, o2o %.4g at epoch %d = %s\n",
			*r.O2M, *r.O2O, r.Epoch, num(r.Loss))
		fmt.Fprintf(w, "one-to-one branch: lbox %s  lcls %s  ldfl %s\n", num(r.LBox), num(r.LCls), num(r.LDfl))
	} else {
		fmt.Fprintf(w, "loss = (lbox + lcls + ldfl) × bs = (%s + %s + %s) × %d = %s\n",
			num(r.LBox), num(r.LCls), num(r.LDfl), r.Images, num(r.Loss))
	}
	if len(r.History) > 1 {
		fmt.Fprintf(w, "%d calls, call k at epoch k (the lines above show the last):\n", len(r.History))
		for k, it := range r.History {
			fmt.Fprintf(w, "  call %d: loss %s  lbox %s  lcls %s  ldfl %s  fg %d", k+1, num(it.Loss), num(it.LBox), num(it.LCls), num(it.LDfl), it.FG)
			if it.O2M != nil {
				fmt.Fprintf(w, "  o2m %.4g o2o %.4g", *it.O2M, *it.O2O)
			}
			if it.WIoUMean != nil {
				fmt.Fprintf(w, "  wiou mean %.6g", *it.WIoUMean)
			}
			fmt.Fprintln(w)
		}
	}
	if r.Grad != "" {
		finite := "all finite"
		if *r.GradNonFinite > 0 {
			finite = fmt.Sprintf("%d not finite (NaN or ±Inf)", *r.GradNonFinite)
		}
		names := fmt.Sprintf("p0…p%d", len(r.Layers)-1)
		if r.End2End {
			names += fmt.Sprintf(", q0…q%d", len(r.Layers)-1)
		}
		fmt.Fprintf(w, "gradient written to %s (%s, %s): %d elements, %s\n", r.Grad, names, r.DType, *r.GradElements, finite)
	}
	if len(r.Compare) > 0 {
		fmt.Fprintln(w, "\nclass criteria compared on the same outputs (|grad|: sums over the class and the box logits):")
		printV8Rows(w, "criterion", r.Compare)
		fmt.Fprintln(w, "\nbox losses compared on the same outputs, each with its default parameters:")
		printV8Rows(w, "iou_type", r.BoxLosses)
	}
	if r.MedianMs != nil {
		fmt.Fprintf(w, "\nbench: %d forward+backward calls, median %.3f ms, %.1f allocations per call, %d workers\n",
			r.Calls, *r.MedianMs, *r.AllocsPerCall, r.Workers)
		fmt.Fprintf(w, "       forward only %.3f ms; clear() of the gradient %.3f ms, so forward+backward = %.1f × clear()\n",
			*r.ForwardMs, *r.ClearMs, *r.MedianMs / *r.ClearMs)
	}
}

// printV8Rows prints a table of -compare's rows for the anchor-free head,
// the hyp's own marked "(hyp)".
func printV8Rows(w io.Writer, first string, rows []compare.V8Row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, first+"\tloss\tlbox\tlcls\tldfl\tfg\t|cls grad|\t|box grad|\t")
	for _, r := range rows {
		name := r.Name
		if r.IoUType != "" {
			name = r.IoUType + " (" + r.Name + ")"
		}
		if r.Hyp {
			name += " (hyp)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%.4g\t%.4g\t\n", name, num(r.Loss), num(r.LBox), num(r.LCls), num(r.LDfl), r.FG, r.ClsGrad, r.BoxGrad)
	}
	tw.Flush()
}
