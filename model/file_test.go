package model_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/model"
)

// ultraDir holds ultralytics 8.4.35's model files, copied from its
// cfg/models with their comments removed.
const ultraDir = "../testdata/ultralytics-8.4.35/models"

// TestLoadFileUltralytics: each of ultralytics' eight detection model files
// gives the strides, reg_max, end2end and nc of the table in
// testdata/ultralytics-8.4.35/README.md.
func TestLoadFileUltralytics(t *testing.T) {
	p3 := []float64{8, 16, 32}
	p2 := []float64{4, 8, 16, 32}
	p6 := []float64{8, 16, 32, 64}
	for _, tc := range []struct {
		file string
		want model.AnchorFree
	}{
		{"yolov8.yaml", model.AnchorFree{NC: 80, RegMax: 16, Strides: p3}},
		{"yolo11.yaml", model.AnchorFree{NC: 80, RegMax: 16, Strides: p3}},
		{"yolov8-p2.yaml", model.AnchorFree{NC: 80, RegMax: 16, Strides: p2}},
		{"yolov8-p6.yaml", model.AnchorFree{NC: 80, RegMax: 16, Strides: p6}},
		{"yolo26.yaml", model.AnchorFree{NC: 80, RegMax: 1, Strides: p3, End2End: true}},
		{"yolo26-p2.yaml", model.AnchorFree{NC: 80, RegMax: 1, Strides: p2, End2End: true}},
		{"yolo26-p6.yaml", model.AnchorFree{NC: 80, RegMax: 1, Strides: p6, End2End: true}},
		{"yolov10n.yaml", model.AnchorFree{NC: 80, RegMax: 16, Strides: p3, End2End: true}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := model.LoadFile(filepath.Join(ultraDir, tc.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			if f.Head != model.HeadV8 || f.V5 != nil || f.V8 == nil {
				t.Fatalf("Head %v, V5 %v, V8 %v; want HeadV8 and V8 only", f.Head, f.V5, f.V8)
			}
			if diff := cmp.Diff(tc.want, *f.V8); diff != "" {
				t.Errorf("LoadFile mismatch (-want +got):\n%s", diff)
			}
			if f.NC() != 80 || !cmp.Equal(f.Strides(), tc.want.Strides) {
				t.Errorf("NC() %d, Strides() %v; want 80, %v", f.NC(), f.Strides(), tc.want.Strides)
			}
			// With the dataset's class count, as ultralytics trains it.
			f, err = model.LoadFile(filepath.Join(ultraDir, tc.file), &model.LoadOptions{NC: 3})
			if err != nil || f.V8.NC != 3 || f.V8.Channels() != 4*tc.want.RegMax+3 {
				t.Errorf("LoadOptions{NC: 3}: %+v, %v; want nc 3", f.V8, err)
			}
		})
	}
}

// TestLoadFileYOLOv5: a YOLOv5 file through LoadFile is what Load gives,
// with nc and the strides from the options.
func TestLoadFileYOLOv5(t *testing.T) {
	path := filepath.Join("testdata", "p5.yaml")
	f, err := model.LoadFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Head != model.HeadV5 || f.V8 != nil || f.V5 == nil {
		t.Fatalf("Head %v, V5 %v, V8 %v; want HeadV5 and V5 only", f.Head, f.V5, f.V8)
	}
	if diff := cmp.Diff(model.P5(80), *f.V5); diff != "" {
		t.Errorf("LoadFile mismatch (-want +got):\n%s", diff)
	}
	f, err = model.LoadFile(path, &model.LoadOptions{NC: 3, Strides: []float64{8, 16, 32}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(model.P5(3), *f.V5); diff != "" {
		t.Errorf("LoadFile with nc 3 mismatch (-want +got):\n%s", diff)
	}
	if f.Head.String() != "v5" || model.HeadV8.String() != "v8" {
		t.Errorf("head names %q, %q; want v5, v8", f.Head, model.HeadV8)
	}
}

func TestLoadFileOptions(t *testing.T) {
	v8 := filepath.Join(ultraDir, "yolov8.yaml")
	for _, tc := range []struct {
		name string
		path string
		o    model.LoadOptions
		want string // "" for no error
	}{
		{"strides equal to the graph's", v8, model.LoadOptions{Strides: []float64{8, 16, 32}}, ""},
		{"strides other than the graph's", v8, model.LoadOptions{Strides: []float64{8, 16, 32, 64}},
			"model: strides [8 16 32 64] were given, but the layer graph of this ultralytics model file gives [8 16 32]: leave LoadOptions.Strides nil"},
		{"negative nc", v8, model.LoadOptions{NC: -1}, "model: LoadOptions.NC is -1, want 0 (the file's nc) or the number of classes"},
		{"negative nc, YOLOv5", filepath.Join("testdata", "p5.yaml"), model.LoadOptions{NC: -1}, "model: LoadOptions.NC is -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := model.LoadFile(tc.path, &tc.o)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("LoadFile: %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Errorf("LoadFile = %v, want an error starting %q", err, tc.want)
			}
		})
	}
}

// TestParseUltralyticsFile: Load and Parse read YOLOv5 files only; an
// ultralytics file gets the pointer to LoadFile.
func TestParseUltralyticsFile(t *testing.T) {
	path := filepath.Join(ultraDir, "yolo11.yaml")
	_, err := model.Load(path, nil)
	want := "model: " + path + `: not a YOLOv5 model file: no key "anchors". An anchor-free model file (ultralytics' YOLOv8, YOLO11, YOLO26, YOLOv10) is read by LoadFile or ParseFile`
	if err == nil || err.Error() != want {
		t.Errorf("Load(%s) = %v,\nwant %s", path, err, want)
	}
}

// yolov8 is yolov8.yaml: nc on line 1, the backbone's layers 0 to 9 on
// lines 9 to 18, the head's layers 10 to 22 on lines 20 to 32.
func yolov8(t testing.TB) string {
	data, err := os.ReadFile(filepath.Join(ultraDir, "yolov8.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// v8with returns yolov8.yaml with the line old replaced by new ("" deletes
// it).
func v8with(t testing.TB, old, new string) string {
	s := yolov8(t)
	if !strings.Contains(s, "\n"+old+"\n") {
		t.Fatalf("v8with: no line %q", old)
	}
	if new != "" {
		new += "\n"
	}
	return strings.Replace(s, "\n"+old+"\n", "\n"+new, 1)
}

func TestParseFileErrors(t *testing.T) {
	const detect = "  - [[15, 18, 21], 1, Detect, [nc]]"
	var deep strings.Builder
	deep.WriteString("nc: 1\nbackbone:\n")
	for range 1100 {
		deep.WriteString("  - [-1, 1, Conv, [8, 3, 2]]\n")
	}
	deep.WriteString("head:\n  - [[1099], 1, Detect, [nc]]\n")
	for _, tc := range []struct {
		name string
		data string
		line int
		key  string
		want string // the whole message
	}{
		{"unknown module", v8with(t, "  - [-1, 1, SPPF, [1024, 5]]", "  - [-1, 1, Focus, [1024, 5]]"), 18, "backbone",
			"model: line 18: layer 9 (Focus): a module whose effect on the stride is not known; the known ones are C2, C2PSA, C2f, C2fCIB, C3, C3k2, Concat, Conv, PSA, SCDown, SPPF, nn.Upsample, Detect, v10Detect"},
		{"Concat of different strides", v8with(t, "  - [[-1, 6], 1, Concat, [1]]", "  - [[-1, 4], 1, Concat, [1]]"), 21, "head",
			"model: line 21: layer 11 (Concat): its inputs have different strides (layer 10 at 16, layer 4 at 8): Concat joins feature maps of one size"},
		{"from past the end", v8with(t, "  - [[-1, 6], 1, Concat, [1]]", "  - [[-1, 60], 1, Concat, [1]]"), 21, "head",
			"model: line 21: layer 11 (Concat): from: 60 is not an earlier layer: a layer reads only layers before it (this would be a forward reference or a cycle)"},
		{"from itself", v8with(t, "  - [[-1, 6], 1, Concat, [1]]", "  - [[-1, 11], 1, Concat, [1]]"), 21, "head",
			"model: line 21: layer 11 (Concat): from: 11 is not an earlier layer: a layer reads only layers before it (this would be a forward reference or a cycle)"},
		{"Detect from a later layer", v8with(t, detect, "  - [[15, 18, 22], 1, Detect, [nc]]"), 32, "head",
			"model: line 32: layer 22 (Detect): from: 22 is not an earlier layer: a layer reads only layers before it (this would be a forward reference or a cycle)"},
		{"from before the first layer", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [-3, 1, Conv, [128, 3, 2]]"), 10, "backbone",
			"model: line 10: layer 1 (Conv): from: -3 points before the first layer (3 layers before this one)"},
		{"from a string", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [prev, 1, Conv, [128, 3, 2]]"), 10, "backbone",
			`model: line 10: layer 1 (Conv): from: want -1, a layer index or a list of them, got "prev"`},
		{"from an empty list", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [[], 1, Conv, [128, 3, 2]]"), 10, "backbone",
			"model: line 10: layer 1 (Conv): from: an empty list"},
		{"Conv of two inputs", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [[-1, 0], 1, Conv, [128, 3, 2]]"), 10, "backbone",
			"model: line 10: layer 1 (Conv): from: takes one input, got a list of 2"},
		{"Concat of one index", v8with(t, "  - [[-1, 6], 1, Concat, [1]]", "  - [6, 1, Concat, [1]]"), 21, "head",
			"model: line 21: layer 11 (Concat): from: takes a list of inputs, got one"},
		{"no head", v8with(t, detect, ""), 31, "head",
			"model: line 31: layer 21 (C2f): the last layer is not a detection head: a detection model file ends with Detect or v10Detect"},
		{"a layer after the head", yolov8(t) + "  - [-1, 1, Conv, [8, 1, 1]]\n", 32, "head",
			"model: line 32: layer 22 (Detect): a detection head is the last layer, but 1 more follow it"},
		{"segmentation head", v8with(t, detect, "  - [[15, 18, 21], 1, Segment, [nc, 32, 256]]"), 32, "head",
			"model: line 32: layer 22 (Segment): not a detection head: this package reads detection models, whose head is Detect or v10Detect"},
		{"head inputs in reversed order", v8with(t, detect, "  - [[21, 18, 15], 1, Detect, [nc]]"), 32, "head",
			"model: line 32: layer 22 (Detect): its inputs' strides are [32 16 8]: list the output layers from the finest grid (the smallest stride) to the coarsest"},
		{"head of one index", v8with(t, detect, "  - [21, 1, Detect, [nc]]"), 32, "head",
			"model: line 32: layer 22 (Detect): from: want a list of 1 to 5 output layers, got 1"},
		{"head of six inputs", v8with(t, detect, "  - [[0, 1, 2, 3, 4, 5], 1, Detect, [nc]]"), 32, "head",
			"model: line 32: layer 22 (Detect): from: want a list of 1 to 5 output layers, got 6"},
		{"head's class count", v8with(t, detect, "  - [[15, 18, 21], 1, Detect, [3]]"), 32, "head",
			"model: line 32: layer 22 (Detect): its class count is 3, but nc is 80: write [nc]"},
		{"head's arguments", v8with(t, detect, "  - [[15, 18, 21], 1, Detect, [nc, 16]]"), 32, "head",
			"model: line 32: layer 22 (Detect): want the arguments [nc], got 2 arguments"},
		{"Conv stride 0", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [-1, 1, Conv, [128, 3, 0]]"), 10, "backbone",
			"model: line 10: layer 1 (Conv): its stride, the third argument, is 0: want an integer ≥ 1"},
		{"Conv stride a string", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", `  - [-1, 1, Conv, [128, 3, "2"]]`), 10, "backbone",
			`model: line 10: layer 1 (Conv): its stride, the third argument, is "2" (a quoted string): want an integer ≥ 1`},
		{"Upsample to a size", v8with(t, `  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]`, `  - [-1, 1, nn.Upsample, [40, None, "nearest"]]`), 20, "head",
			"model: line 20: layer 10 (nn.Upsample): its first argument, the output size, is 40: want None (an output size makes the stride depend on the image)"},
		{"Upsample without a scale", v8with(t, `  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]`, `  - [-1, 1, nn.Upsample, [None]]`), 20, "head",
			"model: line 20: layer 10 (nn.Upsample): want the arguments [None, scale, mode], got 1 arguments: without a scale its effect on the stride is not known"},
		{"Upsample by 0", v8with(t, `  - [-1, 1, nn.Upsample, [None, 2, "nearest"]]`, `  - [-1, 1, nn.Upsample, [None, 0, "nearest"]]`), 20, "head",
			"model: line 20: layer 10 (nn.Upsample): its scale factor, the second argument, is 0: want a finite number > 0"},
		{"layer of three", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [-1, Conv, [128, 3, 2]]"), 10, "backbone",
			"model: line 10: layer 1: want [from, repeats, module, args], got 3 items"},
		{"module a number", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [-1, 1, 7, [128, 3, 2]]"), 10, "backbone",
			"model: line 10: layer 1: want a module name (Conv, C2f, Detect, …) third, got 7"},
		{"repeats 0", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [-1, 0, Conv, [128, 3, 2]]"), 10, "backbone",
			"model: line 10: layer 1 (Conv): repeats: want an integer ≥ 1, got 0"},
		{"args a number", v8with(t, "  - [-1, 1, Conv, [128, 3, 2]]", "  - [-1, 1, Conv, 128]"), 10, "backbone",
			"model: line 10: layer 1 (Conv): args: want a sequence, got 128"},
		{"stride past float64", deep.String(), 1026, "backbone", // 2^1024
			"model: line 1026: layer 1023 (Conv): its stride, +Inf, has left the floating-point range"},
		{"empty head", v8with(t, "head:", "head: []\nhead2:"), 19, "head",
			`model: line 19: key "head": want a sequence of layers [from, repeats, module, args], got a sequence`},
		{"missing head", yolov8(t)[:strings.Index(yolov8(t), "head:")], 0, "head", `model: not a model file: missing key "head"`},
		{"typo in a key", "reg_maxx: 1\n" + yolov8(t), 1, "reg_maxx",
			`model: line 1: unknown key "reg_maxx": an ultralytics detection model file has the keys nc, backbone, head (and may have end2end, reg_max, scales, scale, depth_multiple, width_multiple, activation, channels, ch); a YOLOv5 one has anchors`},
		{"duplicate nc", yolov8(t) + "nc: 3\n", 33, "nc", `model: line 33: duplicate key "nc" (first at line 1)`},
		{"reg_max 0", "reg_max: 0\n" + yolov8(t), 1, "reg_max",
			`model: line 1: key "reg_max": want the number of bins per box side, an integer from 1 to 65536 (16 for YOLOv8 and YOLO11, 1 for YOLO26), got 0`},
		{"end2end a string", "end2end: yes please\n" + yolov8(t), 1, "end2end", `model: line 1: key "end2end": want true or false, got "yes please"`},
		{"nc 0", strings.Replace(yolov8(t), "nc: 80", "nc: 0", 1), 1, "nc", `model: line 1: key "nc": want the number of classes, an integer ≥ 1, got 0`},
		{"scales a list", strings.Replace(yolov8(t), "scales:\n", "scales: [1]\nx:\n", 1), 2, "scales",
			`model: line 2: key "scales": want a mapping of scale names to [depth, width, max_channels], got a sequence`},
		{"v10Detect of reg_max 1", "reg_max: 1\n" + strings.Replace(yolov8(t), "Detect", "v10Detect", 1), 1, "reg_max",
			`model: line 1: key "reg_max": 1, but layer 22 is v10Detect, whose reg_max is always 16`},
		{"v10Detect not end-to-end", "end2end: False\n" + strings.Replace(yolov8(t), "Detect", "v10Detect", 1), 1, "end2end",
			`model: line 1: key "end2end": false, but layer 22 is v10Detect, which is always end-to-end`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := model.ParseFile([]byte(tc.data), nil)
			if err == nil {
				t.Fatalf("ParseFile = %+v, nil; want the error %q", f, tc.want)
			}
			checkFileError(t, err, tc.want, tc.line, tc.key)
		})
	}
}

// TestParseFileGraph: the stride rules on small graphs.
func TestParseFileGraph(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want model.AnchorFree
	}{
		{"Conv without a stride keeps it", "nc: 2\nbackbone:\n  - [-1, 1, Conv, [8, 3, 2]]\n  - [-1, 1, Conv, [8]]\nhead:\n  - [[1], 1, Detect, [nc]]\n",
			model.AnchorFree{NC: 2, RegMax: 16, Strides: []float64{2}}},
		{"negative offsets and the input", "nc: 2\nbackbone:\n  - [-1, 1, Conv, [8, 3, 4]]\n  - [-1, 1, SCDown, [8, 3, 2]]\nhead:\n  - [-2, 1, C3, [8]]\n  - [[-1, 0], 1, Concat, [1]]\n  - [[-1, 1], 1, Detect, [2]]\n",
			model.AnchorFree{NC: 2, RegMax: 16, Strides: []float64{4, 8}}},
		{"a fractional scale", "nc: 1\nreg_max: 4\nend2end: true\nbackbone:\n  - [-1, 1, Conv, [8, 3, 3]]\nhead:\n  - [0, 1, nn.Upsample, [null, 1.5, nearest]]\n  - [[1, 0], 1, Detect, [nc]]\n",
			model.AnchorFree{NC: 1, RegMax: 4, Strides: []float64{2, 3}, End2End: true}},
		{"Concat of the input", "nc: 1\nbackbone:\n  - [[-1], 1, Concat, [1]]\nhead:\n  - [[0], 1, v10Detect, [nc]]\n",
			model.AnchorFree{NC: 1, RegMax: 16, Strides: []float64{1}, End2End: true}},
		{"aliases", "nc: 1\nbackbone:\n  - &c [-1, 1, Conv, [8, 3, 2]]\n  - *c\nhead:\n  - [[0, 1], 1, Detect, [nc]]\n",
			model.AnchorFree{NC: 1, RegMax: 16, Strides: []float64{2, 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := model.ParseFile([]byte(tc.data), nil)
			if err != nil {
				t.Fatalf("ParseFile: %v\n%s", err, tc.data)
			}
			if diff := cmp.Diff(tc.want, *f.V8); diff != "" {
				t.Errorf("ParseFile mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoadFileSizeCap: LoadFile refuses a file over the cap as Load does.
func TestLoadFileSizeCap(t *testing.T) {
	path := writeBackbone(t, 100<<20)
	_, err := model.LoadFile(path, nil)
	var fe *model.FileError
	if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("LoadFile(100 MB) = %v, want a *model.FileError naming the 1 MiB cap", err)
	}
}
