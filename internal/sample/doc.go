// Package sample generates the demo's sample predictions: a deterministic
// batch that looks like the output of a partly trained detector on two
// images with a handful of labelled objects.
//
// Generate makes YOLOv5's built-in samples (P5 or P6 anchors, 80 classes):
// high objectness and the right class near the objects, low objectness
// elsewhere. ForDetect makes the same for any YOLOv5 head (a model file's
// anchors, strides and classes), and ForAnchorFree for an anchor-free head
// (YOLOv8, YOLO11, YOLO26, YOLOv10): box distributions peaked at the
// distances to the objects' sides near their centres, in the layers whose
// cells suit their sizes, and the right class there. Labels' classes are
// taken modulo the head's class count.
package sample
