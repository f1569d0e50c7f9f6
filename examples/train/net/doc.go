// Package net is a small YOLO-style detector written in GoMLX: a plain
// convolutional backbone and a Detect head whose raw outputs have the layout
// of the loss engine, [B, na, ny, nx, 5+nc].
//
// # Architecture
//
// Stage l = 1, 2, … halves the resolution with a 3×3 convolution of stride 2
// to Widths[l−1] channels; from stage 3 (stride 8) on, a 3×3 convolution of
// stride 1 follows. Every convolution adds a bias and applies SiLU(z) = z·σ(z)
// (YOLOv5's Conv without its batch normalisation). A stage whose stride is one
// of the Detect's feeds a 1×1 convolution to na·(5+nc) channels, viewed as
// [B, na, ny, nx, 5+nc]. Convolutions pad by (k−1)/2, as YOLOv5's do, so a
// layer of stride s over an S-pixel image has S/s cells a side.
//
// # Backends
//
// On GoMLX's pure-Go backend (simplego) several operations are missing or
// slow; simplego_gaps.go works around them, each gap named there. On other
// backends (XLA) the native convolution is used.
//
// Its executor is another gap: run in parallel (the default) it can deadlock
// and trips the race detector; SequentialBackendConfig avoids both (gap 4 of
// simplego_gaps.go).
package net
