// Package replacefile replaces a file whole: a reader sees the old content
// or the new one, never a part, and a failed write leaves the old file.
//
// It is for the files a program owns and rewrites (a run's results.csv
// after every epoch, the experiment's report); files that must never be
// replaced go through the library's internal/atomicfile directly.
package replacefile

import (
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

// Write writes path through path+".tmp", written whole by atomicfile, then
// renamed over path. A stale path+".tmp" (from a write that was killed) is
// removed first.
func Write(path string, write func(w io.Writer) error) error {
	tmp := path + ".tmp"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := atomicfile.Write(tmp, write); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
