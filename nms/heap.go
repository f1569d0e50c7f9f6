package nms

import "github.com/yolo-loss/yololoss/tensor"

// heap is a binary heap of pairs whose top is the first pair in NMS's
// order: the highest conf, then the lowest input position. It is written
// out rather than taken from container/heap so that the comparison
// inlines; the order it yields is that of a full sort by before.
type heap[T tensor.Float] []pair[T]

// before reports whether a comes before b: higher conf, or equal conf and
// earlier in the input.
func before[T tensor.Float](a, b pair[T]) bool {
	return a.conf > b.conf || (a.conf == b.conf && a.idx < b.idx)
}

// init arranges h into a heap in linear time.
func (h heap[T]) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// pop removes the top pair and returns it with the shrunk heap.
func (h heap[T]) pop() (pair[T], heap[T]) {
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	h.down(0)
	return top, h
}

// down moves the pair at i down to its place.
func (h heap[T]) down(i int) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if r := c + 1; r < n && before(h[r], h[c]) {
			c = r
		}
		if !before(h[c], h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}
