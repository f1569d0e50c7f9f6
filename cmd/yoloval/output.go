package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/atomicfile"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/evalplot"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// report is the JSON output; its field names are a contract with outside
// scripts.
type report struct {
	Head    string        `json:"head"` // "v5" or "v8"
	MAP50   float64       `json:"map50"`
	MAP     float64       `json:"map"`
	MP      float64       `json:"mp"`
	MR      float64       `json:"mr"`
	NT      []int         `json:"nt"`
	Classes []classReport `json:"classes"`
	EvalMs  float64       `json:"eval_ms"`
}

type classReport struct {
	Class  int     `json:"class"`
	Labels int     `json:"labels"`
	TP     float64 `json:"tp"`
	FP     float64 `json:"fp"`
	P      float64 `json:"p"`
	R      float64 `json:"r"`
	F1     float64 `json:"f1"`
	AP50   float64 `json:"ap50"`
	AP     float64 `json:"ap"`
}

func printJSON[T tensor.Float](w io.Writer, in *inputs[T], ev *evaluation[T]) error {
	r := ev.res
	rep := report{Head: in.head.String(), MAP50: r.MAP50, MAP: r.MAP, MP: r.MP, MR: r.MR, NT: r.NT, Classes: []classReport{},
		EvalMs: float64(ev.elapsed) / float64(time.Millisecond)}
	for _, c := range r.Classes {
		rep.Classes = append(rep.Classes, classReport{c.Class, c.Labels, c.TP, c.FP, c.P, c.R, c.F1, c.AP50, c.AP})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(rep)
}

// printTable prints val.py's table: all classes first, then each class
// that has labels (when there is more than one class), in val.py's
// formats ("%22s" then "%11i" twice and "%11.3g" four times).
func printTable[T tensor.Float](w io.Writer, o *options, in *inputs[T], ev *evaluation[T], wrote []string) {
	r := ev.res
	mode := "best class"
	if o.multiLabel {
		mode = "multi-label"
	}
	if o.agnostic {
		mode += ", agnostic"
	}
	rule := "YOLOv5's head and NMS"
	if in.head == nms.V8 {
		rule = "anchor-free head, ultralytics' NMS"
	}
	fmt.Fprintf(w, "%s: %d images, %d classes, %s; %s (-head %s); conf %g, IoU %g, %s, max_det %d\n",
		o.pred, r.Images, in.nc, tensor.DTypeName[T](), rule, in.head, o.conf, o.iouThres(in.head), mode, o.maxDet)
	if raw := in.raw; raw != nil {
		what := raw.regMax
		if raw.head == nms.V5 {
			what = fmt.Sprintf("%d anchors per cell", len(raw.v5.AnchorsGrid[0]))
		}
		fmt.Fprintf(w, "decoded from the raw outputs p0 … p%d (%s, strides %v): images of %d×%d pixels (width × height); the normalised targets scaled to them\n",
			len(raw.preds)-1, what, raw.strides(), raw.width, raw.height)
	}
	fmt.Fprintf(w, "%22s%11s%11s%11s%11s%11s%11s\n", "Class", "Images", "Instances", "P", "R", "mAP50", "mAP50-95")
	total := 0
	for _, n := range r.NT {
		total += n
	}
	row := "%22s%11d%11d%11s%11s%11s%11s\n"
	fmt.Fprintf(w, row, "all", r.Images, total, g3(r.MP), g3(r.MR), g3(r.MAP50), g3(r.MAP))
	if in.nc > 1 {
		for _, c := range r.Classes {
			fmt.Fprintf(w, row, fmt.Sprint(c.Class), r.Images, c.Labels, g3(c.P), g3(c.R), g3(c.AP50), g3(c.AP))
		}
	}
	switch {
	case total == 0:
		fmt.Fprintln(w, "WARNING: no labels found: metrics need labels")
	case len(r.Classes) == 0:
		fmt.Fprintln(w, "no detection is correct at IoU 0.5: YOLOv5 reports zeros")
	}
	fmt.Fprintf(w, "%d detections; NMS, matching and metrics took %.1f ms\n", len(ev.correct), float64(ev.elapsed)/float64(time.Millisecond))
	if len(wrote) > 0 {
		fmt.Fprintf(w, "wrote %s\n", strings.Join(wrote, ", "))
	}
}

// g3 formats v as Python's "%.3g" does.
func g3(v float64) string { return fmt.Sprintf("%.3g", v) }

// writeDet writes the detections det0 … det{bs−1} [k, 6], in pred's dtype,
// and the correct matrix [N, 10] (bool).
func writeDet[T tensor.Float](path string, force bool, ev *evaluation[T]) error {
	var ts []batchfile.Tensor
	for b, d := range ev.dets {
		a := tensor.View(d)
		ts = append(ts, batchfile.Tensor{Name: fmt.Sprintf("det%d", b), Array: tensor.Array{Shape: []int{d.Shape[0], nms.Cols}, F32: a.F32, F64: a.F64}})
	}
	correct := batchfile.Bools{Name: "correct", Shape: []int{len(ev.correct), metrics.NumIoU}, Data: make([]bool, 0, len(ev.correct)*metrics.NumIoU)}
	for _, c := range ev.correct {
		row := c.Row()
		correct.Data = append(correct.Data, row[:]...)
	}
	write := batchfile.WriteFileBools
	if force {
		write = batchfile.ReplaceFile
	}
	return cli.OutputErr(write(path, ts, []batchfile.Bools{correct}))
}

// writePlots writes the PR and F1 figures into dir, made if missing, and
// returns their paths; none when the result has no curves.
func writePlots(dir string, force bool, r *metrics.Result) ([]string, error) {
	if len(r.Classes) == 0 {
		return nil, nil
	}
	figures := []struct {
		name string
		draw func(io.Writer, *metrics.Result) error
	}{{prFile, evalplot.PR}, {f1File, evalplot.F1}}
	// Render first, so that a drawing failure leaves no file behind.
	images := make([][]byte, len(figures))
	for i, f := range figures {
		var buf bytes.Buffer
		if err := f.draw(&buf, r); err != nil {
			return nil, err
		}
		images[i] = buf.Bytes()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, cli.OutputErr(fmt.Errorf("-plots %s: %w", dir, err))
	}
	put := atomicfile.Write
	if force {
		put = atomicfile.Replace
	}
	var paths []string
	for i, f := range figures {
		path := filepath.Join(dir, f.name)
		err := put(path, func(w io.Writer) error {
			_, err := w.Write(images[i])
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("-plots: %w", cli.OutputErr(err))
		}
		paths = append(paths, path)
	}
	return paths, nil
}
