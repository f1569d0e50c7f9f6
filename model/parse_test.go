package model_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/model"
)

// small is a YOLOv5 model file cut down to what Parse reads: nc on line 1,
// anchors on line 4, its rows on lines 5 to 7.
const small = `nc: 80
depth_multiple: 0.33
width_multiple: 0.50
anchors:
  - [10, 13, 16, 30, 33, 23] # P3/8
  - [30, 61, 62, 45, 59, 119] # P4/16
  - [116, 90, 156, 198, 373, 326] # P5/32
backbone: [[-1, 1, Conv, [64, 6, 2, 2]]]
head: [[[17, 20, 23], 1, Detect, [nc, anchors]]]
`

// with returns small with the line old replaced by new ("" deletes it).
func with(old, new string) string {
	if !strings.Contains("\n"+small, "\n"+old+"\n") {
		panic("with: no line " + old)
	}
	if new != "" {
		new += "\n"
	}
	return strings.Replace("\n"+small, "\n"+old+"\n", "\n"+new, 1)[1:]
}

func TestParseYOLOv5Files(t *testing.T) {
	for _, tc := range []struct {
		file string
		want model.Detect
	}{
		{"p5.yaml", model.P5(80)},
		{"p6.yaml", model.P6(80)},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := model.Load(filepath.Join("testdata", tc.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Load mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAutoAnchorFile(t *testing.T) {
	path := filepath.Join("testdata", "autoanchor.yaml")
	_, err := model.Load(path, nil)
	want := "model: " + path + `: line 6: key "anchors": 3 is a number of anchors per layer, not the anchors: ` +
		"YOLOv5 computes them by AutoAnchor when it trains, so this file holds none."
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Load(%q) = %v,\nwant an error starting %q", path, err, want)
	}
	var fe *model.FileError
	if !errors.As(err, &fe) || fe.File != path || fe.Line != 6 || fe.Key != "anchors" {
		t.Errorf("error %#v, want a *FileError with file %q, line 6, key anchors", err, path)
	}
}

func TestParse(t *testing.T) {
	p5 := model.P5(80)
	for _, tc := range []struct {
		name    string
		data    string
		strides []float64
		want    model.Detect
	}{
		{"small", small, nil, p5},
		{"given strides", small, []float64{8, 16, 32}, p5},
		{"optional keys", small + "activation: nn.LeakyReLU(0.1)\nch: 3\ninplace: true\nchannel_multiple: 8\n", nil, p5},
		{"nc 1", with("nc: 80", "nc: 1"), nil, model.P5(1)},
		{"old layout: pairs spaced, no comments", with("  - [10, 13, 16, 30, 33, 23] # P3/8", "  - [10,13, 16,30, 33,23]"), nil, p5},
		{"block rows", with("  - [116, 90, 156, 198, 373, 326] # P5/32", "  - - 116\n    - 90\n    - 156\n    - 198\n    - 373\n    - 326"), nil, p5},
		{"float anchors", with("  - [10, 13, 16, 30, 33, 23] # P3/8", "  - [10.0, 13, 16, 30, 33, 23.0]"), nil, p5},
		{"aliases", strings.Replace(with("width_multiple: 0.50", "width_multiple: *m"), "depth_multiple: 0.33", "depth_multiple: &m 0.33", 1), nil, p5},
		{"one layer, comment agrees", withAnchors(" [[16, 24]] # P3/8"), nil,
			model.Detect{NC: 80, AnchorsGrid: [][][2]float64{{{2, 3}}}, Strides: []float64{8}}},
		{"two layers of stride 16 and 32, given", withAnchors("\n  - [16, 32] # P4/16\n  - [64, 32] # P5/32"),
			[]float64{16, 32}, model.Detect{NC: 80, AnchorsGrid: [][][2]float64{{{1, 2}}, {{2, 1}}}, Strides: []float64{16, 32}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := model.Parse([]byte(tc.data), tc.strides)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, tc.data)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p5.yaml")
	_, err := model.Load(path, nil)
	var fe *model.FileError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "model: ") || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(%q) = %v, want a *FileError naming the file that matches fs.ErrNotExist", path, err)
	}
}

func TestParseCopiesNothingShared(t *testing.T) {
	a, err := model.Parse([]byte(small), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := model.Parse([]byte(small), nil)
	a.AnchorsGrid[0][0][0] = 99
	a.Strides[0] = 99
	if b.AnchorsGrid[0][0][0] == 99 || b.Strides[0] == 99 {
		t.Error("two Parse results share slices")
	}
}
