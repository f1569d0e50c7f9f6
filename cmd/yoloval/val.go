package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// options are the command's flags.
type options struct {
	pred, det, plots string
	head             headFlag
	conf             float64
	iou              optFloat
	maxDet           int
	multiLabel       bool
	agnostic         bool
	json, force      bool
}

// headFlag is -head: v5 or v8, and whether it was given.
type headFlag struct {
	h   nms.Head
	set bool
}

func (f *headFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return f.h.String()
}

func (f *headFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "v5":
		f.h = nms.V5
	case "v8":
		f.h = nms.V8
	default:
		return fmt.Errorf("%q: want v5 (YOLOv5's anchor-based head) or v8 (the anchor-free head of YOLOv8, YOLO11, YOLO26, YOLOv10)", s)
	}
	f.set = true
	return nil
}

// optFloat is a float flag whose default depends on another flag: unset,
// it prints no default of its own.
type optFloat struct {
	v   float64
	set bool
}

func (f *optFloat) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatFloat(f.v, 'g', -1, 64)
}

func (f *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("not a number")
	}
	f.v, f.set = v, true
	return nil
}

// iouThres returns -iou-thres, or the head's validator's default.
func (o *options) iouThres(head nms.Head) float64 {
	switch {
	case o.iou.set:
		return o.iou.v
	case head == nms.V8:
		return nms.ValV8IoUThres
	}
	return nms.ValIoUThres
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
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.pred, "pred", "", "`file.npz` with pred (decoded: pixels, probabilities; [bs, n, 5+nc] for v5, [bs, 4+nc, n] for v8) and targets [nt, 6] (image, class, cx, cy, w, h in pixels); "+
		"or the head's raw outputs p0, p1, … with targets normalised, strides, and anchors (v5) or reg_max (v8)")
	fs.Var(&o.head, "head", "the head, `v5|v8`: YOLOv5's, or the anchor-free one (YOLOv8, YOLO11, YOLO26, YOLOv10) with ultralytics' NMS; "+
		"default v5, or the raw outputs' (rank 5: v5, rank 4: v8)")
	fs.Float64Var(&o.conf, "conf-thres", nms.ValConfThres, "confidence threshold, in [0, 1]")
	fs.Var(&o.iou, "iou-thres", fmt.Sprintf("NMS IoU threshold, a `float` in [0, 1] (default %g for v5, %g for v8, the validators')", nms.ValIoUThres, nms.ValV8IoUThres))
	fs.IntVar(&o.maxDet, "max-det", nms.DefaultMaxDet, "detections kept per image, ≥ 1")
	fs.BoolVar(&o.multiLabel, "multi-label", true, "keep every class above the threshold, not only the best")
	fs.BoolVar(&o.agnostic, "agnostic", false, "class-agnostic NMS")
	fs.BoolVar(&o.json, "json", false, "print one JSON object")
	fs.StringVar(&o.det, "det", "", "write the detections (det0 … det{bs-1}) and the correct matrix to `file.npz`")
	fs.StringVar(&o.plots, "plots", "", "write "+prFile+" and "+f1File+" to `dir` (made if missing)")
	fs.BoolVar(&o.force, "force", false, "replace existing output files (-det, the -plots figures); without it an existing file is an error")
	if err := cli.ParseFlags(fs, args); err != nil {
		return nil, err
	}
	if o.pred == "" {
		return nil, cli.Inputf("missing -pred P.npz (see -h)")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"-conf-thres", o.conf}, {"-iou-thres", o.iouThres(o.head.h)}} {
		if !(f.v >= 0 && f.v <= 1) {
			return nil, cli.Inputf("%s %v: want a value in [0, 1]", f.name, f.v)
		}
	}
	if o.maxDet < 1 {
		return nil, cli.Inputf("-max-det %d: want a count ≥ 1", o.maxDet)
	}
	if _, err := nms.New[float64](o.nmsOptions(o.head.h)); err != nil {
		return nil, cli.AsInput(err)
	}
	return o, o.checkOutputs()
}

// usageText heads -h.
const usageText = `usage: yoloval -pred P.npz [flags]
Evaluates saved predictions: NMS, the matching of detections to labels and mAP,
as YOLOv5's val.py (-head v5) or ultralytics' DetectionValidator (-head v8) computes them.
P.npz holds either the head's decoded inference output "pred" with "targets" in pixels,
or its raw outputs "p0", "p1", … with "targets" normalised (decoded here; the targets are
scaled by the image size that the grids and strides give).
Flags:
`

func (o *options) nmsOptions(head nms.Head) *nms.Options {
	return &nms.Options{Head: head, ConfThres: &o.conf, IoUThres: new(o.iouThres(head)), MultiLabel: o.multiLabel, Agnostic: o.agnostic, MaxDet: o.maxDet}
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
	ld, err := load(o.pred, o.head.h, o.head.set)
	if err != nil {
		return err
	}
	if ld.f32 {
		return evalRun[float32](o, ld, stdout, stderr)
	}
	return evalRun[float64](o, ld, stdout, stderr)
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

func evalRun[T tensor.Float](o *options, ld *loaded, stdout, stderr io.Writer) error {
	head := o.head.h
	if ld.raw != nil {
		head = ld.raw.head
	}
	in, err := prepare[T](o.pred, head, ld)
	if err != nil {
		return err
	}
	if in.warning != nil {
		fmt.Fprintf(stderr, "yoloval: warning: %s: %v\n", o.pred, in.warning)
	}
	ev, err := evaluate(in, o.nmsOptions(head))
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
		return printJSON(stdout, in, ev)
	}
	printTable(stdout, o, in, ev, wrote)
	return nil
}
