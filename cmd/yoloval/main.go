// Command yoloval evaluates saved predictions as YOLOv5's val.py does:
// non_max_suppression, the matching of detections to labels
// (process_batch) and ap_per_class, and prints val.py's table or one JSON
// object.
//
// Usage:
//
//	yoloval -pred P.npz [flags]
//
// Flags (the defaults are val.py's):
//
//	-pred FILE.npz     pred [bs, n, 5+nc] and targets [nt, 6]
//	-conf-thres X      confidence threshold (0.001)
//	-iou-thres X       NMS IoU threshold (0.6)
//	-max-det N         detections kept per image (300)
//	-multi-label       every class above the threshold, not the best only (true)
//	-agnostic          class-agnostic NMS (false)
//	-json              print one JSON object
//	-det FILE.npz      write det0 … det{bs−1} [k, 6] and correct [N, 10] (bool)
//	-plots DIR         write DIR/PR_curve.png and DIR/F1_curve.png
//	-force             replace existing output files
//
// The .npz holds pred, Detect's decoded inference output (cx, cy, w, h in
// pixels, objectness and class probabilities), and targets (image, class,
// cx, cy, w, h in the same pixels), float32 or float64; the evaluation is
// computed in pred's dtype. The JSON object has map50, map, mp, mr, nt
// (labels per class), classes (class, labels, tp, fp, p, r, f1, ap50, ap
// for each class that has labels; empty when no detection is correct)
// and eval_ms (NMS, matching and metrics; reading excluded).
//
// Exit status: 0 on success, 2 for a usage or input error (the message
// names the array and the index at fault; an output file that exists
// without -force, a missing folder or a denied permission count), 1 for
// an internal error or one of the environment, such as a full disk.
// Everything is checked before anything is written, and output files
// appear whole or not at all.
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
	return cli.Run("yoloval", stderr, func() error { return runVal(args, stdout, stderr) })
}
