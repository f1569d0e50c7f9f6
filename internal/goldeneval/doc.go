// Package goldeneval loads the golden cases of testdata/golden-eval
// (YOLOv5's own non_max_suppression, process_batch and ap_per_class,
// computed by PyTorch and NumPy in float64) and testdata/golden-v8-eval
// (ultralytics 8.4.35's non_max_suppression, match_predictions and
// ap_per_class for the anchor-free head; see the READMEs there) for the
// tests of the packages and the command that reproduce them.
package goldeneval
