package batchfile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/tensor"
)

// npzFile is an .npz under construction: zip members in order.
type npzFile struct {
	names []string
	data  map[string][]byte
}

func (f *npzFile) set(member string, b []byte) {
	if f.data == nil {
		f.data = map[string][]byte{}
	}
	if _, ok := f.data[member]; !ok {
		f.names = append(f.names, member)
	}
	f.data[member] = b
}

func (f *npzFile) del(member string) {
	delete(f.data, member)
	for i, n := range f.names {
		if n == member {
			f.names = append(f.names[:i:i], f.names[i+1:]...)
			return
		}
	}
}

// bytes returns the archive, each member stored uncompressed.
func (f *npzFile) bytes(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range f.names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(f.data[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// npyRaw builds a version 1.0 .npy member with the given header dict,
// padded as NumPy pads it, followed by data.
func npyRaw(dict string, data []byte) []byte {
	n := 10 + len(dict) + 1
	pad := (64 - n%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(hdr)))
	b = append(b, hdr...)
	return append(b, data...)
}

// shapeText formats shape as a Python tuple.
func shapeText(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = strconv.Itoa(d)
	}
	if len(s) == 1 {
		return "(" + s[0] + ",)"
	}
	return "(" + strings.Join(s, ", ") + ")"
}

func dictFor(descr string, shape []int) string {
	return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeText(shape) + ", }"
}

// npyF64 is a little-endian float64 array.
func npyF64(shape []int, v []float64) []byte {
	var data []byte
	for _, x := range v {
		data = binary.LittleEndian.AppendUint64(data, math.Float64bits(x))
	}
	return npyRaw(dictFor("<f8", shape), data)
}

// npyF32 is a little-endian float32 array.
func npyF32(shape []int, v []float32) []byte {
	var data []byte
	for _, x := range v {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(x))
	}
	return npyRaw(dictFor("<f4", shape), data)
}

// npyOf is an array of the given descr with n·itemsize zero bytes.
func npyOf(descr string, itemsize int, shape []int) []byte {
	n, _ := tensor.Size(shape)
	return npyRaw(dictFor(descr, shape), make([]byte, n*itemsize))
}

// ramp returns n deterministic, finite, varied values.
func ramp(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 3 * math.Sin(float64(i)*0.7+0.1)
	}
	return v
}

func ramp32(n int) []float32 {
	v := make([]float32, n)
	for i, x := range ramp(n) {
		v[i] = float32(x)
	}
	return v
}

func prod(shape []int) int { n, _ := tensor.Size(shape); return n }

// Shapes of the base batch: bs 2, na 3, nc 5, three layers. The grids
// need not shrink; p2's is chosen so that flat index 1234 is [0 1 2 3 4].
var (
	baseP0 = []int{2, 3, 4, 6, 10}
	baseP1 = []int{2, 3, 2, 3, 10}
	baseP2 = []int{2, 3, 10, 10, 10}

	baseTargets = [][6]float64{
		{0, 1, 0.5, 0.5, 0.2, 0.3},
		{1, 4, 0.25, 0.75, 0.1, 0.1},
		{0, 0, 0, 1, 1, 1},
		{1, 2, 0.9, 0.1, 0.05, 0.5},
	}
	baseAnchors = [][][2]float64{
		{{1.25, 1.625}, {2, 3.75}, {4.125, 2.875}},
		{{1.875, 3.8125}, {3.875, 2.8125}, {3.6875, 7.4375}},
		{{3.625, 2.8125}, {4.875, 6.1875}, {11.65625, 10.1875}},
	}
	baseStrides = []float64{8, 16, 32}
)

func flatTargets(ts [][6]float64) []float64 {
	v := []float64{}
	for _, r := range ts {
		v = append(v, r[:]...)
	}
	return v
}

func flatAnchors(as [][][2]float64) []float64 {
	v := []float64{}
	for _, l := range as {
		for _, a := range l {
			v = append(v, a[0], a[1])
		}
	}
	return v
}

// baseBatch is the batch that baseFile holds.
func baseBatch() *Batch {
	return &Batch{
		Preds: []Tensor{
			{Name: "p0", Array: tensor.Array{Shape: baseP0, F64: ramp(prod(baseP0))}},
			{Name: "p1", Array: tensor.Array{Shape: baseP1, F64: ramp(prod(baseP1))}},
			{Name: "p2", Array: tensor.Array{Shape: baseP2, F64: ramp(prod(baseP2))}},
		},
		Targets:     baseTargets,
		AnchorsGrid: baseAnchors,
		Strides:     baseStrides,
	}
}

// baseFile is a valid batch file, built by hand.
func baseFile() *npzFile {
	f := &npzFile{}
	f.set("p0.npy", npyF64(baseP0, ramp(prod(baseP0))))
	f.set("p1.npy", npyF64(baseP1, ramp(prod(baseP1))))
	f.set("p2.npy", npyF64(baseP2, ramp(prod(baseP2))))
	f.set("targets.npy", npyF64([]int{len(baseTargets), 6}, flatTargets(baseTargets)))
	f.set("anchors.npy", npyF64([]int{3, 3, 2}, flatAnchors(baseAnchors)))
	f.set("strides.npy", npyF64([]int{3}, baseStrides))
	return f
}

// withTarget returns base targets with row r, column c set to v.
func withTarget(r, c int, v float64) []float64 {
	ts := append([][6]float64{}, baseTargets...)
	ts[r][c] = v
	return flatTargets(ts)
}

// withValue returns ramp(n) with element i set to v.
func withValue(n, i int, v float64) []float64 {
	x := ramp(n)
	x[i] = v
	return x
}

// exact compares float slices bit for bit, and nil apart from empty, in one
// step: go-cmp's element-by-element walk is slow on large arrays.
var exact = cmp.Options{
	cmp.Comparer(func(a, b []float64) bool {
		return (a == nil) == (b == nil) && slices.EqualFunc(a, b, func(x, y float64) bool {
			return math.Float64bits(x) == math.Float64bits(y)
		})
	}),
	cmp.Comparer(func(a, b []float32) bool {
		return (a == nil) == (b == nil) && slices.EqualFunc(a, b, func(x, y float32) bool {
			return math.Float32bits(x) == math.Float32bits(y)
		})
	}),
}
