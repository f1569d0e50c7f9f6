// Package target is YOLOv5's target assigner, build_targets in
// utils/loss.py: it matches labelled boxes to anchors and grid cells of each
// output layer.
//
// # The rule, per output layer of ny×nx cells
//
// A target (image, class, x, y, w, h), normalised to 0..1, is scaled to grid
// units: gx = x·nx, gy = y·ny, gw = w·nx, gh = h·ny. For each anchor (aw, ah)
// (grid units) it is kept when
//
//	max(gw/aw, aw/gw, gh/ah, ah/gh) < anchor_t
//
// computed as YOLOv5 does, r = gw/aw and max(r, 1/r). Each kept pair is
// matched to its own cell and to up to two neighbour cells, with the bias
// g = 0.5:
//
//	left   when frac(gx) < g and gx > 1,          offset (+g, 0)
//	up     when frac(gy) < g and gy > 1,          offset (0, +g)
//	right  when frac(nx−gx) < g and nx−gx > 1,    offset (−g, 0)
//	down   when frac(ny−gy) < g and ny−gy > 1,    offset (0, −g)
//
// The cell is (gi, gj) = trunc((gx, gy) − offset). The box target keeps that
// unclamped cell, tbox = (gx−gi, gy−gj, gw, gh), while the indices are then
// clamped into the grid.
//
// # Order
//
// Matches come in YOLOv5's order: by offset (own cell, left, up, right,
// down), then by anchor, then by target row. The order matters: where
// several matches share an objectness cell, the last one written wins.
//
// # Valid labels
//
// CheckLabel is the one statement of what a label row must hold: finite
// values, image and class integers in [0, bs) and [0, nc), the centre in
// [0, 1] and the size in (0, 1]. Build assumes it; readers of labels check
// it and report the column at fault (*LabelError).
package target
