// Command lossdemo computes YOLOv5's training loss, or the anchor-free
// head's (YOLOv8, YOLO11, YOLO26, YOLOv10: package v8loss), and its exact
// gradient on predictions, by default on a built-in sample, and shows what
// the criteria (BCE and package criterion's table: focal, quality focal,
// varifocal) and the box losses (package iou's table) do.
//
// Usage:
//
//	lossdemo [flags]                          the loss breakdown of one call
//	lossdemo curves -hyp FILE -o OUT.png      loss and gradient curves of the criteria
//	lossdemo curves -box -o OUT.png           the box losses around a target
//	lossdemo fit -hyp FILE -pred IN.npz -o OUT.npz [-iters N]
//	                                          minimise the loss over the predictions (internal/fit)
//	lossdemo sample [-sample p5|p6] -o OUT.npz   write a built-in sample to a file
//
// One grammar for the output files: -o names a subcommand's one output
// file, -grad the gradient's arrays; an existing file is never replaced
// unless -force is given.
//
// Flags of the loss breakdown:
//
//	-hyp FILE          hyp YAML (default: the embedded data/hyps/hyp.scratch-low.yaml)
//	-pred FILE.npz     predictions and targets (default: the built-in sample)
//	-sample p5|p6      which built-in sample: 3 layers (P5) or 4 layers (P6)
//	-json              print one JSON object
//	-grad FILE.npz     write d(loss)/d(p_i) as p0, p1, … with the input's shapes, in the
//	                   engine's dtype; report the count of elements and of those not finite
//	-force             replace an existing -grad file
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
//	-model FILE        a YOLOv5 or ultralytics model file: the built-in sample shaped by
//	                   its head (nc, anchors or reg_max, strides, end2end), which -json reports
//
// The head is chosen by the input. A file with a reg_max array holds an
// anchor-free head's outputs: p0…p{nl−1} [bs, 4·reg_max + nc, ny, nx]
// (float32 or float64, the box distributions first), q0… of the same
// shapes for an end-to-end head's one-to-one branch, reg_max (an integer
// scalar), targets [nt, 6] and optionally strides [nl]. Its breakdown has
// lbox, lcls, ldfl and the foreground count fg (JSON keys loss, lbox,
// lcls, ldfl, fg, tss, and o2m, o2o for an end-to-end head); -iters N runs
// call k at epoch k, from 0; -grad writes every p* and q* gradient; without
// -hyp it takes ultralytics 8.4.35's defaults (hyp.DefaultV8), and a hyp
// file is read for that head (hyp.For). -compare puts the class criteria
// and the box losses side by side on it (package compare's V8Criteria and
// V8BoxLosses), -bench times it; YOLOv5's objectness options are refused.
//
// The .npz holds p0…p{nl−1} (float32 or float64, [bs, na, ny, nx, 5+nc]),
// targets [nt, 6] (image, class, x, y, w, h, normalised), and optionally
// anchors [nl, na, 2] in grid units and strides [nl]. Without anchors the
// default is YOLOv5's P5 anchors over strides 8/16/32, valid for 3 layers of
// 3 anchors only; without strides, 8·2^i. Where labels exist but a layer
// matches none of them, a warning goes to stderr (and into the JSON): the
// sign of anchors in pixels where grid units are expected.
//
// The text and the JSON name the box loss (iou_type) with its parameters.
// A loss that is not finite although the inputs are (logits so large that
// the loss overflows) is an input error that names the item, the layer and
// the largest logit there; -dtype float32 refuses a float64 logit beyond
// float32's range.
//
// Exit status: 0 on success, 2 for a usage or input error (the message
// names the culprit; an output file that exists, a folder where a file is
// expected, a missing folder or a denied permission count), 1 for an
// internal error or one of the environment, such as a full disk, 130 and
// 143 after SIGINT and SIGTERM. Output paths are checked before anything
// is computed; output files are written whole or not at all (a failed or
// interrupted run leaves none behind, no partial temporary file either)
// and replace an existing file only with -force.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yolo-loss/yololoss/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// subcommand is one of lossdemo's subcommands; without one, lossdemo
// prints the loss breakdown.
type subcommand struct {
	name, synopsis string
	run            func(args []string, stdout, stderr io.Writer) error
}

// subcommands is the table that run dispatches on and `lossdemo -h` lists.
var subcommands = []subcommand{
	{"curves", "[-hyp FILE] [-box] [-force] -o OUT.png|OUT.svg|OUT.pdf   the criteria's or the box losses' curves", runCurves},
	{"fit", "[-hyp FILE] [-pred IN.npz] [-iters N] [-force] -o OUT.npz   minimise the loss over the predictions", runFit},
	{"sample", "[-sample p5|p6] [-force] -o OUT.npz   write a built-in sample", runSample},
}

// run is the whole program, minus the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return cli.Run("lossdemo", stderr, func() error {
		if len(args) > 0 {
			for _, c := range subcommands {
				if args[0] == c.name {
					return c.run(args[1:], stdout, stderr)
				}
			}
		}
		return runLoss(args, stdout, stderr)
	})
}

// mainHeading is the usage heading of `lossdemo -h`: the subcommands,
// then the loss breakdown's flags.
func mainHeading() string {
	var b strings.Builder
	b.WriteString("usage: lossdemo [flags]   the loss breakdown of one call (flags below)\n")
	for _, c := range subcommands {
		fmt.Fprintf(&b, "  lossdemo %s %s\n", c.name, c.synopsis)
	}
	b.WriteString("(lossdemo SUBCOMMAND -h lists a subcommand's flags)\n\nflags of the loss breakdown:")
	return b.String()
}
