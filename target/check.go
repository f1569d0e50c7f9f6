package target

import (
	"fmt"
	"math"
)

// Columns names the columns of a Label, in order.
var Columns = [6]string{"image", "class", "x", "y", "w", "h"}

// LabelError reports the column of a label row that holds an invalid
// value. Its message names the column and the value, and leaves where the
// row is (a file and line, an array index) to the caller, which wraps it.
type LabelError struct {
	Column int     // index into the Label: 0 image, 1 class, 2 x, 3 y, 4 w, 5 h
	Value  float64 // the value found there
	Want   string  // what the column must hold, such as "an integer in [0, 80)"
}

// Error formats e as "class (column 1) = 1.5 is not an integer in [0, 80)".
func (e *LabelError) Error() string {
	return fmt.Sprintf("%s (column %d) = %v is not %s", Columns[e.Column], e.Column, e.Value, e.Want)
}

// CheckLabel reports whether l is a valid label for a batch of bs images
// and nc classes, returning a *LabelError naming the first column at fault,
// or nil. A valid label has
//
//	every column finite,
//	image an integer in [0, bs),
//	class an integer in [0, nc),
//	x, y (the box centre) in [0, 1],
//	w, h (the box size) in (0, 1].
//
// Non-finite values are reported first, then the columns in order. Build
// and the loss assume these rules: this is the one place that states them.
func CheckLabel(l Label, bs, nc int) error {
	for c, v := range l {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return &LabelError{Column: c, Value: v, Want: "finite"}
		}
	}
	for c, n := range [2]int{bs, nc} {
		if v := l[c]; v != math.Trunc(v) || v < 0 || v >= float64(n) {
			return &LabelError{Column: c, Value: v, Want: fmt.Sprintf("an integer in [0, %d)", n)}
		}
	}
	for c := 2; c < 4; c++ {
		if v := l[c]; v < 0 || v > 1 {
			return &LabelError{Column: c, Value: v, Want: "in [0, 1]"}
		}
	}
	for c := 4; c < 6; c++ {
		if v := l[c]; v <= 0 || v > 1 {
			return &LabelError{Column: c, Value: v, Want: "in (0, 1]"}
		}
	}
	return nil
}

// RowError is a LabelError at a row of a list of labels.
type RowError struct {
	Row int
	*LabelError
}

// Error formats e as "label 3: class (column 1) = 1.5 is not an integer in [0, 80)".
func (e *RowError) Error() string { return fmt.Sprintf("label %d: %v", e.Row, e.LabelError) }

// Unwrap returns the LabelError.
func (e *RowError) Unwrap() error { return e.LabelError }

// CheckLabels reports the first label of labels that CheckLabel rejects, as
// a *RowError, or nil.
func CheckLabels(labels []Label, bs, nc int) error {
	for r, l := range labels {
		if err := CheckLabel(l, bs, nc); err != nil {
			return &RowError{Row: r, LabelError: err.(*LabelError)}
		}
	}
	return nil
}
