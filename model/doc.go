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
package model
