// Package net is a small YOLO-style detector written in GoMLX: a plain
// convolutional backbone and a Detect head whose raw outputs have the layout
// of the loss engine: [B, na, ny, nx, 5+nc] for YOLOv5's head (package
// computeloss), [B, 4·reg_max+nc, ny, nx] for the anchor-free head of
// YOLOv8/YOLO11 (package v8loss).
//
// # Architecture
//
// Stage l = 1, 2, … halves the resolution with a 3×3 convolution of stride 2
// to Widths[l−1] channels; from stage 3 (stride 8) on, a 3×3 convolution of
// stride 1 follows. Every convolution adds a bias and applies SiLU(z) = z·σ(z)
// (YOLOv5's Conv without its batch normalisation). A stage whose stride is one
// of the Detect's feeds a 1×1 convolution to na·(5+nc) channels, viewed as
// [B, na, ny, nx, 5+nc]. The anchor-free head (Config.AnchorFree) is a 1×1
// convolution to 4·reg_max + nc channels, the box bins of the left, top, right
// and bottom distances, then the class logits, viewed channels first as
// [B, 4·reg_max+nc, ny, nx] (ultralytics' Detect has two 3×3 convolutions
// before it in each of its box and class branches; this head has none, as
// the YOLOv5 head here). Convolutions pad by (k−1)/2, as YOLOv5's do, so a
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
