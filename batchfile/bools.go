package batchfile

import (
	"archive/zip"
	"fmt"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
	"github.com/yolo-loss/yololoss/tensor"
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
	return writeFile(path, tensors, bools, atomicfile.Write)
}

// ReplaceFile is WriteFileBools for a file that may exist: it is replaced
// in one step (atomicfile.Replace), and left as it was when anything fails.
func ReplaceFile(path string, tensors []Tensor, bools []Bools) error {
	return writeFile(path, tensors, bools, atomicfile.Replace)
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
