package main

import (
	"errors"
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
	// fileDType is the file's dtype of the predictions where -dtype
	// converted them as they were read; "" otherwise.
	fileDType string
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
	return loadInputsAs(hypPath, predPath, sampleName, "")
}

// loadInputsAs is loadInputs with the predictions of a file converted to
// dtype ("": the file's) as they are read, with no second copy; a float64
// value beyond float32's range is an input error naming it. The file is
// read under cli.MaxInputBytes.
func loadInputsAs(hypPath, predPath, sampleName, dtype string) (*inputs, error) {
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
		if in.batch, in.fileDType, err = readBatch(predPath, dtype); err != nil {
			return nil, err
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

// readBatch reads the batch file at path under cli.MaxInputBytes, its
// predictions converted to dtype ("": none) as they are read; file is the
// dtype of the file's p0 where that differs from dtype.
func readBatch(path, dtype string) (b *batchfile.Batch, file string, err error) {
	f, size, err := cli.OpenInput(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	if b, err = cli.ReadOptions(dtype).Read(f, size); err != nil {
		return nil, "", readErr(path, dtype, err)
	}
	if file, err = fileDType(f, size, path, dtype); err != nil {
		return nil, "", err
	}
	return b, file, nil
}

// fileDType returns the dtype of array p0 of the file at path, open as f
// of size bytes, where it differs from dtype ("" when dtype is "").
func fileDType(f io.ReaderAt, size int64, path, dtype string) (string, error) {
	if dtype == "" {
		return "", nil
	}
	hs, err := batchfile.Headers(f, size, batchfile.PredName(0))
	if err != nil {
		return "", cli.Inputf("%s: %v", path, err)
	}
	if hs[0].DType == dtype {
		return "", nil
	}
	return hs[0].DType, nil
}

// readErr is the input error of a failed read of the file at path, with
// -dtype's advice where the conversion to float32 failed.
func readErr(path, dtype string, err error) error {
	if errors.Is(err, batchfile.ErrFloat32Range) {
		return cli.Inputf("-dtype %s: %s: %v; run in float64 (no -dtype)", dtype, path, err)
	}
	return cli.Inputf("%s: %v", path, err)
}

// usage prints a flag set's usage with a heading.
func usage(fs *flag.FlagSet, w io.Writer, heading string) {
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintln(w, heading)
		fs.PrintDefaults()
	}
}
