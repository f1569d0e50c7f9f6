// Package golden loads the golden cases of testdata/golden (YOLOv5's own
// losses and autograd gradients, computed by PyTorch in float64; see the
// README there) for the tests of the packages that reproduce them: each
// case's hyp, input batch, expected loss items per call and expected
// gradient.
package golden
