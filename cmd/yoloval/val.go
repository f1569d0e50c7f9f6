package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// options are the command's flags.
type options struct {
	pred, det, plots string
	conf, iou        float64
	maxDet           int
	multiLabel       bool
	agnostic         bool
	json, force      bool
}

// The figures -plots writes, YOLOv5's names.
const (
	prFile = "PR_curve.png"
	f1File = "F1_curve.png"
)

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("yoloval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: yoloval -pred P.npz [flags]   (val.py's NMS, matching and mAP on saved predictions)")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.pred, "pred", "", "`file.npz` with pred [bs, n, 5+nc] (decoded: pixels, probabilities) and targets [nt, 6] (image, class, cx, cy, w, h in pixels)")
	fs.Float64Var(&o.conf, "conf-thres", nms.ValConfThres, "confidence threshold, in [0, 1]")
	fs.Float64Var(&o.iou, "iou-thres", nms.ValIoUThres, "NMS IoU threshold, in [0, 1]")
	fs.IntVar(&o.maxDet, "max-det", nms.DefaultMaxDet, "detections kept per image, ≥ 1")
	fs.BoolVar(&o.multiLabel, "multi-label", true, "keep every class above the threshold, not only the best")
	fs.BoolVar(&o.agnostic, "agnostic", false, "class-agnostic NMS")
	fs.BoolVar(&o.json, "json", false, "print one JSON object")
	fs.StringVar(&o.det, "det", "", "write the detections (det0 … det{bs-1}) and the correct matrix to `file.npz`")
	fs.StringVar(&o.plots, "plots", "", "write "+prFile+" and "+f1File+" to `dir` (made if missing)")
	fs.BoolVar(&o.force, "force", false, "replace existing output files")
	if err := cli.ParseFlags(fs, args); err != nil {
		return nil, err
	}
	if o.pred == "" {
		return nil, cli.Inputf("missing -pred P.npz (see -h)")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"-conf-thres", o.conf}, {"-iou-thres", o.iou}} {
		if !(f.v >= 0 && f.v <= 1) {
			return nil, cli.Inputf("%s %v: want a value in [0, 1]", f.name, f.v)
		}
	}
	if o.maxDet < 1 {
		return nil, cli.Inputf("-max-det %d: want a count ≥ 1", o.maxDet)
	}
	if _, err := nms.New[float64](o.nmsOptions()); err != nil {
		return nil, cli.AsInput(err)
	}
	return o, o.checkOutputs()
}

func (o *options) nmsOptions() *nms.Options {
	return &nms.Options{ConfThres: &o.conf, IoUThres: &o.iou, MultiLabel: o.multiLabel, Agnostic: o.agnostic, MaxDet: o.maxDet}
}

// checkOutputs reports, before anything is read or computed, output files
// that could not be written.
func (o *options) checkOutputs() error {
	if o.det != "" {
		if err := cli.CheckOutput("-det", o.det, o.force); err != nil {
			return err
		}
	}
	if o.plots == "" {
		return nil
	}
	fi, err := os.Stat(o.plots)
	switch {
	case os.IsNotExist(err):
		return nil // made when the figures are written
	case err != nil:
		return cli.AsInput(fmt.Errorf("-plots %s: %w", o.plots, err))
	case !fi.IsDir():
		return cli.Inputf("-plots %s: not a folder", o.plots)
	}
	for _, name := range []string{prFile, f1File} {
		if err := cli.CheckOutput("-plots", filepath.Join(o.plots, name), o.force); err != nil {
			return err
		}
	}
	return nil
}

func runVal(args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	pa, ta, err := readArrays(o.pred)
	if err != nil {
		return err
	}
	if pa.F32 != nil {
		return evalRun[float32](o, pa, ta, stdout, stderr)
	}
	return evalRun[float64](o, pa, ta, stdout, stderr)
}

// evaluation is one run's results.
type evaluation[T tensor.Float] struct {
	dets    []tensor.Tensor[T]
	correct []metrics.Correct
	res     metrics.Result
	elapsed time.Duration // NMS, matching and metrics
}

// evaluate runs NMS, matching and ap_per_class on checked inputs.
func evaluate[T tensor.Float](in *inputs[T], o *nms.Options) (*evaluation[T], error) {
	s, err := nms.New[T](o)
	if err != nil {
		return nil, cli.AsInput(err)
	}
	acc := metrics.NewAccumulator[T](in.nc)
	start := time.Now()
	dets := s.Batch(in.pred)
	if err := acc.AddBatch(dets, in.targets); err != nil {
		return nil, err // checkInputs has checked what AddBatch checks
	}
	res := acc.Compute()
	return &evaluation[T]{dets: dets, correct: acc.Correct(), res: res, elapsed: time.Since(start)}, nil
}

func evalRun[T tensor.Float](o *options, pa, ta tensor.Array, stdout, stderr io.Writer) error {
	in, err := checkInputs[T](o.pred, pa, ta)
	if err != nil {
		return err
	}
	ev, err := evaluate(in, o.nmsOptions())
	if err != nil {
		return err
	}
	var wrote []string
	if o.det != "" {
		if err := writeDet(o.det, o.force, ev); err != nil {
			return err
		}
		wrote = append(wrote, o.det)
	}
	if o.plots != "" {
		files, err := writePlots(o.plots, o.force, &ev.res)
		if err != nil {
			return err
		}
		if files == nil {
			fmt.Fprintf(stderr, "yoloval: -plots %s: no detection is correct, so there are no curves (as in YOLOv5); no figures written\n", o.plots)
		}
		wrote = append(wrote, files...)
	}
	if o.json {
		return printJSON(stdout, ev)
	}
	printTable(stdout, o, in, ev, wrote)
	return nil
}
