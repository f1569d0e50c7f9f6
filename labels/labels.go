package labels

import (
	"fmt"

	"github.com/yolo-loss/yololoss/target"
)

// Policy says what a read does with a row that is not a valid label.
type Policy int

const (
	// Strict makes the first invalid row the error of the read.
	Strict Policy = iota
	// Skip drops invalid rows and reports them in Result.Dropped.
	Skip
)

// String returns "strict" or "skip".
func (p Policy) String() string {
	switch p {
	case Strict:
		return "strict"
	case Skip:
		return "skip"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// LineError is a problem with one line of a label file.
type LineError struct {
	File   string // the label file; empty when Parse was given no name
	Line   int    // 1-based line number
	Column int    // 1-based field at fault: 1 class, 2 x, 3 y, 4 w, 5 h; 0 for the line as a whole
	Image  int    // the image index the file was read for
	Msg    string // what is wrong, without file and line
	Err    error  // the underlying error: a *target.LabelError for an invalid value, if any
}

// Error formats e as "labels: file:line: msg".
func (e *LineError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("labels: line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("labels: %s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// Result is what a read found.
type Result struct {
	// Labels are the valid rows, as target.Label rows with the image index
	// set, in file order (and image order for a batch).
	Labels []target.Label
	// Dropped are the rows left out under Skip, in file and line order.
	Dropped []*LineError
	// Missing are the label files that do not exist: images without
	// objects, or a wrong path.
	Missing []string
}

func (r *Result) add(o Result) {
	r.Labels = append(r.Labels, o.Labels...)
	r.Dropped = append(r.Dropped, o.Dropped...)
	r.Missing = append(r.Missing, o.Missing...)
}

// checkArgs checks what a caller passes to every reader.
func checkArgs(nc int, p Policy) error {
	if nc < 1 {
		return fmt.Errorf("labels: nc = %d, want ≥ 1", nc)
	}
	if p != Strict && p != Skip {
		return fmt.Errorf("labels: unknown policy %v", p)
	}
	return nil
}
