package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/tensor"
)

// FuzzInput feeds arbitrary bytes to yoloval as its -pred file: every
// outcome must be a result (exit 0) or an input error (exit 2), never an
// internal error or a panic (run turns those into exit 1). The seeds are
// small files, so that the fuzzer's minimisation stays quick.
func FuzzInput(f *testing.F) {
	dir := f.TempDir()
	pred, targets := goodInput()
	seeds := [][2]batchfile.Tensor{
		{pred, targets},
		{{Array: tensor.Array{Shape: []int{2, 1, 6}, F64: []float64{10, 10, 4, 4, 0.5, 0.5, 20, 20, 4, 4, 0.9, 0.1}}}, {Array: tensor.Array{Shape: []int{0, 6}, F64: []float64{}}}},
	}
	for i, s := range seeds {
		sub := filepath.Join(dir, string(rune('a'+i)))
		if err := os.Mkdir(sub, 0o755); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(writeInput(f, sub, s[0], s[1]))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("PK\x03\x04 not really a zip"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "in.npz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if code := run([]string{"-json", "-pred", path}, &out, &errOut); code != 0 && code != 2 {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	})
}
