package model_test

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yolo-loss/yololoss/model"
)

// writeBackbone writes a YOLOv5 model file whose backbone repeats one layer
// until the file has at least size bytes, and returns its path.
func writeBackbone(t *testing.T, size int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	n, _ := w.WriteString(small[:strings.Index(small, "backbone")] + "head: [[[17, 20, 23], 1, Detect, [nc, anchors]]]\nbackbone:\n")
	const layer = "  - [-1, 1, Conv, [64, 3, 2]]\n"
	for ; n < size; n += len(layer) {
		w.WriteString(layer)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestLoadSizeCap: a model file over 1 MiB is refused before it is parsed,
// naming the file and the cap; a 100 MB backbone is refused as quickly as
// a small file is read.
func TestLoadSizeCap(t *testing.T) {
	if _, err := model.Load(writeBackbone(t, 1<<20-64), nil); err != nil {
		t.Fatalf("a file under 1 MiB: %v", err)
	}
	for _, size := range []int{1<<20 + 1, 100 << 20} {
		path := writeBackbone(t, size)
		start := time.Now()
		_, err := model.Load(path, nil)
		took := time.Since(start)
		var fe *model.FileError
		if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "1 MiB") {
			t.Fatalf("Load(%d bytes) = %v, want a *model.FileError naming the file and the 1 MiB cap", size, err)
		}
		// Parsing it would take seconds and gigabytes; refusing it takes
		// a stat.
		if took > 2*time.Second {
			t.Errorf("Load(%d bytes) took %v to refuse it", size, took)
		}
	}
}
