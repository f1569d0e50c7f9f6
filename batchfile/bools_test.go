package batchfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npz"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/tensor"
)

// TestWriteFileBools writes a float tensor and two boolean arrays, one
// empty, and reads them back: the floats with ReadTensors, the booleans
// with npyio's reader.
func TestWriteFileBools(t *testing.T) {
	path := filepath.Join(t.TempDir(), "det.npz")
	det := Tensor{Name: "det0", Array: tensor.Array{Shape: []int{1, 6}, F32: []float32{1, 2, 3, 4, 0.5, 2}}}
	data := make([]bool, 3*10)
	for i := range data {
		data[i] = i%3 == 0
	}
	bools := []Bools{{Name: "correct", Shape: []int{3, 10}, Data: data}, {Name: "none", Shape: []int{0, 10}, Data: []bool{}}}
	if err := WriteFileBools(path, []Tensor{det}, bools); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	got, err := ReadTensors(f, fi.Size(), "det0")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]Tensor{det}, got); d != "" {
		t.Errorf("det0 mismatch (-want +got):\n%s", d)
	}
	r, err := npz.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, b := range bools {
		h := r.Header(b.Name + ".npy")
		if h == nil {
			t.Fatalf("no %s.npy", b.Name)
		}
		if strings.Trim(h.Descr.Type, "'") != "|b1" || !cmp.Equal(b.Shape, h.Descr.Shape) {
			t.Errorf("%s: dtype %q shape %v, want |b1 %v", b.Name, h.Descr.Type, h.Descr.Shape, b.Shape)
		}
		if len(b.Data) == 0 {
			continue
		}
		var v []bool
		if err := r.Read(b.Name+".npy", &v); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(b.Data, v, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", b.Name, d)
		}
	}
	if err := WriteFileBools(path, nil, bools); !errors.Is(err, fs.ErrExist) {
		t.Errorf("writing over the file: %v, want fs.ErrExist", err)
	}
}

func TestWriteFileBoolsErrors(t *testing.T) {
	dir := t.TempDir()
	ok := Bools{Name: "b", Shape: []int{2}, Data: []bool{true, false}}
	for _, tc := range []struct {
		name    string
		tensors []Tensor
		bools   []Bools
		want    string
	}{
		{"short data", nil, []Bools{{Name: "b", Shape: []int{3}, Data: []bool{true}}}, "shape [3] holds 3 elements, but the data has 1"},
		{"no name", nil, []Bools{{Shape: []int{0}}}, "an array has no name"},
		{"name taken by a tensor", []Tensor{{Name: "b", Array: tensor.Array{Shape: []int{1}, F64: []float64{1}}}}, []Bools{ok}, `array "b" appears twice`},
		{"negative dimension", nil, []Bools{{Name: "b", Shape: []int{-1}}}, "invalid shape"},
	} {
		path := filepath.Join(dir, tc.name+".npz")
		err := WriteFileBools(path, tc.tensors, tc.bools)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: a file was written", tc.name)
		}
	}
}

// TestReplaceFile: ReplaceFile writes over an existing file, which
// WriteFileBools refuses, and the new content reads back.
func TestReplaceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "det.npz")
	a := Tensor{Name: "a", Array: tensor.Array{Shape: []int{1}, F64: []float64{1}}}
	b := Tensor{Name: "a", Array: tensor.Array{Shape: []int{2}, F64: []float64{2, 3}}}
	if err := WriteFileBools(path, []Tensor{a}, nil); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileBools(path, []Tensor{b}, nil); !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteFileBools over a file: %v, want fs.ErrExist", err)
	}
	if err := ReplaceFile(path, []Tensor{b}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	got, err := ReadTensors(f, st.Size(), "a")
	if err != nil || len(got) != 1 || len(got[0].F64) != 2 || got[0].F64[1] != 3 {
		t.Errorf("ReadTensors after ReplaceFile: %v, %v", got, err)
	}
}
