package batchfile

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/yolo-loss/yololoss/tensor"
)

// chunkBytes is how much array data is read and decoded at a time where
// the data cannot be read straight into the array (another byte order or
// element type, Fortran order).
const chunkBytes = 64 << 10

// Deflate's best ratio: a match of 258 bytes takes at least two bits, so a
// deflate stream of n bytes inflates to at most about 1032·n bytes
// (maxInflate·n plus the slack of a block's first literals). A zip entry
// declaring more cannot hold what it declares, and is refused before
// anything is allocated for it.
const (
	maxInflate      = 1032
	maxInflateSlack = 1 << 10
)

// archive is an opened .npz file: its arrays by name.
type archive struct {
	files map[string]*zip.File
	order []string // array names in archive order
	size  int64    // the archive's size in bytes
	lim   limits
}

func openArchive(r io.ReaderAt, size int64, o Options) (*archive, error) {
	lim, err := o.limits()
	if err != nil {
		return nil, err
	}
	if size < 0 {
		return nil, fmt.Errorf("negative size %d", size)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a valid .npz (zip) archive: %w", err)
	}
	a := &archive{files: make(map[string]*zip.File, len(zr.File)), size: size, lim: lim}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		name := strings.TrimSuffix(f.Name, ".npy")
		if _, dup := a.files[name]; dup {
			return nil, fmt.Errorf("array %q appears twice in the archive", name)
		}
		a.files[name] = f
		a.order = append(a.order, name)
	}
	return a, nil
}

// entry is one array whose header has been read and checked; its data
// is next in rc.
type entry struct {
	name string
	rc   io.ReadCloser
	hdr  npyHeader
}

// open opens the named array, to be read as floats as conv says (0: its
// own type, else into elements of conv bytes), and reads its header.
func (a *archive) open(name string, conv int) (*entry, error) {
	return a.openAs(name, limits{max: a.lim.max, conv: conv})
}

// openAs opens the named array, to be read as lim says, and reads its
// header.
func (a *archive) openAs(name string, lim limits) (*entry, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, fmt.Errorf("array %q is missing", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	h, err := readNPYHeader(rc, f.UncompressedSize64, lim)
	if err == nil {
		err = a.checkEntry(f)
	}
	if err != nil {
		_ = rc.Close()
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	return &entry{name: name, rc: rc, hdr: h}, nil
}

// checkEntry refuses a zip entry that cannot hold the data it declares:
// compressed bytes past the end of the file, a stored entry larger than
// what it stores, a deflated one larger than deflate can inflate its
// stream to.
func (a *archive) checkEntry(f *zip.File) error {
	off, err := f.DataOffset()
	if err != nil {
		return err
	}
	comp, size := f.CompressedSize64, f.UncompressedSize64
	if off < 0 || comp > uint64(a.size) || uint64(off) > uint64(a.size)-comp {
		return fmt.Errorf("zip entry's %d compressed bytes at offset %d run past the end of the %d-byte file", comp, off, a.size)
	}
	switch f.Method {
	case zip.Store:
		if size > comp {
			return fmt.Errorf("zip entry declares %d bytes but stores %d", size, comp)
		}
	case zip.Deflate:
		if comp > (math.MaxUint64-maxInflateSlack)/maxInflate {
			return nil // past any file's size: checked above
		}
		if most := maxInflate*comp + maxInflateSlack; size > most {
			return fmt.Errorf("zip entry declares %d bytes, but its %d deflated bytes inflate to at most %d (deflate's ratio is at most about %d:1)",
				size, comp, most, maxInflate)
		}
	}
	return nil
}

func (e *entry) close() {
	if e != nil && e.rc != nil {
		_ = e.rc.Close()
		e.rc = nil
	}
}

// read reads the data of e into a tensor of e.hdr.conv bytes an element,
// in C order. It allocates the tensor once, of the size the header
// declares (which open has checked against the zip entry, the entry
// against what its compressed bytes can hold, and the size against the
// cap), and reads the data straight into it when the file's element type
// and byte order are the tensor's and the array is in C order; else in
// chunks of chunkBytes, decoded into place.
func (e *entry) read() (Tensor, error) {
	t := Tensor{Name: e.name, Array: tensor.Array{Shape: e.hdr.shape}}
	n := int(e.hdr.count)
	d := e.hdr.dtype
	fortran := e.hdr.fortran && len(t.Shape) > 1
	var raw []byte // the tensor's memory, when the file's bytes can go straight there
	if e.hdr.conv == 4 {
		t.F32 = make([]float32, n)
		if d.size == 4 && !fortran && isNative(d.order) {
			raw = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t.F32))), 4*n)
		}
	} else {
		t.F64 = make([]float64, n)
		if d.size == 8 && !fortran && isNative(d.order) {
			raw = unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t.F64))), 8*n)
		}
	}
	var err error
	if raw != nil {
		if _, err = io.ReadFull(e.rc, raw); err != nil {
			err = fmt.Errorf("array %q: reading data: %w", e.name, eofIsUnexpected(err))
		}
	} else if t.F32 != nil {
		err = decodeAll(e, t.F32, fortran)
	} else {
		err = decodeAll(e, t.F64, fortran)
	}
	if err == nil {
		err = e.finish()
	}
	if err != nil {
		return Tensor{}, err
	}
	return t, nil
}

// finish checks that e's data end where its header says. Reading to the
// end makes archive/zip verify the CRC-32.
func (e *entry) finish() error {
	var one [1]byte
	switch k, err := e.rc.Read(one[:]); {
	case k > 0 || err == nil:
		return fmt.Errorf("array %q: data runs past the declared size", e.name)
	case err != io.EOF:
		return fmt.Errorf("array %q: %w", e.name, err)
	}
	return nil
}

// decodeAll reads e's data in chunks and decodes each element into dst,
// at its C-order place (Fortran-order data scattered there). Elements
// narrowed from float64 to float32 must stay finite.
func decodeAll[D float32 | float64](e *entry, dst []D, fortran bool) error {
	d := e.hdr.dtype
	stage := make([]D, min(int64(chunkBytes), e.hdr.nbytes)/int64(d.size))
	place := e.place(fortran)
	return e.chunks(func(chunk []byte, k int) error {
		m := len(chunk) / d.size
		if bad := decode(stage[:m], chunk, d); bad >= 0 {
			return &rangeError{name: e.name, at: e.index(k+bad, fortran), v: math.Float64frombits(d.order.Uint64(chunk[8*bad:]))}
		}
		scatter(dst, stage[:m], k, place)
		return nil
	})
}

// chunks reads e's data in chunks of at most chunkBytes, whole elements
// each, and calls f with each chunk and the index in file order of its
// first element.
func (e *entry) chunks(f func(chunk []byte, k int) error) error {
	size := int64(e.hdr.dtype.size)
	buf := make([]byte, min(int64(chunkBytes), e.hdr.nbytes))
	k := 0
	for left := e.hdr.nbytes; left > 0; {
		chunk := buf[:min(int64(len(buf)), left)]
		if _, err := io.ReadFull(e.rc, chunk); err != nil {
			return fmt.Errorf("array %q: reading data: %w", e.name, eofIsUnexpected(err))
		}
		left -= int64(len(chunk))
		if err := f(chunk, k); err != nil {
			return err
		}
		k += int(int64(len(chunk)) / size)
	}
	return nil
}

// place returns the scatter of a Fortran-order array's elements to their
// C-order places, or nil for a C-order one.
func (e *entry) place(fortran bool) *fortranPlace {
	if !fortran {
		return nil
	}
	return newFortranPlace(e.hdr.shape)
}

// index returns the index in e's shape of element k in file order.
func (e *entry) index(k int, fortran bool) []int {
	if fortran {
		k = newFortranPlace(e.hdr.shape).skip(k)
	}
	return unravel(k, e.hdr.shape)
}

// scatter puts the elements src, from index k in file order on, at their
// places in dst: in order, or where place says.
func scatter[D any](dst, src []D, k int, place *fortranPlace) {
	if place == nil {
		copy(dst[k:], src)
		return
	}
	for _, v := range src {
		dst[place.next()] = v
	}
}

// ErrFloat32Range is matched (errors.Is) by the error of a read that
// converts float64 data to float32 (Options.DType) and meets a finite
// value beyond float32's range.
var ErrFloat32Range = errors.New("a finite value beyond float32's range")

// rangeError is a float64 value that float32 cannot hold.
type rangeError struct {
	name string
	at   []int
	v    float64
}

func (e *rangeError) Error() string {
	return fmt.Sprintf("array %q: %s%v = %v is beyond float32's range (±%.4g)", e.name, e.name, e.at, e.v, math.MaxFloat32)
}

func (e *rangeError) Is(target error) bool { return target == ErrFloat32Range }

// decode decodes the elements of chunk, of type d, into stage, converting
// each once. It returns the index of the first finite float64 that
// overflowed float32, or -1.
func decode[D float32 | float64](stage []D, chunk []byte, d dtype) int {
	switch d.size {
	case 2:
		for i := range stage {
			stage[i] = D(halfToFloat32(d.order.Uint16(chunk[2*i:])))
		}
	case 4:
		for i := range stage {
			stage[i] = D(math.Float32frombits(d.order.Uint32(chunk[4*i:])))
		}
	default:
		narrow := false
		for i := range stage {
			v := math.Float64frombits(d.order.Uint64(chunk[8*i:]))
			stage[i] = D(v)
			narrow = narrow || math.IsInf(float64(stage[i]), 0) && !math.IsInf(v, 0)
		}
		if narrow {
			for i := range stage {
				if v := math.Float64frombits(d.order.Uint64(chunk[8*i:])); math.IsInf(float64(stage[i]), 0) && !math.IsInf(v, 0) {
					return i
				}
			}
		}
	}
	return -1
}

// isNative reports whether order is the machine's byte order.
func isNative(order binary.ByteOrder) bool {
	b := []byte{1, 0}
	return order.Uint16(b) == binary.NativeEndian.Uint16(b)
}

// fortranPlace gives the C-order place of each element of a Fortran-order
// array, in the order of the file: the first dimension varies fastest.
type fortranPlace struct {
	shape, idx, cstride []int
	off                 int
}

func newFortranPlace(shape []int) *fortranPlace {
	p := &fortranPlace{shape: shape, idx: make([]int, len(shape)), cstride: make([]int, len(shape))}
	s := 1
	for k := len(shape) - 1; k >= 0; k-- {
		p.cstride[k] = s
		s *= shape[k]
	}
	return p
}

// next returns the place of the next element.
func (p *fortranPlace) next() int {
	at := p.off
	for k := range p.shape {
		p.idx[k]++
		p.off += p.cstride[k]
		if p.idx[k] < p.shape[k] {
			break
		}
		p.off -= p.idx[k] * p.cstride[k]
		p.idx[k] = 0
	}
	return at
}

// skip returns the place of element n of the file.
func (p *fortranPlace) skip(n int) int {
	for range n {
		p.next()
	}
	return p.next()
}

// isPredName reports whether name is p0, p1, ... (canonical decimal, no
// leading zeros) and returns its number.
func isPredName(name string) (int, bool) {
	if len(name) < 2 || name[0] != 'p' || (name[1] == '0' && len(name) > 2) {
		return 0, false
	}
	for _, c := range name[1:] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(name[1:])
	if err != nil {
		return 0, false
	}
	return n, true
}

// Read reads a batch from the .npz archive in r, which holds size bytes,
// and validates it (see Batch.Validate). Predictions keep their dtype;
// targets, anchors and strides are converted to float64. Arrays other
// than p0..p{nl-1}, targets, anchors and strides are ignored.
//
// Every header is checked before any array data is read: an array must be
// float16, float32 or float64, its declared size must match its zip entry,
// the entry must be able to hold it (see the package doc), and the data
// may not take more than MaxBytes of memory in all. Each array is then
// allocated once, at its declared size. Errors begin with "batchfile: "
// and name the array. Options.Read reads with another cap, or converts
// the predictions to one element type.
func Read(r io.ReaderAt, size int64) (*Batch, error) { return Options{}.Read(r, size) }

// ReadFile reads and validates the batch in the named .npz file, as Read
// does. Errors begin with "batchfile: <path>: ".
func ReadFile(path string) (*Batch, error) { return Options{}.ReadFile(path) }

func read(r io.ReaderAt, size int64, o Options) (*Batch, error) {
	a, err := openArchive(r, size, o)
	if err != nil {
		return nil, err
	}
	nl, err := countLayers(a)
	if err != nil {
		return nil, err
	}
	h := headers{a: a}
	defer h.close()
	// Headers first: types, shapes and sizes, before any data.
	if err := h.open(nl); err != nil {
		return nil, err
	}
	b, err := h.read()
	if err != nil {
		return nil, err
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	return b, nil
}

// countLayers returns the number of prediction layers of a:
// p0..p{nl-1} without a gap, 1 to MaxLayers.
func countLayers(a *archive) (int, error) {
	nl := 0
	for {
		if _, ok := a.files[PredName(nl)]; !ok {
			break
		}
		nl++
	}
	next := -1 // the lowest-numbered layer past the gap
	for _, name := range a.order {
		if k, ok := isPredName(name); ok && k > nl && (next < 0 || k < next) {
			next = k
		}
	}
	switch {
	case nl == 0 && next < 0:
		return 0, errors.New(`no predictions: array "p0" is missing`)
	case nl == 0:
		return 0, fmt.Errorf(`no predictions: array "p0" is missing (found %q)`, PredName(next))
	case next >= 0:
		return 0, fmt.Errorf("array %q is missing (found %q)", PredName(nl), PredName(next))
	case nl > MaxLayers:
		return 0, errTooManyLayers(nl)
	}
	return nl, nil
}

// headers are the open entries of a batch file, their headers checked.
type headers struct {
	a                         *archive
	all                       []*entry // every entry opened, for close
	preds                     []*entry
	targets, anchors, strides *entry // anchors and strides nil when absent
}

func (h *headers) close() {
	for _, e := range h.all {
		e.close()
	}
}

// openOne opens the entry name, to be read as conv says, and checks the
// total memory declared so far.
func (h *headers) openOne(name string, conv int) (*entry, error) {
	e, err := h.a.open(name, conv)
	if err != nil {
		return nil, err
	}
	h.all = append(h.all, e)
	return e, checkTotal(h.all, h.a.lim.max)
}

// open opens the arrays of a batch of nl layers and checks their shapes.
func (h *headers) open(nl int) error {
	var err error
	h.preds = make([]*entry, nl)
	shapes := make([][]int, nl)
	for i := range h.preds {
		if h.preds[i], err = h.openOne(PredName(i), h.a.lim.conv); err != nil {
			return err
		}
		shapes[i] = h.preds[i].hdr.shape
	}
	if err := checkPredShapes(shapes); err != nil {
		return err
	}
	if h.targets, err = h.openOne("targets", 8); err != nil {
		return err
	}
	if err := checkTargetsShape(h.targets.hdr.shape); err != nil {
		return err
	}
	if _, ok := h.a.files["anchors"]; ok {
		if h.anchors, err = h.openOne("anchors", 8); err != nil {
			return err
		}
		if err := checkAnchorsShape(h.anchors.hdr.shape, shapes); err != nil {
			return err
		}
	}
	if _, ok := h.a.files["strides"]; ok {
		if h.strides, err = h.openOne("strides", 8); err != nil {
			return err
		}
		if err := checkStridesShape(h.strides.hdr.shape, nl); err != nil {
			return err
		}
	}
	return nil
}

// read reads the data of the open arrays into a batch, not yet validated.
func (h *headers) read() (*Batch, error) {
	var err error
	b := &Batch{Preds: make([]Tensor, len(h.preds))}
	for i, e := range h.preds {
		if b.Preds[i], err = e.read(); err != nil {
			return nil, err
		}
		e.close()
	}
	tg, err := readFloat64(h.targets)
	if err != nil {
		return nil, err
	}
	// The rows in place: no second copy of a large targets array.
	b.Targets = [][6]float64{}
	if len(tg) > 0 {
		b.Targets = unsafe.Slice((*[6]float64)(unsafe.Pointer(unsafe.SliceData(tg))), len(tg)/6)
	}
	if h.anchors != nil {
		an, err := readFloat64(h.anchors)
		if err != nil {
			return nil, err
		}
		na := h.anchors.hdr.shape[1]
		b.AnchorsGrid = make([][][2]float64, len(h.preds))
		for l := range b.AnchorsGrid {
			b.AnchorsGrid[l] = make([][2]float64, na)
			for k := range b.AnchorsGrid[l] {
				b.AnchorsGrid[l][k] = [2]float64{an[2*(l*na+k)], an[2*(l*na+k)+1]}
			}
		}
	}
	if h.strides != nil {
		if b.Strides, err = readFloat64(h.strides); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// readFloat64 reads e, opened to be read as float64.
func readFloat64(e *entry) ([]float64, error) {
	t, err := e.read()
	e.close()
	if err != nil {
		return nil, err
	}
	return t.F64, nil
}

// checkTotal checks the memory all of ents declare against max.
func checkTotal(ents []*entry, max int64) error {
	var total int64
	for _, e := range ents {
		total += e.hdr.mem // each is at most max: no overflow
		if total > max {
			return fmt.Errorf("array %q: with the arrays before it, the arrays declare more than %s of data in all", e.name, bytesText(max))
		}
	}
	return nil
}

// ReadTensors reads the named arrays (with or without ".npy") from the
// .npz archive in r, which holds size bytes; with no names it reads every
// array, in archive order. Tensor names carry no ".npy". Each must be float32 or float64 and keeps its
// dtype; Fortran-order arrays are returned in C order. Values are not
// checked: NaN and Inf are returned as they are. Headers are checked
// against their zip entries and MaxBytes before any data is read, as
// Read checks them. Options.ReadTensors reads with another cap, or
// converts the arrays to one element type.
func ReadTensors(r io.ReaderAt, size int64, names ...string) ([]Tensor, error) {
	return Options{}.ReadTensors(r, size, names...)
}

func readTensors(r io.ReaderAt, size int64, names []string, o Options) ([]Tensor, error) {
	return readEach(r, size, names, o, func(a *archive, name string) (*entry, error) {
		return a.open(name, a.lim.conv)
	}, (*entry).read)
}

// readEach opens the named arrays (with or without ".npy"; none: every
// array, in archive order) of the .npz in r with open, checking each
// header and their total against the cap before any data is read, then
// reads each with read, closing every entry on the way out.
func readEach[V any](r io.ReaderAt, size int64, names []string, o Options, open func(a *archive, name string) (*entry, error), read func(*entry) (V, error)) ([]V, error) {
	a, err := openArchive(r, size, o)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		names = a.order
	}
	ents := make([]*entry, 0, len(names))
	defer func() {
		for _, e := range ents {
			e.close()
		}
	}()
	for _, name := range names {
		e, err := open(a, strings.TrimSuffix(name, ".npy"))
		if e != nil {
			ents = append(ents, e)
		}
		if err != nil {
			return nil, err
		}
		if err := checkTotal(ents, a.lim.max); err != nil {
			return nil, err
		}
	}
	out := make([]V, len(ents))
	for i, e := range ents {
		if out[i], err = read(e); err != nil {
			return nil, err
		}
		e.close()
	}
	return out, nil
}
