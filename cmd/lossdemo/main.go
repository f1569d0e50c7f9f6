// Command lossdemo computes YOLOv5's training loss and its exact gradient on
// predictions, by default on a built-in sample, and shows what the
// criteria (BCE and package criterion's table: focal, quality focal,
// varifocal) and the box losses (package iou's table) do.
//
// Usage:
//
//	lossdemo [flags]                          the loss breakdown of one call
//	lossdemo curves -hyp FILE -o OUT.png      loss and gradient curves of the criteria
//	lossdemo curves -box -o OUT.png           the box losses around a target
//	lossdemo fit -hyp FILE -pred IN.npz -out OUT.npz [-iters N]
//	                                          minimise the loss over the predictions (internal/fit)
//	lossdemo sample [-sample p5|p6] -o OUT.npz   write a built-in sample to a file
//
// Flags of the loss breakdown:
//
//	-hyp FILE          hyp YAML (default: the embedded data/hyps/hyp.scratch-low.yaml)
//	-pred FILE.npz     predictions and targets (default: the built-in sample)
//	-sample p5|p6      which built-in sample: 3 layers (P5) or 4 layers (P6)
//	-json              print one JSON object
//	-grad FILE.npz     write d(loss)/d(p_i) as p0, p1, … with the input's shapes, in the
//	                   engine's dtype; report the count of elements and of those not finite
//	-dtype float32|float64   run the engine in that precision, converting the predictions
//	                   (default: the file's)
//	-autobalance, -sort-obj-iou, -gr X      engine options
//	-iters N           N calls on one engine: each call's items (and WIoU's running means)
//	-bench N           N forward+backward calls after a warm-up: median time and allocations per call;
//	                   then N forward-only calls and N clear() of the gradient, for comparison
//	-compare           on the same input: BCE and each fl_type side by side; the hyp's
//	                   fl_type on both, cls and obj (fl_apply) and varifocal with constant
//	                   and IoU class targets; each box loss (iou_type) with its default
//	                   parameters
//	-workers N         goroutines per call (default GOMAXPROCS)
//
// The .npz holds p0…p{nl−1} (float32 or float64, [bs, na, ny, nx, 5+nc]),
// targets [nt, 6] (image, class, x, y, w, h, normalised), and optionally
// anchors [nl, na, 2] in grid units and strides [nl]. Without anchors the
// default is YOLOv5's P5 anchors over strides 8/16/32, valid for 3 layers of
// 3 anchors only; without strides, 8·2^i. Where labels exist but a layer
// matches none of them, a warning goes to stderr (and into the JSON): the
// sign of anchors in pixels where grid units are expected.
//
// Exit status: 0 on success, 2 for a usage or input error (the message
// names the culprit; an output file that exists, a missing folder or a
// denied permission count), 1 for an internal error or one of the
// environment, such as a full disk. Output files are written
// whole or not at all and never replace an existing file.
package main

import (
	"io"
	"os"

	"github.com/yolo-loss/yololoss/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole program, minus the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run("lossdemo", stderr, func() error {
		if len(args) > 0 {
			switch args[0] {
			case "curves":
				return runCurves(args[1:], stdout, stderr)
			case "fit":
				return runFit(args[1:], stdout, stderr)
			case "sample":
				return runSample(args[1:], stdout, stderr)
			}
		}
		return runLoss(args, stdout, stderr)
	})
}
