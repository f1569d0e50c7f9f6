package batchfile

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

// WriteFile writes tensors to a new .npz file at path, one "<Name>.npy"
// entry each, in order, as NumPy's savez does: uncompressed, C order,
// little-endian, float32 or float64 as the tensor holds. The file appears
// whole or not at all (see internal/atomicfile); an existing file is never
// replaced, and writing over one is an error matching fs.ErrExist.
//
// Each tensor needs a non-empty name, unique among them, and data that
// matches its shape; zero-size arrays such as an empty [0, 6] target
// list are fine.
func WriteFile(path string, tensors []Tensor) error {
	return writeFile(path, tensors, nil, atomicfile.Write)
}

// writeFile checks the arrays, then writes them, tensors first, as one
// .npz through install (atomicfile.Write or Replace).
func writeFile(path string, tensors []Tensor, bools []Bools, install func(string, func(io.Writer) error) error) error {
	seen := make(map[string]bool, len(tensors)+len(bools))
	check := func(name, noun string, err error) error {
		switch {
		case name == "":
			return fmt.Errorf("batchfile: write %s: %s has no name", path, noun)
		case seen[name]:
			return fmt.Errorf("batchfile: write %s: array %q appears twice", path, name)
		case err != nil:
			return fmt.Errorf("batchfile: write %s: %w", path, err)
		}
		seen[name] = true
		return nil
	}
	for _, t := range tensors {
		if err := check(t.Name, "a tensor", t.check(t.Name)); err != nil {
			return err
		}
	}
	for _, b := range bools {
		if err := check(b.Name, "an array", b.check()); err != nil {
			return err
		}
	}
	if err := install(path, func(w io.Writer) error { return writeNPZ(w, tensors, bools) }); err != nil {
		return fmt.Errorf("batchfile: %w", err)
	}
	return nil
}

// writeNPZ writes checked arrays as an uncompressed zip of .npy files.
func writeNPZ(w io.Writer, tensors []Tensor, bools []Bools) error {
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
}

// writeTensorEntry adds the checked tensor t to zw as "<Name>.npy",
// using buf as scratch.
func writeTensorEntry(zw *zip.Writer, t Tensor, buf []byte) error {
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: t.Name + ".npy", Method: zip.Store})
	if err != nil {
		return fmt.Errorf("array %q: %w", t.Name, err)
	}
	descr := "<f8"
	if t.F32 != nil {
		descr = "<f4"
	}
	if _, err := fw.Write(appendNPYHeader(buf[:0], descr, t.Shape)); err != nil {
		return fmt.Errorf("array %q: %w", t.Name, err)
	}
	if err := writeData(fw, t, buf); err != nil {
		return fmt.Errorf("array %q: %w", t.Name, err)
	}
	return nil
}

// writeData writes the elements of t little-endian, a chunk at a time
// through buf.
func writeData(w io.Writer, t Tensor, buf []byte) error {
	le := binary.LittleEndian
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	buf = buf[:0]
	for _, v := range t.F32 {
		buf = le.AppendUint32(buf, math.Float32bits(v))
		if len(buf) >= chunkBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	for _, v := range t.F64 {
		buf = le.AppendUint64(buf, math.Float64bits(v))
		if len(buf) >= chunkBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
