package metrics

import (
	"fmt"

	"github.com/yolo-loss/yololoss/tensor"
)

// NumIoU is the number of IoU thresholds: 0.50, 0.55, …, 0.95.
const NumIoU = 10

// iouv are val.py's thresholds, torch.linspace(0.5, 0.95, 10) in float32.
var iouv = [NumIoU]float32{0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95}

// IoUThreshold returns threshold t (0 ≤ t < NumIoU) as val.py compares
// with it: 0.5 + 0.05·t rounded to float32.
func IoUThreshold(t int) float64 { return float64(iouv[t]) }

// Correct is one detection's row of val.py's true-positive matrix: bit t
// is set when the detection is a true positive at IoUThreshold(t).
type Correct uint16

// At reports whether the detection is a true positive at threshold t.
func (c Correct) At(t int) bool { return c&(1<<t) != 0 }

// Row returns the ten bits as booleans, the row of val.py's matrix.
func (c Correct) Row() [NumIoU]bool {
	var r [NumIoU]bool
	for t := range r {
		r[t] = c.At(t)
	}
	return r
}

// Matcher is process_batch with reusable buffers; its zero value is ready
// to use. It is for one goroutine at a time.
type Matcher[T tensor.Float] struct {
	best    []int32 // per detection: the label of highest IoU among those of its class ≥ the first threshold, or −1
	bestIoU []T
	taken   []Correct // per label: the thresholds at which a detection has it
}

// Match appends to dst one Correct per detection and returns the extended
// slice: dets is [k, 6] (x1, y1, x2, y2, conf, class) in descending conf,
// labels is [m, 5] (class, x1, y1, x2, y2). Classes match when they are
// equal as numbers. Match allocates only when its buffers or dst must
// grow. It panics if a shape is not [k, 6] or [m, 5] or does not match the
// data.
func (m *Matcher[T]) Match(dst []Correct, dets, labels tensor.Tensor[T]) []Correct {
	k := rows(dets, 6, "detections")
	nl := rows(labels, 5, "labels")
	m.bestLabels(dets, labels, k, nl)
	m.taken = grow(m.taken, nl)
	clear(m.taken)
	for d := range k {
		var c Correct
		if l := m.best[d]; l >= 0 {
			iou := float64(m.bestIoU[d])
			for t := range NumIoU {
				if !(iou >= float64(iouv[t])) {
					break
				}
				if bit := Correct(1) << t; m.taken[l]&bit == 0 {
					m.taken[l] |= bit
					c |= bit
				}
			}
		}
		dst = append(dst, c)
	}
	return dst
}

// bestLabels finds, for each detection, the label of its class with the
// highest IoU at least the first threshold (the first of equal IoUs).
func (m *Matcher[T]) bestLabels(dets, labels tensor.Tensor[T], k, nl int) {
	m.best = grow(m.best, k)
	m.bestIoU = grow(m.bestIoU, k)
	lo := float64(iouv[0])
	for d := range k {
		det := dets.Data[6*d : 6*d+6 : 6*d+6]
		m.best[d] = -1
		for l := range nl {
			lab := labels.Data[5*l : 5*l+5 : 5*l+5]
			if lab[0] != det[5] {
				continue
			}
			iou := boxIoU(lab[1:5], det[0:4])
			if float64(iou) >= lo && (m.best[d] < 0 || iou > m.bestIoU[d]) {
				m.best[d], m.bestIoU[d] = int32(l), iou
			}
		}
	}
}

// boxIoU is box_iou of two (x1, y1, x2, y2) boxes, a a label and b a
// detection, rounded to T at each step as PyTorch computes it:
//
//	inter = clamp(min(a₂, b₂) − max(a₁, b₁), 0).prod
//	IoU   = inter / (area_a + area_b − inter + 1e-7)
func boxIoU[T tensor.Float](a, b []T) T {
	w := max(0, min(a[2], b[2])-max(a[0], b[0]))
	h := max(0, min(a[3], b[3])-max(a[1], b[1]))
	inter := T(w * h)
	areaA := T((a[2] - a[0]) * (a[3] - a[1]))
	areaB := T((b[2] - b[0]) * (b[3] - b[1]))
	return inter / (areaA + areaB - inter + T(1e-7))
}

// rows returns the number of rows of t, panicking unless t is [n, cols].
func rows[T tensor.Float](t tensor.Tensor[T], cols int, what string) int {
	if len(t.Shape) != 2 || t.Shape[1] != cols {
		panic(fmt.Sprintf("metrics: %s of shape %v, want [n, %d]", what, t.Shape, cols))
	}
	if err := t.Check(); err != nil {
		panic("metrics: " + what + ": " + err.Error())
	}
	return t.Shape[0]
}

// grow returns s with length n, reusing its storage when it can.
func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	return s[:n]
}
