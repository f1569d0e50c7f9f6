package batchfile

import (
	"bytes"
	"runtime/metrics"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/tensor"
)

// fuzzAllocSlack bounds what one Read may allocate: a fixed allowance plus
// a multiple of the input, enough for arrays allocated at what their zip
// entries can hold (deflate's best ratio, about 1032:1) and widened to
// float64. A Read that trusted the sizes in headers or zip entries would
// allocate far more.
const fuzzAllocSlack = 64 << 20

// heapAllocs returns the bytes allocated on the heap so far. Unlike
// runtime.ReadMemStats it does not stop the world, which keeps each fuzz
// execution cheap; its small-object counts lag a little, which does not
// matter for catching allocations of gigabytes.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// The seeds are small on purpose: Go's minimizer spends time quadratic in
// the size of each new interesting input, and larger seeds breed larger
// inputs.
func FuzzRead(f *testing.F) {
	small := &npzFile{}
	small.set("p0.npy", npyF64([]int{1, 1, 1, 1, 6}, ramp(6)))
	small.set("targets.npy", npyF64([]int{1, 6}, []float64{0, 0, 0.5, 0.5, 0.25, 0.25}))
	valid := small.bytes(f)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))

	full := &npzFile{}
	full.set("p0.npy", npyF32([]int{1, 1, 1, 2, 6}, ramp32(12)))
	full.set("p1.npy", npyF32([]int{1, 1, 1, 1, 6}, ramp32(6)))
	full.set("targets.npy", npyF32([]int{0, 6}, nil))
	full.set("anchors.npy", npyF64([]int{2, 1, 2}, []float64{1.5, 2, 3, 4}))
	full.set("strides.npy", npyF64([]int{2}, []float64{8, 16}))
	f.Add(full.bytes(f))

	corrupt := &npzFile{}
	corrupt.set("p0.npy", npyRaw(dictFor("<f8", []int{1000000000, 1000000000}), nil))
	corrupt.set("targets.npy", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f{"))
	f.Add(corrupt.bytes(f))
	f.Add(bombFile(f, []int{2, 3, 256, 256, 1024}, 64))

	f.Fuzz(func(t *testing.T, data []byte) {
		before := heapAllocs()
		b, err := Read(bytes.NewReader(data), int64(len(data)))
		if got, limit := heapAllocs()-before, uint64(fuzzAllocSlack+8*1032*len(data)); got > limit {
			t.Fatalf("Read allocated %d bytes for a %d-byte input (limit %d)", got, len(data), limit)
		}
		if err != nil {
			if b != nil {
				t.Fatalf("Read returned a batch and the error %v", err)
			}
			return
		}
		for _, p := range b.Preds {
			if n, _ := tensor.Size(p.Shape); n != p.Len() {
				t.Fatalf("shape %v holds %d elements, data has %d", p.Shape, n, p.Len())
			}
		}
		ts, err := ReadTensors(bytes.NewReader(data), int64(len(data)), namesOf(b)...)
		if err != nil {
			t.Fatalf("ReadTensors fails on the arrays of a valid batch: %v", err)
		}
		if diff := cmp.Diff(b.Preds, ts[:len(b.Preds)], exact); diff != "" {
			t.Fatalf("Read and ReadTensors disagree on the predictions (-Read +ReadTensors):\n%s", diff)
		}
	})
}

// namesOf lists the arrays a batch read from a file was read from.
func namesOf(b *Batch) []string {
	var names []string
	for i := range b.Preds {
		names = append(names, PredName(i))
	}
	names = append(names, "targets")
	if b.AnchorsGrid != nil {
		names = append(names, "anchors")
	}
	if b.Strides != nil {
		names = append(names, "strides")
	}
	return names
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range []string{
		"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
		"{'descr': '>f4', 'fortran_order': True, 'shape': (7,), }",
		`{"descr": [("a", "<f8")], "fortran_order": False, "shape": ()}`,
		"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }",
		"((((((((((((((((((((",
		"{'descr': '<i8', 'fortran_order': False, 'shape': (), }",
		"{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var h npyHeader
		if err := h.parse(s); err != nil {
			return
		}
		switch d := h.dtype; {
		case d.kind == 'f' && (d.size == 2 || d.size == 4 || d.size == 8):
		case (d.kind == 'i' || d.kind == 'u') && (d.size == 1 || d.size == 2 || d.size == 4 || d.size == 8):
		default:
			t.Fatalf("accepted dtype kind %q of size %d", d.kind, d.size)
		}
		if h.dtype.order == nil {
			t.Fatalf("accepted dtype %v without a byte order", h.dtype)
		}
		for _, d := range h.shape {
			if d < 0 {
				t.Fatalf("accepted shape %v", h.shape)
			}
		}
	})
}
