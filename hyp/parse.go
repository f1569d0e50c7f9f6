package hyp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/criterion"
)

// Parse parses a hyp file and validates it. Absent optional keys are zero except
// fl_alpha (0.25) and fl_type (focal); a zero box-loss key stands for its default
// (see Hyp). On failure it returns an *Error describing
// the first problem, with its line where it has one; see the package documentation
// for the checks.
func Parse(data []byte) (*Hyp, error) {
	h, err := parse(data)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func parse(data []byte) (*Hyp, *Error) {
	doc, err := decode(data)
	if err != nil {
		return nil, err
	}
	return fromDocument(doc)
}

// decode reads the single YAML document in data.
func decode(data []byte) (doc *yaml.Node, err *Error) {
	defer func() {
		// The YAML library is not meant to panic; if it does, report bad input
		// rather than crash the caller.
		if r := recover(); r != nil {
			doc, err = nil, &Error{Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first yaml.Node
	if e := dec.Decode(&first); e != nil {
		if errors.Is(e, io.EOF) {
			return nil, &Error{Msg: "empty hyp file"}
		}
		return nil, &Error{Msg: "invalid YAML", Err: e}
	}
	var next yaml.Node
	switch e := dec.Decode(&next); {
	case errors.Is(e, io.EOF):
	case e != nil:
		return nil, &Error{Msg: "invalid YAML", Err: e}
	default:
		return nil, &Error{Line: next.Line, Msg: "hyp file must hold one YAML document, found a second one"}
	}
	return &first, nil
}

// fromDocument builds a Hyp from a YAML document node.
func fromDocument(doc *yaml.Node) (*Hyp, *Error) {
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, &Error{Msg: "empty hyp file"}
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Value == "" && root.ShortTag() == "!!null" {
		return nil, &Error{Msg: "empty hyp file"}
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Line: root.Line, Msg: "hyp file must be a mapping of keys to values, got " + kindName(root)}
	}

	h := &Hyp{FlAlpha: DefaultFlAlpha, FlType: criterion.DefaultType}
	lines := make(map[string]int) // key -> line of its first occurrence
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := root.Content[i], root.Content[i+1]
		key, err := keyName(kn)
		if err != nil {
			return nil, err
		}
		line := kn.Line
		f, ok := byKey[key]
		if !ok {
			msg := "unknown key " + quote(key)
			if s := suggest(key); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return nil, &Error{Line: line, Key: key, Msg: msg}
		}
		if first, dup := lines[key]; dup {
			return nil, &Error{Line: line, Key: key, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", key, first)}
		}
		lines[key] = line
		vn = resolveAlias(vn)

		if msg := f.value.set(h, vn); msg != "" {
			return nil, keyError(line, key, msg)
		}
	}

	var missing []string
	for _, f := range fields {
		if _, ok := lines[f.key]; f.required && !ok {
			missing = append(missing, f.key)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		quoted := make([]string, len(missing))
		for i, k := range missing {
			quoted[i] = quote(k)
		}
		if len(missing) == 1 {
			return nil, &Error{Key: missing[0], Msg: "missing required key " + quoted[0]}
		}
		return nil, &Error{Msg: "missing required keys " + strings.Join(quoted, ", ")}
	}

	if err := h.checkEffects(func(key string) (int, bool) {
		line, ok := lines[key]
		return line, ok
	}); err != nil {
		return nil, err
	}
	// Every key present passed the checks of Validate above, and every absent one
	// holds its default, which passes them too; FuzzParse cross-checks this.
	return h, nil
}

// keyName returns the name of a mapping key node.
func keyName(n *yaml.Node) (string, *Error) {
	r := resolveAlias(n)
	if r == nil || r.Kind != yaml.ScalarNode {
		return "", &Error{Line: n.Line, Msg: "keys must be plain names, got " + kindName(r)}
	}
	if r.ShortTag() == "!!merge" {
		return "", &Error{Line: n.Line, Key: r.Value, Msg: `merge keys ("<<") are not supported`}
	}
	return r.Value, nil
}

// resolveAlias follows alias nodes to the node they stand for; nil if it cannot.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for range 8 {
		if n == nil || n.Kind != yaml.AliasNode {
			return n
		}
		n = n.Alias
	}
	return nil
}

// numberOf returns the value of a YAML integer or float scalar.
func numberOf(n *yaml.Node) (v float64, ok bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	if t := n.ShortTag(); t != "!!int" && t != "!!float" {
		return 0, false
	}
	defer func() {
		if recover() != nil {
			v, ok = 0, false
		}
	}()
	if err := n.Decode(&v); err != nil {
		return 0, false
	}
	return v, true
}

// kindName names the kind of a node for error messages.
func kindName(n *yaml.Node) string {
	if n == nil {
		return "an unresolvable alias"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	return "an unknown node"
}

// describe shows a value node in an error message: a mapping or a sequence by its
// kind, null as null, numbers and booleans as written, anything else quoted.
func describe(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return kindName(n)
	}
	if n.Style&yaml.TaggedStyle != 0 {
		return n.Tag + " " + quote(n.Value)
	}
	switch n.ShortTag() {
	case "!!null":
		return "null"
	case "!!int", "!!float", "!!bool":
		if utf8.RuneCountInString(n.Value) <= 40 {
			return n.Value
		}
	case "!!str":
		if n.Style == 0 {
			// A plain number too large for float64 resolves to a string.
			if _, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64); errors.Is(err, strconv.ErrRange) {
				return quote(n.Value) + " (beyond the float64 range)"
			}
		}
		if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			plain := yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}
			if t := plain.ShortTag(); t == "!!int" || t == "!!float" {
				return quote(n.Value) + " (a quoted string)"
			}
		}
	}
	return quote(n.Value)
}

// suggest returns the known key nearest to key, or "" if none is near enough: the
// first key, in YOLOv5's order, at the smallest edit distance (ignoring case) if
// that is at most 1, or 2 for keys of six or more characters; failing that, the
// first key that starts with key, if key has four or more characters.
func suggest(key string) string {
	k := []rune(strings.ToLower(key))
	if len(k) > 40 {
		return ""
	}
	limit := 1
	if len(k) >= 6 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, f := range fields {
		if d := editDistance(k, []rune(f.key)); d < bestDist {
			best, bestDist = f.key, d
		}
	}
	if best == "" && len(k) >= 4 {
		// A known key cut short, such as label_smooth.
		for _, f := range fields {
			if strings.HasPrefix(f.key, string(k)) {
				return f.key
			}
		}
	}
	return best
}

// editDistance returns the optimal string alignment distance between a and b:
// the number of insertions, deletions, substitutions and transpositions of
// adjacent runes turning a into b.
func editDistance(a, b []rune) int {
	// d[i][j] is the distance between a[:i] and b[:j]; rows i-2, i-1 and i are kept.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
