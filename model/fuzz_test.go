package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse and ParseFile never panic, that without
// options every error is a *FileError starting "model: ", that what Parse
// accepts passes Validate with one default stride per anchor row, and that
// ParseFile gives exactly the head its Head names, valid, and for a YOLOv5
// file what Parse gives. The seeds are YOLOv5's and ultralytics' model
// files and damaged variants of both.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no model files in testdata: %v", err)
	}
	ultra, err := filepath.Glob("../testdata/ultralytics-8.4.35/models/*.yaml")
	if err != nil || len(ultra) != 8 {
		f.Fatalf("want ultralytics' 8 model files in ../testdata, found %d: %v", len(ultra), err)
	}
	files = append(files, ultra...)
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
		// Ultralytics' format: the stride rules and their errors.
		"nc: 2\nbackbone: [[-1, 1, Conv, [8, 3, 2]], [-1, 1, SCDown, [8, 3, 2]]]\nhead: [[[0, 1], 1, Detect, [nc]]]\n",
		"nc: 2\nreg_max: 1\nend2end: True\nbackbone: [[-1, 1, Conv, [8, 3, 2]]]\nhead: [[-1, 1, nn.Upsample, [None, 2, nearest]], [[-1, 0], 1, Concat, [1]], [[1], 1, Detect, [nc]]]\n",
		"nc: 2\nbackbone: [[-1, 1, Conv, [8, 3, 2]], [[-1, -2], 1, Concat, [1]]]\nhead: [[[1], 1, v10Detect, [nc]]]\n",
		"nc: 2\nbackbone: [[-1, 1, Focus, [8]]]\nhead: [[[0], 1, Detect, [nc]]]\n",
		"nc: 2\nbackbone: [[1, 1, Conv, [8]], [0, 1, Conv, [8]]]\nhead: [[[1], 1, Detect, [nc]]]\n",
		"nc: 2\nbackbone: [[-1, 1, Conv, [8, 3, 2]]]\nhead: [[[0, 0], 1, Detect, [nc]]]\n",
		"nc: 2\nbackbone: [[-1, 1, C2f, [8]]]\nhead: [[-1, 1, Segment, [nc]]]\n",
		"nc: 2\nbackbone: &b [[-1, 1, Conv, [8, 3, 2]]]\nhead: *b\n",
		"nc: 2\nbackbone: [[-1, 1, nn.Upsample, [None, 1e-320]]]\nhead: [[[0], 1, Detect, [nc]]]\n",
		"nc: 2\nbackbone: [[-1, 1, nn.Upsample, [None, 0.5]], [-1, 1, Conv, [1, 1, 9223372036854775807]]]\nhead: [[[1], 1, Detect, [nc]]]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data, nil)
		checkParseFile(t, data, d, err)
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

// checkParseFile checks ParseFile(data, nil) against Parse's result d, err.
func checkParseFile(t *testing.T, data []byte, d Detect, perr error) {
	file, err := ParseFile(data, nil)
	if err != nil {
		var fe *FileError
		if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "model: ") {
			t.Errorf("ParseFile error %v (%T), want a *FileError starting \"model: \"", err, err)
		}
		if file.V5 != nil || file.V8 != nil || file.Head != 0 {
			t.Errorf("ParseFile returned %+v with the error %v", file, err)
		}
		if perr == nil {
			t.Errorf("Parse accepted what ParseFile rejects: %v", err)
		}
		return
	}
	switch file.Head {
	case HeadV5:
		if file.V5 == nil || file.V8 != nil {
			t.Fatalf("HeadV5 with V5 %v, V8 %v", file.V5, file.V8)
		}
		if perr != nil || !equal(file.V5.Strides, d.Strides) || file.V5.NC != d.NC {
			t.Errorf("ParseFile gave %+v, Parse %+v, %v", *file.V5, d, perr)
		}
	case HeadV8:
		if file.V8 == nil || file.V5 != nil {
			t.Fatalf("HeadV8 with V5 %v, V8 %v", file.V5, file.V8)
		}
		if err := file.V8.Validate(); err != nil {
			t.Errorf("ParseFile accepted an AnchorFree that Validate rejects: %v", err)
		}
		if perr == nil {
			t.Errorf("Parse accepted an ultralytics file as %+v", d)
		}
	default:
		t.Errorf("ParseFile gave Head %v", file.Head)
	}
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
