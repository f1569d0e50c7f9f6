package labels

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
	"github.com/yolo-loss/yololoss/target"
)

// Write creates the label file at path with one line "class x y w h" per
// label, for a dataset of nc classes. The image column of the labels is not
// written (a label file holds one image's objects) and not checked; the
// others must pass target.CheckLabel and no row may repeat another (a
// duplicate, which the readers report), or Write writes nothing and
// returns an error naming the label. Numbers are written in the shortest form that
// reads back to the same float64, so ReadFile returns the labels Write was
// given. The file appears whole or not at all, and an existing file is not
// replaced: the error then matches fs.ErrExist.
func Write(path string, labels []target.Label, nc int) error {
	if nc < 1 {
		return fmt.Errorf("labels: nc = %d, want ≥ 1", nc)
	}
	first := make(map[target.Label]int, len(labels))
	for i, l := range labels {
		l[0] = 0 // not written
		if err := target.CheckLabel(l, 1, nc); err != nil {
			return fmt.Errorf("labels: write %s: label %d: %w", path, i, err)
		}
		if j, dup := first[l]; dup {
			return fmt.Errorf("labels: write %s: label %d repeats label %d", path, i, j)
		}
		first[l] = i
	}
	err := atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		var line []byte
		for _, l := range labels {
			line = appendLine(line[:0], l)
			if _, err := bw.Write(line); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	return nil
}

// appendLine appends the line of l, "class x y w h\n", to dst.
func appendLine(dst []byte, l target.Label) []byte {
	dst = strconv.AppendInt(dst, int64(l[1]), 10)
	for _, v := range l[2:] {
		dst = append(dst, ' ')
		dst = strconv.AppendFloat(dst, v, 'g', -1, 64)
	}
	return append(dst, '\n')
}
