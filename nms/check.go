package nms

import (
	"fmt"
	"math"
	"strconv"
	"unsafe"

	"github.com/yolo-loss/yololoss/tensor"
)

// hintLogits is the advice for the commonest slip: Detect's raw outputs
// (logits) passed where its decoded inference output belongs.
const hintLogits = "raw logits? apply the sigmoid / decode first (decode.Inference)"

// ValueError reports a value of NMS's input that NMS would misread.
type ValueError struct {
	Index []int   // the multi-index of the value: [b, row, channel], or [row, channel]
	Value float64 // the value
	What  string  // what is wrong with it
	bits  int     // the precision of the input, 32 or 64, for printing Value as it was
}

func (e *ValueError) Error() string {
	bits := e.bits
	if bits == 0 {
		bits = 64
	}
	v := strconv.FormatFloat(e.Value, 'g', -1, bits)
	return fmt.Sprintf("index %v (%s) = %s: %s", e.Index, channelName(e.Index[len(e.Index)-1]), v, e.What)
}

// channelName names channel c of a row of Detect's inference output.
func channelName(c int) string {
	switch c {
	case 0, 1, 2, 3:
		return [...]string{"cx", "cy", "w", "h"}[c]
	case 4:
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
			if what := checkValue(float64(v), c); what != "" {
				return &ValueError{Index: unravel(off+c, pred.Shape), Value: float64(v), What: what, bits: bitsOf[T]()}
			}
		}
	}
	return nil
}

// checkValue returns what is wrong with v as channel c, or "".
func checkValue(v float64, c int) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "not a finite number"
	case c < 2:
		return ""
	case c < 4:
		if v < 0 {
			return "a negative box size; " + hintLogits
		}
	case v < 0 || v > 1:
		return "a probability outside [0, 1]; " + hintLogits
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
