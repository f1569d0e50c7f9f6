package nms

import (
	"fmt"
	"math"
	"strconv"
	"unsafe"

	"github.com/yolo-loss/yololoss/tensor"
)

// hintLogits and hintLogitsV8 are the advice for the commonest slip:
// Detect's raw outputs (logits) passed where its decoded inference output
// belongs.
const (
	hintLogits   = "raw logits? apply the sigmoid / decode first (decode.Inference)"
	hintLogitsV8 = "raw logits? apply the sigmoid / decode first (decode.AnchorFree)"
)

// ValueError reports a value of NMS's input that NMS would misread.
type ValueError struct {
	// Index is the multi-index of the value: [b, row, channel] or
	// [row, channel] for the V5 head, [b, channel, row] or [channel, row]
	// for V8.
	Index []int
	Value float64 // the value
	What  string  // what is wrong with it
	bits  int     // the precision of the input, 32 or 64, for printing Value as it was
	head  Head    // whose layout Index is in
}

func (e *ValueError) Error() string {
	bits := e.bits
	if bits == 0 {
		bits = 64
	}
	v := strconv.FormatFloat(e.Value, 'g', -1, bits)
	c := e.Index[len(e.Index)-1]
	if e.head == V8 && len(e.Index) >= 2 {
		c = e.Index[len(e.Index)-2]
	}
	return fmt.Sprintf("index %v (%s) = %s: %s", e.Index, channelName(c, e.head), v, e.What)
}

// channelName names channel c of a row of the head's inference output.
func channelName(c int, head Head) string {
	switch {
	case c < 4:
		return [...]string{"cx", "cy", "w", "h"}[c]
	case head == V8:
		return fmt.Sprintf("class %d", c-4)
	case c == 4:
		return "objectness"
	default:
		return fmt.Sprintf("class %d", c-5)
	}
}

// Check reports whether pred can be NMS's input: a tensor of shape
// [bs, n, 5+nc] (or [n, 5+nc]) with nc ≥ 1 whose data matches its shape,
// every value finite, the sizes w and h ≥ 0, the objectness and the class
// probabilities in [0, 1]. A bad value is returned as a *ValueError
// naming the first one in the order of the data; probabilities outside
// [0, 1] and negative sizes come with a hint that the input may be raw
// logits. Check is for data from files and users; NMS itself does not
// scan its input.
func Check[T tensor.Float](pred tensor.Tensor[T]) error {
	if r := len(pred.Shape); r != 2 && r != 3 {
		return fmt.Errorf("shape %v is not [bs, n, 5+nc] or [n, 5+nc]", pred.Shape)
	}
	if err := pred.Check(); err != nil {
		return err
	}
	no := pred.Shape[len(pred.Shape)-1]
	if no < 6 {
		return fmt.Errorf("shape %v has %d channels, want 5+nc with nc ≥ 1", pred.Shape, no)
	}
	for off := 0; off < len(pred.Data); off += no {
		for c, v := range pred.Data[off : off+no] {
			if what := checkValue(float64(v), c, hintLogits); what != "" {
				return &ValueError{Index: unravel(off+c, pred.Shape), Value: float64(v), What: what, bits: bitsOf[T]()}
			}
		}
	}
	return nil
}

// CheckV8 is Check for the V8 head's inference output: a tensor of shape
// [bs, 4+nc, n] (or [4+nc, n]), channels first, with nc ≥ 1, whose data
// matches its shape, every value finite, the sizes w and h ≥ 0 and the
// class probabilities in [0, 1]. A *ValueError's Index is
// [b, channel, row] (or [channel, row]); values are checked in the order
// of the data.
func CheckV8[T tensor.Float](pred tensor.Tensor[T]) error {
	r := len(pred.Shape)
	if r != 2 && r != 3 {
		return fmt.Errorf("shape %v is not [bs, 4+nc, n] or [4+nc, n]", pred.Shape)
	}
	if err := pred.Check(); err != nil {
		return err
	}
	nch, n := pred.Shape[r-2], pred.Shape[r-1]
	if nch < 5 {
		return fmt.Errorf("shape %v has %d channels, want 4+nc with nc ≥ 1 (channels first: [bs, 4+nc, n])", pred.Shape, nch)
	}
	for off := 0; off < len(pred.Data); off += n {
		c := off / n % nch // the channel of this row of n values
		for j, v := range pred.Data[off : off+n] {
			if what := checkValue(float64(v), c, hintLogitsV8); what != "" {
				return &ValueError{Index: unravel(off+j, pred.Shape), Value: float64(v), What: what, bits: bitsOf[T](), head: V8}
			}
		}
	}
	return nil
}

// checkValue returns what is wrong with v as channel c, or "": channels
// 0–3 are cx, cy, w, h, and every later one a probability (V5's objectness
// and classes, V8's classes).
func checkValue(v float64, c int, hint string) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "not a finite number"
	case c < 2:
		return ""
	case c < 4:
		if v < 0 {
			return "a negative box size; " + hint
		}
	case v < 0 || v > 1:
		return "a probability outside [0, 1]; " + hint
	}
	return ""
}

// bitsOf returns the size of T in bits.
func bitsOf[T tensor.Float]() int {
	var z T
	return 8 * int(unsafe.Sizeof(z))
}

func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		idx[k] = i % shape[k]
		i /= shape[k]
	}
	return idx
}
