package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/cli"
)

// declaring writes to path a small .npz whose array name declares shape,
// float32, in its .npy header and its zip entry, but whose deflated
// stream holds the header and a few zeros, beside the arrays small. A reader that checks the
// header against its cap refuses it before reading or allocating.
func declaring(t *testing.T, path, name string, shape []int, small []batchfile.Tensor) string {
	t.Helper()
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': ("
	n := int64(4)
	for _, d := range shape {
		dict += fmt.Sprint(d) + ", "
		n *= int64(d)
	}
	dict += "), }"
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	hdr := append([]byte("\x93NUMPY\x01\x00"), binary.LittleEndian.AppendUint16(nil, uint16(len(dict)+1))...)
	hdr = append(append(hdr, dict...), '\n')
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(hdr)
	fw.Write(make([]byte, 4096)) // some data: the header is read whole before the stream ends
	fw.Close()

	smallPath := path + ".small"
	if err := batchfile.WriteFile(smallPath, small); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(smallPath)
	zr, err := zip.OpenReader(smallPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name + ".npy", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(hdr),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(len(hdr)) + uint64(n)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	for _, e := range zr.File {
		if err := zw.Copy(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestMaxInput: a file whose header declares more than cli.MaxInputBytes
// (and less than batchfile.MaxBytes) is refused from its header, exit 2,
// naming the array and the cap, nothing printed and no -det file
// written: a decoded "pred" file and a file of raw outputs.
func TestMaxInput(t *testing.T) {
	dir := t.TempDir()
	targets := batchfile.Tensor{Name: "targets"}
	targets.Shape, targets.F64 = []int{1, 6}, []float64{0, 0, 0.5, 0.5, 0.1, 0.1}
	capText := fmt.Sprintf("more than the limit of %d bytes (1 GiB)", cli.MaxInputBytes)
	for _, tc := range []struct {
		name, array string
		shape       []int
		args        []string
	}{
		{"pred v5", "pred", []int{64, 50000, 85}, nil},                     // 1.09 GB of float32
		{"pred v8", "pred", []int{64, 84, 50000}, []string{"-head", "v8"}}, // 1.08 GB
		{"raw p0", "p0", []int{2, 3, 1024, 1024, 85}, nil},                 // 2.1 GB
	} {
		path := declaring(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npz"), tc.array, tc.shape, []batchfile.Tensor{targets})
		det := filepath.Join(dir, "det.npz")
		code, out, errOut := yoloval(t, append([]string{"-pred", path, "-det", det}, tc.args...)...)
		want := fmt.Sprintf(`%s: batchfile: array %q: header declares float32 %v: %s`, path, tc.array, tc.shape, capText)
		if code != 2 || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", tc.name, code, out, errOut, want)
		}
		if _, err := os.Lstat(det); err == nil {
			t.Errorf("%s: %s was written", tc.name, det)
		}
	}
}
