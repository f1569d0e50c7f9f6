package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// itemChannels are the channels of a prediction [bs, na, ny, nx, 5+nc]
// whose logits each item of the loss reads: lbox the box's four, lobj the
// objectness, lcls the classes (to the end).
var itemChannels = []struct {
	name, what string
	lo, hi     int // channels [lo, hi); hi 0 for the last
}{
	{"lbox", "box logit", 0, 4},
	{"lobj", "objectness logit", 4, 5},
	{"lcls", "class logit", 5, 0},
}

// checkFinite returns nil when call k (of iters) gave a finite loss, else
// an input error: the inputs are finite (batchfile checks them), so the
// logits are large enough to overflow the loss. It names the first item
// and layer that are not finite and the largest of the logits that item
// reads in that layer.
func checkFinite[T tensor.Float](res computeloss.Result, p []tensor.Tensor[T], in *inputs, k, iters int) error {
	if isFinite(res.Loss) {
		return nil
	}
	b := notFinite(res.Loss, k, iters)
	where := overflowAt(res, p, in.model.Strides)
	if where == "" {
		where = fmt.Sprintf("lbox %g + lobj %g + lcls %g overflows", res.LBox, res.LObj, res.LCls)
	}
	fmt.Fprintf(b, ": %s; logits this large overflow the loss, and nothing is written", where)
	return cli.Inputf("%s", b.String())
}

// notFinite starts the message of checkFinite and checkV8Finite: the
// loss, and the call that gave it when there were several.
func notFinite(loss float64, k, iters int) *strings.Builder {
	b := new(strings.Builder)
	fmt.Fprintf(b, "the loss is %v from finite inputs", loss)
	if iters > 1 {
		fmt.Fprintf(b, " (call %d of %d)", k+1, iters)
	}
	return b
}

// overflowAt describes the first item of the first layer of res that is
// not finite, with the largest logit it reads there; "" if every item of
// every layer is finite.
func overflowAt[T tensor.Float](res computeloss.Result, p []tensor.Tensor[T], strides []float64) string {
	for i, l := range res.Layers {
		for j, v := range []float64{l.LBox, l.LObj, l.LCls} {
			if isFinite(v) {
				continue
			}
			c := itemChannels[j]
			name := batchfile.PredName(i)
			s := fmt.Sprintf("%s of %s (%s) is %v", c.name, model.LayerName(i, strides), name, v)
			if at, big, ok := largest(p[i], c.lo, c.hi); ok {
				s += fmt.Sprintf("; its largest %s is %s%v = %g", c.what, name, at, big)
			}
			return s
		}
	}
	return ""
}

// largest returns the index and value of the logit of t [.., 5+nc] of
// largest magnitude among channels [lo, hi) (hi 0: to the end), the first
// of equals; ok is false when there is none.
func largest[T tensor.Float](t tensor.Tensor[T], lo, hi int) (at []int, v float64, ok bool) {
	n := t.Shape[len(t.Shape)-1]
	if hi == 0 {
		hi = n
	}
	best := -1
	for k, x := range t.Data {
		if c := k % n; c < lo || c >= hi {
			continue
		}
		if best < 0 || math.Abs(float64(x)) > math.Abs(float64(t.Data[best])) {
			best = k
		}
	}
	if best < 0 {
		return nil, 0, false
	}
	return unravel(best, t.Shape), float64(t.Data[best]), true
}

// num formats a loss for the tables: six decimals, or six significant
// digits in exponent form from a million on, where float32 logits near
// their limit would otherwise print forty digits.
func num(v float64) string {
	if math.Abs(v) < 1e6 || !isFinite(v) {
		return fmt.Sprintf("%.6f", v)
	}
	return fmt.Sprintf("%.6g", v)
}
