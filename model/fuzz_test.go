package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that with the default strides
// every error is a *FileError starting "model: ", and that what it accepts
// passes Validate with one default stride per anchor row.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no model files in testdata: %v", err)
	}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	const head = "nc: 80\ndepth_multiple: 1\nwidth_multiple: 1\nbackbone: [1]\nhead: [1]\n"
	for _, s := range []string{
		"",
		"~",
		"[1, 2]",
		head + "anchors: 3\n",
		head + "anchors: [[10, 13, 16, 30]]\n",
		head + "anchors:\n  - [10, 14, 23, 27] # P4/16\n  - [81, 82, 135, 169] # P5/32\n",
		head + "anchors: [[10, 13, 16]]\n",
		head + "anchors: [[10, 13], [16, 30, 33, 23]]\n",
		head + "anchors: [[5e-324, 13]]\n",
		head + "anchors: [[1e308, .inf]]\n",
		head + "anchors: [[[10, 13]]]\n",
		head + "anchors: [&a [1, 1], *a]\n",
		head + "anchors: [[1, 1]]\nnc: 3\n",
		"<<: {nc: 3}\n",
		"nc: &a [*a]\n",
		"\x00\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, nil)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Errorf("Parse error is %T, want *FileError: %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "model: ") {
				t.Errorf("Parse error %q does not start with %q", err, "model: ")
			}
			if d.NL() != 0 {
				t.Errorf("Parse returned %+v with the error %v", d, err)
			}
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("Parse accepted a Detect that Validate rejects: %v", err)
		}
		if want := DefaultStrides(d.NL()); !equal(d.Strides, want) {
			t.Errorf("strides %v, want %v", d.Strides, want)
		}
	})
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
