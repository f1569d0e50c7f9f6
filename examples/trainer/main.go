// Command trainer is what a Go trainer does around the loss engine, with
// nothing but the library's public API and random predictions in place of
// a network: it reads a YOLOv5 model file and a dataset's label files,
// scales the hyp's gains as YOLOv5's train.py does, and runs the loss on two
// engines on two goroutines (say, two GPUs' worth of a data-parallel
// trainer), each with autobalance moving its balance from call to call. It
// prints the loss per step.
//
//	go run ./examples/trainer [-model FILE] [-labels DIR] [-imgsz 320] [-batch 4] [-steps 6]
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"

	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/labels"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// config is the command line.
type config struct {
	model, labels       string
	imgsz, batch, steps int
}

func run(args []string, stdout, stderr io.Writer) int {
	var c config
	fs := flag.NewFlagSet("trainer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.model, "model", "examples/trainer/testdata/model.yaml", "YOLOv5 model `file` (anchors in pixels)")
	fs.StringVar(&c.labels, "labels", "examples/trainer/testdata/labels", "`directory` of YOLO label files")
	fs.IntVar(&c.imgsz, "imgsz", 320, "image size in pixels")
	fs.IntVar(&c.batch, "batch", 4, "images per batch")
	fs.IntVar(&c.steps, "steps", 6, "steps per engine")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := train(c, stdout); err != nil {
		fmt.Fprintln(stderr, "trainer:", err)
		return 1
	}
	return 0
}

// train runs c.steps steps on each of two engines, one per goroutine.
func train(c config, out io.Writer) error {
	d, err := model.Load(c.model, nil) // strides 8, 16, 32
	if err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(c.labels, "*.txt"))
	if err != nil || len(files) < c.batch {
		return fmt.Errorf("need at least %d label files in %s, found %d", c.batch, c.labels, len(files))
	}
	sort.Strings(files)
	h := hyp.Default()
	h.ScaleGains(d.NL(), d.NC, c.imgsz)

	results := make([][]string, 2)
	errs := make(chan error, 2)
	for w := range 2 {
		go func() {
			var err error
			results[w], err = worker(w, c, h, d, files)
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			return err
		}
	}
	for w, lines := range results {
		for _, l := range lines {
			fmt.Fprintf(out, "engine %d %s\n", w, l)
		}
	}
	return nil
}

// worker runs one engine over the batches of files it is given: engine w
// takes every other batch, starting at batch w.
func worker(w int, c config, h *hyp.Hyp, d model.Detect, files []string) ([]string, error) {
	e, err := computeloss.New[float32](h, d, &computeloss.Options{Autobalance: true})
	if err != nil {
		return nil, err
	}
	preds, grads := layers(c.batch, c.imgsz, d)
	rng := rand.New(rand.NewPCG(uint64(w), 1))
	nb := len(files) / c.batch
	var lines []string
	for step := range c.steps {
		b := (2*step + w) % nb
		res, err := labels.ReadBatch(files[b*c.batch:(b+1)*c.batch], d.NC, labels.Skip)
		if err != nil {
			return nil, err
		}
		randomize(rng, preds) // a network's forward pass would go here
		r, err := e.Loss(preds, res.Labels, grads)
		if err != nil {
			return nil, err
		}
		// grads now holds ∂loss/∂preds: a network's backward pass starts here.
		lines = append(lines, fmt.Sprintf("step %d batch %d: %d labels, loss %.4f (box %.4f obj %.4f cls %.4f) balance %.4f",
			step, b, len(res.Labels), r.Loss, r.LBox, r.LObj, r.LCls, r.Balance))
	}
	return lines, nil
}

// layers makes the prediction and gradient tensors of a batch of bs images
// of imgsz pixels: [bs, na, imgsz/stride, imgsz/stride, 5+nc] per layer.
func layers(bs, imgsz int, d model.Detect) (p, g []tensor.Tensor[float32]) {
	for _, s := range d.Strides {
		n := imgsz / int(s)
		p = append(p, tensor.New[float32](bs, d.NA(), n, n, 5+d.NC))
		g = append(g, tensor.New[float32](bs, d.NA(), n, n, 5+d.NC))
	}
	return p, g
}

func randomize(rng *rand.Rand, p []tensor.Tensor[float32]) {
	for _, t := range p {
		for i := range t.Data {
			t.Data[i] = float32(rng.NormFloat64())
		}
	}
}
