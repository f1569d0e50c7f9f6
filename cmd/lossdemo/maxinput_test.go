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

// declaring writes to path a small .npz whose array "p0" declares shape,
// float32, in its .npy header and its zip entry, but whose deflated
// stream holds the header and a few zeros, beside the arrays small (reg_max among
// them marks an anchor-free head's file). A reader that checks the
// header against its cap refuses it before reading or allocating.
func declaring(t *testing.T, path string, shape []int, small []batchfile.Tensor) string {
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
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "p0.npy", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(hdr),
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
// is refused from its header, exit 2, naming the array and the cap,
// nothing printed and no -grad file written; for both heads, and with
// -dtype float64 counting each float32 element as 8 bytes.
func TestMaxInput(t *testing.T) {
	dir := t.TempDir()
	targets := batchfile.Tensor{Name: "targets"}
	targets.Shape, targets.F64 = []int{1, 6}, []float64{0, 0, 0.5, 0.5, 0.1, 0.1}
	regMax := batchfile.Tensor{Name: "reg_max"}
	regMax.Shape, regMax.F64 = []int{}, []float64{1}
	over := []int{2, 3, 1024, 1024, 85} // 2.1 GB of float32: over the cap, under batchfile.MaxBytes
	half := []int{1, 3, 1024, 600, 85}  // 627 MB: under the cap as float32, over it as float64
	v8over := []int{1, 68, 2048, 2048}  // 1.1 GB of float32
	capText := fmt.Sprintf("more than the limit of %d bytes (1 GiB)", cli.MaxInputBytes)
	for _, tc := range []struct {
		name  string
		shape []int
		small []batchfile.Tensor
		args  []string
		want  string
	}{
		{"v5", over, []batchfile.Tensor{targets}, nil, "header declares float32 [2 3 1024 1024 85]: " + capText},
		{"v5 -dtype float64", half, []batchfile.Tensor{targets}, []string{"-dtype", "float64"}, "header declares float32 [1 3 1024 600 85]: " + capText},
		{"v8", v8over, []batchfile.Tensor{targets, regMax}, nil, "header declares float32 [1 68 2048 2048]: " + capText},
	} {
		path := declaring(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npz"), tc.shape, tc.small)
		grad := filepath.Join(dir, "g.npz")
		args := append([]string{"-pred", path, "-grad", grad}, tc.args...)
		code, out, errOut := lossdemo(t, args...)
		if code != 2 || out != "" || !strings.Contains(errOut, path+`: batchfile: array "p0": `+tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", tc.name, code, out, errOut, tc.want)
		}
		if _, err := os.Lstat(grad); err == nil {
			t.Errorf("%s: %s was written", tc.name, grad)
		}
	}
	// Under the cap, the same header goes on to the entry's check: the
	// cap, not the entry, refused the files above.
	path := declaring(t, filepath.Join(dir, "half.npz"), half, []batchfile.Tensor{targets})
	if code, _, errOut := lossdemo(t, "-pred", path); code != 2 || strings.Contains(errOut, "limit") || !strings.Contains(errOut, "inflate to at most") {
		t.Errorf("half the cap: exit %d, %q; want the zip entry's error", code, errOut)
	}
}
