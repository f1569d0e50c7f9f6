package labels

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/yolo-loss/yololoss/target"
)

// lineProblem is what is wrong with one line: the 1-based field at fault
// (0 for the line as a whole), the message and the underlying error.
type lineProblem struct {
	column int
	msg    string
	err    error
}

// parseLine reads the fields of one line, "class x y w h", into a label of
// the given image. ok is false for a blank line (white space only).
func parseLine(line string, image int) (l target.Label, ok bool, p *lineProblem) {
	fields := strings.Fields(line)
	switch n := len(fields); {
	case n == 0:
		return l, false, nil
	case n > 5 && n%2 == 1:
		return l, true, &lineProblem{msg: fmt.Sprintf("%d fields, want 5 (class x y w h): a polygon (segment) row, which is not read", n)}
	case n != 5:
		return l, true, &lineProblem{msg: fmt.Sprintf("%d fields, want 5 (class x y w h)", n)}
	}
	l[0] = float64(image)
	for i, f := range fields {
		c := i + 1 // the field's column in target.Label
		v, err := parseNumber(f)
		if err != "" {
			return l, true, &lineProblem{column: c, msg: fmt.Sprintf("%s (column %d) = %s %s", target.Columns[c], c, quote(f), err)}
		}
		l[c] = v
	}
	return l, true, nil
}

// parseNumber returns the value of a decimal number, or why f is not one.
// strconv.ParseFloat also takes hexadecimal and underscores, which Python's
// float (YOLOv5's reader) does not: those are refused here.
func parseNumber(f string) (float64, string) {
	if strings.ContainsAny(f, "xX_") {
		return 0, "is not a decimal number"
	}
	v, err := strconv.ParseFloat(f, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, "is beyond the float64 range"
	}
	if err != nil {
		return 0, "is not a number"
	}
	return v, ""
}

// quote quotes a field for an error message, shortening it if it is long.
func quote(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}

// Parse reads the label file data, the objects of image index image in a
// batch of images with nc classes. file names the data in errors (it may
// be empty). Under Strict the first invalid row is the error, a
// *LineError; under Skip invalid rows are left out of Result.Labels and
// listed in Result.Dropped. It returns an error, and no rows, if nc < 1,
// image < 0 or the policy is unknown.
func Parse(data []byte, file string, image, nc int, p Policy) (Result, error) {
	if err := checkArgs(nc, p); err != nil {
		return Result{}, err
	}
	if image < 0 {
		return Result{}, fmt.Errorf("labels: image index %d, want ≥ 0", image)
	}
	var r Result
	first := make(map[target.Label]int) // row -> line of its first occurrence
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		l, ok, prob := parseLine(line, image)
		if !ok {
			continue
		}
		if prob == nil {
			prob = checkRow(l, image, nc, first[l])
		}
		if prob != nil {
			e := &LineError{File: file, Line: n, Column: prob.column, Image: image, Msg: prob.msg, Err: prob.err}
			if p == Strict {
				return Result{}, e
			}
			r.Dropped = append(r.Dropped, e)
			continue
		}
		first[l] = n
		r.Labels = append(r.Labels, l)
	}
	return r, nil
}

// checkRow checks a parsed label of image with the loss's rules; dup is the
// line of an equal earlier row, 0 if none.
func checkRow(l target.Label, image, nc, dup int) *lineProblem {
	// The image index is the reader's own: a batch of image+1 images fits it.
	if err := target.CheckLabel(l, image+1, nc); err != nil {
		var le *target.LabelError
		if errors.As(err, &le) {
			return &lineProblem{column: le.Column, msg: err.Error(), err: err}
		}
		return &lineProblem{msg: err.Error(), err: err}
	}
	if dup > 0 {
		return &lineProblem{msg: fmt.Sprintf("duplicate of line %d (YOLOv5 drops it)", dup)}
	}
	return nil
}

// ReadFile reads the label file at path for image index image, as Parse
// does. A file that does not exist holds no objects: the result has no
// labels and lists path in Missing.
func ReadFile(path string, image, nc int, p Policy) (Result, error) {
	if err := checkArgs(nc, p); err != nil {
		return Result{}, err
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Result{Missing: []string{path}}, nil
	}
	if err != nil {
		return Result{}, fmt.Errorf("labels: %w", err)
	}
	return Parse(data, path, image, nc, p)
}

// ReadBatch reads the label files of a batch, paths[i] holding the objects
// of image i, as ReadFile does, into one Result whose labels are in image
// order. For a batch given by its image paths, pass Paths(images).
func ReadBatch(paths []string, nc int, p Policy) (Result, error) {
	if err := checkArgs(nc, p); err != nil {
		return Result{}, err
	}
	var r Result
	for i, path := range paths {
		ri, err := ReadFile(path, i, nc, p)
		if err != nil {
			return Result{}, err
		}
		r.add(ri)
	}
	return r, nil
}
