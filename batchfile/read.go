package batchfile

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/yolo-loss/yololoss/tensor"
)

// chunkBytes is how much array data is read and decoded at a time. Memory
// grows with the data actually found in the file, never with what a
// header merely declares.
const chunkBytes = 64 << 10

// archive is an opened .npz file: its arrays by name.
type archive struct {
	files map[string]*zip.File
	order []string // array names in archive order
}

func openArchive(r io.ReaderAt, size int64) (*archive, error) {
	if size < 0 {
		return nil, fmt.Errorf("negative size %d", size)
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a valid .npz (zip) archive: %w", err)
	}
	a := &archive{files: make(map[string]*zip.File, len(zr.File))}
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

// open opens the named array and reads its header.
func (a *archive) open(name string) (*entry, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, fmt.Errorf("array %q is missing", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	h, err := readNPYHeader(rc, f.UncompressedSize64)
	if err != nil {
		_ = rc.Close()
		return nil, fmt.Errorf("array %q: %w", name, err)
	}
	return &entry{name: name, rc: rc, hdr: h}, nil
}

func (e *entry) close() {
	if e != nil && e.rc != nil {
		_ = e.rc.Close()
		e.rc = nil
	}
}

// read reads the data of e into a tensor of its own dtype, in C order.
func (e *entry) read() (Tensor, error) {
	t := Tensor{Name: e.name, Array: tensor.Array{Shape: e.hdr.shape}}
	n := int(e.hdr.count)
	size := e.hdr.dtype.size
	order := e.hdr.dtype.order
	// Start small; append grows the slice only as data really arrives.
	capHint := min(n, chunkBytes/size)
	if size <= 4 {
		t.F32 = make([]float32, 0, capHint)
	} else {
		t.F64 = make([]float64, 0, capHint)
	}
	buf := make([]byte, min(int64(chunkBytes), e.hdr.nbytes))
	for left := e.hdr.nbytes; left > 0; {
		chunk := buf[:min(int64(len(buf)), left)]
		if _, err := io.ReadFull(e.rc, chunk); err != nil {
			return Tensor{}, fmt.Errorf("array %q: reading data: %w", e.name, eofIsUnexpected(err))
		}
		left -= int64(len(chunk))
		switch size {
		case 2:
			for i := 0; i < len(chunk); i += 2 {
				t.F32 = append(t.F32, halfToFloat32(order.Uint16(chunk[i:])))
			}
		case 4:
			for i := 0; i < len(chunk); i += 4 {
				t.F32 = append(t.F32, math.Float32frombits(order.Uint32(chunk[i:])))
			}
		default:
			for i := 0; i < len(chunk); i += 8 {
				t.F64 = append(t.F64, math.Float64frombits(order.Uint64(chunk[i:])))
			}
		}
	}
	// Reading to the end makes archive/zip verify the CRC-32.
	var one [1]byte
	switch k, err := e.rc.Read(one[:]); {
	case k > 0:
		return Tensor{}, fmt.Errorf("array %q: data runs past the declared size", e.name)
	case err == nil:
		return Tensor{}, fmt.Errorf("array %q: data runs past the declared size", e.name)
	case err != io.EOF:
		return Tensor{}, fmt.Errorf("array %q: %w", e.name, err)
	}
	if e.hdr.fortran && len(t.Shape) > 1 {
		if size <= 4 {
			t.F32 = fortranToC(t.F32, t.Shape)
		} else {
			t.F64 = fortranToC(t.F64, t.Shape)
		}
	}
	return t, nil
}

// fortranToC reorders column-major data of the given shape into row-major.
func fortranToC[T float32 | float64](src []T, shape []int) []T {
	dst := make([]T, len(src))
	if len(src) == 0 {
		return dst
	}
	// fstride[k] is the step in src for a unit step along dimension k.
	fstride := make([]int, len(shape))
	s := 1
	for k := range shape {
		fstride[k] = s
		s *= shape[k]
	}
	idx := make([]int, len(shape))
	off := 0
	for i := range dst {
		dst[i] = src[off]
		// Advance the C-order multi-index, last dimension fastest.
		for k := len(shape) - 1; k >= 0; k-- {
			idx[k]++
			off += fstride[k]
			if idx[k] < shape[k] {
				break
			}
			off -= idx[k] * fstride[k]
			idx[k] = 0
		}
	}
	return dst
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
// float32 or float64 and its declared size must match its zip entry, and
// the declared data may not exceed MaxBytes in all. Errors begin with
// "batchfile: " and name the array.
func Read(r io.ReaderAt, size int64) (*Batch, error) {
	b, err := read(r, size)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	return b, nil
}

// ReadFile reads and validates the batch in the named .npz file. Errors
// begin with "batchfile: <path>: ".
func ReadFile(path string) (*Batch, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	b, err := read(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("batchfile: %s: %w", path, err)
	}
	return b, nil
}

func read(r io.ReaderAt, size int64) (*Batch, error) {
	a, err := openArchive(r, size)
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

// openOne opens the entry name, and checks the total size declared so far.
func (h *headers) openOne(name string) (*entry, error) {
	e, err := h.a.open(name)
	if err != nil {
		return nil, err
	}
	h.all = append(h.all, e)
	return e, checkTotal(h.all)
}

// open opens the arrays of a batch of nl layers and checks their shapes.
func (h *headers) open(nl int) error {
	var err error
	h.preds = make([]*entry, nl)
	shapes := make([][]int, nl)
	for i := range h.preds {
		if h.preds[i], err = h.openOne(PredName(i)); err != nil {
			return err
		}
		shapes[i] = h.preds[i].hdr.shape
	}
	if err := checkPredShapes(shapes); err != nil {
		return err
	}
	if h.targets, err = h.openOne("targets"); err != nil {
		return err
	}
	if err := checkTargetsShape(h.targets.hdr.shape); err != nil {
		return err
	}
	if _, ok := h.a.files["anchors"]; ok {
		if h.anchors, err = h.openOne("anchors"); err != nil {
			return err
		}
		if err := checkAnchorsShape(h.anchors.hdr.shape, shapes); err != nil {
			return err
		}
	}
	if _, ok := h.a.files["strides"]; ok {
		if h.strides, err = h.openOne("strides"); err != nil {
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
	b.Targets = make([][6]float64, len(tg)/6)
	for i := range b.Targets {
		copy(b.Targets[i][:], tg[6*i:])
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

// readFloat64 reads e and converts it to float64.
func readFloat64(e *entry) ([]float64, error) {
	t, err := e.read()
	e.close()
	if err != nil {
		return nil, err
	}
	if t.F64 != nil {
		return t.F64, nil
	}
	v := make([]float64, len(t.F32))
	for i, x := range t.F32 {
		v[i] = float64(x)
	}
	return v, nil
}

// checkTotal checks the data all of ents declare against MaxBytes.
func checkTotal(ents []*entry) error {
	var total int64
	for _, e := range ents {
		total += e.hdr.nbytes // each is at most MaxBytes: no overflow
		if total > MaxBytes {
			return fmt.Errorf("arrays declare more than %d bytes (%s) of data in all", MaxBytes, maxBytesText)
		}
	}
	return nil
}

// ReadTensors reads the named arrays (with or without ".npy") from the
// .npz archive in r, which holds size bytes; with no names it reads every
// array, in archive order. Tensor names carry no ".npy". Each must be float32 or float64 and keeps its
// dtype; Fortran-order arrays are returned in C order. Values are not
// checked: NaN and Inf are returned as they are. Headers are checked
// against their zip entries and MaxBytes before any data is read.
func ReadTensors(r io.ReaderAt, size int64, names ...string) ([]Tensor, error) {
	ts, err := readTensors(r, size, names)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	return ts, nil
}

func readTensors(r io.ReaderAt, size int64, names []string) ([]Tensor, error) {
	a, err := openArchive(r, size)
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
		e, err := a.open(strings.TrimSuffix(name, ".npy"))
		if err != nil {
			return nil, err
		}
		ents = append(ents, e)
		if err := checkTotal(ents); err != nil {
			return nil, err
		}
	}
	ts := make([]Tensor, len(ents))
	for i, e := range ents {
		if ts[i], err = e.read(); err != nil {
			return nil, err
		}
		e.close()
	}
	return ts, nil
}
