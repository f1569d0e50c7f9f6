// Package yamlnode reads YAML documents as nodes, with their line numbers,
// the way the strict parsers of this module (package hyp's hyp files,
// package model's model files) need: one document, aliases followed,
// numbers only from !!int and !!float scalars, values described in error
// messages as their author wrote them, and a panic of the YAML library
// reported as bad input.
package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Error is a problem with a document: its 1-based line (0 when it has
// none), what is wrong, and the YAML library's error, if any.
type Error struct {
	Line int
	Msg  string
	Err  error
}

// Document returns the root node of the single YAML document in data, or
// nil for a document that is empty or null. what names the document in
// the message for a second one ("a hyp file", "a model file").
func Document(data []byte, what string) (root *yaml.Node, err *Error) {
	defer func() {
		// The YAML library is not meant to panic; if it does, report bad
		// input rather than crash the caller.
		if r := recover(); r != nil {
			root, err = nil, &Error{Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if e := dec.Decode(&doc); e != nil {
		if errors.Is(e, io.EOF) {
			return nil, nil
		}
		return nil, &Error{Msg: "invalid YAML", Err: e}
	}
	var next yaml.Node
	switch e := dec.Decode(&next); {
	case errors.Is(e, io.EOF):
	case e != nil:
		return nil, &Error{Msg: "invalid YAML", Err: e}
	default:
		return nil, &Error{Line: next.Line, Msg: what + " must hold one YAML document, found a second one"}
	}
	root = &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Value == "" && root.ShortTag() == "!!null" {
		return nil, nil
	}
	return root, nil
}

// Resolve follows alias nodes to the node they stand for; nil if it
// cannot.
func Resolve(n *yaml.Node) *yaml.Node {
	for range 8 {
		if n == nil || n.Kind != yaml.AliasNode {
			return n
		}
		n = n.Alias
	}
	return nil
}

// Number returns the value of a YAML integer or float scalar.
func Number(n *yaml.Node) (v float64, ok bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	if t := n.ShortTag(); t != "!!int" && t != "!!float" {
		return 0, false
	}
	return decode[float64](n)
}

// Integer returns the value of a YAML integer scalar that fits an int.
func Integer(n *yaml.Node) (v int, ok bool) {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		return 0, false
	}
	return decode[int](n)
}

func decode[V any](n *yaml.Node) (v V, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	if err := n.Decode(&v); err != nil {
		return v, false
	}
	return v, true
}

// KindName names the kind of a node for error messages.
func KindName(n *yaml.Node) string {
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

// Describe shows a value node in an error message: a mapping or a sequence
// by its kind, null as null, numbers and booleans as written, anything else
// quoted, with a hint where a quoted value looks like a number or a plain
// number is too large for float64.
func Describe(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return KindName(n)
	}
	if n.Style&yaml.TaggedStyle != 0 {
		return n.Tag + " " + Quote(n.Value)
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
				return Quote(n.Value) + " (beyond the float64 range)"
			}
		}
		if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			plain := yaml.Node{Kind: yaml.ScalarNode, Value: n.Value}
			if t := plain.ShortTag(); t == "!!int" || t == "!!float" {
				return Quote(n.Value) + " (a quoted string)"
			}
		}
	}
	return Quote(n.Value)
}

// FormatError formats an error of package pkg about a file as
// "pkg: file: line N: msg: err", leaving out the empty parts.
func FormatError(pkg, file string, line int, msg string, err error) string {
	var b strings.Builder
	b.WriteString(pkg + ": ")
	if file != "" {
		b.WriteString(file + ": ")
	}
	if line > 0 {
		fmt.Fprintf(&b, "line %d: ", line)
	}
	b.WriteString(msg)
	if err != nil {
		if msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Quote quotes s for an error message, shortening it if it is long.
func Quote(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}
