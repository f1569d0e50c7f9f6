package hyp

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/internal/yamlnode"
)

// Parse parses a YOLOv5 hyp file or an ultralytics config (see the package
// documentation for how the format is decided) and validates it. In a YOLOv5
// hyp file, absent optional keys are zero except fl_alpha (0.25) and fl_type
// (focal); a zero box-loss key stands for its default (see Hyp). In
// ultralytics' config, and in a file of keys both formats share, absent keys
// take ultralytics 8.4.35's defaults (DefaultV8). Data over MaxFileSize is
// refused unread. On failure it returns an *Error describing the first
// problem, with its line where it has one; see the package documentation
// for the checks.
func Parse(data []byte) (*Hyp, error) {
	h, err := parse(data)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func parse(data []byte) (*Hyp, *Error) {
	if len(data) > MaxFileSize {
		return nil, &Error{Msg: fmt.Sprintf("%d bytes is larger than the %s cap on hyp files", len(data), yamlnode.FormatSize(MaxFileSize))}
	}
	doc, err := decode(data)
	if err != nil {
		return nil, err
	}
	return fromDocument(doc)
}

// decode reads the single YAML document in data; nil for an empty one.
func decode(data []byte) (*yaml.Node, *Error) {
	root, err := yamlnode.Document(data, "hyp file")
	if err != nil {
		return nil, &Error{Line: err.Line, Msg: err.Msg, Err: err.Err}
	}
	return root, nil
}

// fromDocument builds a Hyp from a YAML document node: the format from the
// keys only one format has, then every key in file order.
func fromDocument(doc *yaml.Node) (*Hyp, *Error) {
	root := doc
	if root == nil {
		return nil, &Error{Msg: "empty hyp file"}
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{Line: root.Line, Msg: "hyp file must be a mapping of keys to values, got " + yamlnode.KindName(root)}
	}

	src := detect(root)
	format := src.format
	h := &Hyp{FlAlpha: DefaultFlAlpha, FlType: criterion.DefaultType}
	if format.anchorFree() {
		h = DefaultV8()
	}
	h.src = src
	fail := func(e *Error) (*Hyp, *Error) { e.Format = format; return nil, e }
	lines := make(map[string]int) // key -> line of its first occurrence
	for i := 0; i+1 < len(root.Content); i += 2 {
		kn, vn := root.Content[i], root.Content[i+1]
		key, err := keyName(kn)
		if err != nil {
			return fail(err)
		}
		line := kn.Line
		f, ok := byKey[key]
		if !ok {
			msg := "unknown key " + quote(key)
			if s := suggest(key, format); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return fail(&Error{Line: line, Key: key, Msg: msg})
		}
		if first, dup := lines[key]; dup {
			return fail(&Error{Line: line, Key: key, Msg: fmt.Sprintf("duplicate key %q (first at line %d)", key, first)})
		}
		if !f.owner.belongs(format) {
			return fail(&Error{Line: line, Key: key, Msg: fmt.Sprintf("key %s is %s, but key %s on line %d is %s: a file is a YOLOv5 hyp file or an ultralytics config, not both",
				quote(key), f.owner.name(), quote(src.key), src.line, byKey[src.key].owner.name())})
		}
		lines[key] = line
		vn = yamlnode.Resolve(vn)

		if msg := f.value.set(h, vn); msg != "" {
			return fail(keyError(line, key, msg))
		}
	}

	var missing []string
	for _, f := range fields {
		if _, ok := lines[f.key]; f.required && !ok {
			missing = append(missing, f.key)
		}
	}
	slices.Sort(missing)
	switch {
	case format == FormatShared:
		h.src.missing = quoteList(missing)
	case format == FormatYOLOv5 && len(missing) == 1:
		return fail(&Error{Key: missing[0], Msg: "missing required key " + quote(missing[0])})
	case format == FormatYOLOv5 && len(missing) > 1:
		return fail(&Error{Msg: "missing required keys " + quoteList(missing)})
	}

	if err := h.checkEffects(func(key string) (int, bool) {
		line, ok := lines[key]
		return line, ok
	}); err != nil {
		return fail(err)
	}
	// Every key present passed the checks of Validate above, and every absent one
	// holds its default, which passes them too; FuzzParse cross-checks this.
	return h, nil
}

// detect returns the format of the mapping root, decided by the first key
// in file order that only one format has, with that key and its line (the
// first such loss key of that format, where it has one); FormatShared when
// there is none. It stops at the first key that is not a plain name, which
// the second pass reports.
func detect(root *yaml.Node) source {
	s := source{format: FormatShared}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, err := keyName(root.Content[i])
		if err != nil {
			break
		}
		f, ok := byKey[key]
		if !ok || f.owner == both {
			continue
		}
		if s.key == "" {
			s = source{format: f.owner.format(), key: key, line: root.Content[i].Line}
		} else if f.owner.format() == s.format && lossOnly[key] && !lossOnly[s.key] {
			s.key, s.line = key, root.Content[i].Line
		}
	}
	return s
}

// keyName returns the name of a mapping key node.
func keyName(n *yaml.Node) (string, *Error) {
	r := yamlnode.Resolve(n)
	if r == nil || r.Kind != yaml.ScalarNode {
		return "", &Error{Line: n.Line, Msg: "keys must be plain names, got " + yamlnode.KindName(r)}
	}
	if r.ShortTag() == "!!merge" {
		return "", &Error{Line: n.Line, Key: r.Value, Msg: `merge keys ("<<") are not supported`}
	}
	return r.Value, nil
}

// suggest returns the known key of format's files nearest to key, or "" if
// none is near enough: the first key, in YOLOv5's order and then
// ultralytics' own keys, at the smallest edit distance (ignoring case) if that
// is at most 1, or 2 for keys of six or more characters; failing that, the
// first key that starts with key, if key has four or more characters.
func suggest(key string, format Format) string {
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
		if !f.owner.belongs(format) && format != FormatShared {
			continue
		}
		if d := editDistance(k, []rune(f.key)); d < bestDist {
			best, bestDist = f.key, d
		}
	}
	if best == "" && len(k) >= 4 {
		// A known key cut short, such as label_smooth.
		for _, f := range fields {
			if (f.owner.belongs(format) || format == FormatShared) && strings.HasPrefix(f.key, string(k)) {
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
