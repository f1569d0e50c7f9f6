package tal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// table is a Pred with a box and a class-0 score per anchor.
type table struct {
	boxes  [][4]float64
	scores []float64
}

func (t table) Box(a int) [4]float64   { return t.boxes[a] }
func (t table) Score(a, c int) float64 { return t.scores[a] }

// grid4 is one layer of 4×4 cells of 8 pixels, and a second of 2×2 of 16.
var grid4 = []Layer{{NY: 4, NX: 4, Stride: 8}, {NY: 2, NX: 2, Stride: 16}}

// around returns a table in which every anchor predicts box b, score s.
func around(b [4]float64, s float64) table {
	t := table{}
	for range 20 {
		t.boxes = append(t.boxes, b)
		t.scores = append(t.scores, s)
	}
	return t
}

// TestRules checks the assigner's rules on small hand-made cases.
func TestRules(t *testing.T) {
	box := [4]float64{0, 0, 16, 16}
	for _, tc := range []struct {
		name    string
		cfg     Config
		targets []Target
		pred    func() table
		want    []Fg // Anchor and Target only
	}{
		{
			name:    "zero-metric anchors are never foreground",
			cfg:     Config{TopK: 10},
			targets: []Target{{Box: box}},
			pred: func() table {
				p := around([4]float64{100, 100, 120, 120}, 0.5) // no overlap: o = 0
				p.boxes[5] = box                                 // anchor 5 alone overlaps
				return p
			},
			want: []Fg{{Anchor: 5}},
		},
		{
			name:    "zero score gives metric 0",
			cfg:     Config{TopK: 10},
			targets: []Target{{Box: box}},
			pred: func() table {
				p := around(box, 0)
				p.scores[0] = 0.5
				return p
			},
			want: []Fg{{Anchor: 0}},
		},
		{
			name: "the highest overlap over every candidate target wins",
			cfg:  Config{TopK: 1},
			// Targets 0 and 1 both select anchor 5, the only one of
			// their candidates with a box near them; target 2 selects
			// anchor 0, whose box is its own, but has anchor 5 as a
			// candidate too, and overlaps anchor 5's box best: it
			// takes anchor 5.
			targets: []Target{{Box: [4]float64{8, 8, 24, 24}}, {Box: [4]float64{9, 9, 23, 23}}, {Box: [4]float64{0, 0, 16, 16}}},
			pred: func() table {
				p := around([4]float64{100, 100, 120, 120}, 0.5)
				p.boxes[5] = [4]float64{1, 1, 16, 16}
				p.boxes[0] = [4]float64{0, 0, 16, 16}
				return p
			},
			want: []Fg{{Anchor: 0, Target: 2}, {Anchor: 5, Target: 2}},
		},
		{
			name:    "one-to-one keeps each target's best",
			cfg:     Config{TopK: 4, OneToOne: true},
			targets: []Target{{Box: box}},
			pred: func() table {
				p := around(box, 0.2)
				p.scores[4] = 0.9
				return p
			},
			want: []Fg{{Anchor: 4}},
		},
		{
			name:    "small targets are widened to the second stride",
			cfg:     Config{TopK: 10},
			targets: []Target{{Box: [4]float64{10, 10, 12, 12}}}, // 2 px: widened to 16, centre 11
			pred:    func() table { return around([4]float64{10, 10, 12, 12}, 0.5) },
			// Centres strictly inside [3, 19]²: stride-8 cells 0, 1, 4, 5 (4 and 12 px)
			// and stride-16 cell 0 (8 px) of layer 1, anchor 16.
			want: []Fg{{Anchor: 0}, {Anchor: 1}, {Anchor: 4}, {Anchor: 5}, {Anchor: 16}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := New(tc.cfg)
			as.SetLayers(grid4)
			fg := as.Assign(nil, tc.targets, tc.pred())
			if len(fg) != len(tc.want) {
				t.Fatalf("foreground %+v, want anchors %+v", fg, tc.want)
			}
			for i, f := range fg {
				if f.Anchor != tc.want[i].Anchor || f.Target != tc.want[i].Target {
					t.Errorf("foreground %d: anchor %d target %d, want anchor %d target %d", i, f.Anchor, f.Target, tc.want[i].Anchor, tc.want[i].Target)
				}
				if !(f.Score > 0) || f.Score > 1 || math.IsNaN(f.Score) {
					t.Errorf("anchor %d: score %v", f.Anchor, f.Score)
				}
			}
			// The assigner is reusable: a second call gives the same.
			again := as.Assign(nil, tc.targets, tc.pred())
			for i := range again {
				if again[i] != fg[i] {
					t.Errorf("second call: %+v, first %+v", again[i], fg[i])
				}
			}
		})
	}
}

// TestReserve checks MaxCandidates against the candidates Assign finds
// (a bound, reached by a box whose cell centres all lie inside), and that
// Assign allocates nothing after Reserve.
func TestReserve(t *testing.T) {
	layers := []Layer{{NY: 8, NX: 8, Stride: 8}, {NY: 4, NX: 4, Stride: 16}, {NY: 2, NX: 2, Stride: 32}}
	p := table{}
	for range 84 {
		p.boxes = append(p.boxes, [4]float64{10, 10, 40, 40})
		p.scores = append(p.scores, 0.5)
	}
	for _, tc := range []struct {
		name  string
		ts    []Target
		exact bool // every cell of the box's cell ranges a candidate
	}{
		{"one target", []Target{{Box: [4]float64{1, 1, 63, 63}}}, true},
		{"small and off-centre", []Target{{Box: [4]float64{3, 5, 9, 7}}, {Box: [4]float64{20, 30, 50, 33}}}, false},
		{"several", []Target{{Box: [4]float64{0, 0, 64, 64}}, {Box: [4]float64{12, 12, 44, 60}}, {Box: [4]float64{33, 1, 35, 3}}}, false},
		{"none", nil, true},
	} {
		s := New(Config{TopK: 3})
		s.SetLayers(layers)
		n := s.MaxCandidates(tc.ts)
		s.Reserve(n, len(tc.ts))
		dst := make([]Fg, 0, 84)
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		dst = s.Assign(dst, tc.ts, &p) // the first Assign of this assigner
		runtime.ReadMemStats(&m1)
		if a := m1.Mallocs - m0.Mallocs; a != 0 {
			t.Errorf("%s: %d allocations in Assign after Reserve", tc.name, a)
		}
		s.candidates(tc.ts, p)
		got := len(s.cands)
		s.clear()
		if got > n || tc.exact && got != n {
			t.Errorf("%s: %d candidates, MaxCandidates %d", tc.name, got, n)
		}
	}
}

// TestPowBeta checks powBeta against math.Pow bit for bit over (0, 1]:
// random values at every scale, the ends and the subnormal fallback.
func TestPowBeta(t *testing.T) {
	xs := []float64{1, math.Nextafter(1, 0), 0.5, 0x1p-170, math.Nextafter(0x1p-170, 1), math.Nextafter(0x1p-170, 0), 1e-60, 1e-300, 5e-324}
	for i := range 2000000 {
		m := 0.5 + float64(i%100003)/200006 // mantissas over [0.5, 1)
		e := -(i % 200)
		xs = append(xs, math.Ldexp(m, e))
	}
	for _, x := range xs {
		if got, want := powBeta(x), math.Pow(x, Beta); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("powBeta(%v) = %v, math.Pow %v", x, got, want)
		}
	}
}

// hinted is a table that records the assigner's row hints (RowHinter)
// and checks each Box call against them: a call in a hinted row must lie
// in the hinted cells.
type hinted struct {
	table
	layers     []Layer
	off        []int
	last, prev [4]int // the two latest hints: layer, row, j0, j1
	hints      int
	calls      int // Box calls
	covered    int // Box calls in a hinted row, inside its cells
	ahead      int // those in the row hinted before the latest hint
	bad        []string
}

func (h *hinted) NextRow(l, i, j0, j1 int) {
	h.hints++
	if l < 0 || l >= len(h.layers) || i < 0 || i >= h.layers[l].NY || j0 < 0 || j0 > j1 || j1 >= h.layers[l].NX {
		h.bad = append(h.bad, fmt.Sprintf("hint (%d, %d, %d, %d) outside the grid", l, i, j0, j1))
	}
	h.prev, h.last = h.last, [4]int{l, i, j0, j1}
}

func (h *hinted) Box(a int) [4]float64 {
	l := len(h.off) - 1
	for h.off[l] > a {
		l--
	}
	i, j := (a-h.off[l])/h.layers[l].NX, (a-h.off[l])%h.layers[l].NX
	h.calls++
	for k, r := range [][4]int{h.last, h.prev} {
		if r[0] == l && r[1] == i {
			if j < r[2] || j > r[3] {
				h.bad = append(h.bad, fmt.Sprintf("Box(%d) at layer %d cell (%d, %d) outside the hint %v", a, l, i, j, r))
			} else {
				h.covered++
				h.ahead += k
			}
			break
		}
	}
	return h.table.Box(a)
}

// TestRowHints checks that a Pred that is a RowHinter is told each
// target's next row of candidates before the assigner reads it, and that
// the hints change nothing in the assignment.
func TestRowHints(t *testing.T) {
	layers := []Layer{{NY: 20, NX: 20, Stride: 8}, {NY: 10, NX: 10, Stride: 16}}
	off := []int{0, 400, 500}
	rng := rand.New(rand.NewPCG(1, 2))
	var tb table
	for range off[2] {
		x, y := 160*rng.Float64(), 160*rng.Float64()
		w, h := 10+60*rng.Float64(), 10+60*rng.Float64()
		tb.boxes = append(tb.boxes, [4]float64{x - w/2, y - h/2, x + w/2, y + h/2})
		tb.scores = append(tb.scores, rng.Float64())
	}
	var ts []Target
	for range 6 {
		x, y := 20+120*rng.Float64(), 20+120*rng.Float64()
		w, h := 20+50*rng.Float64(), 70+50*rng.Float64()
		ts = append(ts, Target{Box: [4]float64{x - w/2, y - h/2, x + w/2, y + h/2}})
	}
	s := New(Config{TopK: 10})
	s.SetLayers(layers)
	want := slices.Clone(s.Assign(nil, ts, tb))
	h := &hinted{table: tb, layers: layers, off: off, last: [4]int{-1, -1, 0, 0}, prev: [4]int{-1, -1, 0, 0}}
	got := s.Assign(nil, ts, h)
	if !slices.Equal(got, want) {
		t.Errorf("with hints: %v, without: %v", got, want)
	}
	for _, b := range h.bad {
		t.Error(b)
	}
	// Only the first row of each target's cells in each layer is unhinted,
	// and only the last is read while its own hint is the latest (a row
	// is hinted while the one above it is read); the targets span at
	// least four rows of either layer.
	if h.hints == 0 || 3*h.covered < 2*h.calls || 2*h.ahead < h.covered {
		t.Errorf("%d hints; %d of %d Box calls in hinted rows, %d of them hinted a row ahead; want at least two thirds and half",
			h.hints, h.covered, h.calls, h.ahead)
	}
}
