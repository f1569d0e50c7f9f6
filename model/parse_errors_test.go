package model_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/model"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    string
		strides []float64
		line    int
		key     string
		want    string // the whole message
	}{
		{"empty", "", nil, 0, "", "model: empty model file"},
		{"comments only", "# nothing\n", nil, 0, "", "model: empty model file"},
		{"null", "~\n", nil, 1, "", "model: line 1: a model file is a mapping of keys to values, got null"},
		{"not a mapping", "- nc\n", nil, 1, "", "model: line 1: a model file is a mapping of keys to values, got a sequence"},
		{"invalid YAML", "nc: [80\n", nil, 0, "", "model: invalid YAML: yaml: line 1: did not find expected ',' or ']'"},
		{"two documents", small + "---\nnc: 3\n", nil, 10, "", "model: line 10: model file must hold one YAML document, found a second one"},
		{"hyp file", "lr0: 0.01\nbox: 0.05\n", nil, 1, "lr0",
			`model: line 1: unknown key "lr0": a YOLOv5 model file has the keys nc, depth_multiple, width_multiple, anchors, backbone, head (and may have activation, channel_multiple, ch, inplace)`},
		{"duplicate key", small + "nc: 3\n", nil, 10, "nc", `model: line 10: duplicate key "nc" (first at line 1)`},
		{"merge key", "<<: {nc: 3}\n" + small, nil, 1, "", `model: line 1: keys must be plain names, got "<<"`},
		{"nc missing", with("nc: 80", ""), nil, 0, "nc", `model: not a YOLOv5 model file: missing key "nc"`},
		{"backbone and head missing", with("backbone: [[-1, 1, Conv, [64, 6, 2, 2]]]", "head: 1"), nil, 8, "head",
			`model: line 8: key "head": want a sequence of layers [from, number, module, args], got 1`},
		{"two keys missing", small[:strings.Index(small, "backbone")], nil, 0, "",
			`model: not a YOLOv5 model file: missing keys "backbone", "head"`},
		{"nc 0", with("nc: 80", "nc: 0"), nil, 1, "nc", `model: line 1: key "nc": want the number of classes, an integer ≥ 1, got 0`},
		{"nc negative", with("nc: 80", "nc: -3"), nil, 1, "nc", `model: line 1: key "nc": want the number of classes, an integer ≥ 1, got -3`},
		{"nc float", with("nc: 80", "nc: 80.0"), nil, 1, "nc", `model: line 1: key "nc": want the number of classes, an integer ≥ 1, got 80.0`},
		{"nc quoted", with("nc: 80", `nc: "80"`), nil, 1, "nc", `model: line 1: key "nc": want the number of classes, an integer ≥ 1, got "80" (a quoted string)`},
		{"nc too large", with("nc: 80", "nc: 99999999999999999999"), nil, 1, "nc",
			`model: line 1: key "nc": want the number of classes, an integer ≥ 1, got 99999999999999999999`},
		{"depth_multiple a string", with("depth_multiple: 0.33", "depth_multiple: small"), nil, 2, "depth_multiple",
			`model: line 2: key "depth_multiple": want a finite number > 0, got "small"`},
		{"width_multiple NaN", with("width_multiple: 0.50", "width_multiple: .nan"), nil, 3, "width_multiple",
			`model: line 3: key "width_multiple": want a finite number > 0, got .nan`},
		{"anchors a count", withAnchors(" 3 # AutoAnchor evolves 3 anchors per P output layer"), nil, 4, "anchors",
			`model: line 4: key "anchors": 3 is a number of anchors per layer, not the anchors: YOLOv5 computes them by AutoAnchor when it trains, so this file holds none. ` +
				`Take them from the trained model (Detect's anchors are in grid units: FromGrid) or write them into the file as rows of anchor (w, h) pairs in pixels, one row per output layer, such as - [10, 13, 16, 30, 33, 23]`},
		{"anchors a string", "anchors: p5\n", nil, 1, "anchors",
			`model: line 1: key "anchors": want rows of anchor (w, h) pairs in pixels, one row per output layer, such as - [10, 13, 16, 30, 33, 23], got "p5"`},
		{"anchors empty", "anchors: []\n", nil, 1, "anchors", `model: line 1: key "anchors": want 1 to 5 rows (output layers), got 0`},
		{"six rows", "anchors: [[1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]\n", nil, 1, "anchors",
			`model: line 1: key "anchors": want 1 to 5 rows (output layers), got 6`},
		{"a row a number", with("  - [30, 61, 62, 45, 59, 119] # P4/16", "  - 30"), nil, 6, "anchors",
			`model: line 6: key "anchors": row 1: want a sequence of pixel pairs [w0, h0, w1, h1, …], got 30`},
		{"odd row", with("  - [30, 61, 62, 45, 59, 119] # P4/16", "  - [30, 61, 62, 45, 59]"), nil, 6, "anchors",
			`model: line 6: key "anchors": row 1 has 5 values: want (w, h) pairs in pixels, an even number ≥ 2`},
		{"empty row", with("  - [10, 13, 16, 30, 33, 23] # P3/8", "  - []"), nil, 5, "anchors",
			`model: line 5: key "anchors": row 0 has 0 values: want (w, h) pairs in pixels, an even number ≥ 2`},
		{"rows of different lengths", with("  - [116, 90, 156, 198, 373, 326] # P5/32", "  - [116, 90, 156, 198]"), nil, 7, "anchors",
			`model: line 7: key "anchors": row 2 has 2 anchors (4 values), row 0 has 3: every output layer has the same number of anchors`},
		{"zero anchor", with("  - [30, 61, 62, 45, 59, 119] # P4/16", "  - [30, 61, 62, 0, 59, 119]"), nil, 6, "anchors",
			`model: line 6: key "anchors": row 1, value 3 (anchor 1 h) = 0: want a finite number of pixels > 0`},
		{"negative anchor", with("  - [10, 13, 16, 30, 33, 23] # P3/8", "  - [-10, 13, 16, 30, 33, 23]"), nil, 5, "anchors",
			`model: line 5: key "anchors": row 0, value 0 (anchor 0 w) = -10: want a finite number of pixels > 0`},
		{"infinite anchor", with("  - [116, 90, 156, 198, 373, 326] # P5/32", "  - [116, 90, 156, 198, 373, .inf]"), nil, 7, "anchors",
			`model: line 7: key "anchors": row 2, value 5 (anchor 2 h) = .inf: want a finite number of pixels > 0`},
		{"NaN anchor", with("  - [116, 90, 156, 198, 373, 326] # P5/32", "  - [116, .NaN, 156, 198, 373, 326]"), nil, 7, "anchors",
			`model: line 7: key "anchors": row 2, value 1 (anchor 0 h) = .NaN: want a finite number of pixels > 0`},
		{"nested pairs", with("  - [10, 13, 16, 30, 33, 23] # P3/8", "  - [[10, 13], [16, 30], [33, 23]]"), nil, 5, "anchors",
			`model: line 5: key "anchors": row 0, value 0 is a sequence: a row is flat pixel pairs [w0, h0, w1, h1, …], not nested pairs`},
		{"value on its own line", with("  - [116, 90, 156, 198, 373, 326] # P5/32", "  - [116, 90, 156,\n     198, x, 326]"), nil, 8, "anchors",
			`model: line 8: key "anchors": row 2, value 4 (anchor 2 w) = "x": want a finite number of pixels > 0`},
		{"too few strides", small, []float64{8, 16}, 4, "anchors",
			`model: line 4: key "anchors": 3 anchor rows (output layers), but 2 strides were given`},
		{"anchor underflows in grid units", with("  - [10, 13, 16, 30, 33, 23] # P3/8", "  - [5e-324, 13, 16, 30, 33, 23]"), nil, 4, "anchors",
			`model: line 4: key "anchors": in grid units (pixels / stride), anchors[0][0][0] = 0, want a finite value > 0`},
		{"yolov3-tiny's strides, not given", withAnchors("\n  - [10, 14, 23, 27, 37, 58] # P4/16 medium-object anchors\n  - [81, 82, 135, 169, 344, 319] # P5/32 large-object anchors"), nil, 5, "anchors",
			`model: line 5: key "anchors": row 0 is marked P4/16, but the default stride of layer 0 is 8 (8·2^i, P3 upwards): pass the model's strides (the comments say [16 32])`},
		{"P2 comment, not given", with("  - [10, 13, 16, 30, 33, 23] # P3/8", "  - [10, 13, 16, 30, 33, 23] # P2/4"), nil, 5, "anchors",
			`model: line 5: key "anchors": row 0 is marked P2/4, but the default stride of layer 0 is 8 (8·2^i, P3 upwards): pass the model's strides (the comments say [4 16 32])`},
		{"one comment off, others absent", withAnchors("\n  - [1, 1]\n  - [2, 2] # P5/32"), nil, 6, "anchors",
			`model: line 6: key "anchors": row 1 is marked P5/32, but the default stride of layer 1 is 16 (8·2^i, P3 upwards): pass the model's strides`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := model.Parse([]byte(tc.data), tc.strides)
			if err == nil {
				t.Fatalf("Parse = %+v, nil; want the error %q", d, tc.want)
			}
			checkFileError(t, err, tc.want, tc.line, tc.key)
		})
	}
}

// checkFileError checks that err is a *model.FileError of message want,
// line and key.
func checkFileError(t *testing.T, err error, want string, line int, key string) {
	t.Helper()
	if got := err.Error(); got != want {
		t.Errorf("error\n got %s\nwant %s", got, want)
	}
	var fe *model.FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error is %T, want *model.FileError", err)
	}
	if fe.Line != line || fe.Key != key {
		t.Errorf("line %d, key %q; want line %d, key %q", fe.Line, fe.Key, line, key)
	}
}

// Strides that do not fit a good file are the caller's error, reported as
// FromPixels reports them, with no line of the file.
func TestParseBadStrides(t *testing.T) {
	for _, tc := range []struct {
		name    string
		strides []float64
		want    string
	}{
		{"out of order", []float64{8, 32, 16}, "model: strides[2] = 16 is not above strides[1] = 32: layers go from the finest grid (P3) to the coarsest"},
		{"zero", []float64{0, 16, 32}, "model: strides[0] = 0, want a finite value > 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := model.Parse([]byte(small), tc.strides)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Parse(small, %v) = %v, want %q", tc.strides, err, tc.want)
			}
			var fe *model.FileError
			if errors.As(err, &fe) {
				t.Errorf("error is a *FileError, want FromPixels's error")
			}
		})
	}
}

// withAnchors returns a model file whose anchors key (line 4) has the value
// anchors, its rows from line 5.
func withAnchors(anchors string) string {
	return "nc: 80\ndepth_multiple: 1\nwidth_multiple: 1\nanchors:" + anchors + "\nbackbone: [1]\nhead: [1]\n"
}
