package batchfile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/tensor"
)

// deflated returns f's members deflated at the best compression, as NumPy's
// savez_compressed and the bomb of ../shared/hostile/npz_bomb.py write
// them; a member named in more is followed by more of its data, the
// given bytes repeated the given number of times, streamed, so that
// large arrays cost no memory to make.
func deflated(t testing.TB, f *npzFile, more map[string]repeat) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	for _, n := range f.names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.data[n]); err != nil {
			t.Fatal(err)
		}
		r := more[n]
		block := bytes.Repeat(r.data, max(1, (1<<20)/max(1, len(r.data))))
		for left := r.times * len(r.data); left > 0; left -= min(left, len(block)) {
			if _, err := w.Write(block[:min(left, len(block))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// repeat is data repeated times times.
type repeat struct {
	data  []byte
	times int
}

// allocated returns the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReadAllocatesOnce: a small deflated file whose arrays declare much
// data (zeros, as a decompression bomb holds) takes what the arrays need
// in memory and little more: each array is allocated once at its
// declared size, read into without append's growth, in place for C-order
// data of the engine's types and Fortran-order data alike, float16
// widened and float32 targets read as float64 with no second copy.
func TestReadAllocatesOnce(t *testing.T) {
	const slack = 4 << 20 // headers, the zip and flate readers, chunk buffers
	shape := []int{2, 3, 64, 64, 85}
	n := prod(shape)
	fortran := "{'descr': '<f4', 'fortran_order': True, 'shape': " + shapeText(shape) + ", }"
	for _, tc := range []struct {
		name   string
		p0     string // header dict of p0
		size   int    // its bytes per element in the file
		nt     int    // rows of float32 targets, zeros but for row 0
		memory int    // bytes the arrays take once read
	}{
		{"float32", dictFor("<f4", shape), 4, 1, 4 * n},
		{"float64", dictFor("<f8", shape), 8, 1, 8 * n},
		{"float32 big-endian", dictFor(">f4", shape), 4, 1, 4 * n},
		{"float16, widened", dictFor("<f2", shape), 2, 1, 4 * n},
		{"float32 in Fortran order", fortran, 4, 1, 4 * n},
		{"large float32 targets, read as float64", dictFor("<f4", []int{2, 3, 1, 1, 85}), 4, 1 << 20, 8 * (2*3*85 + 6<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &npzFile{}
			f.set("p0.npy", npyRaw(tc.p0, nil))
			var row []byte
			for _, v := range []float32{0, 1, 0.5, 0.5, 0.125, 0.25} {
				row = binary.LittleEndian.AppendUint32(row, math.Float32bits(v))
			}
			f.set("targets.npy", npyRaw(dictFor("<f4", []int{tc.nt, 6}), nil))
			p0 := n
			if tc.nt > 1 {
				p0 = 2 * 3 * 85
			}
			data := deflated(t, f, map[string]repeat{
				"p0.npy":      {make([]byte, tc.size), p0},
				"targets.npy": {row, tc.nt},
			})
			var b *Batch
			var err error
			got := allocated(func() { b, err = readBytes(data) })
			if err != nil {
				t.Fatal(err)
			}
			if b.Targets[tc.nt-1] != [6]float64{0, 1, 0.5, 0.5, 0.125, 0.25} || len(b.Targets) != tc.nt {
				t.Errorf("targets: %d rows, the last %v", len(b.Targets), b.Targets[len(b.Targets)-1])
			}
			t.Logf("%d-byte file: %d bytes allocated for %d bytes of arrays", len(data), got, tc.memory)
			if got > uint64(tc.memory+slack) {
				t.Errorf("a %d-byte file holding %d bytes of arrays: Read allocated %d bytes, want at most %d more",
					len(data), tc.memory, got, slack)
			}
		})
	}
}

// TestReadRefusesEntriesThatCannotHold: a zip entry that declares more
// than its bytes can hold is refused before its array is allocated, with
// an error naming the array: a deflated entry declaring more than
// deflate's best ratio allows, a stored entry declaring more than it
// stores, an entry whose compressed bytes run past the end of the file.
// A real stream of zeros at the best compression, near that ratio, is
// read.
func TestReadRefusesEntriesThatCannotHold(t *testing.T) {
	shape := []int{2, 3, 64, 64, 85}
	n := prod(shape)
	f := &npzFile{}
	f.set("p0.npy", npyRaw(dictFor("<f4", shape), nil))
	f.set("targets.npy", npyF32([]int{1, 6}, []float32{1, 2, 0.5, 0.5, 0.25, 0.25}))
	good := deflated(t, f, map[string]repeat{"p0.npy": {make([]byte, 4), n}})
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	p0 := zr.File[0]
	if ratio := float64(p0.UncompressedSize64) / float64(p0.CompressedSize64); ratio < 1000 {
		t.Fatalf("the zeros deflated at %.0f:1, want a stream near deflate's best ratio", ratio)
	}
	if _, err := readBytes(good); err != nil {
		t.Fatalf("zeros at the best compression: %v", err)
	}

	// rewrite copies good with p0's entry header changed by edit and its
	// compressed bytes replaced by comp (nil: kept).
	rewrite := func(edit func(*zip.FileHeader), comp []byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, zf := range zr.File {
			fh := zf.FileHeader
			raw, err := zf.OpenRaw()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(raw)
			if err != nil {
				t.Fatal(err)
			}
			if zf == p0 {
				edit(&fh)
				if comp != nil {
					data = comp
				}
			}
			w, err := zw.CreateRaw(&fh)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(data); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(f.data["p0.npy"])
	fw.Write(make([]byte, 4096))
	fw.Close()
	pastEnd := rewrite(func(fh *zip.FileHeader) { fh.CompressedSize64 = 1 << 40 }, nil)
	stored := append([]byte{}, f.data["p0.npy"]...)
	stored = append(stored, make([]byte, 4096)...)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"deflated, 4 KiB of data in a stream declaring 8 MB",
			rewrite(func(fh *zip.FileHeader) { fh.CompressedSize64 = uint64(comp.Len()) }, comp.Bytes()),
			`zip entry declares 8355968 bytes, but its ` + itoa(comp.Len()) + ` deflated bytes inflate to at most ` +
				itoa(1032*comp.Len()+1024) + ` (deflate's ratio is at most about 1032:1)`},
		{"compressed bytes past the end of the file", pastEnd,
			"zip entry's 1099511627776 compressed bytes at offset 36 run past the end of the " + itoa(len(pastEnd)) + "-byte file"},
		{"stored, 4 KiB of data declaring 8 MB",
			rewrite(func(fh *zip.FileHeader) { fh.Method, fh.CompressedSize64 = zip.Store, uint64(len(stored)) }, stored),
			`zip entry declares 8355968 bytes but stores ` + itoa(len(stored))},
	} {
		var err error
		got := allocated(func() { _, err = readBytes(tc.data) })
		want := `batchfile: array "p0": ` + tc.want
		if err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %q", tc.name, err, want)
		}
		if got > 1<<20 {
			t.Errorf("%s: Read allocated %d bytes before refusing it", tc.name, got)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestOptions: Options sets the cap, per array and in all, in the
// messages too, and converts the predictions (every array, for
// ReadTensors) to one element type as they are read, exactly as
// tensor.Convert converts them afterwards; a float64 beyond float32's
// range is an error naming its index; invalid options are errors.
func TestOptions(t *testing.T) {
	base := baseFile()
	data := base.bytes(t) // float64 arrays: p0 is [2 3 4 4 10]
	b, err := readBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	p0 := 8 * prod(baseP0)
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"one array over the cap", Options{MaxBytes: int64(p0 - 1)},
			fmt.Sprintf(`batchfile: array "p0": header declares float64 %v: more than the limit of %d bytes`, baseP0, p0-1)},
		{"all over the cap", Options{MaxBytes: int64(p0 + 8)}, `batchfile: array "p1": with the arrays before it, the arrays declare more than ` + itoa(p0+8) + " bytes of data in all"},
		{"a MiB cap", Options{MaxBytes: 1 << 20, DType: "float32"}, ""},
		{"negative cap", Options{MaxBytes: -1}, "batchfile: Options.MaxBytes = -1, want ≥ 0"},
		{"unknown dtype", Options{DType: "float16"}, `batchfile: Options.DType "float16" is not float32 or float64`},
	} {
		_, err := tc.o.Read(bytes.NewReader(data), int64(len(data)))
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || err.Error() != tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	as32, err := Options{DType: "float32"}.Read(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f32 := &npzFile{}
	for _, n := range base.names {
		f32.set(n, base.data[n])
	}
	for i, p := range b.Preds {
		want := tensor.View(tensor.Convert[float32](p.Array))
		if d := cmp.Diff(want, as32.Preds[i].Array, exact); d != "" {
			t.Errorf("p%d read as float32 differs from tensor.Convert's (-want +got):\n%s", i, d)
		}
		f32.set(PredName(i)+".npy", npyF32(p.Shape, want.F32))
	}
	if !slices.Equal(as32.Targets, b.Targets) {
		t.Error("targets differ when the predictions are read as float32")
	}
	data32 := f32.bytes(t)
	for _, o := range []Options{{DType: "float64"}, {}} {
		as64, err := o.Read(bytes.NewReader(data32), int64(len(data32)))
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range as64.Preds {
			want := tensor.Array{Shape: p.Shape, F32: as32.Preds[i].F32}
			if o.DType == "float64" {
				want = tensor.View(tensor.Convert[float64](want))
			}
			if d := cmp.Diff(want, p.Array, exact); d != "" {
				t.Errorf("DType %q: p%d differs from the float32 file's, converted (-want +got):\n%s", o.DType, i, d)
			}
		}
	}
	ts, err := Options{DType: "float32"}.ReadTensors(bytes.NewReader(data), int64(len(data)), "strides")
	if err != nil || ts[0].F32 == nil || ts[0].F32[2] != 32 {
		t.Errorf("ReadTensors as float32: %v, %v", ts, err)
	}

	big := baseFile()
	big.set("p1.npy", npyF64(baseP1, withValue(prod(baseP1), 7, 1e300)))
	bigData := big.bytes(t)
	_, err = Options{DType: "float32"}.Read(bytes.NewReader(bigData), int64(len(bigData)))
	want := fmt.Sprintf(`batchfile: array "p1": p1%v = 1e+300 is beyond float32's range (±3.403e+38)`, unravel(7, baseP1))
	if err == nil || err.Error() != want {
		t.Errorf("1e300 read as float32: error %v, want %q", err, want)
	}
}
