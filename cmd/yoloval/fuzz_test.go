package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/tensor"
)

// FuzzInput feeds arbitrary bytes to yoloval as its -pred file, read as
// each head's: every outcome must be a result (exit 0) or an input error
// (exit 2), never an internal error or a panic (run turns those into exit
// 1). The seeds are small files of both forms, decoded and raw, so that
// the fuzzer's minimisation stays quick.
func FuzzInput(f *testing.F) {
	dir := f.TempDir()
	pred, targets := goodInput()
	seeds := [][]batchfile.Tensor{
		{pred, targets},
		{{Array: tensor.Array{Shape: []int{2, 1, 6}, F64: []float64{10, 10, 4, 4, 0.5, 0.5, 20, 20, 4, 4, 0.9, 0.1}}}, {Array: tensor.Array{Shape: []int{0, 6}, F64: []float64{}}}},
		{ // raw, YOLOv5's head: one layer of one anchor, 2×2 cells
			{Name: "p0", Array: tensor.Array{Shape: []int{1, 1, 2, 2, 6}, F32: make([]float32, 24)}},
			{Name: "targets", Array: tensor.Array{Shape: []int{1, 6}, F32: []float32{0, 0, 0.5, 0.5, 0.5, 0.5}}},
			{Name: "anchors", Array: tensor.Array{Shape: []int{1, 1, 2}, F32: []float32{1, 1}}},
			{Name: "strides", Array: tensor.Array{Shape: []int{1}, F32: []float32{8}}},
		},
	}
	for i, s := range seeds {
		sub := filepath.Join(dir, string(rune('a'+i)))
		if err := os.Mkdir(sub, 0o755); err != nil {
			f.Fatal(err)
		}
		path := filepath.Join(sub, "in.npz")
		if s[0].Name == "" {
			path = writeInput(f, sub, s[0], s[1])
		} else if err := batchfile.WriteFile(path, s); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, false)
		f.Add(b, true)
	}
	raw, err := os.ReadFile(rawV8(f, dir, true)) // raw, the anchor-free head, with an int64 reg_max
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw, true)
	f.Add([]byte("PK\x03\x04 not really a zip"), false)
	f.Fuzz(func(t *testing.T, data []byte, v8 bool) {
		path := filepath.Join(t.TempDir(), "in.npz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"-json", "-pred", path}
		if v8 {
			args = append(args, "-head", "v8")
		}
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 0 && code != 2 {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	})
}
