// Package decode turns the raw outputs of YOLOv5's Detect head into boxes
// and scores, as the head does at inference (models/yolo.py, Detect.forward
// in eval mode), and gives the box of the loss frame that ComputeLoss
// compares with its targets. AnchorFree does the same for the anchor-free
// head of YOLOv8, YOLO11, YOLO26 and YOLOv10 (see the section below).
//
// # Layout
//
// One output layer is a tensor.Tensor of Shape [bs, na, ny, nx, 5+nc]:
// for image b, anchor a and grid cell (gj, gi) (row, column), the channels
// are the logits t_x, t_y, t_w, t_h, t_obj and t_cls,0 … t_cls,nc−1.
//
// # Inference frame (pixels)
//
// With s = σ(t) = 1/(1+e^{−t}), the anchor (a_w, a_h) in grid units (pixels
// divided by the stride, as in model.Detect) and the layer's stride:
//
//	x     = (2·s_x − 0.5 + gi)·stride
//	y     = (2·s_y − 0.5 + gj)·stride
//	w     = (2·s_w)²·a_w·stride
//	h     = (2·s_h)²·a_h·stride
//	obj   = σ(t_obj)
//	cls_c = σ(t_cls,c)
//	conf  = obj·max_c cls_c
//
// (x, y) is the centre and (w, h) the size of the box, in pixels of the
// network input. The centre can move from half a cell before the cell's
// corner to one and a half cells after it; the size from 0 to four times
// the anchor. The class is the first c that attains max_c t_cls,c; since σ
// is increasing only that one class score is computed.
//
// # Inference output
//
// Inference writes what Detect returns at inference, the input of
// non_max_suppression (package nms): a tensor of shape [bs, n, 5+nc] whose
// rows are (x, y, w, h, obj, cls_0 … cls_{nc−1}), every class probability
// rather than the best one, for every cell of every layer. The rows of an
// image go layer after layer (P3 first), and within a layer by anchor,
// row, column: n = Σ_l na·ny_l·nx_l, the order of YOLOv5's
// torch.cat(z, 1) of the layers' views [bs, na·ny·nx, 5+nc].
//
// # Loss frame (grid units)
//
// ComputeLoss (package computeloss) compares, with CIoU, the box
//
//	pxy = 2·s_xy − 0.5          (grid units, relative to the cell's corner)
//	pwh = (2·s_wh)²·anchor      (grid units)
//
// with the target box tbox of package target, which is in the same frame.
// GridBox returns it. The pixel box is (pxy + (gi, gj), pwh)·stride.
//
// # Filtering
//
// Layer keeps the cells whose conf ≥ a threshold, and every cell when the
// threshold is ≤ 0. Since every class score is at most 1, conf ≤ obj: cells
// with obj below the threshold are skipped before their box and classes are
// decoded, which is where most cells of a trained model go. YOLOv5's
// non_max_suppression uses a strict > in the same place; the two differ only
// for scores exactly equal to the threshold.
//
// # Anchor-free head
//
// One output layer of the anchor-free Detect head (model.AnchorFree) is a
// tensor of Shape [bs, 4·R + nc, ny, nx], channels first, R = reg_max: for
// cell (gj, gi), channels k·R … k·R + R − 1 are the R bin logits z_k,i of
// side k (left, top, right, bottom), then the nc class logits. With the
// layer's stride s:
//
//	d_k   = Σ_i i·softmax(z_k)_i        (R > 1: the expected bin, ultralytics' DFL)
//	d_k   = z_k,0                       (R = 1: the value itself)
//	x1    = gi + 0.5 − d_0,   x2 = gi + 0.5 + d_2
//	y1    = gj + 0.5 − d_1,   y2 = gj + 0.5 + d_3
//	cx    = (x1 + x2)/2·s,    cy = (y1 + y2)/2·s
//	w     = (x2 − x1)·s,      h  = (y2 − y1)·s
//	cls_c = σ(t_cls,c)
//
// (dist2bbox in its xywh form, around the cell centre, times the stride.)
// AnchorFree writes, as ultralytics' Detect returns it at inference, the
// tensor [bs, 4 + nc, A] of (cx, cy, w, h, cls_0 … cls_{nc−1}) channels
// first, A = Σ_l ny_l·nx_l anchors, layer after layer (smallest stride
// first) and within a layer row after row: the input of package nms with
// Options.Head = nms.V8. There is no objectness. An end-to-end head's
// one-to-one branch (YOLO26, YOLOv10) is decoded to corners and used
// without NMS by ultralytics; that postprocessing is not in this package.
//
// # Numbers
//
// Logits are float32 or float64; everything is computed in float64, with
// σ from bce.Logistic, which does not overflow for any finite logit, and
// the softmax of the bins shifted by their largest logit, which does not
// either; results are rounded to the element type at the end. NaN
// logits are not detected: they give NaN boxes and scores, and a NaN score
// fails every positive threshold.
package decode
