package batchfile

import (
	"archive/zip"
	"fmt"
	"github.com/yolo-loss/yololoss/tensor"
	"io"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

// Bools is a named boolean array in C order, written with NumPy's bool
// dtype ("|b1": one byte per element, 0 or 1), such as val.py's matrix of
// true positives.
type Bools struct {
	Name  string
	Shape []int
	Data  []bool
}

// WriteFileBools writes tensors and then bools to a new .npz file at path,
// as WriteFile writes tensors: atomically, never over an existing file
// (an error matching fs.ErrExist), with names unique over both lists and
// data that matches each shape.
func WriteFileBools(path string, tensors []Tensor, bools []Bools) error {
	seen := make(map[string]bool, len(tensors)+len(bools))
	check := func(name string, err error) error {
		switch {
		case name == "":
			return fmt.Errorf("batchfile: write %s: an array has no name", path)
		case seen[name]:
			return fmt.Errorf("batchfile: write %s: array %q appears twice", path, name)
		case err != nil:
			return fmt.Errorf("batchfile: write %s: %w", path, err)
		}
		seen[name] = true
		return nil
	}
	for _, t := range tensors {
		if err := check(t.Name, t.check(t.Name)); err != nil {
			return err
		}
	}
	for _, b := range bools {
		if err := check(b.Name, b.check()); err != nil {
			return err
		}
	}
	err := atomicfile.Write(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		buf := make([]byte, 0, chunkBytes)
		for _, t := range tensors {
			if err := writeTensorEntry(zw, t, buf); err != nil {
				return err
			}
		}
		for _, b := range bools {
			if err := b.writeEntry(zw, buf); err != nil {
				return err
			}
		}
		return zw.Close()
	})
	if err != nil {
		return fmt.Errorf("batchfile: %w", err)
	}
	return nil
}

// check reports data that does not match the shape.
func (b Bools) check() error {
	n, ok := tensor.Size(b.Shape)
	if !ok {
		return fmt.Errorf("array %q: invalid shape %v", b.Name, b.Shape)
	}
	if n != len(b.Data) {
		return fmt.Errorf("array %q: shape %v holds %d elements, but the data has %d", b.Name, b.Shape, n, len(b.Data))
	}
	return nil
}

// writeEntry adds b to zw as "<Name>.npy", a chunk at a time through buf.
func (b Bools) writeEntry(zw *zip.Writer, buf []byte) error {
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: b.Name + ".npy", Method: zip.Store})
	if err == nil {
		_, err = fw.Write(appendNPYHeader(buf[:0], "|b1", b.Shape))
	}
	for rest := b.Data; err == nil && len(rest) > 0; {
		chunk := rest[:min(len(rest), cap(buf))]
		rest = rest[len(chunk):]
		buf = buf[:0]
		for _, v := range chunk {
			if v {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
		}
		_, err = fw.Write(buf)
	}
	if err != nil {
		return fmt.Errorf("array %q: %w", b.Name, err)
	}
	return nil
}
