package batchfile

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Ints is one named integer array of a file, such as the "reg_max" scalar
// of an anchor-free head's file: int64 whatever the file's integer type,
// in C order.
type Ints struct {
	Name  string
	Shape []int // [] for a scalar
	Data  []int64
}

// ReadInts reads the named integer arrays (with or without ".npy") from
// the .npz archive in r, which holds size bytes; with no names it reads
// every array, in archive order. An array may be int8 to int64 or uint8
// to uint64, in either byte order, or float16, float32 or float64 whose
// values are integers (a file written by a float-only writer); a value
// that int64 cannot hold, or a float that is not an integer, is an error
// naming the array and the index. Fortran-order arrays are returned in C
// order. Headers are checked as the float readers check them (against
// their zip entries, and each element counted as 8 bytes against
// MaxBytes) before any data is read. Options.ReadInts reads with another
// cap; Options.DType does not apply to integers. Errors begin with
// "batchfile: " and name the array.
func ReadInts(r io.ReaderAt, size int64, names ...string) ([]Ints, error) {
	return Options{}.ReadInts(r, size, names...)
}

// ReadInt reads the one integer of the named array, which must hold
// exactly one: shape () as NumPy writes a scalar (np.savez(f,
// reg_max=16)), or (1,). Its dtype and values are read as ReadInts reads
// them; a larger array is refused from its header, before its data are
// read.
func ReadInt(r io.ReaderAt, size int64, name string) (int64, error) {
	return Options{}.ReadInt(r, size, name)
}

// ReadInts is the package's ReadInts with o's limit.
func (o Options) ReadInts(r io.ReaderAt, size int64, names ...string) ([]Ints, error) {
	is, err := readInts(r, size, names, o, false)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	return is, nil
}

// ReadInt is the package's ReadInt with o's limit.
func (o Options) ReadInt(r io.ReaderAt, size int64, name string) (int64, error) {
	is, err := readInts(r, size, []string{name}, o, true)
	if err != nil {
		return 0, fmt.Errorf("batchfile: %w", err)
	}
	return is[0].Data[0], nil
}

// readInts reads the named arrays as integers; with scalar, each must
// hold one element.
func readInts(r io.ReaderAt, size int64, names []string, o Options, scalar bool) ([]Ints, error) {
	return readEach(r, size, names, o, func(a *archive, name string) (*entry, error) {
		e, err := a.openAs(name, limits{max: a.lim.max, ints: true})
		if err == nil && scalar && (e.hdr.count != 1 || len(e.hdr.shape) > 1) {
			// e is returned with the error so that readEach closes it.
			return e, fmt.Errorf("array %q: shape %s: want one integer, shape () or (1,)", e.name, shapeTuple(e.hdr.shape))
		}
		return e, err
	}, (*entry).readInts)
}

// shapeTuple formats shape as NumPy prints it: (), (2,), (2, 3).
func shapeTuple(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, d)
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// readInts reads the data of e, opened as integers, into int64s, in C
// order, allocated once at the declared size.
func (e *entry) readInts() (Ints, error) {
	out := Ints{Name: e.name, Shape: e.hdr.shape, Data: make([]int64, e.hdr.count)}
	d := e.hdr.dtype
	fortran := e.hdr.fortran && len(out.Shape) > 1
	place := e.place(fortran)
	stage := make([]int64, min(int64(chunkBytes), e.hdr.nbytes)/int64(d.size))
	err := e.chunks(func(chunk []byte, k int) error {
		m := len(chunk) / d.size
		if bad, why := decodeInts(stage[:m], chunk, d); bad >= 0 {
			return fmt.Errorf("array %q: element %v %s", e.name, e.index(k+bad, fortran), why)
		}
		scatter(out.Data, stage[:m], k, place)
		return nil
	})
	if err == nil {
		err = e.finish()
	}
	if err != nil {
		return Ints{}, err
	}
	return out, nil
}

// decodeInts decodes the elements of chunk, of type d, into stage. It
// returns the index of the first that int64 cannot hold, or that is a
// float and not an integer, and why; else -1.
func decodeInts(stage []int64, chunk []byte, d dtype) (int, string) {
	for i := range stage {
		b := chunk[i*d.size:]
		switch d.kind {
		case 'i':
			switch d.size {
			case 1:
				stage[i] = int64(int8(b[0]))
			case 2:
				stage[i] = int64(int16(d.order.Uint16(b)))
			case 4:
				stage[i] = int64(int32(d.order.Uint32(b)))
			default:
				stage[i] = int64(d.order.Uint64(b))
			}
		case 'u':
			var u uint64
			switch d.size {
			case 1:
				u = uint64(b[0])
			case 2:
				u = uint64(d.order.Uint16(b))
			case 4:
				u = uint64(d.order.Uint32(b))
			default:
				u = d.order.Uint64(b)
			}
			if u > math.MaxInt64 {
				return i, fmt.Sprintf("= %d is beyond int64's range", u)
			}
			stage[i] = int64(u)
		default:
			var v float64
			switch d.size {
			case 2:
				v = float64(halfToFloat32(d.order.Uint16(b)))
			case 4:
				v = float64(math.Float32frombits(d.order.Uint32(b)))
			default:
				v = math.Float64frombits(d.order.Uint64(b))
			}
			// 2^63 is the first float64 past int64's range.
			if v != math.Trunc(v) || !(v >= -(1<<63) && v < 1<<63) {
				return i, fmt.Sprintf("= %v is not an integer that int64 holds", v)
			}
			stage[i] = int64(v)
		}
	}
	return -1, ""
}

// Header is what the .npy header of one array of a file declares.
type Header struct {
	Name  string
	DType string // NumPy's name: "float16", "float32", "int64", "uint8", …
	Shape []int
}

// Headers reads the headers of the named arrays (with or without ".npy";
// with no names every array, in archive order) and none of their data,
// so that a caller can see an array's type and shape before choosing how
// to read it. Each is checked as the readers check it (a float or integer
// dtype, a shape whose size matches its zip entry, an entry that can hold
// what it declares), except against a cap on memory, since nothing is
// read. Errors begin with "batchfile: " and name the array.
func Headers(r io.ReaderAt, size int64, names ...string) ([]Header, error) {
	hs, err := headersOf(r, size, names)
	if err != nil {
		return nil, fmt.Errorf("batchfile: %w", err)
	}
	return hs, nil
}

func headersOf(r io.ReaderAt, size int64, names []string) ([]Header, error) {
	a, err := openArchive(r, size, Options{})
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		names = a.order
	}
	hs := make([]Header, 0, len(names))
	for _, name := range names {
		e, err := a.openAs(strings.TrimSuffix(name, ".npy"), limits{max: math.MaxInt64, ints: true})
		if err != nil {
			return nil, err
		}
		e.close()
		hs = append(hs, Header{Name: e.name, DType: e.hdr.dtype.String(), Shape: e.hdr.shape})
	}
	return hs, nil
}
