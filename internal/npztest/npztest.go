package npztest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
)

// Declaring writes to path a small .npz whose array name declares shape,
// float32, in its .npy header and its zip entry, but whose deflated
// stream holds the header and a few zeros, beside the arrays small, and
// returns path. A reader that checks the header against its cap refuses
// it before reading or allocating.
func Declaring(t testing.TB, path, name string, shape []int, small []batchfile.Tensor) string {
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
