package batchfile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/tensor"
)

func readBytes(b []byte) (*Batch, error) { return Read(bytes.NewReader(b), int64(len(b))) }

func TestReadErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, test := range []struct {
		name   string
		mutate func(f *npzFile)
		raw    []byte // the file itself, instead of a mutated baseFile
		want   string
	}{
		// The archive.
		{
			name: "not a zip",
			raw:  []byte("this is not a zip archive at all"),
			want: "batchfile: not a valid .npz (zip) archive: zip: not a valid zip file",
		},
		{
			name: "empty file",
			raw:  []byte{},
			want: "batchfile: not a valid .npz (zip) archive: zip: not a valid zip file",
		},
		{
			name:   "duplicate array",
			mutate: func(f *npzFile) { f.set("p1", f.data["p1.npy"]) },
			want:   `batchfile: array "p1" appears twice in the archive`,
		},

		// Layers.
		{
			name:   "no predictions",
			mutate: func(f *npzFile) { f.del("p0.npy"); f.del("p1.npy"); f.del("p2.npy") },
			want:   `batchfile: no predictions: array "p0" is missing`,
		},
		{
			name:   "no p0",
			mutate: func(f *npzFile) { f.del("p0.npy") },
			want:   `batchfile: no predictions: array "p0" is missing (found "p1")`,
		},
		{
			name:   "gap in numbering",
			mutate: func(f *npzFile) { f.set("p3.npy", f.data["p2.npy"]); f.del("p2.npy") },
			want:   `batchfile: array "p2" is missing (found "p3")`,
		},
		{
			name: "gap names the lowest layer found",
			mutate: func(f *npzFile) {
				f.set("p7.npy", f.data["p2.npy"])
				f.set("p4.npy", f.data["p2.npy"])
				f.del("p2.npy")
			},
			want: `batchfile: array "p2" is missing (found "p4")`,
		},
		{
			name: "six layers",
			mutate: func(f *npzFile) {
				for _, n := range []string{"p3.npy", "p4.npy", "p5.npy"} {
					f.set(n, f.data["p2.npy"])
				}
			},
			want: "batchfile: 6 prediction layers (p0..p5); at most 5 are supported",
		},
		{
			name:   "missing targets",
			mutate: func(f *npzFile) { f.del("targets.npy") },
			want:   `batchfile: array "targets" is missing`,
		},

		// Prediction shapes.
		{
			name:   "rank 3",
			mutate: func(f *npzFile) { f.set("p1.npy", npyF64([]int{2, 3, 4}, ramp(24))) },
			want:   `batchfile: array "p1": want rank 5 [bs, na, ny, nx, 5+nc], got shape [2 3 4]`,
		},
		{
			name:   "rank 6",
			mutate: func(f *npzFile) { f.set("p0.npy", npyF64([]int{1, 2, 3, 4, 6, 10}, ramp(1440))) },
			want:   `batchfile: array "p0": want rank 5 [bs, na, ny, nx, 5+nc], got shape [1 2 3 4 6 10]`,
		},
		{
			name:   "bs disagrees",
			mutate: func(f *npzFile) { f.set("p1.npy", npyF64([]int{3, 3, 2, 3, 10}, ramp(540))) },
			want:   `batchfile: array "p1": bs 3 disagrees with bs 2 of array "p0"`,
		},
		{
			name:   "na disagrees",
			mutate: func(f *npzFile) { f.set("p2.npy", npyF64([]int{2, 4, 2, 3, 10}, ramp(480))) },
			want:   `batchfile: array "p2": na 4 disagrees with na 3 of array "p0"`,
		},
		{
			name:   "5+nc disagrees",
			mutate: func(f *npzFile) { f.set("p1.npy", npyF64([]int{2, 3, 2, 3, 11}, ramp(396))) },
			want:   `batchfile: array "p1": 5+nc 11 disagrees with 5+nc 10 of array "p0"`,
		},
		{
			name: "nc zero",
			mutate: func(f *npzFile) {
				f.set("p0.npy", npyF64([]int{2, 3, 4, 6, 5}, ramp(720)))
			},
			want: `batchfile: array "p0": last dimension 5+nc = 5 gives nc = 0; want nc >= 1`,
		},
		{
			name:   "zero dimension",
			mutate: func(f *npzFile) { f.set("p1.npy", npyF64([]int{2, 3, 0, 3, 10}, nil)) },
			want:   `batchfile: array "p1": zero dimension in shape [2 3 0 3 10]`,
		},
		{
			name:   "zero batch",
			mutate: func(f *npzFile) { f.set("p0.npy", npyF64([]int{0, 3, 4, 6, 10}, nil)) },
			want:   `batchfile: array "p0": zero dimension in shape [0 3 4 6 10]`,
		},

		// Dtypes.
		{
			name:   "p0 int64",
			mutate: func(f *npzFile) { f.set("p0.npy", npyOf("<i8", 8, baseP0)) },
			want:   `batchfile: array "p0": dtype int64 is not float16, float32 or float64`,
		},
		{
			name:   "p2 float128",
			mutate: func(f *npzFile) { f.set("p2.npy", npyOf("<f16", 16, baseP2)) },
			want:   `batchfile: array "p2": dtype float128 is not float16, float32 or float64`,
		},
		{
			name:   "p1 bool",
			mutate: func(f *npzFile) { f.set("p1.npy", npyOf("|b1", 1, baseP1)) },
			want:   `batchfile: array "p1": dtype bool is not float16, float32 or float64`,
		},
		{
			name:   "p0 complex128",
			mutate: func(f *npzFile) { f.set("p0.npy", npyOf("<c16", 16, baseP0)) },
			want:   `batchfile: array "p0": dtype complex128 is not float16, float32 or float64`,
		},
		{
			name:   "p0 unicode",
			mutate: func(f *npzFile) { f.set("p0.npy", npyOf("<U4", 16, baseP0)) },
			want:   `batchfile: array "p0": dtype "<U4" is not float16, float32 or float64`,
		},
		{
			name: "p0 structured",
			mutate: func(f *npzFile) {
				f.set("p0.npy", npyRaw("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }", make([]byte, 16)))
			},
			want: `batchfile: array "p0": dtype structured is not float16, float32 or float64`,
		},
		{
			name:   "targets int32",
			mutate: func(f *npzFile) { f.set("targets.npy", npyOf("<i4", 4, []int{4, 6})) },
			want:   `batchfile: array "targets": dtype int32 is not float16, float32 or float64`,
		},
		{
			name:   "anchors uint8",
			mutate: func(f *npzFile) { f.set("anchors.npy", npyOf("|u1", 1, []int{3, 3, 2})) },
			want:   `batchfile: array "anchors": dtype uint8 is not float16, float32 or float64`,
		},
		{
			name:   "strides int64",
			mutate: func(f *npzFile) { f.set("strides.npy", npyOf("<i8", 8, []int{3})) },
			want:   `batchfile: array "strides": dtype int64 is not float16, float32 or float64`,
		},

		// Targets shape.
		{
			name:   "targets 5 columns",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 5}, make([]float64, 20))) },
			want:   `batchfile: array "targets": want shape [nt, 6], got [4 5]`,
		},
		{
			name:   "targets rank 1",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{6}, withTarget(0, 0, 0)[:6])) },
			want:   `batchfile: array "targets": want shape [nt, 6], got [6]`,
		},

		// Anchors and strides.
		{
			name:   "anchors na disagrees",
			mutate: func(f *npzFile) { f.set("anchors.npy", npyF64([]int{3, 4, 2}, make([]float64, 24))) },
			want:   `batchfile: array "anchors": na 4 disagrees with na 3 of array "p0" (want shape [3 3 2], got [3 4 2])`,
		},
		{
			name:   "anchors nl disagrees",
			mutate: func(f *npzFile) { f.set("anchors.npy", npyF64([]int{2, 3, 2}, make([]float64, 12))) },
			want:   `batchfile: array "anchors": nl 2 disagrees with 3 prediction layers (want shape [3 3 2], got [2 3 2])`,
		},
		{
			name:   "anchors last dimension",
			mutate: func(f *npzFile) { f.set("anchors.npy", npyF64([]int{3, 3, 3}, make([]float64, 27))) },
			want:   `batchfile: array "anchors": want shape [nl, na, 2] = [3 3 2], got [3 3 3]`,
		},
		{
			name:   "anchors rank 2",
			mutate: func(f *npzFile) { f.set("anchors.npy", npyF64([]int{3, 6}, make([]float64, 18))) },
			want:   `batchfile: array "anchors": want shape [nl, na, 2] = [3 3 2], got [3 6]`,
		},
		{
			name: "anchor zero",
			mutate: func(f *npzFile) {
				a := flatAnchors(baseAnchors)
				a[9] = 0
				f.set("anchors.npy", npyF64([]int{3, 3, 2}, a))
			},
			want: `batchfile: array "anchors": value 0 at index 9 [1 1 1] is not > 0`,
		},
		{
			name: "anchor negative",
			mutate: func(f *npzFile) {
				a := flatAnchors(baseAnchors)
				a[0] = -1.5
				f.set("anchors.npy", npyF64([]int{3, 3, 2}, a))
			},
			want: `batchfile: array "anchors": value -1.5 at index 0 [0 0 0] is not > 0`,
		},
		{
			name: "anchor NaN",
			mutate: func(f *npzFile) {
				a := flatAnchors(baseAnchors)
				a[17] = nan
				f.set("anchors.npy", npyF64([]int{3, 3, 2}, a))
			},
			want: `batchfile: array "anchors": non-finite value NaN at index 17 [2 2 1]`,
		},
		{
			name:   "strides shape",
			mutate: func(f *npzFile) { f.set("strides.npy", npyF64([]int{4}, []float64{8, 16, 32, 64})) },
			want:   `batchfile: array "strides": want shape [nl] = [3], got [4]`,
		},
		{
			name:   "strides rank 2",
			mutate: func(f *npzFile) { f.set("strides.npy", npyF64([]int{3, 1}, []float64{8, 16, 32})) },
			want:   `batchfile: array "strides": want shape [nl] = [3], got [3 1]`,
		},
		{
			name:   "stride zero",
			mutate: func(f *npzFile) { f.set("strides.npy", npyF64([]int{3}, []float64{8, 0, 32})) },
			want:   `batchfile: array "strides": value 0 at index 1 [1] is not > 0`,
		},
		{
			name:   "stride Inf",
			mutate: func(f *npzFile) { f.set("strides.npy", npyF64([]int{3}, []float64{8, 16, inf})) },
			want:   `batchfile: array "strides": non-finite value +Inf at index 2 [2]`,
		},

		// Values.
		{
			name:   "NaN in p2",
			mutate: func(f *npzFile) { f.set("p2.npy", npyF64(baseP2, withValue(prod(baseP2), 1234, nan))) },
			want:   `batchfile: array "p2": non-finite value NaN at index 1234 [0 1 2 3 4]`,
		},
		{
			name: "-Inf in float32 p0",
			mutate: func(f *npzFile) {
				v := ramp32(prod(baseP0))
				v[len(v)-1] = float32(math.Inf(-1))
				f.set("p0.npy", npyF32(baseP0, v))
			},
			want: `batchfile: array "p0": non-finite value -Inf at index 1439 [1 2 3 5 9]`,
		},
		{
			name:   "Inf in targets",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(1, 2, inf))) },
			want:   `batchfile: array "targets": non-finite value +Inf at index 8 [1 2]`,
		},
		{
			name:   "class not an integer",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(3, 1, 7.5))) },
			want:   "batchfile: targets[3] (row 3): class (column 1) = 7.5 is not an integer in [0, 5)",
		},
		{
			name:   "class fraction",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(0, 1, 1.5))) },
			want:   "batchfile: targets[0] (row 0): class (column 1) = 1.5 is not an integer in [0, 5)",
		},
		{
			name:   "class equal to nc",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(2, 1, 5))) },
			want:   "batchfile: targets[2] (row 2): class (column 1) = 5 is not an integer in [0, 5)",
		},
		{
			name:   "class negative",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(1, 1, -1))) },
			want:   "batchfile: targets[1] (row 1): class (column 1) = -1 is not an integer in [0, 5)",
		},
		{
			name:   "image equal to bs",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(1, 0, 2))) },
			want:   "batchfile: targets[1] (row 1): image (column 0) = 2 is not an integer in [0, 2)",
		},
		{
			name:   "image fraction",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(0, 0, 0.5))) },
			want:   "batchfile: targets[0] (row 0): image (column 0) = 0.5 is not an integer in [0, 2)",
		},
		{
			name:   "x above 1",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(2, 2, 1.5))) },
			want:   "batchfile: targets[2] (row 2): x (column 2) = 1.5 is not in [0, 1]",
		},
		{
			name:   "y negative",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(3, 3, -0.25))) },
			want:   "batchfile: targets[3] (row 3): y (column 3) = -0.25 is not in [0, 1]",
		},
		{
			name:   "w zero",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(1, 4, 0))) },
			want:   "batchfile: targets[1] (row 1): w (column 4) = 0 is not in (0, 1]",
		},
		{
			name:   "w negative",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(1, 4, -0.1))) },
			want:   "batchfile: targets[1] (row 1): w (column 4) = -0.1 is not in (0, 1]",
		},
		{
			name:   "h above 1",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{4, 6}, withTarget(0, 5, 1.25))) },
			want:   "batchfile: targets[0] (row 0): h (column 5) = 1.25 is not in (0, 1]",
		},

		// Corrupt or truncated members.
		{
			name:   "bad magic",
			mutate: func(f *npzFile) { b := bytes.Clone(f.data["p1.npy"]); b[1] = 'X'; f.set("p1.npy", b) },
			want:   `batchfile: array "p1": not an .npy file (bad magic)`,
		},
		{
			name:   "empty member",
			mutate: func(f *npzFile) { f.set("p0.npy", nil) },
			want:   `batchfile: array "p0": reading .npy header: unexpected EOF`,
		},
		{
			name:   "header cut short",
			mutate: func(f *npzFile) { f.set("targets.npy", f.data["targets.npy"][:40]) },
			want:   `batchfile: array "targets": .npy header length 118 runs past the end of the 40-byte entry`,
		},
		{
			name:   "data cut short",
			mutate: func(f *npzFile) { f.set("p0.npy", f.data["p0.npy"][:1000]) },
			want:   `batchfile: array "p0": header declares float64 [2 3 4 6 10] (11520 bytes of data), but the entry holds 872 bytes of data`,
		},
		{
			name: "trailing bytes",
			mutate: func(f *npzFile) {
				f.set("strides.npy", append(bytes.Clone(f.data["strides.npy"]), 0, 0, 0, 0, 0, 0, 0, 0))
			},
			want: `batchfile: array "strides": header declares float64 [3] (24 bytes of data), but the entry holds 32 bytes of data`,
		},
		{
			name:   "unknown version",
			mutate: func(f *npzFile) { b := bytes.Clone(f.data["p1.npy"]); b[6] = 4; f.set("p1.npy", b) },
			want:   `batchfile: array "p1": unsupported .npy format version 4.0`,
		},
		{
			name: "bad header",
			mutate: func(f *npzFile) {
				f.set("p0.npy", npyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3 4), }", nil))
			},
			want: `batchfile: array "p0": bad .npy header: unexpected "4), }" in "("...")"`,
		},

		// Absurd sizes, refused before allocating.
		{
			name:   "huge shape",
			mutate: func(f *npzFile) { f.set("p0.npy", npyRaw(dictFor("<f8", []int{1000000000, 1000000000}), nil)) },
			want:   `batchfile: array "p0": header declares float64 [1000000000 1000000000]: more than the limit of 4294967296 bytes (4 GiB)`,
		},
		{
			name: "shape overflowing int64",
			mutate: func(f *npzFile) {
				f.set("p0.npy", npyRaw(dictFor("<f4", []int{1 << 40, 1 << 40, 1 << 40}), nil))
			},
			want: `batchfile: array "p0": header declares float32 [1099511627776 1099511627776 1099511627776]: more than the limit of 4294967296 bytes (4 GiB)`,
		},
		{
			name: "dimension beyond int64",
			mutate: func(f *npzFile) {
				f.set("p0.npy", npyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999, 2), }", nil))
			},
			want: `batchfile: array "p0": bad .npy header: number 99999999999999999999 out of range`,
		},
		{
			name:   "shape larger than entry",
			mutate: func(f *npzFile) { f.set("p0.npy", npyRaw(dictFor("<f8", []int{2, 3, 100, 100, 10}), make([]byte, 64))) },
			want:   `batchfile: array "p0": header declares float64 [2 3 100 100 10] (4800000 bytes of data), but the entry holds 64 bytes of data`,
		},
		{
			name: "header length over the limit",
			mutate: func(f *npzFile) {
				b := []byte("\x93NUMPY\x02\x00\xff\xff\xff\xff{}")
				f.set("p0.npy", b)
			},
			want: `batchfile: array "p0": .npy header length 4294967295 is more than the limit of 65536 bytes`,
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			data := test.raw
			if data == nil {
				f := baseFile()
				test.mutate(f)
				data = f.bytes(t)
			}
			b, err := readBytes(data)
			if err == nil {
				t.Fatalf("Read succeeded with %d layers; want error %q", b.NL(), test.want)
			}
			if diff := cmp.Diff(test.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRead(t *testing.T) {
	cut := func(b *Batch) *Batch { return b }
	for _, test := range []struct {
		name   string
		mutate func(f *npzFile)
		want   func(b *Batch) *Batch
	}{
		{name: "base", mutate: func(*npzFile) {}, want: cut},
		{
			name: "float32 predictions and targets",
			mutate: func(f *npzFile) {
				f.set("p1.npy", npyF32(baseP1, ramp32(prod(baseP1))))
				v := flatTargets(baseTargets)
				v32 := make([]float32, len(v))
				for i := range v {
					v32[i] = float32(v[i])
				}
				f.set("targets.npy", npyF32([]int{4, 6}, v32))
			},
			want: func(b *Batch) *Batch {
				b.Preds[1] = Tensor{Name: "p1", Array: tensor.Array{Shape: baseP1, F32: ramp32(prod(baseP1))}}
				for i := range b.Targets {
					for j := range b.Targets[i] {
						b.Targets[i][j] = float64(float32(b.Targets[i][j]))
					}
				}
				return b
			},
		},
		{
			name:   "no targets",
			mutate: func(f *npzFile) { f.set("targets.npy", npyF64([]int{0, 6}, nil)) },
			want:   func(b *Batch) *Batch { b.Targets = [][6]float64{}; return b },
		},
		{
			name:   "no anchors or strides",
			mutate: func(f *npzFile) { f.del("anchors.npy"); f.del("strides.npy") },
			want:   func(b *Batch) *Batch { b.AnchorsGrid, b.Strides = nil, nil; return b },
		},
		{
			name: "single layer",
			mutate: func(f *npzFile) {
				f.del("p1.npy")
				f.del("p2.npy")
				f.set("anchors.npy", npyF64([]int{1, 3, 2}, flatAnchors(baseAnchors[:1])))
				f.set("strides.npy", npyF64([]int{1}, baseStrides[:1]))
			},
			want: func(b *Batch) *Batch {
				b.Preds, b.AnchorsGrid, b.Strides = b.Preds[:1], b.AnchorsGrid[:1], b.Strides[:1]
				return b
			},
		},
		{
			name: "five layers",
			mutate: func(f *npzFile) {
				f.set("p3.npy", f.data["p2.npy"])
				f.set("p4.npy", f.data["p2.npy"])
				f.del("anchors.npy")
				f.del("strides.npy")
			},
			want: func(b *Batch) *Batch {
				b.Preds = append(b.Preds, b.Preds[2], b.Preds[2])
				b.Preds[3].Name, b.Preds[4].Name = "p3", "p4"
				b.AnchorsGrid, b.Strides = nil, nil
				return b
			},
		},
		{
			name: "members without .npy and extra arrays",
			mutate: func(f *npzFile) {
				f.set("p1", f.data["p1.npy"])
				f.del("p1.npy")
				f.set("extra.npy", npyOf("<i8", 8, []int{2}))
			},
			want: cut,
		},
		{
			name: "big-endian",
			mutate: func(f *npzFile) {
				var data []byte
				for _, x := range ramp(prod(baseP1)) {
					data = binary.BigEndian.AppendUint64(data, math.Float64bits(x))
				}
				f.set("p1.npy", npyRaw(dictFor(">f8", baseP1), data))
			},
			want: cut,
		},
		{
			name: "fortran order",
			mutate: func(f *npzFile) {
				c := ramp(prod(baseP0))
				fo := make([]float64, len(c))
				for i := range c {
					// Scatter C-order element i to its Fortran-order place.
					idx := unravel(i, baseP0)
					off, s := 0, 1
					for k := range baseP0 {
						off += idx[k] * s
						s *= baseP0[k]
					}
					fo[off] = c[i]
				}
				var data []byte
				for _, x := range fo {
					data = binary.LittleEndian.AppendUint64(data, math.Float64bits(x))
				}
				f.set("p0.npy", npyRaw("{'descr': '<f8', 'fortran_order': True, 'shape': "+shapeText(baseP0)+", }", data))
			},
			want: cut,
		},
		{
			name: "version 2 and 3 headers, other key order",
			mutate: func(f *npzFile) {
				for i, name := range []string{"p1.npy", "strides.npy"} {
					old := f.data[name]
					n := binary.LittleEndian.Uint16(old[8:])
					hdr := old[10 : 10+n]
					b := []byte("\x93NUMPY")
					b = append(b, byte(2+i), 0)
					b = binary.LittleEndian.AppendUint32(b, uint32(len(hdr)))
					b = append(b, hdr...)
					f.set(name, append(b, old[10+n:]...))
				}
				b := []byte(f.data["targets.npy"])
				n := binary.LittleEndian.Uint16(b[8:])
				f.set("targets.npy", npyRaw(`{"shape": (4, 6), "fortran_order": False, "descr": "<f8"}`, b[10+n:]))
			},
			want: cut,
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			f := baseFile()
			test.mutate(f)
			got, err := readBytes(f.bytes(t))
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			want := test.want(baseBatch())
			if diff := cmp.Diff(want, got, exact); diff != "" {
				t.Errorf("batch mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadChecksum flips a data byte of a stored member, keeping the
// recorded CRC-32.
func TestReadChecksum(t *testing.T) {
	f := baseFile()
	data := f.bytes(t)
	// The last data byte of strides.npy: float64 32 → change its mantissa.
	i := bytes.Index(data, npyF64([]int{3}, baseStrides))
	if i < 0 {
		t.Fatal("strides member not found")
	}
	i += len(npyF64([]int{3}, baseStrides)) - 8
	data[i] ^= 1
	_, err := readBytes(data)
	want := `batchfile: array "strides": zip: checksum error`
	if err == nil || err.Error() != want {
		t.Errorf("error mismatch: want %q, got %v", want, err)
	}
}

// bombFile is an archive of p0 and the base targets. Its p0 member claims
// the uncompressed size of a float64 array of the given shape, and its
// header agrees, but its deflate stream holds only the header and real
// bytes of zeros.
func bombFile(t testing.TB, shape []int, real int) []byte {
	t.Helper()
	hdr := npyRaw(dictFor("<f8", shape), nil)
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(hdr); err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(make([]byte, real)); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	declared := uint64(len(hdr)) + 8*uint64(prod(shape))

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               "p0.npy",
		Method:             zip.Deflate,
		CRC32:              crc32.ChecksumIEEE(hdr),
		CompressedSize64:   uint64(comp.Len()),
		UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(comp.Bytes()); err != nil {
		t.Fatal(err)
	}
	base := baseFile()
	for _, n := range []string{"targets.npy"} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(base.data[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadDoesNotTrustDeclaredSizes checks that sizes that headers and zip
// entries claim and the file cannot hold are refused before anything is
// allocated for them.
func TestReadDoesNotTrustDeclaredSizes(t *testing.T) {
	for _, test := range []struct {
		name  string
		shape []int
		real  int
		want  string
	}{
		{
			// 3 GiB declared by both the zip entry and the header, 1 MiB there.
			name:  "3 GiB claimed",
			shape: []int{2, 3, 256, 256, 1024},
			real:  1 << 20,
			want:  `batchfile: array "p0": zip entry declares 3221225600 bytes, but its 1135 deflated bytes inflate to at most 1172344 (deflate's ratio is at most about 1032:1)`,
		},
		{
			name:  "5 GiB claimed",
			shape: []int{2, 5, 256, 256, 1024},
			real:  1024,
			want:  `batchfile: array "p0": header declares float64 [2 5 256 256 1024]: more than the limit of 4294967296 bytes (4 GiB)`,
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			data := bombFile(t, test.shape, test.real)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := readBytes(data)
			runtime.ReadMemStats(&after)
			if err == nil || err.Error() != test.want {
				t.Errorf("error mismatch: want %q, got %v", test.want, err)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
				t.Errorf("Read allocated %d bytes for a %d-byte file", got, len(data))
			}
		})
	}
}

// TestReadTotalCap: arrays each under the cap are refused when together
// they are over it, before any is read, whichever reader reads them.
func TestReadTotalCap(t *testing.T) {
	data := baseFile().bytes(t)
	p0, p1 := 8*prod(baseP0), 8*prod(baseP1)
	o := Options{MaxBytes: int64(p0 + p1 - 8)}
	want := `batchfile: array "p1": with the arrays before it, the arrays declare more than ` + itoa(p0+p1-8) + " bytes of data in all"
	var err error
	got := allocated(func() { _, err = o.Read(bytes.NewReader(data), int64(len(data))) })
	if err == nil || err.Error() != want {
		t.Errorf("Read: error %v, want %q", err, want)
	}
	if got > 1<<20 {
		t.Errorf("Read allocated %d bytes before refusing the file", got)
	}
	_, err = o.ReadTensors(bytes.NewReader(data), int64(len(data)), "p0", "p1")
	if err == nil || err.Error() != want {
		t.Errorf("ReadTensors: error %v, want %q", err, want)
	}
	if _, err := (Options{MaxBytes: int64(p0 + p1)}).ReadTensors(bytes.NewReader(data), int64(len(data)), "p0", "p1"); err != nil {
		t.Errorf("ReadTensors of exactly the cap: %v", err)
	}
}

func goldenInputs(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob("../testdata/golden/*/input.npz")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden inputs found")
	}
	return files
}

func TestReadGolden(t *testing.T) {
	for _, path := range goldenInputs(t) {
		name := filepath.Base(filepath.Dir(path))
		t.Run(name, func(t *testing.T) {
			b, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if b.NL() < 3 || b.BS() != 2 || b.NA() < 2 || b.NC() < 1 {
				t.Errorf("unexpected dimensions nl=%d bs=%d na=%d nc=%d", b.NL(), b.BS(), b.NA(), b.NC())
			}
			if len(b.AnchorsGrid) != b.NL() || len(b.Strides) != b.NL() {
				t.Errorf("anchors or strides missing: %v %v", b.AnchorsGrid, b.Strides)
			}

			gpath := filepath.Join(filepath.Dir(path), "grad.npz")
			gf, err := os.Open(gpath)
			if err != nil {
				t.Fatal(err)
			}
			defer gf.Close()
			fi, err := gf.Stat()
			if err != nil {
				t.Fatal(err)
			}
			names := make([]string, b.NL())
			for i := range names {
				names[i] = PredName(i)
			}
			grads, err := ReadTensors(gf, fi.Size(), names...)
			if err != nil {
				t.Fatal(err)
			}
			for i, g := range grads {
				if diff := cmp.Diff(b.Preds[i].Shape, g.Shape); diff != "" {
					t.Errorf("grad %s shape mismatch (-want +got):\n%s", g.Name, diff)
				}
				if g.F64 == nil || g.Len() != b.Preds[i].Len() {
					t.Errorf("grad %s: want %d float64 values, got %d (F64 nil: %t)", g.Name, b.Preds[i].Len(), g.Len(), g.F64 == nil)
				}
			}
		})
	}
}

func TestReadGoldenTruncated(t *testing.T) {
	for _, path := range goldenInputs(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		n := len(data)
		for _, at := range []int{0, 1, 4, 22, 30, 64, 100, 1000, n / 3, n / 2, n - 1000, n - 200, n - 23, n - 22, n - 1} {
			if at < 0 || at >= n {
				continue
			}
			if _, err := readBytes(data[:at]); err == nil {
				t.Errorf("%s cut at %d of %d: Read succeeded", path, at, n)
			}
			if _, err := ReadTensors(bytes.NewReader(data[:at]), int64(at)); err == nil {
				t.Errorf("%s cut at %d of %d: ReadTensors succeeded", path, at, n)
			}
		}
	}
}

// TestReadGoldenCorrupted flips bytes throughout a golden file. It is a
// no-panic test: Read may fail or succeed (it validates what it returns),
// but it must not panic.
func TestReadGoldenCorrupted(t *testing.T) {
	data, err := os.ReadFile(goldenInputs(t)[0])
	if err != nil {
		t.Fatal(err)
	}
	for at := 0; at < len(data); at++ {
		if at > 300 && at%251 != 0 {
			continue // every byte of the first headers, then a sample
		}
		c := bytes.Clone(data)
		c[at] ^= 0x5a
		_, _ = readBytes(c)
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.npz")
	f := baseFile()
	f.del("p0.npy")
	if err := os.WriteFile(bad, f.bytes(t), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.npz")
	for _, test := range []struct {
		name string
		path string
		want string
	}{
		{name: "invalid", path: bad, want: "batchfile: " + bad + `: no predictions: array "p0" is missing (found "p1")`},
		{name: "missing", path: missing, want: "batchfile: open " + missing + ": no such file or directory"},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := ReadFile(test.path)
			if err == nil {
				t.Fatal("ReadFile succeeded")
			}
			if diff := cmp.Diff(test.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadTensors(t *testing.T) {
	f := baseFile()
	f.set("p1.npy", npyF32(baseP1, ramp32(prod(baseP1))))
	f.set("nan.npy", npyF64([]int{2}, []float64{math.NaN(), math.Inf(1)}))
	f.set("scalar.npy", npyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", binary.LittleEndian.AppendUint64(nil, math.Float64bits(2.5))))
	f.set("int.npy", npyOf("<i8", 8, []int{2}))
	data := f.bytes(t)
	read := func(names ...string) ([]Tensor, error) {
		return ReadTensors(bytes.NewReader(data), int64(len(data)), names...)
	}

	got, err := read("p1.npy", "strides", "scalar")
	if err != nil {
		t.Fatal(err)
	}
	want := []Tensor{
		{Name: "p1", Array: tensor.Array{Shape: baseP1, F32: ramp32(prod(baseP1))}},
		{Name: "strides", Array: tensor.Array{Shape: []int{3}, F64: baseStrides}},
		{Name: "scalar", Array: tensor.Array{Shape: []int{}, F64: []float64{2.5}}},
	}
	if diff := cmp.Diff(want, got, exact); diff != "" {
		t.Errorf("tensors mismatch (-want +got):\n%s", diff)
	}

	got, err = read("nan")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !math.IsNaN(got[0].F64[0]) || !math.IsInf(got[0].F64[1], 1) {
		t.Errorf("non-finite values not returned as they are: %v", got)
	}

	for _, test := range []struct {
		name  string
		names []string
		want  string
	}{
		{name: "missing", names: []string{"p0", "p9"}, want: `batchfile: array "p9" is missing`},
		{name: "int dtype", names: []string{"int"}, want: `batchfile: array "int": dtype int64 is not float16, float32 or float64`},
		{name: "all, with an int", names: nil, want: `batchfile: array "int": dtype int64 is not float16, float32 or float64`},
	} {
		t.Run(test.name, func(t *testing.T) {
			_, err := read(test.names...)
			if err == nil {
				t.Fatal("ReadTensors succeeded")
			}
			if diff := cmp.Diff(test.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}

	f.del("int.npy")
	data = f.bytes(t)
	all, err := read()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ts := range all {
		names = append(names, ts.Name)
	}
	wantNames := []string{"p0", "p1", "p2", "targets", "anchors", "strides", "nan", "scalar"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("names mismatch (-want +got):\n%s", diff)
	}
}

func TestFortranPlace(t *testing.T) {
	// A 2×3 matrix [[1 2 3] [4 5 6]] in column-major order, and a 2×3×2
	// array whose element (i, j, k) is 100i + 10j + k.
	for _, tc := range []struct {
		shape   []int
		fortran []float64
		want    []float64
	}{
		{[]int{2, 3}, []float64{1, 4, 2, 5, 3, 6}, []float64{1, 2, 3, 4, 5, 6}},
		{[]int{2, 3, 2}, []float64{0, 100, 10, 110, 20, 120, 1, 101, 11, 111, 21, 121},
			[]float64{0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121}},
	} {
		got := make([]float64, len(tc.fortran))
		p := newFortranPlace(tc.shape)
		for _, v := range tc.fortran {
			got[p.next()] = v
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%v: data mismatch (-want +got):\n%s", tc.shape, diff)
		}
		if at := newFortranPlace(tc.shape).skip(3); tc.want[at] != tc.fortran[3] {
			t.Errorf("%v: skip(3) = %d, holding %v, want the place of %v", tc.shape, at, tc.want[at], tc.fortran[3])
		}
	}
}

func TestIsPredName(t *testing.T) {
	for _, test := range []struct {
		name string
		n    int
		ok   bool
	}{
		{"p0", 0, true}, {"p4", 4, true}, {"p12", 12, true},
		{"p", 0, false}, {"p01", 0, false}, {"px", 0, false}, {"q1", 0, false}, {"p-1", 0, false},
		{"p99999999999999999999999", 0, false},
	} {
		n, ok := isPredName(test.name)
		if n != test.n || ok != test.ok {
			t.Errorf("isPredName(%q) = %d, %t; want %d, %t", test.name, n, ok, test.n, test.ok)
		}
	}
}

// TestReadFloat16 reads a batch whose p2 is float16, as YOLOv5 under AMP
// saves it, in both byte orders: it is widened to float32, exactly.
func TestReadFloat16(t *testing.T) {
	halves := []uint16{0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x8000} // 1, −2, 0.33325, 2^−24, 65504, −0
	want := []float32{1, -2, 0.333251953125, 1.0 / (1 << 24), 65504, float32(math.Copysign(0, -1))}
	for _, order := range []struct {
		descr string
		put   func([]byte, uint16)
	}{{"<f2", binary.LittleEndian.PutUint16}, {">f2", binary.BigEndian.PutUint16}} {
		data := make([]byte, 2*prod(baseP2))
		for i, h := range halves {
			order.put(data[2*i:], h)
		}
		f := baseFile()
		f.set("p2.npy", npyRaw(dictFor(order.descr, baseP2), data))
		raw := f.bytes(t)
		b, err := Read(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatalf("%s: %v", order.descr, err)
		}
		p2 := b.Preds[2]
		if p2.F32 == nil || p2.F64 != nil || p2.Len() != prod(baseP2) {
			t.Fatalf("%s: p2 is %s with %d elements, want float32 with %d", order.descr, p2.DType(), p2.Len(), prod(baseP2))
		}
		for i, w := range want {
			if g := p2.F32[i]; g != w || math.Signbit(float64(g)) != math.Signbit(float64(w)) {
				t.Errorf("%s: p2[%d] = %v, want %v", order.descr, i, g, w)
			}
		}
	}
}
