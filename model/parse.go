package model

import (
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/internal/yamlnode"
)

// FileError is a problem in a model file: the line and key at fault where
// there are some.
type FileError struct {
	File string // the file, set by Load and LoadFile; empty for Parse and ParseFile
	Line int    // 1-based line of the problem; 0 when it has none
	Key  string // the top-level key concerned; empty when there is none
	Msg  string // what is wrong, without file and line
	Err  error  // the underlying error (YAML syntax, file system), if any
}

// Error formats e as "model: file: line N: msg: err", leaving out the
// empty parts.
func (e *FileError) Error() string {
	return yamlnode.FormatError("model", e.File, e.Line, e.Msg, e.Err)
}

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// keyError returns a FileError about the value of key.
func keyError(line int, key, msg string) *FileError {
	return &FileError{Line: line, Key: key, Msg: fmt.Sprintf("key %s: %s", yamlnode.Quote(key), msg)}
}

// MaxFileSize is the largest model file Load and LoadFile read, 1 MiB: a
// real one is a few KiB, and a larger file is refused before any of it is
// parsed.
const MaxFileSize = yamlnode.MaxFileSize

// Load reads the YOLOv5 model file at path, as Parse does. A *FileError
// names the file; a file over MaxFileSize is one. LoadFile reads YOLOv5's
// and ultralytics' model files, and takes the dataset's nc.
func Load(path string, strides []float64) (Detect, error) {
	return load(path, func(data []byte) (Detect, error) { return parse(data, strides) })
}

// load reads the file at path with readFile and parses it, naming the
// file in a *FileError that parse returns.
func load[V any](path string, parse func([]byte) (V, error)) (V, error) {
	data, err := readFile(path)
	if err != nil {
		var zero V
		return zero, err
	}
	v, err := parse(data)
	if fe, ok := err.(*FileError); ok {
		fe.File = path
	}
	return v, err
}

// readFile reads the model file at path, refusing one over MaxFileSize
// before reading it.
func readFile(path string) ([]byte, error) {
	data, err := yamlnode.ReadFile(path, MaxFileSize)
	if err != nil {
		// The error names the file already.
		return nil, &FileError{Err: err}
	}
	return data, nil
}

// Parse reads a YOLOv5 model file (models/yolov5s.yaml and the like) into
// the Detect of its nc and anchors, over the given strides (nil:
// DefaultStrides of the number of anchor rows). Anchors are in pixels in
// the file and are divided by the strides, as FromPixels does. See the
// package documentation for the keys and the checks. A problem with the
// file is a *FileError naming the line and key; strides that do not fit
// the file are reported as FromPixels reports them.
func Parse(data []byte, strides []float64) (Detect, error) { return parse(data, strides) }

// parse returns a *FileError for a problem with the file, and FromPixels's
// error for strides that do not fit it.
func parse(data []byte, strides []float64) (Detect, error) {
	root, ferr := document(data)
	if ferr != nil {
		return Detect{}, ferr
	}
	if root.Kind == yaml.MappingNode && !hasKey(root, "anchors") && hasKey(root, "backbone") && hasKey(root, "head") {
		return Detect{}, &FileError{Key: "anchors", Msg: `not a YOLOv5 model file: no key "anchors". ` +
			"An anchor-free model file (ultralytics' YOLOv8, YOLO11, YOLO26, YOLOv10) is read by LoadFile or ParseFile"}
	}
	return parseV5(root, strides)
}

// parseV5 reads the root node of a YOLOv5 model file as parse does.
func parseV5(root *yaml.Node, strides []float64) (Detect, error) {
	f, ferr := readKeys(root)
	if ferr != nil {
		return Detect{}, ferr
	}
	if strides == nil {
		strides = DefaultStrides(len(f.anchors))
		if err := f.checkStrideComments(strides); err != nil {
			return Detect{}, err
		}
	} else if len(strides) != len(f.anchors) {
		return Detect{}, keyError(f.anchorsLine, "anchors",
			fmt.Sprintf("%d anchor rows (output layers), but %d strides were given", len(f.anchors), len(strides)))
	}
	if err := (Detect{NC: f.nc, AnchorsGrid: f.anchors, Strides: strides}).Validate(); err != nil {
		// The file passed its checks: the strides are at fault.
		return Detect{}, err
	}
	if msg := orderMessage(f.anchors, strides, "row"); msg != "" {
		return Detect{}, keyError(f.anchorsLine, "anchors", "rows in reversed order: "+msg)
	}
	d, err := FromPixels(f.nc, f.anchors, strides)
	// An anchor in pixels over a stride may leave the floating-point
	// range (5e-324 / 8 is 0).
	if err != nil {
		return Detect{}, keyError(f.anchorsLine, "anchors", "in grid units (pixels / stride), "+strings.TrimPrefix(err.Error(), "model: "))
	}
	return d, nil
}

// modelFile is what Parse reads from a model file.
type modelFile struct {
	nc          int
	anchors     [][][2]float64 // pixels
	anchorsLine int
	rowLines    []int    // line of each anchor row
	rowComments []string // the comment after each anchor row, "# P3/8"
}

// modelKeys are the top-level keys of a YOLOv5 model file, in the order of
// yolov5s.yaml, and whether YOLOv5's parse_model requires them; check reads
// a value into the file (nil: the value is not read).
var modelKeys = []fileKey[func(f *modelFile, v *yaml.Node) string]{
	{"nc", true, (*modelFile).readNC},
	{"depth_multiple", true, checkMultiple},
	{"width_multiple", true, checkMultiple},
	{"anchors", true, nil}, // readAnchors, which reports its own lines
	{"backbone", true, checkLayers},
	{"head", true, checkLayers},
	{"activation", false, nil},
	{"channel_multiple", false, nil},
	{"ch", false, nil},
	{"inplace", false, nil},
}

// fileKey is a top-level key of a model file, whether it is required, and
// check, which reads or checks its value ("" or what is wrong; nil: the
// value is not read).
type fileKey[C any] struct {
	key      string
	required bool
	check    C
}

// keyList is the list of the required or optional keys for error messages.
func keyList[C any](keys []fileKey[C], required bool) string {
	var names []string
	for _, k := range keys {
		if k.required == required {
			names = append(names, k.key)
		}
	}
	return strings.Join(names, ", ")
}

// keyIndex returns the index of key in keys, or -1.
func keyIndex[C any](keys []fileKey[C], key string) int {
	for i, k := range keys {
		if k.key == key {
			return i
		}
	}
	return -1
}

// missingKeys returns the error for the required keys that lines (key ->
// line) lacks, naming the file as what ("a model file"), or nil.
func missingKeys[C any](keys []fileKey[C], lines map[string]int, what string) *FileError {
	var missing []string
	for _, k := range keys {
		if _, ok := lines[k.key]; k.required && !ok {
			missing = append(missing, yamlnode.Quote(k.key))
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return &FileError{Key: strings.Trim(missing[0], `"`), Msg: "not " + what + ": missing key " + missing[0]}
	}
	return &FileError{Msg: "not " + what + ": missing keys " + strings.Join(missing, ", ")}
}

// readKeys checks the top-level mapping key by key, in file order, then the
// required keys, and returns what it read.
func readKeys(root *yaml.Node) (*modelFile, *FileError) {
	if root.Kind != yaml.MappingNode {
		return nil, &FileError{Line: root.Line, Msg: "a model file is a mapping of keys to values, got " + yamlnode.Describe(yamlnode.Resolve(root))}
	}
	f := &modelFile{}
	lines := make(map[string]int) // key -> line of its first occurrence
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := yamlnode.Resolve(root.Content[i]), yamlnode.Resolve(root.Content[i+1])
		line := root.Content[i].Line
		if kn == nil || kn.Kind != yaml.ScalarNode || kn.ShortTag() == "!!merge" {
			return nil, &FileError{Line: line, Msg: "keys must be plain names, got " + yamlnode.Describe(kn)}
		}
		key := kn.Value
		k := keyIndex(modelKeys, key)
		if k < 0 {
			return nil, &FileError{Line: line, Key: key, Msg: fmt.Sprintf("unknown key %s: a YOLOv5 model file has the keys %s (and may have %s)",
				yamlnode.Quote(key), keyList(modelKeys, true), keyList(modelKeys, false))}
		}
		if first, dup := lines[key]; dup {
			return nil, &FileError{Line: line, Key: key, Msg: fmt.Sprintf("duplicate key %s (first at line %d)", yamlnode.Quote(key), first)}
		}
		lines[key] = line
		if key == "anchors" {
			if err := f.readAnchors(line, vn); err != nil {
				return nil, err
			}
			continue
		}
		if c := modelKeys[k].check; c != nil {
			if msg := c(f, vn); msg != "" {
				return nil, keyError(line, key, msg)
			}
		}
	}
	if err := missingKeys(modelKeys, lines, "a YOLOv5 model file"); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *modelFile) readNC(v *yaml.Node) (msg string) {
	f.nc, msg = readNC(v)
	return msg
}

// readNC returns the value of nc, or what is wrong with it.
func readNC(v *yaml.Node) (int, string) {
	nc, ok := yamlnode.Integer(v)
	if !ok || nc < 1 {
		return 0, "want the number of classes, an integer ≥ 1, got " + yamlnode.Describe(v)
	}
	return nc, ""
}

// checkMultiple checks depth_multiple or width_multiple, which the loss
// does not use.
func checkMultiple(_ *modelFile, v *yaml.Node) string {
	if x, ok := yamlnode.Number(v); !ok || !(x > 0) || math.IsInf(x, 0) {
		return "want a finite number > 0, got " + yamlnode.Describe(v)
	}
	return ""
}

// checkLayers checks that backbone or head is a non-empty sequence (of
// layers, which the loss does not read).
func checkLayers(_ *modelFile, v *yaml.Node) string {
	if v == nil || v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return "want a sequence of layers [from, number, module, args], got " + yamlnode.Describe(v)
	}
	return ""
}
