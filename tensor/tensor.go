package tensor

import (
	"fmt"
	"unsafe"
)

// Float is the element type of predictions and gradients.
type Float interface{ ~float32 | ~float64 }

// Tensor is a dense C-order array of element type T. Data has exactly
// Size(Shape) elements in a well-formed tensor (see Check).
type Tensor[T Float] struct {
	Data  []T
	Shape []int
}

// New returns a zeroed tensor of the given shape. It panics if a dimension
// is negative or the size overflows int.
func New[T Float](shape ...int) Tensor[T] {
	n, ok := Size(shape)
	if !ok {
		panic(fmt.Sprintf("tensor: invalid shape %v", shape))
	}
	return Tensor[T]{Data: make([]T, n), Shape: append([]int(nil), shape...)}
}

// Rank returns len(t.Shape).
func (t Tensor[T]) Rank() int { return len(t.Shape) }

// Check reports a tensor whose data does not hold exactly the elements of
// its shape.
func (t Tensor[T]) Check() error {
	n, ok := Size(t.Shape)
	if !ok {
		return fmt.Errorf("tensor: invalid shape %v", t.Shape)
	}
	if n != len(t.Data) {
		return fmt.Errorf("tensor: shape %v holds %d elements, the data has %d", t.Shape, n, len(t.Data))
	}
	return nil
}

// Size returns the number of elements of shape, the product of its
// dimensions (1 for rank 0), and false when a dimension is negative or the
// product overflows int.
func Size(shape []int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d == 0 {
			n = 0
		}
	}
	if n == 0 {
		return 0, true
	}
	for _, d := range shape {
		if n > maxInt/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

const maxInt = int(^uint(0) >> 1)

// Array is a dense C-order array whose element type is known at run time,
// as in a file: exactly one of F32 and F64 is non-nil in a well-formed
// array (see Check), even when it holds no elements.
type Array struct {
	Shape []int
	F32   []float32
	F64   []float64
}

// Len returns the number of elements stored, len(F32) or len(F64).
func (a Array) Len() int {
	if a.F32 != nil {
		return len(a.F32)
	}
	return len(a.F64)
}

// At returns element i (a flat index) as a float64.
func (a Array) At(i int) float64 {
	if a.F32 != nil {
		return float64(a.F32[i])
	}
	return a.F64[i]
}

// DType returns "float32" or "float64".
func (a Array) DType() string {
	if a.F32 != nil {
		return "float32"
	}
	return "float64"
}

// Check reports an array that does not have exactly one of F32 and F64, or
// whose data does not hold exactly the elements of its shape.
func (a Array) Check() error {
	if (a.F32 == nil) == (a.F64 == nil) {
		return fmt.Errorf("tensor: exactly one of F32 and F64 must be non-nil")
	}
	n, ok := Size(a.Shape)
	if !ok {
		return fmt.Errorf("tensor: invalid shape %v", a.Shape)
	}
	if n != a.Len() {
		return fmt.Errorf("tensor: shape %v holds %d elements, the data has %d", a.Shape, n, a.Len())
	}
	return nil
}

// View returns t as an Array sharing its data and shape.
func View[T Float](t Tensor[T]) Array {
	var a Array
	a.Shape = t.Shape
	if IsFloat32[T]() {
		a.F32 = cast[T, float32](t.Data)
		if a.F32 == nil {
			a.F32 = []float32{}
		}
	} else {
		a.F64 = cast[T, float64](t.Data)
		if a.F64 == nil {
			a.F64 = []float64{}
		}
	}
	return a
}

// As returns a as a Tensor[T] sharing its data and shape, and true, when
// a's element type is T's underlying type; else the zero Tensor and
// false.
func As[T Float](a Array) (Tensor[T], bool) {
	if IsFloat32[T]() && a.F32 != nil {
		return Tensor[T]{Data: cast[float32, T](a.F32), Shape: a.Shape}, true
	}
	if !IsFloat32[T]() && a.F64 != nil {
		return Tensor[T]{Data: cast[float64, T](a.F64), Shape: a.Shape}, true
	}
	return Tensor[T]{}, false
}

// Convert returns a as a Tensor[T]: sharing a's data where As can, else a
// converted copy (float64 to float32 rounds to nearest).
func Convert[T Float](a Array) Tensor[T] {
	if t, ok := As[T](a); ok {
		return t
	}
	d := make([]T, a.Len())
	if a.F32 != nil {
		for i, v := range a.F32 {
			d[i] = T(v)
		}
	} else {
		for i, v := range a.F64 {
			d[i] = T(v)
		}
	}
	return Tensor[T]{Data: d, Shape: a.Shape}
}

// IsFloat32 reports whether T's underlying type is float32.
func IsFloat32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// DTypeName returns the NumPy name of T's underlying type: "float32" or
// "float64", as Array.DType names an array's.
func DTypeName[T Float]() string {
	if IsFloat32[T]() {
		return "float32"
	}
	return "float64"
}

// cast reinterprets a slice of one float type as another of the same size
// (a named type and its underlying type); the caller has checked the sizes.
func cast[From, To Float](s []From) []To {
	if s == nil {
		return nil
	}
	return unsafe.Slice((*To)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// Float32s views data of a ~float32 type as []float32; it panics if T is
// not ~float32.
func Float32s[T Float](s []T) []float32 {
	if !IsFloat32[T]() {
		panic("tensor: Float32s of a float64 type")
	}
	return cast[T, float32](s)
}

// Like returns dst resized to src: one tensor per tensor of src, each with
// src's shape, reusing dst's slice and each tensor's data where their
// capacities suffice and allocating only where they do not. It zeroes
// nothing: reused elements keep their old values. A shape that Size
// rejects gets no data (Check and the engines report it).
//
// It sizes gradient buffers for a batch: allocate once for the full batch,
// then call g = tensor.Like(g, p) before each call; a smaller last batch
// reuses the full batch's arrays, and the next full batch gets them back
// whole.
func Like[T Float](dst []Tensor[T], src []Tensor[T]) []Tensor[T] {
	if cap(dst) < len(src) {
		dst = append(dst[:cap(dst)], make([]Tensor[T], len(src)-cap(dst))...)
	}
	dst = dst[:len(src)]
	for i := range src {
		n, ok := Size(src[i].Shape)
		if !ok {
			n = 0
		}
		d := &dst[i]
		if cap(d.Data) >= n {
			d.Data = d.Data[:n]
		} else {
			d.Data = make([]T, n)
		}
		d.Shape = append(d.Shape[:0], src[i].Shape...)
	}
	return dst
}
