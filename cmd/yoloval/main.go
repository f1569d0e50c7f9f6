// Command yoloval evaluates saved predictions as YOLOv5's val.py does
// (-head v5) or as ultralytics' DetectionValidator does for the anchor-free
// head of YOLOv8, YOLO11, YOLO26 and YOLOv10 (-head v8):
// non_max_suppression, the matching of detections to labels and
// ap_per_class, and prints the validator's table or one JSON object.
//
// Usage:
//
//	yoloval -pred P.npz [flags]
//
// Flags (the defaults are the validators'):
//
//	-pred FILE.npz     the predictions and targets (below)
//	-head v5|v8        the head: YOLOv5's, or the anchor-free one with ultralytics' NMS
//	                   (default v5; for raw outputs, the layers' rank: 5 is v5, 4 is v8)
//	-conf-thres X      confidence threshold (0.001)
//	-iou-thres X       NMS IoU threshold (0.6 for v5, 0.7 for v8)
//	-max-det N         detections kept per image (300)
//	-multi-label       every class above the threshold, not the best only (true)
//	-agnostic          class-agnostic NMS (false)
//	-json              print one JSON object
//	-det FILE.npz      write det0 … det{bs−1} [k, 6] and correct [N, 10] (bool)
//	-plots DIR         write DIR/PR_curve.png and DIR/F1_curve.png
//	-force             replace existing output files (-det, the figures of -plots)
//
// The .npz holds one of two forms, float32 or float64; the evaluation is
// computed in the predictions' dtype.
//
//   - Decoded: pred, the head's inference output, and targets (image,
//     class, cx, cy, w, h in the same pixels). For -head v5, pred is
//     [bs, n, 5+nc], rows of cx, cy, w, h in pixels, objectness and class
//     probabilities (YOLOv5's Detect); for -head v8 it is [bs, 4+nc, n],
//     channels first, cx, cy, w, h and the class probabilities, without
//     objectness (ultralytics' Detect). The two have the same rank, so
//     -head says which.
//   - Raw: p0, p1, …, the head's raw outputs, as lossdemo reads them, with
//     targets normalised (0..1). YOLOv5's layers are [bs, na, ny, nx, 5+nc]
//     with optional anchors [nl, na, 2] (grid units; default P5) and
//     strides [nl] (default 8·2^i); the anchor-free head's are
//     [bs, 4·reg_max+nc, ny, nx] with optional strides and reg_max (an
//     integer scalar; default 16). They are decoded (package decode) and
//     the targets scaled by the image size the grids and strides give
//     (metrics.PixelTargets).
//
// With neither pred nor p0 the error lists the arrays expected and the
// file's. When every target lies inside [0, 1]² while the predictions
// span more than a pixel, a warning says the targets look normalised.
//
// The JSON object has head, map50, map, mp, mr, nt (labels per class),
// classes (class, labels, tp, fp, p, r, f1, ap50, ap for each class that
// has labels; empty when no detection is correct) and eval_ms (NMS,
// matching and metrics; reading and decoding excluded).
//
// End-to-end models (YOLO26, YOLOv10) are evaluated here through their
// one-to-many branch with NMS; their NMS-free postprocessing of the
// one-to-one branch is out of scope for now.
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
