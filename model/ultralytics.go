package model

import (
	"fmt"
	"math"

	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/internal/yamlnode"
)

// ultraFile is what ParseFile reads from an ultralytics model file's keys.
type ultraFile struct {
	nc       int
	regMax   setting[int]
	end2end  setting[bool]
	sections [2]section // backbone, head
}

// setting is an optional key's value, whether the file sets it, and its
// line.
type setting[V any] struct {
	v    V
	set  bool
	line int
}

// section is the backbone or the head: its key and its layers.
type section struct {
	key    string
	layers []*yaml.Node
}

// ultraKeys are the top-level keys of an ultralytics detection model file
// that its parse_model reads, and whether it requires them; check reads
// or checks a value (nil: not read).
var ultraKeys = []fileKey[func(u *ultraFile, line int, v *yaml.Node) string]{
	{"nc", true, func(u *ultraFile, _ int, v *yaml.Node) (msg string) {
		u.nc, msg = readNC(v)
		return msg
	}},
	{"end2end", false, (*ultraFile).readEnd2End},
	{"reg_max", false, (*ultraFile).readRegMax},
	{"scales", false, checkScales},
	{"scale", false, checkScale},
	{"depth_multiple", false, func(_ *ultraFile, _ int, v *yaml.Node) string { return checkMultiple(nil, v) }},
	{"width_multiple", false, func(_ *ultraFile, _ int, v *yaml.Node) string { return checkMultiple(nil, v) }},
	{"activation", false, nil},
	{"channels", false, checkInputChannels},
	{"ch", false, checkInputChannels},
	{"backbone", true, func(u *ultraFile, _ int, v *yaml.Node) string { return u.readSection(0, "backbone", v) }},
	{"head", true, func(u *ultraFile, _ int, v *yaml.Node) string { return u.readSection(1, "head", v) }},
}

// readUltraKeys checks the top-level mapping of an ultralytics model file
// key by key, in file order, then the required keys.
func readUltraKeys(root *yaml.Node) (*ultraFile, *FileError) {
	u := &ultraFile{}
	lines := make(map[string]int)
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := yamlnode.Resolve(root.Content[i]), yamlnode.Resolve(root.Content[i+1])
		line := root.Content[i].Line
		if kn == nil || kn.Kind != yaml.ScalarNode || kn.ShortTag() == "!!merge" {
			return nil, &FileError{Line: line, Msg: "keys must be plain names, got " + yamlnode.Describe(kn)}
		}
		key := kn.Value
		k := keyIndex(ultraKeys, key)
		if k < 0 {
			return nil, &FileError{Line: line, Key: key, Msg: fmt.Sprintf("unknown key %s: an ultralytics detection model file has the keys %s (and may have %s); a YOLOv5 one has anchors",
				yamlnode.Quote(key), keyList(ultraKeys, true), keyList(ultraKeys, false))}
		}
		if first, dup := lines[key]; dup {
			return nil, &FileError{Line: line, Key: key, Msg: fmt.Sprintf("duplicate key %s (first at line %d)", yamlnode.Quote(key), first)}
		}
		lines[key] = line
		if c := ultraKeys[k].check; c != nil {
			if msg := c(u, line, vn); msg != "" {
				return nil, keyError(line, key, msg)
			}
		}
	}
	if err := missingKeys(ultraKeys, lines, "a model file"); err != nil {
		return nil, err
	}
	return u, nil
}

func (u *ultraFile) readEnd2End(line int, v *yaml.Node) string {
	b, ok := boolean(v)
	if !ok {
		return "want true or false, got " + yamlnode.Describe(v)
	}
	u.end2end = setting[bool]{b, true, line}
	return ""
}

// boolean returns the value of a YAML boolean scalar (true, True, false,
// False, …).
func boolean(v *yaml.Node) (b, ok bool) {
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		return false, false
	}
	if err := v.Decode(&b); err != nil {
		return false, false
	}
	return b, true
}

// maxRegMax bounds reg_max, far above the 16 and 1 of ultralytics' models,
// so that 4·reg_max + nc stays an int.
const maxRegMax = 1 << 16

func (u *ultraFile) readRegMax(line int, v *yaml.Node) string {
	n, ok := yamlnode.Integer(v)
	if !ok || n < 1 || n > maxRegMax {
		return fmt.Sprintf("want the number of bins per box side, an integer from 1 to %d (16 for YOLOv8 and YOLO11, 1 for YOLO26), got %s", maxRegMax, yamlnode.Describe(v))
	}
	u.regMax = setting[int]{n, true, line}
	return ""
}

// checkScales checks scales, a mapping from a scale's name to its
// [depth, width, max_channels], which the loss does not read.
func checkScales(_ *ultraFile, _ int, v *yaml.Node) string {
	if v == nil || v.Kind != yaml.MappingNode || len(v.Content) == 0 {
		return "want a mapping of scale names to [depth, width, max_channels], got " + yamlnode.Describe(v)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		name, row := yamlnode.Resolve(v.Content[i]), yamlnode.Resolve(v.Content[i+1])
		if name == nil || name.Kind != yaml.ScalarNode {
			return "want scale names as keys, got " + yamlnode.Describe(name)
		}
		if row == nil || row.Kind != yaml.SequenceNode || len(row.Content) < 3 || len(row.Content) > 4 {
			return fmt.Sprintf("scale %s: want [depth, width, max_channels], got %s", yamlnode.Quote(name.Value), yamlnode.Describe(row))
		}
		for _, x := range row.Content {
			if f, ok := yamlnode.Number(yamlnode.Resolve(x)); !ok || !(f > 0) || math.IsInf(f, 0) {
				return fmt.Sprintf("scale %s: want finite numbers > 0, got %s", yamlnode.Quote(name.Value), yamlnode.Describe(yamlnode.Resolve(x)))
			}
		}
	}
	return ""
}

func checkScale(_ *ultraFile, _ int, v *yaml.Node) string {
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		return "want the name of a scale (n, s, m, l, x), got " + yamlnode.Describe(v)
	}
	return ""
}

func checkInputChannels(_ *ultraFile, _ int, v *yaml.Node) string {
	if n, ok := yamlnode.Integer(v); !ok || n < 1 {
		return "want the number of input channels, an integer ≥ 1, got " + yamlnode.Describe(v)
	}
	return ""
}

func (u *ultraFile) readSection(i int, key string, v *yaml.Node) string {
	if v == nil || v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return "want a sequence of layers [from, repeats, module, args], got " + yamlnode.Describe(v)
	}
	u.sections[i] = section{key: key, layers: v.Content}
	return ""
}
