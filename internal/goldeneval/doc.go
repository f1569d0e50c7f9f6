// Package goldeneval loads the golden cases of testdata/golden-eval
// (YOLOv5's own non_max_suppression, process_batch and ap_per_class,
// computed by PyTorch and NumPy in float64; see the README there) for the
// tests of the packages and the command that reproduce them.
package goldeneval
