package model

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/internal/yamlnode"
)

// Head is the kind of detection head a model file describes; hyp.Head is
// the same type, naming the loss configuration that goes with each.
type Head int

const (
	// HeadV5 is YOLOv5's anchor-based Detect (File.V5).
	HeadV5 Head = iota + 1
	// HeadV8 is the anchor-free Detect or v10Detect of ultralytics'
	// YOLOv8, YOLO11, YOLO26 and YOLOv10 (File.V8).
	HeadV8
)

// String returns the head's short name, "v5" or "v8".
func (h Head) String() string {
	switch h {
	case HeadV5:
		return "v5"
	case HeadV8:
		return "v8"
	}
	return fmt.Sprintf("Head(%d)", int(h))
}

// LoadOptions are the options of LoadFile and ParseFile. A nil
// *LoadOptions, like the zero value, takes everything from the file.
type LoadOptions struct {
	// NC, when above 0, replaces the file's nc: YOLOv5 and ultralytics
	// both train a model file (nc: 80) with the dataset's class count.
	NC int
	// Strides are the strides of a YOLOv5 file's anchor rows, as Parse
	// takes them (nil: DefaultStrides). An ultralytics file's strides
	// come from its layer graph: Strides given with one must equal them.
	Strides []float64
}

// File is the detection head a model file describes: its Head says which
// of V5 and V8 is set.
type File struct {
	Head Head
	V5   *Detect     // YOLOv5's head; nil unless Head is HeadV5
	V8   *AnchorFree // the anchor-free head; nil unless Head is HeadV8
}

// NC returns the head's number of classes.
func (f File) NC() int {
	switch {
	case f.V5 != nil:
		return f.V5.NC
	case f.V8 != nil:
		return f.V8.NC
	}
	return 0
}

// Strides returns a copy of the head's strides, one per output layer.
func (f File) Strides() []float64 {
	switch {
	case f.V5 != nil:
		return slices.Clone(f.V5.Strides)
	case f.V8 != nil:
		return slices.Clone(f.V8.Strides)
	}
	return nil
}

// LoadFile reads the model file at path, as ParseFile does. A *FileError
// names the file; a file over MaxFileSize is one, refused before it is
// read.
func LoadFile(path string, o *LoadOptions) (File, error) {
	return load(path, func(data []byte) (File, error) { return ParseFile(data, o) })
}

// ParseFile reads a model file of either kind: a YOLOv5 file (one with
// the key anchors) into File.V5, as Parse does; an ultralytics detection
// model file (yolov8.yaml, yolo11.yaml, yolo26.yaml, yolov10n.yaml and
// their P2 and P6 variants) into File.V8, its strides computed from its
// layer graph. See the package documentation for the keys and the stride
// rules. A problem with the file is a *FileError naming the line and key;
// options that do not fit the file are a plain error.
func ParseFile(data []byte, o *LoadOptions) (File, error) {
	if o == nil {
		o = &LoadOptions{}
	}
	if o.NC < 0 {
		return File{}, fmt.Errorf("model: LoadOptions.NC is %d, want 0 (the file's nc) or the number of classes", o.NC)
	}
	root, ferr := document(data)
	if ferr != nil {
		return File{}, ferr
	}
	if root.Kind == yaml.MappingNode && !hasKey(root, "anchors") {
		a, err := parseAnchorFree(root, o)
		if err != nil {
			return File{}, err
		}
		return File{Head: HeadV8, V8: &a}, nil
	}
	d, err := parseV5(root, o.Strides)
	if err != nil {
		return File{}, err
	}
	if o.NC > 0 {
		d.NC = o.NC
	}
	return File{Head: HeadV5, V5: &d}, nil
}

// document returns the root node of a model file, which is not empty.
func document(data []byte) (*yaml.Node, *FileError) {
	root, yerr := yamlnode.Document(data, "model file")
	if yerr != nil {
		return nil, &FileError{Line: yerr.Line, Msg: yerr.Msg, Err: yerr.Err}
	}
	if root == nil {
		return nil, &FileError{Msg: "empty model file"}
	}
	return root, nil
}

// hasKey reports whether the mapping m has the plain key k.
func hasKey(m *yaml.Node, k string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if kn := yamlnode.Resolve(m.Content[i]); kn != nil && kn.Kind == yaml.ScalarNode && kn.Value == k {
			return true
		}
	}
	return false
}

// defaultRegMax is reg_max when the file has none, as in ultralytics'
// parse_model, and v10Detect's always.
const defaultRegMax = 16

// parseAnchorFree reads an ultralytics model file's root mapping.
func parseAnchorFree(root *yaml.Node, o *LoadOptions) (AnchorFree, error) {
	u, ferr := readUltraKeys(root)
	if ferr != nil {
		return AnchorFree{}, ferr
	}
	g, ferr := u.graph()
	if ferr != nil {
		return AnchorFree{}, ferr
	}
	a := AnchorFree{NC: u.nc, RegMax: defaultRegMax, Strides: g.strides}
	if g.module == "v10Detect" {
		a.End2End = true
		if u.regMax.set && u.regMax.v != defaultRegMax {
			return AnchorFree{}, keyError(u.regMax.line, "reg_max", fmt.Sprintf("%d, but layer %d is v10Detect, whose reg_max is always %d", u.regMax.v, g.layer, defaultRegMax))
		}
		if u.end2end.set && !u.end2end.v {
			return AnchorFree{}, keyError(u.end2end.line, "end2end", fmt.Sprintf("false, but layer %d is v10Detect, which is always end-to-end", g.layer))
		}
	} else {
		if u.regMax.set {
			a.RegMax = u.regMax.v
		}
		a.End2End = u.end2end.v
	}
	if o.NC > 0 {
		a.NC = o.NC
	}
	// The checks of the keys and the graph imply Validate's; it stays as
	// the guard of what ParseFile returns.
	if err := a.Validate(); err != nil {
		return AnchorFree{}, err
	}
	if o.Strides != nil && !slices.Equal(o.Strides, a.Strides) {
		return AnchorFree{}, fmt.Errorf("model: strides %v were given, but the layer graph of this ultralytics model file gives %v: leave LoadOptions.Strides nil", o.Strides, a.Strides)
	}
	return a, nil
}
