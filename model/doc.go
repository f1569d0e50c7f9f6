// Package model describes what YOLOv5's loss and decoding read from the
// Detect head of a model: the number of classes, the anchors and the
// strides (Detect).
//
// # Units
//
// YOLOv5's model files (yolov5s.yaml) give anchors in pixels of the
// network input. Its Detect module divides them by each layer's stride, and
// ComputeLoss and build_targets compare them with boxes in grid units of
// the layer. Detect holds them in grid units, in a field whose name says
// so (AnchorsGrid), and is built by one of two constructors whose names
// say which unit they take:
//
//	anchor (grid units) = anchor (pixels) / stride (pixels per cell)
//
// FromPixels takes what model files hold; FromGrid what Detect's anchors
// buffer (and a batch file's "anchors" array) holds. Strides are in pixels
// per grid cell; model files do not hold them (YOLOv5 measures them with a
// forward pass), and DefaultStrides gives YOLOv5's 8·2^i for layer i, P3
// upwards.
//
// # Grids
//
// A layer of stride s over an image H pixels high has ⌈H/s⌉ rows when its
// strided convolutions pad (YOLOv5's do) and ⌊H/s⌋ when they do not.
// CheckGrids accepts either, as long as one H and one W fit every layer; it
// catches layers passed in the wrong order and grids of inconsistent sizes.
//
// # Model files
//
// Parse and Load read a YOLOv5 model file (models/yolov5s.yaml,
// models/hub/yolov5s6.yaml, …) into a Detect: nc, and the anchors, one row
// of pixel pairs per output layer from P3 upwards,
//
//	anchors:
//	  - [10, 13, 16, 30, 33, 23] # P3/8: (w, h) of anchors 0, 1, 2
//
// divided by the strides the caller gives (nil: DefaultStrides). The file
// must hold the keys YOLOv5's parse_model reads (nc, depth_multiple,
// width_multiple, anchors, backbone, head) and no key YOLOv5 does not know
// (beside those: activation, channel_multiple, ch, inplace). nc is an
// integer ≥ 1; depth_multiple and width_multiple are numbers > 0 and
// backbone and head non-empty sequences, which the loss does not read
// further, nor the optional keys. The anchors are 1 to MaxLayers rows of the same even number of
// finite values > 0. A file whose anchors is a count (anchors: 3, as in
// yolov5-p2.yaml and yolov5-p7.yaml) leaves them to YOLOv5's AutoAnchor and
// holds none: that is an error which says so.
//
// With the default strides, a row commented "P<level>/<stride>" as YOLOv5
// writes them must agree with its default stride: yolov3-tiny.yaml's
// P4/16 and P5/32 rows need the strides 16 and 32 from the caller, and are
// an error without them. Explicit strides are taken as given.
//
// Errors about the file are *FileError values naming the line and key:
//
//	model: yolov5s.yaml: line 13: key "anchors": row 1 has 5 values: want (w, h) pairs in pixels, an even number ≥ 2
package model
