// Package yamlnode reads YAML documents as nodes, with their line numbers,
// the way the strict parsers of this module (package hyp's hyp files,
// package model's model files) need: one document, aliases followed,
// numbers only from !!int and !!float scalars, values described in error
// messages as their author wrote them (long values cut short), a panic of
// the YAML library reported as bad input, and files over a size cap
// (MaxFileSize, 1 MiB) refused before they are read (ReadFile).
package yamlnode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
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

// MaxFileSize is the size cap the parsers of this module apply to the YAML
// files they read (hyp, model and data files): 1 MiB, far above any real
// one, and small enough that a parse cannot take gigabytes of memory.
const MaxFileSize = 1 << 20

// ReadFile reads the file at path, refusing one larger than max bytes
// before it reads any of it, and one that grows past max while it is read.
// Its errors name the file, and for a file over the cap, the cap.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // an *fs.PathError, naming the file
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a file", path)
	}
	if fi.Mode().IsRegular() && fi.Size() > max {
		return nil, &SizeError{Path: path, Size: fmt.Sprintf("%d bytes", fi.Size()), Max: max}
	}
	// A regular file may grow after Stat; a pipe or device has no size:
	// read at most one byte more than the cap and refuse that.
	var b bytes.Buffer
	if fi.Mode().IsRegular() {
		b.Grow(int(fi.Size()) + 1)
	}
	if _, err := io.Copy(&b, io.LimitReader(f, max+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(b.Len()) > max {
		return nil, &SizeError{Path: path, Size: "more than that", Max: max}
	}
	return b.Bytes(), nil
}

// SizeError is ReadFile's error for a file over the cap.
type SizeError struct {
	Path string
	Size string // the size found, in words
	Max  int64
}

func (e *SizeError) Error() string {
	return fmt.Sprintf("%s is larger than the %s cap on YAML files (%s)", e.Path, FormatSize(e.Max), e.Size)
}

// FormatSize writes a byte count as "1 MiB", "512 KiB" or "100 bytes".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
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
		return Shorten(n.Tag) + " " + Quote(n.Value)
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

// quoteRunes is how many runes of a value Quote and Shorten keep.
const quoteRunes = 40

// Quote quotes s for an error message, shortening it to its first 40 runes
// and "…" if it is longer, whatever its length (a value of 100 MB costs no
// more than one of 41 runes).
func Quote(s string) string {
	if short, cut := prefix(s); cut {
		return strconv.Quote(short) + "…"
	}
	return strconv.Quote(s)
}

// Shorten returns s, or its first 40 runes and "…" if it is longer.
func Shorten(s string) string {
	if short, cut := prefix(s); cut {
		return short + "…"
	}
	return s
}

// prefix returns the first quoteRunes runes of s, and whether s is longer.
func prefix(s string) (string, bool) {
	n := 0
	for i := range s {
		if n == quoteRunes {
			return s[:i], true
		}
		n++
	}
	return s, false
}
