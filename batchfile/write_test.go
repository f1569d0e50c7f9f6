package batchfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"codeberg.org/sbinet/npyio/npz"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/tensor"
)

func TestWriteFileRoundTrip(t *testing.T) {
	for _, test := range []struct {
		name  string
		batch func() *Batch
	}{
		{name: "float64", batch: baseBatch},
		{
			name: "float32 predictions",
			batch: func() *Batch {
				b := baseBatch()
				for i, p := range b.Preds {
					b.Preds[i] = Tensor{Name: p.Name, Array: tensor.Array{Shape: p.Shape, F32: ramp32(p.Len())}}
				}
				return b
			},
		},
		{
			name:  "no targets",
			batch: func() *Batch { b := baseBatch(); b.Targets = [][6]float64{}; return b },
		},
		{
			name:  "no anchors or strides",
			batch: func() *Batch { b := baseBatch(); b.AnchorsGrid, b.Strides = nil, nil; return b },
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel() // each write waits for fsync
			want := test.batch()
			path := filepath.Join(t.TempDir(), "batch.npz")
			if err := WriteFile(path, want.Tensors()); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			got, err := ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if diff := cmp.Diff(want, got, exact); diff != "" {
				t.Errorf("batch mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteFileGoldenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, path := range goldenInputs(t) {
		name := filepath.Base(filepath.Dir(path))
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each write waits for fsync
			want, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, name+".npz")
			if err := WriteFile(out, want.Tensors()); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			got, err := ReadFile(out)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if diff := cmp.Diff(want, got, exact); diff != "" {
				t.Errorf("batch mismatch (-want +got):\n%s", diff)
			}
			// Each member is byte for byte what NumPy's savez wrote.
			wantMembers, gotMembers := zipMembers(t, path), zipMembers(t, out)
			if diff := cmp.Diff(slices.Sorted(maps.Keys(wantMembers)), slices.Sorted(maps.Keys(gotMembers))); diff != "" {
				t.Errorf("member names mismatch (-want +got):\n%s", diff)
			}
			for name, w := range wantMembers {
				if g := gotMembers[name]; !bytes.Equal(w, g) {
					t.Errorf("member %s differs from NumPy's: %d bytes, want %d", name, len(g), len(w))
				}
			}
		})
	}
}

func TestWriteFileErrors(t *testing.T) {
	good := Tensor{Name: "a", Array: tensor.Array{Shape: []int{2}, F64: []float64{1, 2}}}
	for _, test := range []struct {
		name    string
		tensors []Tensor
		want    string // after "batchfile: write <path>: "
	}{
		{name: "no name", tensors: []Tensor{{Array: tensor.Array{Shape: []int{1}, F64: []float64{1}}}}, want: "a tensor has no name"},
		{name: "duplicate", tensors: []Tensor{good, good}, want: `array "a" appears twice`},
		{name: "no data", tensors: []Tensor{{Name: "b", Array: tensor.Array{Shape: []int{1}}}}, want: `array "b": exactly one of F32 and F64 must be non-nil`},
		{
			name:    "both data",
			tensors: []Tensor{{Name: "b", Array: tensor.Array{Shape: []int{1}, F32: []float32{1}, F64: []float64{1}}}},
			want:    `array "b": exactly one of F32 and F64 must be non-nil`,
		},
		{
			name:    "shape mismatch",
			tensors: []Tensor{{Name: "b", Array: tensor.Array{Shape: []int{2, 2}, F64: []float64{1}}}},
			want:    `array "b": shape [2 2] holds 4 elements, but the data has 1`,
		},
		{
			name:    "negative dimension",
			tensors: []Tensor{{Name: "b", Array: tensor.Array{Shape: []int{-1}, F64: []float64{}}}},
			want:    `array "b": invalid shape [-1]`,
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.npz")
			err := WriteFile(path, test.tensors)
			if err == nil {
				t.Fatal("WriteFile succeeded")
			}
			if diff := cmp.Diff("batchfile: write "+path+": "+test.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 0 {
				t.Errorf("WriteFile left %d files behind", len(ents))
			}
		})
	}
}

func TestWriteFileNoClobber(t *testing.T) {
	path := filepath.Join(t.TempDir(), "batch.npz")
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, baseBatch().Tensors())
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("want an fs.ErrExist error, got %v", err)
	}
	want := "batchfile: atomicfile: " + path + " already exists; not overwriting"
	if err == nil || err.Error() != want {
		t.Errorf("error mismatch: want %q, got %v", want, err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("precious", string(got)); diff != "" {
		t.Errorf("content mismatch (-want +got):\n%s", diff)
	}
}

// zipMembers returns the uncompressed members of the zip file at path.
func zipMembers(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	m := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		m[f.Name] = b
	}
	return m
}

// nest5 views flat C-order data of a rank-5 shape as nested slices, the
// form npyio's writer takes.
func nest5(v []float64, s []int) [][][][][]float64 {
	out := make([][][][][]float64, s[0])
	k := 0
	for a := range out {
		out[a] = make([][][][]float64, s[1])
		for b := range out[a] {
			out[a][b] = make([][][]float64, s[2])
			for c := range out[a][b] {
				out[a][b][c] = make([][]float64, s[3])
				for d := range out[a][b][c] {
					out[a][b][c][d] = v[k : k+s[4]]
					k += s[4]
				}
			}
		}
	}
	return out
}

// TestReadNpyioFile reads a file that npyio's npz writer produced
// (deflated members, version 2.0 headers).
func TestReadNpyioFile(t *testing.T) {
	want := baseBatch()
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	for _, p := range want.Tensors()[:3] {
		if err := w.Write(p.Name+".npy", nest5(p.F64, p.Shape)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Write("targets.npy", want.Targets); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("anchors.npy", want.AnchorsGrid); err != nil {
		t.Fatal(err)
	}
	if err := w.Write("strides.npy", want.Strides); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := readBytes(buf.Bytes())
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if diff := cmp.Diff(want, got, exact); diff != "" {
		t.Errorf("batch mismatch (-want +got):\n%s", diff)
	}
}

// TestWriteFileNpyio reads a file that WriteFile produced with npyio's npz
// reader.
func TestWriteFileNpyio(t *testing.T) {
	path := filepath.Join(t.TempDir(), "batch.npz")
	b := baseBatch()
	b.Preds[1] = Tensor{Array: tensor.Array{Shape: baseP1, F32: ramp32(prod(baseP1))}}
	if err := WriteFile(path, b.Tensors()); err != nil {
		t.Fatal(err)
	}
	r, err := npz.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, want := range b.Tensors() {
		name := want.Name + ".npy"
		h := r.Header(name)
		if h == nil {
			t.Fatalf("npyio finds no header for %q", name)
		}
		if diff := cmp.Diff(want.Shape, h.Descr.Shape, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: shape mismatch (-want +got):\n%s", name, diff)
		}
		got := Tensor{Name: want.Name, Array: tensor.Array{Shape: want.Shape}}
		if want.F32 != nil {
			err = r.Read(name, &got.F32)
		} else {
			err = r.Read(name, &got.F64)
		}
		if err != nil {
			t.Fatalf("npyio Read %s: %v", name, err)
		}
		if diff := cmp.Diff(want, got, exact); diff != "" {
			t.Errorf("%s: tensor mismatch (-want +got):\n%s", name, diff)
		}
	}
}
