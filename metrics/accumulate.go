package metrics

import (
	"fmt"
	"math"

	"github.com/yolo-loss/yololoss/tensor"
)

// Accumulator collects val.py's statistics image by image: for each
// detection its conf, class and Correct row, and the labels per class.
// Make one with NewAccumulator; it is for one goroutine at a time.
type Accumulator[T tensor.Float] struct {
	nc      int
	images  int
	nt      []int // labels per class
	conf    []float64
	cls     []int32
	correct []Correct

	m          Matcher[T]
	labels     []T // AddBatch: one image's labels, (class, x1, y1, x2, y2) rows
	labelShape [2]int
	byImg      []int // AddBatch: target rows grouped by image
	starts     []int // AddBatch: where each image's group starts in byImg
	next       []int // AddBatch: the next free place of each image's group
}

// NewAccumulator returns an empty accumulator for nc classes. It panics if
// nc < 1.
func NewAccumulator[T tensor.Float](nc int) *Accumulator[T] {
	if nc < 1 {
		panic(fmt.Sprintf("metrics: nc %d < 1", nc))
	}
	return &Accumulator[T]{nc: nc, nt: make([]int, nc)}
}

// NC returns the number of classes.
func (a *Accumulator[T]) NC() int { return a.nc }

// Images returns the number of images added since the last Reset.
func (a *Accumulator[T]) Images() int { return a.images }

// Correct returns the Correct rows of every detection added since the last
// Reset, image after image: val.py's matrix. The slice is the
// accumulator's own, valid until its next change.
func (a *Accumulator[T]) Correct() []Correct { return a.correct }

// Reset empties the accumulator, keeping its buffers.
func (a *Accumulator[T]) Reset() {
	a.images = 0
	clear(a.nt)
	a.conf, a.cls, a.correct = a.conf[:0], a.cls[:0], a.correct[:0]
}

// AddImage matches one image's detections to its labels and adds them:
// dets is [k, 6] (x1, y1, x2, y2, conf, class) in descending conf, as
// package nms returns them, labels is [m, 5] (class, x1, y1, x2, y2) in the
// same pixels. It returns an error, and adds nothing, if a class is not an
// integer in [0, nc) or a conf is not finite. It panics if a shape is not
// [k, 6] or [m, 5] or does not match the data.
func (a *Accumulator[T]) AddImage(dets, labels tensor.Tensor[T]) error {
	rows(dets, 6, "detections")
	rows(labels, 5, "labels")
	if err := a.checkDets(dets, a.images); err != nil {
		return err
	}
	for l := range labels.Shape[0] {
		if !a.isClass(labels.Data[5*l]) {
			return fmt.Errorf("metrics: image %d: label %d: class %v is not an integer in [0, %d)", a.images, l, labels.Data[5*l], a.nc)
		}
	}
	a.add(dets, labels)
	return nil
}

// add records a checked image.
func (a *Accumulator[T]) add(dets, labels tensor.Tensor[T]) {
	a.correct = a.m.Match(a.correct, dets, labels)
	for d := range dets.Shape[0] {
		a.conf = append(a.conf, float64(dets.Data[6*d+4]))
		a.cls = append(a.cls, int32(dets.Data[6*d+5]))
	}
	for l := range labels.Shape[0] {
		a.nt[int(labels.Data[5*l])]++
	}
	a.images++
}

func (a *Accumulator[T]) checkDets(dets tensor.Tensor[T], image int) error {
	for d := range dets.Shape[0] {
		row := dets.Data[6*d : 6*d+6]
		if !a.isClass(row[5]) {
			return fmt.Errorf("metrics: image %d: detection %d: class %v is not an integer in [0, %d)", image, d, row[5], a.nc)
		}
		if c := float64(row[4]); math.IsNaN(c) || math.IsInf(c, 0) {
			return fmt.Errorf("metrics: image %d: detection %d: conf %v is not finite", image, d, c)
		}
	}
	return nil
}

func (a *Accumulator[T]) isClass(v T) bool {
	return v >= 0 && v < T(a.nc) && v == T(math.Trunc(float64(v)))
}

// AddBatch adds the images of one batch: dets[b] is image b's detections
// as AddImage takes them, targets is [nt, 6] (image, class, cx, cy, w, h),
// val.py's targets in pixels (normalised targets times the image's width
// and height). Each target becomes the label (class, cx − w/2, cy − h/2,
// cx + w/2, cy + h/2) of its image, in the order of targets. AddBatch
// returns an error, and adds nothing, if an image index is not an integer
// in [0, len(dets)) or a class is not one (see AddImage); it panics if a
// shape is wrong.
func (a *Accumulator[T]) AddBatch(dets []tensor.Tensor[T], targets tensor.Tensor[T]) error {
	nt := rows(targets, 6, "targets")
	for b, d := range dets {
		rows(d, 6, "detections")
		if err := a.checkDets(d, a.images+b); err != nil {
			return err
		}
	}
	a.starts = grow(a.starts, len(dets)+1)
	clear(a.starts)
	for i := range nt {
		row := targets.Data[6*i : 6*i+6]
		if img := float64(row[0]); !(img >= 0 && img < float64(len(dets)) && img == math.Trunc(img)) {
			return fmt.Errorf("metrics: target %d: image %v is not an integer in [0, %d)", i, row[0], len(dets))
		}
		if !a.isClass(row[1]) {
			return fmt.Errorf("metrics: target %d: class %v is not an integer in [0, %d)", i, row[1], a.nc)
		}
		a.starts[int(row[0])+1]++
	}
	a.groupTargets(targets, nt, len(dets))
	for b, d := range dets {
		a.add(d, a.imageLabels(targets, b))
	}
	return nil
}

// groupTargets fills byImg with the target rows of each image, in order:
// a counting sort, starts holding each image's count at b+1 on entry and
// its group's start at b on return.
func (a *Accumulator[T]) groupTargets(targets tensor.Tensor[T], nt, bs int) {
	for b := range bs {
		a.starts[b+1] += a.starts[b]
	}
	a.byImg = grow(a.byImg, nt)
	a.next = grow(a.next, bs)
	copy(a.next, a.starts[:bs])
	for i := range nt {
		b := int(targets.Data[6*i])
		a.byImg[a.next[b]] = i
		a.next[b]++
	}
}

// imageLabels returns image b's labels (class, x1, y1, x2, y2), in the
// order of targets, from the grouped targets: xywh2xyxy in T.
func (a *Accumulator[T]) imageLabels(targets tensor.Tensor[T], b int) tensor.Tensor[T] {
	group := a.byImg[a.starts[b]:a.starts[b+1]]
	a.labels = grow(a.labels, 5*len(group))
	for k, i := range group {
		t := targets.Data[6*i : 6*i+6 : 6*i+6]
		l := a.labels[5*k : 5*k+5 : 5*k+5]
		cx, cy, w, h := t[2], t[3], t[4], t[5]
		l[0], l[1], l[2], l[3], l[4] = t[1], cx-w/2, cy-h/2, cx+w/2, cy+h/2
	}
	a.labelShape = [2]int{len(group), 5}
	return tensor.Tensor[T]{Data: a.labels, Shape: a.labelShape[:]}
}
