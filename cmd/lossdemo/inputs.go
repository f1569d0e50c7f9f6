package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/data/hyps"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/feed"
	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/model"
)

// inputFlags adds -hyp, -pred and -sample, which choose what loadInputs
// reads.
func inputFlags(fs *flag.FlagSet, hyp, pred, sample *string) {
	fs.StringVar(hyp, "hyp", "", "hyp YAML `file` (default: the embedded data/hyps/hyp.scratch-low.yaml)")
	fs.StringVar(pred, "pred", "", "predictions and targets, `file.npz` (default: the built-in sample)")
	fs.StringVar(sample, "sample", "", "built-in `sample` when -pred is absent: p5 (3 layers, the default) or p6 (4 layers)")
}

// forceFlag adds -force, which lets the output file flag replace an
// existing file.
func forceFlag(fs *flag.FlagSet, force *bool, output string) {
	fs.BoolVar(force, "force", false, "replace an existing "+output+" file")
}

// writeTensors writes tensors to path as a new .npz, or with force in place
// of an existing one, as an output error (cli.OutputErr) naming flagName.
func writeTensors(flagName, path string, tensors []batchfile.Tensor, force bool) error {
	var err error
	if force {
		err = batchfile.ReplaceFile(path, tensors, nil)
	} else {
		err = batchfile.WriteFile(path, tensors)
	}
	if err != nil {
		return cli.OutputErr(fmt.Errorf("%s %s: %w", flagName, path, err))
	}
	return nil
}

// engineFlags adds YOLOv5's switches: -autobalance, -sort-obj-iou, -gr.
func engineFlags(fs *flag.FlagSet, o *computeloss.Options) {
	fs.BoolVar(&o.Autobalance, "autobalance", false, "autobalance the objectness balance (needs a stride-16 layer)")
	fs.BoolVar(&o.SortObjIoU, "sort-obj-iou", false, "write objectness targets in increasing IoU order")
	fs.Var(grFlag{o}, "gr", "objectness target mix: (1−gr) + gr·IoU, in [0, 1] (default 1)")
}

// grFlag sets Options.GR from -gr; unset, GR stays nil, YOLOv5's 1.
type grFlag struct{ o *computeloss.Options }

func (f grFlag) String() string {
	if f.o == nil || f.o.GR == nil {
		return ""
	}
	return strconv.FormatFloat(*f.o.GR, 'g', -1, 64)
}

func (f grFlag) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	f.o.GR = &v
	return nil
}

// inputs is what every subcommand computes on.
type inputs struct {
	hyp     *hyp.Hyp
	hypName string
	batch   *batchfile.Batch
	source  string // where the batch came from, for people
	model   model.Detect
	f32     bool // the predictions are float32
	// fromModel: the batch is the built-in sample shaped by a model file
	// (-model), whose head the report describes.
	fromModel bool
}

// loadHyp reads the hyp file at path, or takes the embedded default when
// path is empty, and returns it with its name for people.
func loadHyp(path string) (*hyp.Hyp, string, error) {
	if path == "" {
		return hyp.Default(), "embedded data/hyps/" + hyps.Default, nil
	}
	h, err := hyp.Load(path)
	if err != nil {
		return nil, "", cli.AsInput(err)
	}
	return h, path, nil
}

// loadInputs reads the hyp and the predictions, or takes the embedded hyp
// and the built-in sample, and derives the model description.
func loadInputs(hypPath, predPath, sampleName string) (*inputs, error) {
	in := &inputs{}
	var err error
	if in.hyp, in.hypName, err = loadHyp(hypPath); err != nil {
		return nil, err
	}
	if predPath != "" && sampleName != "" {
		return nil, cli.Inputf("-sample %s and -pred %s: -sample chooses a built-in sample, which -pred replaces; give one of them", sampleName, predPath)
	}
	if predPath == "" {
		var c sample.Config
		switch strings.ToLower(sampleName) {
		case "", "p5":
			c = sample.DefaultP5
		case "p6":
			c = sample.DefaultP6
		default:
			return nil, cli.Inputf("-sample %q: want p5 or p6", sampleName)
		}
		if in.batch, err = sample.Generate(c); err != nil {
			return nil, err
		}
		in.source = fmt.Sprintf("built-in sample (%d layers)", c.Layers)
	} else {
		if in.batch, err = batchfile.ReadFile(predPath); err != nil {
			return nil, cli.AsInput(err)
		}
		in.source = predPath
	}
	if in.f32, err = feed.Float32(in.batch); err != nil {
		return nil, cli.Inputf("%s: %v", in.source, err)
	}
	if in.model, err = feed.Model(in.batch); err != nil {
		return nil, cli.Inputf("%s: %v", in.source, err)
	}
	return in, nil
}

// usage prints a flag set's usage with a heading.
func usage(fs *flag.FlagSet, w io.Writer, heading string) {
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintln(w, heading)
		fs.PrintDefaults()
	}
}
