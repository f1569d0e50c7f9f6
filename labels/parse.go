package labels

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	text := string(data)
	for n := 1; text != ""; n++ {
		var line string
		line, text = nextLine(text)
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

// nextLine splits text at its first line end, "\r\n", "\n" or "\r" (the
// ones Python's splitlines and universal newlines share), into the line
// before it and the rest after it; without one, the line is all of text.
func nextLine(text string) (line, rest string) {
	i := strings.IndexAny(text, "\r\n")
	if i < 0 {
		return text, ""
	}
	if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
		return text[:i], text[i+2:]
	}
	return text[:i], text[i+1:]
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
// labels and lists path in Missing. A path whose extension is not .txt is
// an error (an image path given for its label path; see Paths).
func ReadFile(path string, image, nc int, p Policy) (Result, error) {
	if err := checkArgs(nc, p); err != nil {
		return Result{}, err
	}
	if err := checkTxt(path); err != nil {
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

// checkTxt refuses a path that is not a label file's.
func checkTxt(path string) error {
	if !strings.EqualFold(filepath.Ext(path), ".txt") {
		return fmt.Errorf("labels: %s is not a label file (.txt): for a batch given by its image paths, pass labels.Paths(images)", path)
	}
	return nil
}

// ReadBatch reads the label files of a batch, paths[i] holding the objects
// of image i, as ReadFile does, into one Result whose labels are in image
// order. For a batch given by its image paths, pass Paths(images). Every
// path is checked for the .txt extension before any file is read.
func ReadBatch(paths []string, nc int, p Policy) (Result, error) {
	if err := checkArgs(nc, p); err != nil {
		return Result{}, err
	}
	for _, path := range paths {
		if err := checkTxt(path); err != nil {
			return Result{}, err
		}
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

// ReadDataset reads the label files of a whole dataset split (or the
// part a trainer loads), paths[i] holding the objects of image i, as
// ReadBatch does. Where ReadBatch takes any number of background images,
// a split with no label at all cannot train, and YOLOv5 refuses it: when
// none of the files exists, or those that exist hold no valid row, the
// result is an error beginning "labels: No labels found", saying which.
// For a validation split that may hold background images only, use
// ReadBatch.
func ReadDataset(paths []string, nc int, p Policy) (Result, error) {
	r, err := ReadBatch(paths, nc, p)
	if err != nil {
		return Result{}, err
	}
	if len(r.Labels) > 0 {
		return r, nil
	}
	switch found := len(paths) - len(r.Missing); {
	case len(paths) == 0:
		return Result{}, errors.New("labels: No labels found: no label files given")
	case found == 0:
		return Result{}, fmt.Errorf("labels: No labels found: none of the %d label files exists (the first is %s); "+
			"labels.Path maps each image to its label file, .../images/NAME.jpg to .../labels/NAME.txt", len(paths), paths[0])
	case len(r.Dropped) > 0:
		return Result{}, fmt.Errorf("labels: No labels found: the %d label files found hold no valid row (%d dropped, the first: %v)",
			found, len(r.Dropped), r.Dropped[0])
	default:
		return Result{}, fmt.Errorf("labels: No labels found: the %d label files found are empty", found)
	}
}
