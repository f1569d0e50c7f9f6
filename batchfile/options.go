package batchfile

import (
	"fmt"
	"io"
	"os"
)

// Options are a read's limit and conversion. The zero Options reads as
// Read, ReadFile and ReadTensors do.
type Options struct {
	// MaxBytes caps the memory that the data of the arrays read from one
	// file take once read, over all of them: each element counts the size
	// of the type it is read into (float16 is read into float32; targets,
	// anchors and strides into float64). Headers are checked against it
	// before anything is allocated. 0 means the package's MaxBytes; a
	// negative value is an error.
	MaxBytes int64
	// DType, "float32" or "float64", converts the predictions (for
	// ReadTensors, every array) to that type as they are read, so that an
	// engine of that element type takes them without a second copy in
	// memory; float64 to float32 rounds to nearest, and a finite value
	// beyond float32's range is an error naming the array and index. ""
	// keeps each array's own type.
	DType string
}

// limits returns the cap in force and the element size the predictions
// are converted to (0: none).
func (o Options) limits() (limits, error) {
	l := limits{max: o.MaxBytes}
	switch {
	case o.MaxBytes < 0:
		return l, fmt.Errorf("Options.MaxBytes = %d, want ≥ 0", o.MaxBytes)
	case o.MaxBytes == 0:
		l.max = MaxBytes
	}
	switch o.DType {
	case "":
	case "float32":
		l.conv = 4
	case "float64":
		l.conv = 8
	default:
		return l, fmt.Errorf("Options.DType %q is not float32 or float64", o.DType)
	}
	return l, nil
}

// Read is the package's Read with o's limit and conversion.
func (o Options) Read(r io.ReaderAt, size int64) (*Batch, error) {
	b, err := read(r, size, o)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	return b, nil
}

// ReadFile is the package's ReadFile with o's limit and conversion.
func (o Options) ReadFile(path string) (*Batch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	b, err := read(f, fi.Size(), o)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %s: %w", path, err)
	}
	return b, nil
}

// ReadTensors is the package's ReadTensors with o's limit and conversion.
func (o Options) ReadTensors(r io.ReaderAt, size int64, names ...string) ([]Tensor, error) {
	ts, err := readTensors(r, size, names, o)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	return ts, nil
}

// bytesText writes a byte count for a message: "4294967296 bytes (4 GiB)",
// "1048576 bytes (1 MiB)", "1000 bytes".
func bytesText(n int64) string {
	switch {
	case n > 0 && n%(1<<30) == 0:
		return fmt.Sprintf("%d bytes (%d GiB)", n, n>>30)
	case n > 0 && n%(1<<20) == 0:
		return fmt.Sprintf("%d bytes (%d MiB)", n, n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
