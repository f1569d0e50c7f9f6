package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// The helpers below read YAML nodes the way package hyp does (one
// document, aliases followed, numbers only from !!int and !!float
// scalars, a recovered panic of the YAML library reported as bad input).
// hyp keeps its own unexported copies; both could move to one internal
// package.

// decodeDocument returns the root node of the single YAML document in data;
// nil for an empty document.
func decodeDocument(data []byte) (root *yaml.Node, err *FileError) {
	defer func() {
		// The YAML library is not meant to panic; if it does, report bad
		// input rather than crash the caller.
		if r := recover(); r != nil {
			root, err = nil, &FileError{Msg: fmt.Sprintf("invalid YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if e := dec.Decode(&doc); e != nil {
		if errors.Is(e, io.EOF) {
			return nil, nil
		}
		return nil, &FileError{Msg: "invalid YAML", Err: e}
	}
	var next yaml.Node
	switch e := dec.Decode(&next); {
	case errors.Is(e, io.EOF):
	case e != nil:
		return nil, &FileError{Msg: "invalid YAML", Err: e}
	default:
		return nil, &FileError{Line: next.Line, Msg: "a model file holds one YAML document, found a second one"}
	}
	root = &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, nil
	}
	return root, nil
}

// resolveAlias follows alias nodes to the node they stand for; nil if it
// cannot.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for range 8 {
		if n == nil || n.Kind != yaml.AliasNode {
			return n
		}
		n = n.Alias
	}
	return nil
}

// number returns the value of a YAML integer or float scalar.
func number(n *yaml.Node) (v float64, ok bool) {
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

// integer returns the value of a YAML integer scalar that fits an int.
func integer(n *yaml.Node) (v int, ok bool) {
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
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

// describe shows a node in an error message: a mapping or a sequence by its
// kind, a scalar as written (quoted unless a number, a boolean or null).
func describe(n *yaml.Node) string {
	if n == nil {
		return "an unresolvable alias"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
	default:
		return "an unexpected YAML node"
	}
	quoted := n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0
	switch t := n.ShortTag(); {
	case t == "!!null":
		return "null"
	case (t == "!!int" || t == "!!float" || t == "!!bool") && len(n.Value) <= 40:
		return n.Value
	case quoted:
		return quote(n.Value) + " (a quoted string)"
	}
	return quote(n.Value)
}

// quote quotes s for an error message, shortening it if it is long.
func quote(s string) string {
	const max = 40
	if r := []rune(s); len(r) > max {
		return strconv.Quote(string(r[:max])) + "…"
	}
	return strconv.Quote(s)
}
