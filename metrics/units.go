package metrics

import (
	"errors"
	"fmt"

	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// PixelTargets writes the metric targets of labels, normalised as the loss
// takes them (target.Label: image, class, x, y, w, h in 0..1 of the
// image's width and height), into dst and returns it: a tensor [nt, 6] of
// (image, class, cx, cy, w, h) with the box in pixels of an image of
// width × height pixels, the targets AddBatch takes. It is val.py's
// targets[:, 2:] *= (width, height, width, height), in T: each value is
// rounded to T, then multiplied and rounded again.
//
// The labels' values are not checked (AddBatch checks images and
// classes). dst's storage is reused when it holds enough elements (pass
// the previous result); otherwise a new tensor is allocated. PixelTargets
// panics if width or height is not positive.
func PixelTargets[T tensor.Float](dst tensor.Tensor[T], labels []target.Label, width, height int) tensor.Tensor[T] {
	if width < 1 || height < 1 {
		panic(fmt.Sprintf("metrics: image size %d×%d, want positive sides", width, height))
	}
	size := 6 * len(labels)
	if cap(dst.Data) >= size {
		dst.Data = dst.Data[:size]
	} else {
		dst.Data = make([]T, size)
	}
	if cap(dst.Shape) >= 2 {
		dst.Shape = dst.Shape[:2]
	} else {
		dst.Shape = make([]int, 2)
	}
	dst.Shape[0], dst.Shape[1] = len(labels), 6
	w, h := T(width), T(height)
	for i, l := range labels {
		row := dst.Data[6*i : 6*i+6 : 6*i+6]
		row[0], row[1] = T(l[0]), T(l[1])
		row[2], row[3], row[4], row[5] = T(l[2])*w, T(l[3])*h, T(l[4])*w, T(l[5])*h
	}
	return dst
}

// ErrNormalisedTargets is what CheckUnits reports: metric targets that
// look normalised where pixels are expected.
var ErrNormalisedTargets = errors.New("metrics: targets look normalised (0..1), but the metrics take pixels")

// CheckUnits reports targets [nt, 6] (image, class, cx, cy, w, h) that look
// normalised on an image of width × height pixels larger than 1×1: at
// least one target, and every cx, cy, w and h in [0, 1]. Matched against
// pixel detections, such targets give metrics of zero without any error;
// PixelTargets converts normalised labels. The error wraps
// ErrNormalisedTargets and says how to fix it; it is meant as a warning
// (the targets may truly be tiny boxes in a corner), and nil means the
// targets do not look normalised. CheckUnits panics if targets is not
// [nt, 6] or does not match its data.
func CheckUnits[T tensor.Float](targets tensor.Tensor[T], width, height float64) error {
	nt := rows(targets, 6, "targets")
	if nt == 0 || !(width > 1 || height > 1) {
		return nil
	}
	for i := range nt {
		for _, v := range targets.Data[6*i+2 : 6*i+6] {
			if !(v >= 0 && v <= 1) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: all %d targets lie inside [0, 1]² on a %g×%g-pixel image; multiply x and w by the width, y and h by the height (metrics.PixelTargets)",
		ErrNormalisedTargets, nt, width, height)
}
