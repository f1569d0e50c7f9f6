package batchfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/yolo-loss/yololoss/tensor"
)

// The .npy format (NEP 1): a magic string, a version, the length of a
// header, and the header itself, a Python dict literal such as
//
//	{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
//
// padded with spaces and closed by a newline; then the raw array data.

// npyMagic opens every .npy file.
const npyMagic = "\x93NUMPY"

const (
	// maxHeaderLen caps the length an .npy header may declare. NumPy
	// writes headers of a few hundred bytes for plain dtypes and refuses
	// to read ones over 10000 bytes by default.
	maxHeaderLen = 1 << 16
	// maxRank caps the rank of an array, as NumPy's own limit of 64
	// dimensions does.
	maxRank = 64
	// maxNesting caps the nesting of the header literal.
	maxNesting = 16
)

// dtype is an element type this package reads: float16, float32 or
// float64 (kind 'f'), and for the integer reader int8 to int64 ('i') and
// uint8 to uint64 ('u'), in a given byte order. float16 data are widened
// to float32 as they are read.
type dtype struct {
	kind  byte // 'f', 'i' or 'u'
	size  int  // 1, 2, 4 or 8 bytes in the file
	order binary.ByteOrder
}

func (d dtype) String() string {
	switch d.kind {
	case 'i':
		return "int" + strconv.Itoa(8*d.size)
	case 'u':
		return "uint" + strconv.Itoa(8*d.size)
	}
	return "float" + strconv.Itoa(8*d.size)
}

// memSize is the size of an element in memory, read as lim says: int64
// for the integer reader; else conv bytes, or with no conversion the
// file's own float type, float16 widened to float32.
func (d dtype) memSize(lim limits) int {
	switch {
	case lim.ints:
		return 8
	case lim.conv != 0:
		return lim.conv
	}
	return max(d.size, 4)
}

// limits are what a read allows: the cap on the memory of the data read,
// the element size the data are converted to (0: none), and whether the
// data are read as integers (int64) rather than floats.
type limits struct {
	max  int64
	conv int
	ints bool
}

// npyHeader is a parsed and checked .npy header.
type npyHeader struct {
	dtype   dtype
	fortran bool
	shape   []int
	count   int64 // number of elements, the product of shape
	nbytes  int64 // count × dtype.size
	mem     int64 // count × the size of an element once read
	conv    int   // the element size the data are read into: 4 or 8
	hdrLen  int64 // bytes before the data: magic, version, length, header
}

// readNPYHeader reads the header of an .npy stream from r, which holds
// avail bytes in all. It never allocates more than the header length that
// it has checked against avail and maxHeaderLen, and it checks the
// declared data size against avail, against lim.max, and for overflow.
func readNPYHeader(r io.Reader, avail uint64, lim limits) (npyHeader, error) {
	var h npyHeader
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return h, fmt.Errorf("reading .npy header: %w", eofIsUnexpected(err))
	}
	if string(pre[:6]) != npyMagic {
		return h, errors.New("not an .npy file (bad magic)")
	}
	major, minor := pre[6], pre[7]
	var n uint64
	switch major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, fmt.Errorf("reading .npy header: %w", eofIsUnexpected(err))
		}
		n = uint64(binary.LittleEndian.Uint16(b[:]))
		h.hdrLen = 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, fmt.Errorf("reading .npy header: %w", eofIsUnexpected(err))
		}
		n = uint64(binary.LittleEndian.Uint32(b[:]))
		h.hdrLen = 12
	default:
		return h, fmt.Errorf("unsupported .npy format version %d.%d", major, minor)
	}
	if n > maxHeaderLen {
		return h, fmt.Errorf(".npy header length %d is more than the limit of %d bytes", n, maxHeaderLen)
	}
	if uint64(h.hdrLen)+n > avail {
		return h, fmt.Errorf(".npy header length %d runs past the end of the %d-byte entry", n, avail)
	}
	h.hdrLen += int64(n)
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return h, fmt.Errorf("reading .npy header: %w", eofIsUnexpected(err))
	}
	if err := h.parse(string(buf)); err != nil {
		if de, ok := err.(*dtypeError); ok {
			de.ints = lim.ints
			return h, de // a wrong dtype is not a malformed header
		}
		return h, fmt.Errorf("bad .npy header: %w", err)
	}
	if h.dtype.kind != 'f' && !lim.ints {
		return h, &dtypeError{name: h.dtype.String()}
	}
	if err := h.size(lim); err != nil {
		return h, err
	}
	if data := avail - uint64(h.hdrLen); uint64(h.nbytes) != data {
		return h, fmt.Errorf("header declares %s %v (%d bytes of data), but the entry holds %d bytes of data",
			h.dtype, h.shape, h.nbytes, data)
	}
	return h, nil
}

// eofIsUnexpected turns a clean EOF in the middle of a structure into
// io.ErrUnexpectedEOF.
func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// size sets count, nbytes, mem and conv from shape, whose dimensions
// parse has checked to be in [0, maxInt], refusing overflow and a memory
// size over lim.max.
func (h *npyHeader) size(lim limits) error {
	mem := h.dtype.memSize(lim)
	count, ok := tensor.Size(h.shape)
	if !ok || int64(count) > lim.max/int64(mem) {
		return fmt.Errorf("header declares %s %v: more than the limit of %s", h.dtype, h.shape, bytesText(lim.max))
	}
	h.count = int64(count)
	h.nbytes = int64(count) * int64(h.dtype.size)
	h.mem = int64(count) * int64(mem)
	h.conv = mem
	return nil
}

// parse reads the header dict.
func (h *npyHeader) parse(s string) error {
	p := &pyParser{s: strings.TrimRight(s, " \t\r\n\x00")}
	v, err := p.value()
	if err != nil {
		return err
	}
	p.space()
	if p.pos != len(p.s) {
		return fmt.Errorf("unexpected %q after the header dict", p.rest())
	}
	d, ok := v.(pyDict)
	if !ok {
		return fmt.Errorf("header is a %s, not a dict", pyTypeName(v))
	}
	seen := map[string]bool{}
	for _, kv := range d {
		if seen[kv.key] {
			return fmt.Errorf("duplicate key %q", kv.key)
		}
		seen[kv.key] = true
		switch kv.key {
		case "descr":
			dt, err := parseDescr(kv.val)
			if err != nil {
				return err
			}
			h.dtype = dt
		case "fortran_order":
			b, ok := kv.val.(bool)
			if !ok {
				return fmt.Errorf("'fortran_order' is a %s, not a bool", pyTypeName(kv.val))
			}
			h.fortran = b
		case "shape":
			t, ok := kv.val.(pyTuple)
			if !ok {
				return fmt.Errorf("'shape' is a %s, not a tuple", pyTypeName(kv.val))
			}
			if len(t) > maxRank {
				return fmt.Errorf("'shape' has %d dimensions, more than %d", len(t), maxRank)
			}
			h.shape = make([]int, len(t))
			for i, e := range t {
				n, ok := e.(int64)
				if !ok {
					return fmt.Errorf("'shape' item %d is a %s, not an int", i, pyTypeName(e))
				}
				if n < 0 || uint64(n) > uint64(maxInt) {
					return fmt.Errorf("'shape' item %d is %d, out of range", i, n)
				}
				h.shape[i] = int(n)
			}
		default:
			return fmt.Errorf("unexpected key %q", kv.key)
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fmt.Errorf("missing key %q", k)
		}
	}
	return nil
}

const maxInt = int(^uint(0) >> 1)

// dtypeError reports an element type that a read does not take: other
// than float16, float32 or float64 for the float readers, other than an
// integer or float type for the integer reader. Its message is completed
// with the array's name by the caller.
type dtypeError struct {
	name string
	ints bool // the integer reader's
}

func (e *dtypeError) Error() string {
	if e.ints {
		return fmt.Sprintf("dtype %s is not an integer (int8 to int64, uint8 to uint64) or float16, float32 or float64 holding integers", e.name)
	}
	return fmt.Sprintf("dtype %s is not float16, float32 or float64", e.name)
}

// parseDescr accepts a little- or big-endian float16, float32 or float64
// descr, or an integer one of 1, 2, 4 or 8 bytes (the byte order "|" for
// one byte, as NumPy writes it), and names anything else the way NumPy
// would. Whether the read takes integers is checked by the caller.
func parseDescr(v any) (dtype, error) {
	s, ok := v.(string)
	if !ok {
		// A list (structured) or tuple (sub-array) descr.
		return dtype{}, &dtypeError{name: "structured"}
	}
	var order byte
	rest := s
	if rest != "" && strings.IndexByte("<>=|", rest[0]) >= 0 {
		order, rest = rest[0], rest[1:]
	}
	if rest == "" {
		return dtype{}, &dtypeError{name: strconv.Quote(s)}
	}
	kind, digits := rest[0], rest[1:]
	size, err := strconv.Atoi(digits)
	if err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' {
		return dtype{}, &dtypeError{name: strconv.Quote(s)}
	}
	name := ""
	switch {
	case kind == 'f' && (size == 2 || size == 4 || size == 8 || size == 16):
		name = "float" + strconv.Itoa(8*size)
	case kind == 'i' && (size == 1 || size == 2 || size == 4 || size == 8):
		name = "int" + strconv.Itoa(8*size)
	case kind == 'u' && (size == 1 || size == 2 || size == 4 || size == 8):
		name = "uint" + strconv.Itoa(8*size)
	case kind == 'c' && (size == 8 || size == 16 || size == 32):
		name = "complex" + strconv.Itoa(8*size)
	case kind == 'b' && size == 1:
		name = "bool"
	default:
		return dtype{}, &dtypeError{name: strconv.Quote(s)}
	}
	if kind != 'f' && kind != 'i' && kind != 'u' || size == 16 {
		return dtype{}, &dtypeError{name: name}
	}
	switch {
	case order == '<':
		return dtype{kind: kind, size: size, order: binary.LittleEndian}, nil
	case order == '>':
		return dtype{kind: kind, size: size, order: binary.BigEndian}, nil
	case order == '=' || order == '|' && size == 1:
		return dtype{kind: kind, size: size, order: binary.NativeEndian}, nil
	default:
		return dtype{}, fmt.Errorf("dtype %q has no byte order", s)
	}
}

// Python literals, as far as .npy headers use them.
type (
	pyDict []pyItem
	pyItem struct {
		key string
		val any
	}
	pyTuple []any
	pyList  []any
	pyNone  struct{}
)

func pyTypeName(v any) string {
	switch v.(type) {
	case pyDict:
		return "dict"
	case pyTuple:
		return "tuple"
	case pyList:
		return "list"
	case string:
		return "str"
	case int64:
		return "int"
	case bool:
		return "bool"
	case pyNone:
		return "None"
	}
	return fmt.Sprintf("%T", v)
}

// pyParser parses the subset of Python literal syntax that appears in .npy
// headers: dicts with string keys, tuples, lists, strings, integers, True,
// False and None.
type pyParser struct {
	s     string
	pos   int
	depth int
}

func (p *pyParser) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *pyParser) rest() string {
	r := p.s[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *pyParser) value() (any, error) {
	p.space()
	if p.pos >= len(p.s) {
		return nil, errors.New("unexpected end of header")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.dict()
	case c == '(':
		return p.seq('(', ')')
	case c == '[':
		return p.seq('[', ']')
	case c == '\'' || c == '"':
		return p.str()
	case c == '-' || c == '+' || ('0' <= c && c <= '9'):
		return p.int()
	case 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_':
		start := p.pos
		for p.pos < len(p.s) && isIdent(p.s[p.pos]) {
			p.pos++
		}
		switch w := p.s[start:p.pos]; w {
		case "True":
			return true, nil
		case "False":
			return false, nil
		case "None":
			return pyNone{}, nil
		default:
			return nil, fmt.Errorf("unexpected name %q", w)
		}
	default:
		return nil, fmt.Errorf("unexpected %q", p.rest())
	}
}

func isIdent(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_'
}

func (p *pyParser) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return errors.New("header nested too deeply")
	}
	return nil
}

func (p *pyParser) dict() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.pos++ // '{'
	var d pyDict
	for {
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return d, nil
		}
		k, err := p.value()
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("dict key is a %s, not a str", pyTypeName(k))
		}
		p.space()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return nil, fmt.Errorf("missing ':' after key %q", key)
		}
		p.pos++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		d = append(d, pyItem{key: key, val: v})
		p.space()
		if p.pos >= len(p.s) {
			return nil, errors.New("unterminated dict")
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case '}':
		default:
			return nil, fmt.Errorf("unexpected %q in dict", p.rest())
		}
	}
}

// seq parses a tuple or a list. A parenthesised single value without a
// comma is that value, as in Python.
func (p *pyParser) seq(open, close byte) (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.pos++ // open
	var items []any
	comma := false
	for {
		p.space()
		if p.pos < len(p.s) && p.s[p.pos] == close {
			p.pos++
			break
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		p.space()
		if p.pos >= len(p.s) {
			return nil, fmt.Errorf("unterminated %q", string(open))
		}
		switch p.s[p.pos] {
		case ',':
			comma = true
			p.pos++
		case close:
		default:
			return nil, fmt.Errorf("unexpected %q in %q...%q", p.rest(), string(open), string(close))
		}
	}
	if open == '[' {
		return pyList(items), nil
	}
	if len(items) == 1 && !comma {
		return items[0], nil
	}
	return pyTuple(items), nil
}

func (p *pyParser) str() (any, error) {
	q := p.s[p.pos]
	p.pos++
	// The usual string has no escapes: return it without copying.
	if end := strings.IndexByte(p.s[p.pos:], q); end >= 0 {
		if lit := p.s[p.pos : p.pos+end]; strings.IndexAny(lit, "\\\n") < 0 {
			p.pos += end + 1
			return lit, nil
		}
	}
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		switch c {
		case q:
			return b.String(), nil
		case '\\':
			if p.pos >= len(p.s) {
				return nil, errors.New("unterminated string")
			}
			b.WriteByte(p.s[p.pos])
			p.pos++
		case '\n':
			return nil, errors.New("newline in string")
		default:
			b.WriteByte(c)
		}
	}
	return nil, errors.New("unterminated string")
}

func (p *pyParser) int() (any, error) {
	start := p.pos
	if c := p.s[p.pos]; c == '-' || c == '+' {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.s) && '0' <= p.s[p.pos] && p.s[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == digits {
		return nil, fmt.Errorf("malformed number %q", p.s[start:p.pos])
	}
	text := p.s[start:p.pos]
	// Python 2 wrote long integers with an L suffix.
	if p.pos < len(p.s) && (p.s[p.pos] == 'L' || p.s[p.pos] == 'l') {
		p.pos++
	}
	if p.pos < len(p.s) && (isIdent(p.s[p.pos]) || p.s[p.pos] == '.') {
		return nil, fmt.Errorf("malformed number %q", p.rest())
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("number %s out of range", text)
	}
	return n, nil
}

// appendNPYHeader appends a version 1.0 .npy header (version 2.0 if the
// dict is too long for 1.0) for a C-order array, padded so that the data
// starts at a multiple of 64 bytes, as NumPy does.
func appendNPYHeader(b []byte, descr string, shape []int) []byte {
	var d strings.Builder
	d.WriteString("{'descr': '")
	d.WriteString(descr)
	d.WriteString("', 'fortran_order': False, 'shape': (")
	for i, n := range shape {
		if i > 0 {
			d.WriteString(", ")
		}
		d.WriteString(strconv.Itoa(n))
	}
	if len(shape) == 1 {
		d.WriteByte(',')
	}
	d.WriteString("), }")
	dict := d.String()

	pre := 10
	if len(dict)+1+63 > 0xffff {
		pre = 12
	}
	total := pre + len(dict) + 1
	pad := (64 - total%64) % 64
	n := len(dict) + pad + 1

	b = append(b, npyMagic...)
	if pre == 10 {
		b = append(b, 1, 0)
		b = binary.LittleEndian.AppendUint16(b, uint16(n))
	} else {
		b = append(b, 2, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(n))
	}
	b = append(b, dict...)
	for range pad {
		b = append(b, ' ')
	}
	return append(b, '\n')
}
