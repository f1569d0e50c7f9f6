// Package model describes what the losses and decoding read from the
// detection head of a model: for YOLOv5's anchor-based head (Detect) the
// number of classes, the anchors and the strides; for the anchor-free head
// of ultralytics' YOLOv8, YOLO11, YOLO26 and YOLOv10 (AnchorFree) the
// number of classes, reg_max, the strides and whether the head is
// end-to-end. LoadFile reads either from a model file.
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
// per grid cell; YOLOv5's model files do not hold them (YOLOv5 measures
// them with a forward pass), and DefaultStrides gives YOLOv5's 8·2^i for
// layer i, P3 upwards.
//
// # Anchor checks
//
// YOLOv5's check_anchor_order compares the mean anchor area of the first
// and the last output layer, in pixels², and flips the rows when the area
// shrinks while the stride grows. FromPixels, FromGrid, Parse and Load
// refuse such rows instead, saying so, so that the anchors a caller gives
// are the anchors it gets: list them from the finest grid (P3, the
// smallest anchors) to the coarsest. Only the first and the last layer
// count, as in YOLOv5.
//
// FromGrid also refuses an anchor wider or taller than MaxAnchorCells (64)
// cells of its layer, naming the layer: YOLOv5's largest default anchor is
// under 15 cells, and an anchor of hundreds is one given in pixels, which
// FromPixels takes. Validate, which engines call on a Detect built by
// hand, checks neither.
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
//
// # Ultralytics' model files
//
// LoadFile and ParseFile read a model file of either kind: a file with the
// key anchors is YOLOv5's (File.V5, as Parse reads it), any other is an
// ultralytics detection model file (File.V8), such as cfg/models'
// yolov8.yaml, yolo11.yaml, yolo26.yaml and yolov10n.yaml:
//
//	nc: 80
//	reg_max: 1      # bins per box side; 16 when absent
//	end2end: True   # a one-to-one branch beside the one-to-many one
//	backbone:
//	  - [-1, 1, Conv, [64, 3, 2]]   # [from, repeats, module, args]
//	  …
//	head:
//	  …
//	  - [[16, 19, 22], 1, Detect, [nc]]
//
// nc and the backbone and head sequences are required; reg_max is an
// integer ≥ 1, end2end true or false; scales, scale, depth_multiple,
// width_multiple, activation, channels and ch are checked and not read
// further; any other key is an error. The head is the last layer, Detect
// or v10Detect; v10Detect is always end-to-end with reg_max 16, and a file
// saying otherwise is an error.
//
// The strides, which ultralytics measures with a forward pass, are
// computed from the layer graph. Layers are numbered from 0 through the
// backbone, then the head. A layer's from is -1 (the previous layer; the
// input at layer 0), an earlier layer's index, a negative offset −k (the
// layer k before), or a list of those; a layer reads only earlier layers.
// From the input at stride 1, each layer's output stride is
//
//	Conv, SCDown (c2, k, s)                 input stride · s (s = 1 when absent)
//	nn.Upsample (None, scale, mode)         input stride / scale
//	C2, C2f, C2fCIB, C3, C3k2, C2PSA, PSA,  input stride
//	SPPF (c2, k: a pooling kernel)
//	Concat (of a list of inputs)            their stride, which must agree
//
// and the head's inputs, a list of 1 to MaxLayers layers in increasing
// stride order, give the output layers: yolov8-p2.yaml's are 4, 8, 16, 32,
// which no default guesses. A module not in this table is an error naming
// it, its layer and line, as are a bad from, a Concat of different strides
// and a file without a detection head:
//
//	model: yolov8.yaml: line 18: layer 9 (Focus): a module whose effect on the stride is not known; …
//
// LoadOptions.NC replaces the file's nc, as YOLOv5 and ultralytics do with
// the dataset's class count; the channel counts an engine checks follow it
// (Detect.CheckChannels, AnchorFree.CheckChannels, whose errors name nc).
//
// # Size
//
// Load and LoadFile refuse a file over MaxFileSize (1 MiB) before reading
// it: real model files are a few KiB.
package model
