package decode_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/ciou"
	"github.com/yolo-loss/yololoss/decode"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// ln3 is the logit of 3/4: σ(ln 3) = 3/4 and σ(−ln 3) = 1/4.
var ln3 = math.Log(3)

// approx compares floats to 1e-12, relative or absolute.
var approx = cmpopts.EquateApprox(1e-12, 1e-12)

// filled returns a tensor of the given shape with every logit set to v.
func filled[T tensor.Float](shape [5]int, v T) tensor.Tensor[T] {
	p := tensor.New[T](shape[:]...)
	for i := range p.Data {
		p.Data[i] = v
	}
	return p
}

// set writes the channels of cell (b, a, gj, gi), starting with t_x.
func set[T tensor.Float](p tensor.Tensor[T], b, a, gj, gi int, ch ...T) {
	s := p.Shape
	off := (((b*s[1]+a)*s[2]+gj)*s[3] + gi) * s[4]
	copy(p.Data[off:off+s[4]], ch)
}

func TestCell(t *testing.T) {
	for _, tc := range []struct {
		name           string
		p              tensor.Tensor[float64]
		b, a, gj, gi   int
		anchor         [2]float64
		stride         float64
		want           decode.Detection
		wantGrid       [4]float64
		wantConfidence float64
	}{
		{
			// σ(0) = 1/2: the centre of the cell, the anchor's size.
			name: "zero logits",
			p:    filled([5]int{1, 1, 2, 3, 5 + 2}, 0.0),
			b:    0, a: 0, gj: 1, gi: 2,
			anchor: [2]float64{1.25, 2}, stride: 8,
			want: decode.Detection{
				Box: decode.Box{X: 2.5 * 8, Y: 1.5 * 8, W: 10, H: 16},
				Obj: 0.5, Class: 0, ClassScore: 0.5, // a tie: the first class
				GJ: 1, GI: 2,
			},
			wantGrid:       [4]float64{0.5, 0.5, 1.25, 2},
			wantConfidence: 0.25,
		},
		{
			// σ = 3/4: offset 1, size 9/4·anchor; σ = 1/4: offset 0,
			// size 1/4·anchor.
			name: "quarter logits",
			p: func() tensor.Tensor[float64] {
				p := filled([5]int{2, 3, 2, 2, 5 + 3}, -7.0)
				set(p, 1, 2, 0, 1, ln3, -ln3, ln3, -ln3, ln3, -1, ln3, 0)
				return p
			}(),
			b: 1, a: 2, gj: 0, gi: 1,
			anchor: [2]float64{2, 3}, stride: 16,
			want: decode.Detection{
				Box: decode.Box{X: (1 + 1) * 16, Y: (0 + 0) * 16, W: 2.25 * 2 * 16, H: 0.25 * 3 * 16},
				Obj: 0.75, Class: 1, ClassScore: 0.75,
				Image: 1, Anchor: 2, GJ: 0, GI: 1,
			},
			wantGrid:       [4]float64{1, 0, 4.5, 0.75},
			wantConfidence: 0.5625,
		},
		{
			// The limits: offset −0.5 or 1.5, size 0 or 4·anchor.
			name: "saturated logits",
			p: func() tensor.Tensor[float64] {
				p := filled([5]int{1, 1, 1, 1, 5 + 2}, 0.0)
				set(p, 0, 0, 0, 0, 50, -50, 50, -50, -50, 60, 60)
				return p
			}(),
			anchor: [2]float64{1, 1}, stride: 32,
			want: decode.Detection{
				Box: decode.Box{X: 1.5 * 32, Y: -0.5 * 32, W: 4 * 32, H: 0},
				Obj: 0, Class: 0, ClassScore: 1,
			},
			wantGrid:       [4]float64{1.5, -0.5, 4, 0},
			wantConfidence: 0,
		},
		{
			name: "no class channels",
			p:    filled([5]int{1, 2, 1, 2, 5}, 0.0),
			b:    0, a: 1, gj: 0, gi: 1,
			anchor: [2]float64{3, 1}, stride: 4,
			want: decode.Detection{
				Box: decode.Box{X: 1.5 * 4, Y: 0.5 * 4, W: 12, H: 4},
				Obj: 0.5, Class: -1, ClassScore: 1,
				Anchor: 1, GI: 1,
			},
			wantGrid:       [4]float64{0.5, 0.5, 3, 1},
			wantConfidence: 0.5,
		},
	} {
		got := decode.Cell(tc.p, tc.b, tc.a, tc.gj, tc.gi, tc.anchor, tc.stride)
		if d := cmp.Diff(tc.want, got, approx); d != "" {
			t.Errorf("%s: Cell mismatch (-want +got):\n%s", tc.name, d)
		}
		if d := cmp.Diff(tc.wantConfidence, got.Conf(), approx); d != "" {
			t.Errorf("%s: Conf mismatch (-want +got):\n%s", tc.name, d)
		}
		grid := decode.GridBox(tc.p, tc.b, tc.a, tc.gj, tc.gi, tc.anchor)
		if d := cmp.Diff(tc.wantGrid, grid, approx); d != "" {
			t.Errorf("%s: GridBox mismatch (-want +got):\n%s", tc.name, d)
		}
		// The float32 path decodes the same logits to the same values.
		p32 := tensor.Tensor[float32]{Data: make([]float32, len(tc.p.Data)), Shape: tc.p.Shape}
		for i, v := range tc.p.Data {
			p32.Data[i] = float32(v)
		}
		got32 := decode.Cell(p32, tc.b, tc.a, tc.gj, tc.gi, tc.anchor, tc.stride)
		if d := cmp.Diff(tc.want, got32, cmpopts.EquateApprox(1e-6, 1e-6)); d != "" {
			t.Errorf("%s: float32 Cell mismatch (-want +got):\n%s", tc.name, d)
		}
	}
}

// direct is the Detect head's formula written out for one cell.
func direct(v []float64, b, a, gj, gi int, anchor [2]float64, stride float64) decode.Detection {
	sig := func(t float64) float64 { return 1 / (1 + math.Exp(-t)) }
	d := decode.Detection{
		Box: decode.Box{
			X: (2*sig(v[0]) - 0.5 + float64(gi)) * stride,
			Y: (2*sig(v[1]) - 0.5 + float64(gj)) * stride,
			W: math.Pow(2*sig(v[2]), 2) * anchor[0] * stride,
			H: math.Pow(2*sig(v[3]), 2) * anchor[1] * stride,
		},
		Obj:   sig(v[4]),
		Image: b, Anchor: a, GJ: gj, GI: gi,
	}
	for c, t := range v[5:] {
		if s := sig(t); c == 0 || s > d.ClassScore {
			d.Class, d.ClassScore = c, s
		}
	}
	return d
}

func testRandom[T tensor.Float](t *testing.T, name string) {
	rng := rand.New(rand.NewPCG(7, 11))
	shape := [5]int{2, 3, 4, 5, 5 + 4}
	p := tensor.New[T](shape[:]...)
	for i := range p.Data {
		p.Data[i] = T(3 * rng.NormFloat64())
	}
	anchors := [][2]float64{{1.25, 1.625}, {2, 3.75}, {4.125, 2.875}}
	const stride = 16.0
	v := make([]float64, shape[4])
	for b := range shape[0] {
		for a := range shape[1] {
			for gj := range shape[2] {
				for gi := range shape[3] {
					off := (((b*shape[1]+a)*shape[2]+gj)*shape[3] + gi) * shape[4]
					for c := range v {
						v[c] = float64(p.Data[off+c])
					}
					want := direct(v, b, a, gj, gi, anchors[a], stride)
					got := decode.Cell(p, b, a, gj, gi, anchors[a], stride)
					if d := cmp.Diff(want, got, approx); d != "" {
						t.Fatalf("%s: cell (%d, %d, %d, %d): Cell mismatch (-want +got):\n%s", name, b, a, gj, gi, d)
					}
				}
			}
		}
	}
}

func TestCellMatchesFormula(t *testing.T) {
	testRandom[float64](t, "float64")
	testRandom[float32](t, "float32")
}

// TestRoundTrip encodes the targets that package target assigns to a label
// into logits, and checks that GridBox gives back each tbox (so CIoU is 1)
// and that Cell gives back the label's box in pixels, for every match,
// neighbour cells included.
func TestRoundTrip(t *testing.T) {
	logit := func(s float64) float64 { return math.Log(s / (1 - s)) }
	const nx, ny, stride, nc = 8, 6, 8.0, 3
	layer := target.Layer{NX: nx, NY: ny, Anchors: [][2]float64{{1.25, 1.625}, {2, 3.75}, {4.125, 2.875}}}
	for _, tc := range []struct {
		name  string
		label target.Label
	}{
		{"interior, left and up neighbours", target.Label{0, 2, 0.53, 0.4, 0.3, 0.45}},
		{"interior, right and down neighbours", target.Label{1, 0, 0.33, 0.6, 0.2, 0.3}},
		{"small box", target.Label{0, 1, 0.5, 0.5, 0.1, 0.15}},
	} {
		matches := target.Build(nil, layer, []target.Label{tc.label}, 4)
		if len(matches) == 0 {
			t.Fatalf("%s: no matches", tc.name)
		}
		p := tensor.New[float64](2, 3, ny, nx, 5+nc)
		wantPix := decode.Box{X: tc.label[2] * nx * stride, Y: tc.label[3] * ny * stride, W: tc.label[4] * nx * stride, H: tc.label[5] * ny * stride}
		for _, m := range matches {
			bx := m.Box
			set(p, m.Image, m.Anchor, m.GJ, m.GI,
				logit((bx[0]+0.5)/2), logit((bx[1]+0.5)/2),
				logit(math.Sqrt(bx[2]/m.AW)/2), logit(math.Sqrt(bx[3]/m.AH)/2))
			got := decode.GridBox(p, m.Image, m.Anchor, m.GJ, m.GI, [2]float64{m.AW, m.AH})
			if d := cmp.Diff(bx, got, approx); d != "" {
				t.Errorf("%s: match %+v: GridBox mismatch (-want +got):\n%s", tc.name, m, d)
			}
			if c := ciou.CIoU(got, bx); math.Abs(c-1) > 1e-6 {
				t.Errorf("%s: match %+v: CIoU with tbox %v, want 1", tc.name, m, c)
			}
			det := decode.Cell(p, m.Image, m.Anchor, m.GJ, m.GI, [2]float64{m.AW, m.AH}, stride)
			if d := cmp.Diff(wantPix, det.Box, approx); d != "" {
				t.Errorf("%s: match %+v: pixel box mismatch (-want +got):\n%s", tc.name, m, d)
			}
		}
	}
}

func TestLayer(t *testing.T) {
	shape := [5]int{2, 2, 2, 3, 5 + 2}
	p := filled(shape, -5.0)                        // σ(−5) ≈ 0.0067 everywhere
	set(p, 0, 1, 0, 2, 0, 0, 0, 0, ln3, -2, ln3)    // 3/4·3/4 = 0.5625
	set(p, 1, 0, 1, 1, 0, 0, 0, 0, ln3, -ln3, -ln3) // 3/4·1/4 = 0.1875
	set(p, 1, 1, 1, 0, 1, -1, 0.5, 0, 0, 50, -3)    // 1/2·1 = 0.5
	set(p, 1, 1, 0, 0, 0, 0, 0, 0, -ln3, ln3, 9)    // 1/4·σ(9) ≈ 0.25
	anchors := [][2]float64{{1.5, 2}, {3, 2.5}}
	const stride, layer = 16.0, 1

	all := make([][4]int, 0, 24)
	for b := range 2 {
		for a := range 2 {
			for gj := range 2 {
				for gi := range 3 {
					all = append(all, [4]int{b, a, gj, gi})
				}
			}
		}
	}
	for _, tc := range []struct {
		name string
		conf float64
		want [][4]int // (b, a, gj, gi) of the detections, in order
	}{
		{"zero threshold keeps every cell", 0, all},
		{"negative threshold keeps every cell", -1, all},
		{"0.3 keeps two", 0.3, [][4]int{{0, 1, 0, 2}, {1, 1, 1, 0}}},
		{"0.1 keeps four", 0.1, [][4]int{{0, 1, 0, 2}, {1, 0, 1, 1}, {1, 1, 0, 0}, {1, 1, 1, 0}}},
		{"0.5 is inclusive", 0.5, [][4]int{{0, 1, 0, 2}, {1, 1, 1, 0}}},
		{"0.6 keeps none", 0.6, nil},
		{"above one keeps none", 1.5, nil},
	} {
		prefix := decode.Detection{Class: 99}
		got := decode.Layer([]decode.Detection{prefix}, p, anchors, stride, layer, tc.conf)
		if d := cmp.Diff(prefix, got[0]); d != "" {
			t.Errorf("%s: dst prefix mismatch (-want +got):\n%s", tc.name, d)
		}
		got = got[1:]
		var cells [][4]int
		for _, d := range got {
			cells = append(cells, [4]int{d.Image, d.Anchor, d.GJ, d.GI})
		}
		if d := cmp.Diff(tc.want, cells, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: cells mismatch (-want +got):\n%s", tc.name, d)
		}
		for _, d := range got {
			want := decode.Cell(p, d.Image, d.Anchor, d.GJ, d.GI, anchors[d.Anchor], stride)
			want.Layer = layer
			if diff := cmp.Diff(want, d); diff != "" {
				t.Errorf("%s: detection differs from Cell (-want +got):\n%s", tc.name, diff)
			}
			if tc.conf > 0 && d.Conf() < tc.conf {
				t.Errorf("%s: kept %+v with confidence %v", tc.name, d, d.Conf())
			}
		}
	}
}

func TestLayerReusesDst(t *testing.T) {
	p := filled([5]int{1, 3, 20, 20, 5 + 80}, 0.5)
	anchors := [][2]float64{{1, 1}, {2, 2}, {3, 3}}
	dst := decode.Layer(nil, p, anchors, 8, 0, 0)
	if len(dst) != 3*20*20 {
		t.Fatalf("got %d detections, want %d", len(dst), 3*20*20)
	}
	allocs := testing.AllocsPerRun(10, func() {
		dst = decode.Layer(dst[:0], p, anchors, 8, 0, 0.1)
	})
	if allocs != 0 {
		t.Errorf("Layer into a large enough dst: %v allocations, want 0", allocs)
	}
}

func TestBox(t *testing.T) {
	b := decode.Box{X: 10, Y: 20, W: 4, H: 6}
	if d := cmp.Diff([4]float64{10, 20, 4, 6}, b.XYWH()); d != "" {
		t.Errorf("XYWH mismatch (-want +got):\n%s", d)
	}
	if d := cmp.Diff([4]float64{8, 17, 12, 23}, b.XYXY()); d != "" {
		t.Errorf("XYXY mismatch (-want +got):\n%s", d)
	}
}

func TestPanics(t *testing.T) {
	ok := filled([5]int{1, 2, 3, 4, 6}, 0.0)
	one := [2]float64{1, 1}
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"row out of range", func() { decode.Cell(ok, 0, 0, 3, 0, one, 8) }, "outside shape"},
		{"negative column", func() { decode.GridBox(ok, 0, 0, 0, -1, one) }, "outside shape"},
		{"image out of range", func() { decode.Cell(ok, 1, 0, 0, 0, one, 8) }, "outside shape"},
		{"too few channels", func() { decode.Cell(filled([5]int{1, 1, 1, 1, 4}, 0.0), 0, 0, 0, 0, one, 8) }, "want at least 5"},
		{"data shorter than shape", func() {
			decode.Cell(tensor.Tensor[float32]{Data: make([]float32, 5), Shape: []int{1, 1, 1, 2, 5}}, 0, 0, 0, 0, one, 8)
		}, "needs 10 values, have 5"},
		{"anchors do not match", func() { decode.Layer(nil, ok, [][2]float64{one}, 8, 0, 0) }, "1 anchors for shape"},
	} {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if r == nil || !strings.Contains(msg, tc.want) {
					t.Errorf("%s: recovered %v, want a panic containing %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
