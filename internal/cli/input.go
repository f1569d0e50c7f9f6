package cli

import (
	"os"

	"github.com/yolo-loss/yololoss/batchfile"
)

// MaxInputBytes caps the memory that the arrays the commands read from one
// .npz file may take once read (batchfile.Options.MaxBytes), lower than
// the library's default, batchfile.MaxBytes: a file from someone else is
// refused from its headers, before anything is allocated, when it
// declares more. Each element counts the size of the type it is read
// into (lossdemo's -dtype float64 doubles a float32 file's). The commands
// also allocate a gradient or detections of about that size, so their
// peak memory on a file at the cap stays near twice the cap. A YOLOv5
// batch of 16 images of 640×640 with 80 classes is about 137 MB of
// float32.
const MaxInputBytes int64 = 1 << 30

// ReadOptions are the commands' batchfile.Options: the cap MaxInputBytes,
// and dtype ("", "float32" or "float64") to convert the arrays to as they
// are read.
func ReadOptions(dtype string) batchfile.Options {
	return batchfile.Options{MaxBytes: MaxInputBytes, DType: dtype}
}

// OpenInput opens the input file at path for batchfile's readers,
// returning it with its size; a folder or a missing file is the user's
// error, naming path.
func OpenInput(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, AsInput(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, AsInput(err)
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, Inputf("%s: is a folder, not an .npz file", path)
	}
	return f, st.Size(), nil
}
