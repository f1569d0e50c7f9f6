package model

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/internal/yamlnode"
)

// input stands for the network's input in a layer's inputs.
const input = -1

// layer is one row [from, repeats, module, args] of an ultralytics model
// file's backbone or head.
type layer struct {
	i      int    // index in backbone + head, as ultralytics numbers layers
	key    string // "backbone" or "head"
	line   int
	from   []int // the layers read, earlier ones or input
	list   bool  // from is a list, not one index
	module string
	args   []*yaml.Node // aliases resolved
}

// errorf returns a *FileError about l.
func (l *layer) errorf(format string, a ...any) *FileError {
	what := fmt.Sprintf("layer %d", l.i)
	if l.module != "" {
		what += " (" + l.module + ")"
	}
	return &FileError{Line: l.line, Key: l.key, Msg: what + ": " + fmt.Sprintf(format, a...)}
}

// strideRule returns a layer's output stride from the strides of its
// inputs, in pixels of the network input per cell.
type strideRule func(l *layer, in []float64) (float64, *FileError)

// strideRules are the modules whose effect on the stride is known: the
// modules of ultralytics' detection model files, and C3 of its YOLOv5u
// files. Any other module is an error.
var strideRules = map[string]strideRule{
	// Conv(c2, k, s) and SCDown(c2, k, s) multiply it by s, 1 when absent.
	"Conv":   strided,
	"SCDown": strided,
	// nn.Upsample(None, scale, mode) divides it by scale.
	"nn.Upsample": upsample,
	// Blocks whose convolutions keep the size, and SPPF(c2, k), whose
	// second argument is a pooling kernel, not a stride.
	"C2": keep, "C2f": keep, "C2fCIB": keep, "C3": keep, "C3k2": keep,
	"C2PSA": keep, "PSA": keep, "SPPF": keep,
	// Concat joins feature maps of one size along the channels.
	"Concat": concat,
}

// heads are the detection heads ParseFile reads; otherHeads the heads of
// other tasks, named in the error.
var (
	heads      = []string{"Detect", "v10Detect"}
	otherHeads = []string{"Segment", "Pose", "OBB", "Classify", "WorldDetect", "YOLOEDetect", "YOLOESegment", "RTDETRDecoder"}
)

// head is the detection head found at the end of the graph.
type head struct {
	module  string
	layer   int
	strides []float64 // of its inputs, in order
}

// graph follows the layers of backbone then head from the input (stride
// 1) to the detection head, which must be the last layer, and returns the
// head with the strides of its inputs.
func (u *ultraFile) graph() (head, *FileError) {
	n := len(u.sections[0].layers) + len(u.sections[1].layers)
	strides := make([]float64, 0, n)
	i := 0
	for _, sec := range u.sections {
		for _, node := range sec.layers {
			l, err := readLayer(i, sec.key, node)
			if err != nil {
				return head{}, err
			}
			in := make([]float64, len(l.from))
			for k, j := range l.from {
				in[k] = 1
				if j != input {
					in[k] = strides[j]
				}
			}
			if slices.Contains(heads, l.module) {
				if i != n-1 {
					return head{}, l.errorf("a detection head is the last layer, but %d more follow it", n-1-i)
				}
				return u.detect(l, in)
			}
			rule, ok := strideRules[l.module]
			if !ok {
				return head{}, unknownModule(l)
			}
			s, err := rule(l, in)
			if err != nil {
				return head{}, err
			}
			if !(s > 0) || math.IsInf(s, 0) {
				return head{}, l.errorf("its stride, %g, has left the floating-point range", s)
			}
			strides = append(strides, s)
			i++
		}
	}
	last := u.sections[1].layers[len(u.sections[1].layers)-1]
	l, _ := readLayer(n-1, "head", last) // read before without error
	return head{}, l.errorf("the last layer is not a detection head: a detection model file ends with %s", strings.Join(heads, " or "))
}

// unknownModule returns the error for a module without a stride rule.
func unknownModule(l *layer) *FileError {
	if slices.Contains(otherHeads, l.module) {
		return l.errorf("not a detection head: this package reads detection models, whose head is %s", strings.Join(heads, " or "))
	}
	known := make([]string, 0, len(strideRules)+len(heads))
	for m := range strideRules {
		known = append(known, m)
	}
	slices.Sort(known)
	known = append(known, heads...)
	return l.errorf("a module whose effect on the stride is not known; the known ones are %s", strings.Join(known, ", "))
}

// readLayer reads row i, node, of section key.
func readLayer(i int, key string, node *yaml.Node) (*layer, *FileError) {
	l := &layer{i: i, key: key, line: node.Line}
	row := yamlnode.Resolve(node)
	if row == nil || row.Kind != yaml.SequenceNode {
		return nil, l.errorf("want [from, repeats, module, args], got %s", yamlnode.Describe(row))
	}
	if len(row.Content) != 4 {
		return nil, l.errorf("want [from, repeats, module, args], got %d items", len(row.Content))
	}
	c := make([]*yaml.Node, 4)
	for k, x := range row.Content {
		c[k] = yamlnode.Resolve(x)
	}
	if m := c[2]; m == nil || m.Kind != yaml.ScalarNode || m.ShortTag() != "!!str" || m.Value == "" {
		return nil, l.errorf("want a module name (Conv, C2f, Detect, …) third, got %s", yamlnode.Describe(m))
	}
	l.module = c[2].Value
	if err := l.readFrom(c[0]); err != nil {
		return nil, err
	}
	if r, ok := yamlnode.Integer(c[1]); !ok || r < 1 {
		return nil, l.errorf("repeats: want an integer ≥ 1, got %s", yamlnode.Describe(c[1]))
	}
	if c[3] == nil || c[3].Kind != yaml.SequenceNode {
		return nil, l.errorf("args: want a sequence, got %s", yamlnode.Describe(c[3]))
	}
	for _, a := range c[3].Content {
		l.args = append(l.args, yamlnode.Resolve(a))
	}
	return l, nil
}

// readFrom reads from: -1 (the previous layer, or the input at layer 0),
// an earlier layer's index, a negative offset from this layer, or a
// non-empty list of those.
func (l *layer) readFrom(v *yaml.Node) *FileError {
	items := []*yaml.Node{v}
	if v != nil && v.Kind == yaml.SequenceNode {
		if len(v.Content) == 0 {
			return l.errorf("from: an empty list")
		}
		l.list, items = true, v.Content
	}
	for _, x := range items {
		x = yamlnode.Resolve(x)
		j, ok := yamlnode.Integer(x)
		switch {
		case !ok:
			return l.errorf("from: want -1, a layer index or a list of them, got %s", yamlnode.Describe(x))
		case j == -1 && l.i == 0:
			l.from = append(l.from, input)
		case j < 0 && l.i+j < 0:
			return l.errorf("from: %d points before the first layer (%d layers before this one)", j, -j)
		case j < 0:
			l.from = append(l.from, l.i+j)
		case j >= l.i:
			return l.errorf("from: %d is not an earlier layer: a layer reads only layers before it (this would be a forward reference or a cycle)", j)
		default:
			l.from = append(l.from, j)
		}
	}
	return nil
}

// one returns the stride of a module that takes one input.
func one(l *layer, in []float64) (float64, *FileError) {
	if l.list {
		return 0, l.errorf("from: takes one input, got a list of %d", len(in))
	}
	return in[0], nil
}

func keep(l *layer, in []float64) (float64, *FileError) { return one(l, in) }

// strided returns the input stride times the third argument, 1 when
// absent.
func strided(l *layer, in []float64) (float64, *FileError) {
	s, err := one(l, in)
	if err != nil || len(l.args) < 3 {
		return s, err
	}
	k, ok := yamlnode.Integer(l.args[2])
	if !ok || k < 1 {
		return 0, l.errorf("its stride, the third argument, is %s: want an integer ≥ 1", yamlnode.Describe(l.args[2]))
	}
	return s * float64(k), nil
}

// upsample returns the input stride divided by nn.Upsample's scale
// factor, its second argument; the first, the output size, must be None.
func upsample(l *layer, in []float64) (float64, *FileError) {
	s, err := one(l, in)
	if err != nil {
		return 0, err
	}
	if len(l.args) < 2 {
		return 0, l.errorf("want the arguments [None, scale, mode], got %d arguments: without a scale its effect on the stride is not known", len(l.args))
	}
	if a := l.args[0]; a == nil || a.Kind != yaml.ScalarNode || (a.ShortTag() != "!!null" && a.Value != "None") {
		return 0, l.errorf("its first argument, the output size, is %s: want None (an output size makes the stride depend on the image)", yamlnode.Describe(a))
	}
	f, ok := yamlnode.Number(l.args[1])
	if !ok || !(f > 0) || math.IsInf(f, 0) {
		return 0, l.errorf("its scale factor, the second argument, is %s: want a finite number > 0", yamlnode.Describe(l.args[1]))
	}
	return s / f, nil
}

// concat returns the common stride of Concat's inputs.
func concat(l *layer, in []float64) (float64, *FileError) {
	if !l.list {
		return 0, l.errorf("from: takes a list of inputs, got one")
	}
	for k := 1; k < len(in); k++ {
		if in[k] != in[0] {
			return 0, l.errorf("its inputs have different strides (%s at %g, %s at %g): Concat joins feature maps of one size",
				l.fromName(0), in[0], l.fromName(k), in[k])
		}
	}
	return in[0], nil
}

// fromName names input k of l.
func (l *layer) fromName(k int) string {
	if l.from[k] == input {
		return "the input"
	}
	return fmt.Sprintf("layer %d", l.from[k])
}

// detect checks the detection head l, whose inputs have the strides in.
func (u *ultraFile) detect(l *layer, in []float64) (head, *FileError) {
	if !l.list || len(in) > MaxLayers {
		return head{}, l.errorf("from: want a list of 1 to %d output layers, got %d", MaxLayers, len(in))
	}
	if len(l.args) != 1 {
		return head{}, l.errorf("want the arguments [nc], got %d arguments", len(l.args))
	}
	a := l.args[0]
	if n, ok := yamlnode.Integer(a); ok {
		if n != u.nc {
			return head{}, l.errorf("its class count is %d, but nc is %d: write [nc]", n, u.nc)
		}
	} else if a == nil || a.Kind != yaml.ScalarNode || a.Value != "nc" {
		return head{}, l.errorf("want the arguments [nc], got %s", yamlnode.Describe(a))
	}
	for k := 1; k < len(in); k++ {
		if !(in[k] > in[k-1]) {
			return head{}, l.errorf("its inputs' strides are %v: list the output layers from the finest grid (the smallest stride) to the coarsest", in)
		}
	}
	return head{module: l.module, layer: l.i, strides: in}, nil
}
