package batchfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// npyInt returns a .npy member of one integer of the given descr
// (such as "<i8", ">i4", "|u1") and shape, written in descr's byte order.
func npyInt(descr string, shape []int, vs ...int64) []byte {
	var order binary.AppendByteOrder = binary.LittleEndian
	if descr[0] == '>' {
		order = binary.BigEndian
	}
	size := int(descr[len(descr)-1] - '0')
	var data []byte
	for _, v := range vs {
		switch size {
		case 1:
			data = append(data, byte(v))
		case 2:
			data = order.AppendUint16(data, uint16(v))
		case 4:
			data = order.AppendUint32(data, uint32(v))
		default:
			data = order.AppendUint64(data, uint64(v))
		}
	}
	return npyRaw(dictFor(descr, shape), data)
}

// oneArray is an archive holding member as name.npy.
func oneArray(t testing.TB, name string, member []byte) []byte {
	f := &npzFile{}
	f.set(name+".npy", member)
	return f.bytes(t)
}

func TestReadInt(t *testing.T) {
	f64 := func(v float64) []byte { return npyF64([]int{}, []float64{v}) }
	for _, tc := range []struct {
		name   string
		member []byte
		want   int64
		err    string // the whole message; "" for none
	}{
		{"int64 as np.savez writes it", npyInt("<i8", []int{}, 16), 16, ""},
		{"big-endian int64", npyInt(">i8", []int{}, 4), 4, ""},
		{"int32 of shape (1,)", npyInt("<i4", []int{1}, 8), 8, ""},
		{"big-endian int32", npyInt(">i4", []int{}, 1), 1, ""},
		{"negative int16", npyInt("<i2", []int{}, -3), -3, ""},
		{"int8", npyInt("|i1", []int{}, -128), -128, ""},
		{"uint8", npyInt("|u1", []int{}, 255), 255, ""},
		{"uint64 in range", npyInt("<u8", []int{}, math.MaxInt64), math.MaxInt64, ""},
		{"float64 holding an integer", f64(16), 16, ""},
		{"float32 holding an integer", npyF32([]int{1}, []float32{1}), 1, ""},
		{"uint64 beyond int64", npyInt("<u8", []int{}, -1), 0,
			`batchfile: array "reg_max": element [] = 18446744073709551615 is beyond int64's range`},
		{"float64 fraction", f64(2.5), 0, `batchfile: array "reg_max": element [] = 2.5 is not an integer that int64 holds`},
		{"float64 NaN", f64(math.NaN()), 0, `batchfile: array "reg_max": element [] = NaN is not an integer that int64 holds`},
		{"float64 2^63", f64(1 << 63), 0, `batchfile: array "reg_max": element [] = 9.223372036854776e+18 is not an integer that int64 holds`},
		{"two values", npyInt("<i8", []int{2}, 1, 2), 0, `batchfile: array "reg_max": shape (2,): want one integer, shape () or (1,)`},
		{"no value", npyInt("<i8", []int{0}), 0, `batchfile: array "reg_max": shape (0,): want one integer, shape () or (1,)`},
		{"shape (1, 1)", npyInt("<i8", []int{1, 1}, 1), 0, `batchfile: array "reg_max": shape (1, 1): want one integer, shape () or (1,)`},
		{"bool", npyRaw(dictFor("|b1", []int{}), []byte{1}), 0,
			`batchfile: array "reg_max": dtype bool is not an integer (int8 to int64, uint8 to uint64) or float16, float32 or float64 holding integers`},
		{"complex", npyRaw(dictFor("<c16", []int{}), make([]byte, 16)), 0,
			`batchfile: array "reg_max": dtype complex128 is not an integer (int8 to int64, uint8 to uint64) or float16, float32 or float64 holding integers`},
		{"int16 without a byte order", npyRaw(dictFor("|i2", []int{}), make([]byte, 2)), 0,
			`batchfile: array "reg_max": bad .npy header: dtype "|i2" has no byte order`},
		{"truncated data", append(npyRaw(dictFor("<i8", []int{}), nil), 16, 0), 0,
			`batchfile: array "reg_max": header declares int64 [] (8 bytes of data), but the entry holds 2 bytes of data`},
		{"truncated header", []byte("\x93NUMPY\x01\x00\xff\x00{'descr'"), 0,
			`batchfile: array "reg_max": .npy header length 255 runs past the end of the 18-byte entry`},
		{"not npy", []byte("16"), 0, `batchfile: array "reg_max": reading .npy header: unexpected EOF`},
		{"version 9", []byte("\x93NUMPY\x09\x00\x00\x00"), 0, `batchfile: array "reg_max": unsupported .npy format version 9.0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := oneArray(t, "reg_max", tc.member)
			got, err := ReadInt(bytes.NewReader(data), int64(len(data)), "reg_max")
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("ReadInt: %v", err)
			case tc.err == "" && got != tc.want:
				t.Errorf("ReadInt = %d, want %d", got, tc.want)
			case tc.err != "" && (err == nil || err.Error() != tc.err):
				t.Errorf("ReadInt = %d, %v; want the error %q", got, err, tc.err)
			}
		})
	}
	data := oneArray(t, "reg_max", npyInt("<i8", []int{}, 16))
	if _, err := ReadInt(bytes.NewReader(data), int64(len(data)), "strides"); err == nil || err.Error() != `batchfile: array "strides" is missing` {
		t.Errorf("a missing array: %v", err)
	}
}

// TestReadInts: integer arrays of every width and both byte orders, a
// Fortran-order one returned in C order, and every array in archive
// order when none is named.
func TestReadInts(t *testing.T) {
	f := &npzFile{}
	f.set("a.npy", npyInt(">i4", []int{2, 3}, 1, 2, 3, -4, 5, 6))
	// Fortran order: the file holds the columns of [[1 2 3] [4 5 6]].
	f.set("b.npy", npyRaw("{'descr': '<u2', 'fortran_order': True, 'shape': (2, 3), }", []byte{1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0}))
	f.set("c.npy", npyF64([]int{2}, []float64{-7, 1e15}))
	f.set("d.npy", npyInt("<i8", []int{}, 16))
	f.set("e.npy", npyInt("|u1", []int{0}))
	data := f.bytes(t)
	got, err := ReadInts(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want := []Ints{
		{Name: "a", Shape: []int{2, 3}, Data: []int64{1, 2, 3, -4, 5, 6}},
		{Name: "b", Shape: []int{2, 3}, Data: []int64{1, 2, 3, 4, 5, 6}},
		{Name: "c", Shape: []int{2}, Data: []int64{-7, 1e15}},
		{Name: "d", Shape: []int{}, Data: []int64{16}},
		{Name: "e", Shape: []int{0}, Data: []int64{}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ReadInts (-want +got):\n%s", d)
	}
	got, err = ReadInts(bytes.NewReader(data), int64(len(data)), "d.npy", "a")
	if err != nil || len(got) != 2 || got[0].Name != "d" || got[1].Name != "a" {
		t.Errorf("ReadInts d, a: %v, %v", got, err)
	}

	// A value in the middle of a Fortran-order array is named by its
	// C-order index.
	f.set("c.npy", npyRaw("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
		binary.LittleEndian.AppendUint32(make([]byte, 8), math.Float32bits(0.5))))
	f.data["c.npy"] = append(f.data["c.npy"], 0, 0, 0, 0)
	data = f.bytes(t)
	_, err = ReadInts(bytes.NewReader(data), int64(len(data)), "c")
	if want := `batchfile: array "c": element [0 1] = 0.5 is not an integer that int64 holds`; err == nil || err.Error() != want {
		t.Errorf("a fraction: %v, want %q", err, want)
	}
}

// TestReadIntsDamaged: the cap, counting 8 bytes an integer, a damaged
// checksum and an entry shorter than it says, each named; and the float
// readers still refuse integer arrays.
func TestReadIntsDamaged(t *testing.T) {
	small := oneArray(t, "n", npyInt("|i1", []int{3}, 1, 2, 3))
	if _, err := (Options{MaxBytes: 24}).ReadInts(bytes.NewReader(small), int64(len(small))); err != nil {
		t.Errorf("3 int8 under a cap of 24 bytes: %v", err)
	}
	_, err := Options{MaxBytes: 23}.ReadInts(bytes.NewReader(small), int64(len(small)))
	if want := `batchfile: array "n": header declares int8 [3]: more than the limit of 23 bytes`; err == nil || err.Error() != want {
		t.Errorf("3 int8 over a cap of 23 bytes: %v, want %q", err, want)
	}
	if _, err := (Options{MaxBytes: -1}).ReadInt(bytes.NewReader(small), int64(len(small)), "n"); err == nil || !strings.Contains(err.Error(), "Options.MaxBytes = -1") {
		t.Errorf("a negative cap: %v", err)
	}

	member := npyInt("<i8", []int{2}, 16, 17)
	data := oneArray(t, "r", member)
	i := bytes.Index(data, member) + len(member) - 1
	data[i] ^= 1
	_, err = ReadInts(bytes.NewReader(data), int64(len(data)))
	if want := `batchfile: array "r": zip: checksum error`; err == nil || err.Error() != want {
		t.Errorf("a flipped bit: %v, want %q", err, want)
	}

	// A stored entry cut short: the zip entry declares the whole array.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "r.npy", Method: zip.Store, CompressedSize64: uint64(len(member) - 8), UncompressedSize64: uint64(len(member))})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(member[:len(member)-8])
	zw.Close()
	cut := buf.Bytes()
	_, err = ReadInt(bytes.NewReader(cut), int64(len(cut)), "r")
	if want := fmt.Sprintf(`batchfile: array "r": zip entry declares %d bytes but stores %d`, len(member), len(member)-8); err == nil || err.Error() != want {
		t.Errorf("a cut entry: %v, want %q", err, want)
	}

	ints := oneArray(t, "r", npyInt("<i8", []int{}, 16))
	_, err = ReadTensors(bytes.NewReader(ints), int64(len(ints)), "r")
	if want := `batchfile: array "r": dtype int64 is not float16, float32 or float64`; err == nil || err.Error() != want {
		t.Errorf("ReadTensors of an int64: %v, want %q", err, want)
	}
}

// FuzzReadInt feeds arbitrary bytes as the .npy of "reg_max": ReadInt
// returns a value or an error, never panics, allocates what the entry can
// hold, and agrees with ReadInts. The seeds are those of the commands'
// former readers: NumPy's int64 scalar, integral floats, big-endian
// int32, uint8, and a header of two values with no data.
func FuzzReadInt(f *testing.F) {
	f.Add(npyInt("<i8", []int{}, 16))
	f.Add(npyInt("<i8", []int{}, 1))
	f.Add(npyF64([]int{}, []float64{1}))
	f.Add(npyInt(">i4", []int{}, 1))
	f.Add(npyInt("|u1", []int{}, 255))
	f.Add(npyInt("<i4", []int{1}, 8))
	f.Add([]byte("\x93NUMPY\x01\x00\x20\x00{'descr': '<f8', 'shape': (2,), }"))
	f.Add([]byte("\x93NUMPY\x01\x00\xff\x00{'descr'"))
	f.Fuzz(func(t *testing.T, member []byte) {
		data := oneArray(t, "reg_max", member)
		before := heapAllocs()
		v, err := ReadInt(bytes.NewReader(data), int64(len(data)), "reg_max")
		if got, limit := heapAllocs()-before, uint64(fuzzAllocSlack+8*len(data)); got > limit {
			t.Fatalf("ReadInt allocated %d bytes for a %d-byte input (limit %d)", got, len(data), limit)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), `batchfile: array "reg_max": `) {
				t.Fatalf("error %q does not name the array", err)
			}
			return
		}
		is, err := ReadInts(bytes.NewReader(data), int64(len(data)))
		if err != nil || len(is) != 1 || len(is[0].Data) != 1 || is[0].Data[0] != v || len(is[0].Shape) > 1 {
			t.Fatalf("ReadInt = %d; ReadInts = %v, %v", v, is, err)
		}
	})
}

// TestHeaders: the dtypes and shapes of the arrays, none of their data
// read; an entry that cannot hold what it declares is an error naming its
// array, as in the readers.
func TestHeaders(t *testing.T) {
	f := &npzFile{}
	f.set("p0.npy", npyF32([]int{1, 2}, []float32{1, 2}))
	f.set("reg_max.npy", npyInt("<i8", []int{}, 16))
	f.set("h.npy", npyRaw(dictFor("<f2", []int{3}), make([]byte, 6)))
	data := f.bytes(t)
	big := bombFile(t, []int{1 << 20, 1 << 20}, 64) // declares 8 TiB of float64
	for _, tc := range []struct {
		name  string
		data  []byte
		names []string
		want  []Header
		err   string
	}{
		{"all", data, nil, []Header{{"p0", "float32", []int{1, 2}}, {"reg_max", "int64", []int{}}, {"h", "float16", []int{3}}}, ""},
		{"named", data, []string{"reg_max.npy"}, []Header{{"reg_max", "int64", []int{}}}, ""},
		{"missing", data, []string{"q0"}, nil, `batchfile: array "q0" is missing`},
		{"a bomb's header", big, []string{"p0"}, nil,
			`batchfile: array "p0": zip entry declares 8796093022336 bytes, but its 87 deflated bytes inflate to at most 90808 (deflate's ratio is at most about 1032:1)`},
	} {
		got, err := Headers(bytes.NewReader(tc.data), int64(len(tc.data)), tc.names...)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: %v, %v; want the error %q", tc.name, got, err, tc.err)
			}
			continue
		}
		if d := cmp.Diff(tc.want, got); err != nil || d != "" {
			t.Errorf("%s: %v (-want +got):\n%s", tc.name, err, d)
		}
	}
}
