package tensor

import (
	"math"
	"slices"
	"testing"
)

type myFloat32 float32

func TestSize(t *testing.T) {
	for _, c := range []struct {
		name  string
		shape []int
		want  int
		ok    bool
	}{
		{"rank 0", nil, 1, true},
		{"layer", []int{2, 3, 4, 5, 85}, 2 * 3 * 4 * 5 * 85, true},
		{"zero dim", []int{0, 6}, 0, true},
		{"zero dim before a huge one", []int{0, math.MaxInt, 2}, 0, true},
		{"negative", []int{2, -1}, 0, false},
		{"overflow", []int{math.MaxInt / 2, 3}, 0, false},
	} {
		got, ok := Size(c.shape)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: Size(%v) = %d, %v, want %d, %v", c.name, c.shape, got, ok, c.want, c.ok)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := New[float32](2, 3).Check(); err != nil {
		t.Errorf("New(2, 3).Check() = %v", err)
	}
	if err := (Tensor[float64]{Data: make([]float64, 5), Shape: []int{2, 3}}).Check(); err == nil {
		t.Error("5 elements of shape [2 3]: no error")
	}
	for _, c := range []struct {
		name string
		a    Array
		ok   bool
	}{
		{"float32", Array{Shape: []int{2}, F32: []float32{1, 2}}, true},
		{"empty float64", Array{Shape: []int{0, 6}, F64: []float64{}}, true},
		{"both", Array{Shape: []int{1}, F32: []float32{1}, F64: []float64{1}}, false},
		{"neither", Array{Shape: []int{0}}, false},
		{"short", Array{Shape: []int{3}, F64: []float64{1, 2}}, false},
	} {
		if err := c.a.Check(); (err == nil) != c.ok {
			t.Errorf("%s: Check() = %v, want ok %v", c.name, err, c.ok)
		}
	}
}

func TestViewAsShare(t *testing.T) {
	t32 := Tensor[myFloat32]{Data: []myFloat32{1, 2, 3}, Shape: []int{3}}
	a := View(t32)
	if a.DType() != "float32" || a.Len() != 3 || a.At(2) != 3 {
		t.Fatalf("View of a ~float32 tensor: %s, len %d, a[2] = %v", a.DType(), a.Len(), a.At(2))
	}
	a.F32[0] = 7
	if t32.Data[0] != 7 {
		t.Error("View copied the data")
	}
	back, ok := As[myFloat32](a)
	if !ok || &back.Data[0] != &t32.Data[0] {
		t.Errorf("As[myFloat32] of a float32 array: ok %v, shares %v", ok, ok && &back.Data[0] == &t32.Data[0])
	}
	if _, ok := As[float64](a); ok {
		t.Error("As[float64] of a float32 array succeeded")
	}
	c := Convert[float64](a)
	if c.Data[0] != 7 || c.Data[2] != 3 || len(c.Shape) != 1 {
		t.Errorf("Convert[float64] = %v %v", c.Data, c.Shape)
	}
	c.Data[1] = 9
	if t32.Data[1] != 2 {
		t.Error("Convert to another type shares the data")
	}
	d := Convert[float32](Array{Shape: []int{1}, F64: []float64{0.1}})
	if d.Data[0] != float32(0.1) {
		t.Errorf("Convert[float32](0.1) = %v", d.Data[0])
	}
	if v := View(Tensor[float64]{Shape: []int{0}}); v.F64 == nil || v.F32 != nil || v.Check() != nil {
		t.Errorf("View of an empty float64 tensor = %+v, Check %v", v, v.Check())
	}
}

func TestFloat32sPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Float32s of []float64 did not panic")
		}
	}()
	Float32s([]float64{1})
}

func TestDTypeName(t *testing.T) {
	for _, c := range []struct {
		got, want string
		is32      bool
		want32    bool
	}{
		{DTypeName[float32](), "float32", IsFloat32[float32](), true},
		{DTypeName[myFloat32](), "float32", IsFloat32[myFloat32](), true},
		{DTypeName[float64](), "float64", IsFloat32[float64](), false},
	} {
		if c.got != c.want || c.is32 != c.want32 {
			t.Errorf("DTypeName %q, IsFloat32 %v; want %q, %v", c.got, c.is32, c.want, c.want32)
		}
	}
}

func TestLike(t *testing.T) {
	full := []Tensor[float32]{New[float32](16, 3, 8, 8, 6), New[float32](16, 3, 4, 4, 6)}
	last := []Tensor[float32]{New[float32](10, 3, 8, 8, 6), New[float32](10, 3, 4, 4, 6)}
	g := Like(nil, full)
	if len(g) != 2 {
		t.Fatalf("Like(nil, full) has %d tensors, want 2", len(g))
	}
	for i := range g {
		if err := g[i].Check(); err != nil || !slices.Equal(g[i].Shape, full[i].Shape) {
			t.Fatalf("Like(nil, full)[%d]: shape %v, %v; want %v", i, g[i].Shape, err, full[i].Shape)
		}
		if &g[i].Shape[0] == &full[i].Shape[0] {
			t.Errorf("Like(nil, full)[%d] shares src's shape slice", i)
		}
	}
	g[0].Data[0] = 7
	first := [2]*float32{&g[0].Data[0], &g[1].Data[0]}
	outer := &g[0]

	// The smaller last batch: the same arrays, resliced.
	g = Like(g, last)
	for i := range g {
		if err := g[i].Check(); err != nil || !slices.Equal(g[i].Shape, last[i].Shape) {
			t.Fatalf("Like(g, last)[%d]: shape %v, %v; want %v", i, g[i].Shape, err, last[i].Shape)
		}
		if &g[i].Data[0] != first[i] {
			t.Errorf("Like(g, last)[%d] allocated, want the full batch's array reused", i)
		}
	}
	if &g[0] != outer {
		t.Error("Like(g, last) allocated a new slice of tensors")
	}
	if g[0].Data[0] != 7 {
		t.Errorf("Like zeroed a reused element: %v, want 7", g[0].Data[0])
	}
	// The next full batch gets the whole arrays back.
	g = Like(g, full)
	for i := range g {
		if err := g[i].Check(); err != nil || &g[i].Data[0] != first[i] {
			t.Errorf("Like(g, full)[%d]: %v, reused %v", i, err, &g[i].Data[0] == first[i])
		}
	}
	// A larger shape allocates; fewer layers shorten the slice.
	big := []Tensor[float32]{New[float32](32, 3, 8, 8, 6)}
	g = Like(g, big)
	if len(g) != 1 || g[0].Check() != nil || len(g[0].Data) != 32*3*8*8*6 {
		t.Errorf("Like(g, big): %d tensors, %v", len(g), g[0].Shape)
	}
	// An invalid source shape gets no data, for Check to report.
	bad := []Tensor[float32]{{Shape: []int{2, -1}}}
	if g = Like(g, bad); len(g[0].Data) != 0 || g[0].Check() == nil {
		t.Errorf("Like of shape [2 -1]: %d elements, Check %v", len(g[0].Data), g[0].Check())
	}
}
