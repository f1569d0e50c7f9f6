package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
	"io"
	"strconv"
	"strings"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/data/hyps"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/target"
)

// errHelp reports that -h was asked for and the usage printed.
var errHelp = errors.New("help")

// parseFlags parses args with fs, turning flag errors into input errors.
// The flag package has already printed the problem and the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.Init(fs.Name(), flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return inputErr("%v", err)
	}
	if fs.NArg() > 0 {
		return inputErr("unexpected argument %q (flags come before arguments; see -h)", fs.Arg(0))
	}
	return nil
}

// inputFlags adds -hyp, -pred and -sample, which choose what loadInputs
// reads.
func inputFlags(fs *flag.FlagSet, hyp, pred, sample *string) {
	fs.StringVar(hyp, "hyp", "", "hyp YAML `file` (default: the embedded data/hyps/hyp.scratch-low.yaml)")
	fs.StringVar(pred, "pred", "", "predictions and targets, `file.npz` (default: the built-in sample)")
	fs.StringVar(sample, "sample", "p5", "built-in sample when -pred is absent: p5 (3 layers) or p6 (4 layers)")
}

// engineFlags adds YOLOv5's switches: -autobalance, -sort-obj-iou, -gr.
func engineFlags(fs *flag.FlagSet, o *computeloss.Options) {
	fs.BoolVar(&o.Autobalance, "autobalance", false, "autobalance the objectness balance (needs a stride-16 layer)")
	fs.BoolVar(&o.SortObjIoU, "sort-obj-iou", false, "write objectness targets in increasing IoU order")
	fs.Var(grFlag{o}, "gr", "objectness target mix: (1−gr) + gr·IoU, in [0, 1] (default 1)")
}

// grFlag sets Options.GR from -gr.
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
	f32     bool             // the predictions are float32
	matches [][]target.Match // per layer, built on first use (layerMatches)
}

// layerMatches returns the assigner's matches of the labels in layer i,
// the ones the engine computes the loss over.
func (in *inputs) layerMatches(i int) []target.Match {
	if in.matches == nil {
		in.matches = make([][]target.Match, in.batch.NL())
	}
	if in.matches[i] == nil {
		sh := in.batch.Preds[i].Shape
		geo := target.Layer{NY: sh[2], NX: sh[3], Anchors: in.model.AnchorsGrid[i]}
		in.matches[i] = target.Build([]target.Match{}, geo, in.batch.Targets, in.hyp.AnchorT)
	}
	return in.matches[i]
}

// loadHyp reads the hyp file at path, or takes the embedded default when
// path is empty, and returns it with its name for people.
func loadHyp(path string) (*hyp.Hyp, string, error) {
	if path == "" {
		return hyp.Default(), "embedded data/hyps/" + hyps.Default, nil
	}
	h, err := hyp.Load(path)
	if err != nil {
		return nil, "", asInput(err)
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
	if predPath == "" {
		var c sample.Config
		switch strings.ToLower(sampleName) {
		case "", "p5":
			c = sample.DefaultP5
		case "p6":
			c = sample.DefaultP6
		default:
			return nil, inputErr("-sample %q: want p5 or p6", sampleName)
		}
		if in.batch, err = sample.Generate(c); err != nil {
			return nil, err
		}
		in.source = fmt.Sprintf("built-in sample (%d layers)", c.Layers)
	} else {
		if in.batch, err = batchfile.ReadFile(predPath); err != nil {
			return nil, asInput(err)
		}
		in.source = predPath
	}
	b := in.batch
	in.f32 = b.Preds[0].F32 != nil
	for i, p := range b.Preds {
		if (p.F32 != nil) != in.f32 {
			return nil, inputErr("%s: array \"p%d\" is %s but \"p0\" is %s: all prediction layers must have one dtype",
				in.source, i, dtypeName(p.F32 != nil), dtypeName(in.f32))
		}
	}
	in.model = model.Detect{NC: b.NC(), AnchorsGrid: b.AnchorsGrid, Strides: b.Strides}
	if in.model.AnchorsGrid == nil {
		if b.NL() != 3 || b.NA() != 3 {
			return nil, inputErr("%s: no \"anchors\" array, and the default P5 anchors need 3 layers of 3 anchors; the file has %d layers of %d",
				in.source, b.NL(), b.NA())
		}
		in.model.AnchorsGrid = model.P5(b.NC()).AnchorsGrid
	}
	if in.model.Strides == nil {
		in.model.Strides = model.DefaultStrides(b.NL())
	}
	if err := in.model.Validate(); err != nil {
		return nil, inputErr("%s: %v", in.source, err)
	}
	return in, nil
}

func dtypeName(f32 bool) string {
	if f32 {
		return "float32"
	}
	return "float64"
}

// tensors views the batch's predictions as engine tensors of type T, and
// makes gradient tensors of the same shapes when withGrad is set.
func tensors[T tensor.Float](b *batchfile.Batch, withGrad bool) (p, g []tensor.Tensor[T]) {
	for _, t := range b.Preds {
		x := tensor.Convert[T](t.Array) // no copy: every layer has T's dtype
		p = append(p, x)
		if withGrad {
			g = append(g, tensor.New[T](x.Shape...))
		}
	}
	return p, g
}

// gradTensors converts engine gradients to file tensors named p0, p1, ….
func gradTensors[T tensor.Float](g []tensor.Tensor[T]) []batchfile.Tensor {
	var out []batchfile.Tensor
	for i, t := range g {
		out = append(out, batchfile.Tensor{Name: batchfile.PredName(i), Array: tensor.View(t)})
	}
	return out
}

// usage prints a flag set's usage with a heading.
func usage(fs *flag.FlagSet, w io.Writer, heading string) {
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintln(w, heading)
		fs.PrintDefaults()
	}
}
