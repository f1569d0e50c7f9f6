package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/compare"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/fit"
)

// fitOpts are the flags of `lossdemo fit`.
type fitOpts struct {
	hyp, pred, sample, out string
	iters                  int
	timeout                time.Duration
	engine                 computeloss.Options
	quiet, force           bool
}

// runFit treats the raw predictions as free parameters and minimises the
// loss over them (package internal/fit), then writes them out.
func runFit(args []string, stdout, stderr io.Writer) error {
	var o fitOpts
	fs := flag.NewFlagSet("lossdemo fit", flag.ContinueOnError)
	usage(fs, stderr, "usage: lossdemo fit [-hyp FILE] [-pred IN.npz] [-iters N] [-force] -o OUT.npz")
	inputFlags(fs, &o.hyp, &o.pred, &o.sample)
	engineFlags(fs, &o.engine)
	fs.StringVar(&o.out, "o", "", "write the fitted predictions to `file.npz` (required; never over an existing file without -force)")
	forceFlag(fs, &o.force, "-o")
	fs.IntVar(&o.iters, "iters", fit.DefaultIterations, "at most `N` steps (one engine call each)")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "stop after this long")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress lines")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case o.out == "":
		return cli.Inputf("fit: -o is required")
	case o.iters < 1:
		return cli.Inputf("fit: -iters %d: want a count ≥ 1", o.iters)
	case o.timeout <= 0:
		return cli.Inputf("fit: -timeout %v: want a positive duration", o.timeout)
	}
	if err := cli.CheckOutput("fit: -o", o.out, o.force); err != nil {
		return err
	}
	if o.pred != "" && zipNames(o.pred)[regMaxName] {
		return cli.Inputf("fit: -pred %s holds an anchor-free head's outputs (reg_max); fit is for the YOLOv5 head only, as yet", o.pred)
	}
	in, err := loadInputs(o.hyp, o.pred, o.sample)
	if err != nil {
		return err
	}
	_, err = fitRun(&o, in, stdout)
	return err
}

// fitRun fits the predictions of in, in float64 whatever the file's type,
// prints what the fit did and writes the result in the file's type.
func fitRun(o *fitOpts, in *inputs, stdout io.Writer) (*fit.Result, error) {
	e, err := computeloss.New[float64](in.hyp, in.model, &o.engine)
	if err != nil {
		return nil, cli.AsInput(err)
	}
	p := feed.Preds[float64](in.batch)
	set := &fit.Settings{Iterations: o.iters, Timeout: o.timeout}
	if !o.quiet {
		set.Progress = func(r fit.Round) {
			fmt.Fprintf(stdout, "  round %d: %d iterations, loss %.6g with the targets frozen (lbox %.6g  lobj %.6g  lcls %.6g)\n",
				r.Round, r.Iterations, r.Frozen.Loss, r.Frozen.LBox, r.Frozen.LObj, r.Frozen.LCls)
		}
	}
	fmt.Fprintf(stdout, "fit: %s, %s, criteria %s\n", in.source, in.hypName, compare.Describe(e.Criteria()))
	s, err := e.Loss(p, in.batch.Targets, nil)
	if err != nil {
		return nil, cli.AsInput(err)
	}
	if err := checkFinite(s, p, in, 0, 1); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "start: loss %s  lbox %s  lobj %s  lcls %s\n", num(s.Loss), num(s.LBox), num(s.LObj), num(s.LCls))
	r, err := fit.Fit(e, p, in.batch.Targets, set)
	if err != nil {
		return nil, cli.AsInput(err)
	}
	printFit(stdout, r, in)
	if err := writeTensors("fit: -o", o.out, feed.WithPreds(in.batch, in.model, p, in.f32).Tensors(), o.force); err != nil {
		return nil, err
	}
	fmt.Fprintf(stdout, "\nfitted predictions written to %s\n", o.out)
	return r, nil
}

// printFit prints the loss before and after and, per label, the IoUs of
// its cells' boxes.
func printFit(w io.Writer, r *fit.Result, in *inputs) {
	s, e := r.Start, r.End
	fmt.Fprintf(w, "end:   loss %.6g  lbox %.6g  lobj %.6g  lcls %.6g  (%s after %d iterations, %d rounds, %d evaluations, %.1fs)\n",
		e.Loss, e.LBox, e.LObj, e.LCls, r.Stop, r.Iterations, r.Rounds, r.Evaluations, r.Elapsed.Seconds())
	fmt.Fprintf(w, "%d free parameters of %d: every cell's objectness logit, every channel of the matched cells\n", r.Free, r.Total)
	fmt.Fprintf(w, "loss before %.6f, after %.6g: %.3g%% of the start; lbox %.3g%% of the start\n",
		s.Loss, e.Loss, 100*e.Loss/s.Loss, 100*e.LBox/s.LBox)
	if r.Shared > 0 {
		fmt.Fprintf(w, "%d matches share their cell with another label's: one box cannot fit both, so the loss keeps a floor there\n", r.Shared)
	}
	fmt.Fprintln(w, "\nIoU of each label with the decoded predicted boxes of its assigned cells (before → after):")
	fmt.Fprintln(w, "label  image  class  cells   min IoU            mean IoU")
	for k, l := range in.batch.Targets {
		b, a := r.Before[k], r.After[k]
		if a.N == 0 {
			fmt.Fprintf(w, "%5d  %5d  %5d  %5d   (no cell: filtered by anchor_t)\n", k, int(l[0]), int(l[1]), 0)
			continue
		}
		fmt.Fprintf(w, "%5d  %5d  %5d  %5d   %.3f → %.3f      %.3f → %.3f\n", k, int(l[0]), int(l[1]), a.N, b.Min, a.Min, b.Mean(), a.Mean())
	}
}
