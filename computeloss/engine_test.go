package computeloss_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/gradcheck"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// problem is a small random engine input.
type problem struct {
	model  model.Detect
	shapes [][5]int
	labels []target.Label
	p      [][]float64
}

func newProblem(rng *rand.Rand, bs, nc int, grids [][2]int, nlabels int) problem {
	na := 2
	pr := problem{model: model.Detect{NC: nc}}
	for i, g := range grids {
		stride := float64(int(8) << i)
		pr.model.Strides = append(pr.model.Strides, stride)
		pr.model.AnchorsGrid = append(pr.model.AnchorsGrid, [][2]float64{
			{0.8 + rng.Float64(), 0.8 + rng.Float64()},
			{1.5 + 2*rng.Float64(), 1 + 2*rng.Float64()},
		})
		sh := [5]int{bs, na, g[0], g[1], 5 + nc}
		pr.shapes = append(pr.shapes, sh)
		x := make([]float64, sh[0]*sh[1]*sh[2]*sh[3]*sh[4])
		for k := range x {
			x[k] = rng.NormFloat64() * 1.5
		}
		pr.p = append(pr.p, x)
	}
	for range nlabels {
		pr.labels = append(pr.labels, target.Label{
			float64(rng.IntN(bs)), float64(rng.IntN(nc)),
			0.05 + 0.9*rng.Float64(), 0.05 + 0.9*rng.Float64(),
			0.05 + 0.4*rng.Float64(), 0.05 + 0.4*rng.Float64(),
		})
	}
	return pr
}

func tensors[T tensor.Float](pr problem) (p, g []tensor.Tensor[T]) {
	for i, sh := range pr.shapes {
		x := tensor.New[T](sh[:]...)
		for k, v := range pr.p[i] {
			x.Data[k] = T(v)
		}
		p = append(p, x)
		g = append(g, tensor.New[T](sh[:]...))
	}
	return p, g
}

// testHyp returns the default hyp with the keys of the YAML lines in
// overrides replaced.
func testHyp(t testing.TB, overrides string) *hyp.Hyp {
	t.Helper()
	keep := strings.Split(string(hyp.Marshal(hyp.Default())), "\n")
	for _, line := range strings.Split(strings.TrimSpace(overrides), "\n") {
		key, _, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		keep = slices.DeleteFunc(keep, func(l string) bool { return strings.HasPrefix(l, key+":") })
		keep = append(keep, line)
	}
	h, err := hyp.Parse([]byte(strings.Join(keep, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// reference is the loss written as directly as possible, with the two
// terms YOLOv5 detaches frozen: the CIoU aspect weight α of every match and
// the objectness target of every cell, both taken at the point where the
// gradient is checked. Its central differences are the engine's gradient.
type reference struct {
	h        *hyp.Hyp
	pr       problem
	opt      computeloss.Options
	alpha    [][]float64 // per layer, per match
	tobj     [][]float64 // per layer, per cell
	cls, obj bce.Criterion
}

// grOf is the gr the options set: YOLOv5's 1 when nil.
func grOf(o computeloss.Options) float64 {
	if o.GR == nil {
		return 1
	}
	return *o.GR
}

func sig(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func (r *reference) freeze(p [][]float64) {
	var err error
	if r.cls, r.obj, err = criterion.Select(r.h.CriterionConfig(false)); err != nil {
		panic(err)
	}
	r.alpha, r.tobj = nil, nil
	for i, sh := range r.pr.shapes {
		geo := target.Layer{NY: sh[2], NX: sh[3], Anchors: r.pr.model.AnchorsGrid[i]}
		ms := target.Build(nil, geo, r.pr.labels, r.h.AnchorT)
		tobj := make([]float64, sh[0]*sh[1]*sh[2]*sh[3])
		var al []float64
		type write struct {
			cell int
			iou  float64
		}
		var ws []write
		for _, m := range ms {
			pb := r.pbox(p[i], sh, m)
			c, a := ciouWith(pb, m.Box, math.NaN())
			al = append(al, a)
			ws = append(ws, write{m.Cell(sh[1], sh[2], sh[3]), math.Max(c, 0)})
		}
		if r.opt.SortObjIoU {
			sort.SliceStable(ws, func(a, b int) bool { return ws[a].iou < ws[b].iou })
		}
		for _, w := range ws {
			if gr := grOf(r.opt); gr < 1 {
				w.iou = (1 - gr) + gr*w.iou
			}
			tobj[w.cell] = w.iou // the last write wins
		}
		r.alpha = append(r.alpha, al)
		r.tobj = append(r.tobj, tobj)
	}
}

// ciouWith returns CIoU(p, t) with the aspect weight alpha, or α(p, t)
// when alpha is NaN, and the weight used.
func ciouWith(p, t iou.Box, alpha float64) (c, a float64) {
	c, _, a = iou.CIoUGradLog(p, [2]float64{math.Log(p[2]), math.Log(p[3])}, t, alpha)
	return c, a
}

func (r *reference) pbox(p []float64, sh [5]int, m target.Match) iou.Box {
	o := m.Cell(sh[1], sh[2], sh[3]) * sh[4]
	return iou.Box{
		2*sig(p[o]) - 0.5, 2*sig(p[o+1]) - 0.5,
		math.Pow(2*sig(p[o+2]), 2) * m.AW, math.Pow(2*sig(p[o+3]), 2) * m.AH,
	}
}

func (r *reference) total(p [][]float64) float64 {
	bal := computeloss.InitialBalance(len(r.pr.shapes))
	nc := r.pr.model.NC
	var lbox, lobj, lcls float64
	for i, sh := range r.pr.shapes {
		geo := target.Layer{NY: sh[2], NX: sh[3], Anchors: r.pr.model.AnchorsGrid[i]}
		ms := target.Build(nil, geo, r.pr.labels, r.h.AnchorT)
		if n := float64(len(ms)); n > 0 {
			var b, c float64
			for k, m := range ms {
				v, _ := ciouWith(r.pbox(p[i], sh, m), m.Box, r.alpha[i][k])
				b += 1 - v
				o := m.Cell(sh[1], sh[2], sh[3]) * sh[4]
				for j := 0; j < nc; j++ {
					y := 0.5 * r.h.LabelSmoothing
					if j == m.Class {
						y = 1 - y
					}
					l, _ := r.cls.Elem(p[i][o+5+j], y)
					c += l
				}
			}
			lbox += b / n
			if nc > 1 {
				lcls += c / (n * float64(nc))
			}
		}
		var o float64
		for c, y := range r.tobj[i] {
			l, _ := r.obj.Elem(p[i][c*sh[4]+4], y)
			o += l
		}
		lobj += bal[i] * o / float64(len(r.tobj[i]))
	}
	return (r.h.Box*lbox + r.h.Obj*lobj + r.h.Cls*lcls) * float64(r.pr.shapes[0][0])
}

// TestFiniteDifferences checks the whole engine's gradient, every element
// of every layer, against central differences of the reference with the
// detached terms frozen, for each criterion.
func TestFiniteDifferences(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		opt  computeloss.Options
	}{
		{"bce", "", computeloss.Options{}},
		{"focal smoothing pw", "fl_gamma: 1.5\nlabel_smoothing: 0.1\ncls_pw: 2\nobj_pw: 0.7\n", computeloss.Options{}},
		{"qfocal gr", "fl_gamma: 2\nfl_type: qfocal\n", computeloss.Options{GR: new(0.6)}},
		{"varifocal", "fl_gamma: 2\nfl_alpha: 0.75\nfl_type: varifocal\n", computeloss.Options{SortObjIoU: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := testHyp(t, tc.yaml)
			rng := rand.New(rand.NewPCG(1, 2))
			pr := newProblem(rng, 2, 3, [][2]int{{4, 6}, {2, 3}}, 5)
			e, err := computeloss.New[float64](h, pr.model, &tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			p, g := tensors[float64](pr)
			res, err := e.Loss(p, pr.labels, g)
			if err != nil {
				t.Fatal(err)
			}
			ref := reference{h: h, pr: pr, opt: tc.opt}
			ref.freeze(pr.p)
			if want := ref.total(pr.p); math.Abs(res.Loss-want) > 1e-12*want {
				t.Errorf("loss %.15g, reference %.15g", res.Loss, want)
			}
			for i := range pr.p {
				f := func(x []float64) float64 {
					q := append([][]float64(nil), pr.p...)
					q[i] = x
					return ref.total(q)
				}
				if err := gradcheck.Gradient(f, pr.p[i], g[i].Data, 1e-5, 1e-8); err != nil {
					t.Errorf("layer %d: %v", i, err)
				}
			}
		})
	}
}

// TestZeroAllocs: after a warm-up, calls allocate nothing, with and
// without the gradient. On one goroutine the count must be 0 in every
// window of calls. With a pool worker the Go runtime itself allocates now
// and then (it starts an OS thread for a goroutine it wakes, runtime.newm
// in a memory profile), so the engine's count is compared with the pool's
// own: the same region of steps with items that do nothing, run as often.
// Each is the fewest over three windows, since an allocation of the engine
// recurs in every window and the runtime's do not; testing.AllocsPerRun
// rounds the average down and would hide an allocation every few calls.
func TestZeroAllocs(t *testing.T) {
	const calls, windows = 200, 5
	mallocs := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range calls {
			f()
		}
		runtime.ReadMemStats(&after)
		return after.Mallocs - before.Mallocs
	}
	for _, workers := range []int{1, 2} {
		rng := rand.New(rand.NewPCG(3, 4))
		pr := newProblem(rng, 2, 5, [][2]int{{16, 16}, {8, 8}, {4, 4}}, 8)
		h := testHyp(t, "fl_gamma: 1.5\n")
		e, err := computeloss.New[float32](h, pr.model, &computeloss.Options{Autobalance: true, SortObjIoU: true})
		if err != nil {
			t.Fatal(err)
		}
		e.SetWorkers(workers)
		p, g := tensors[float32](pr)
		for _, grad := range [][]tensor.Tensor[float32]{g, nil} {
			call := func() {
				if _, err := e.Loss(p, pr.labels, grad); err != nil {
					t.Fatal(err)
				}
			}
			call()
			var r computeloss.Region
			chunks, mchunks := e.WorkItems()
			empty := func() { computeloss.EmptyRegion(&r, workers, chunks, mchunks, chunks) }
			// Windows of the engine and of the pool alone, interleaved so
			// that both see the same runtime.
			engine, pool := uint64(math.MaxUint64), uint64(math.MaxUint64)
			for range windows {
				engine = min(engine, mallocs(call))
				pool = min(pool, mallocs(empty))
			}
			t.Logf("workers %d, gradient %v: %d allocations in the fewest window of %d calls, the pool alone %d", workers, grad != nil, engine, calls, pool)
			if workers == 1 && engine != 0 || engine > pool {
				t.Errorf("workers %d, gradient %v: %d allocations in every window of %d calls, the pool alone %d", workers, grad != nil, engine, calls, pool)
			}
		}
	}
}

// TestDeterministic: the same input gives bit-identical results whatever
// the number of workers.
func TestDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pr := newProblem(rng, 3, 4, [][2]int{{40, 48}, {20, 24}, {10, 12}}, 12)
	h := testHyp(t, "fl_gamma: 1.5\n")
	var first computeloss.Result
	var firstG [][]float32
	for _, workers := range []int{1, 2, 3, 7} {
		e, err := computeloss.New[float32](h, pr.model, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.SetWorkers(workers)
		p, g := tensors[float32](pr)
		r, err := e.Loss(p, pr.labels, g)
		if err != nil {
			t.Fatal(err)
		}
		var gs [][]float32
		for _, x := range g {
			gs = append(gs, x.Data)
		}
		if workers == 1 {
			first = r.Clone()
			firstG = gs
			continue
		}
		if d := cmp.Diff(first, r); d != "" {
			t.Errorf("workers %d: result differs from 1 worker (-1 +%d):\n%s", workers, workers, d)
		}
		for i := range gs {
			if !slices.Equal(firstG[i], gs[i]) {
				t.Errorf("workers %d: gradient p%d differs from 1 worker's", workers, i)
			}
		}
	}
}

// TestConcurrentEngines runs several engines on goroutines at once, each
// on its own input; under -race this checks that engines share nothing
// unsafely, and each must give what it gives alone.
func TestConcurrentEngines(t *testing.T) {
	h := testHyp(t, "fl_gamma: 2\nfl_type: varifocal\n")
	const n = 4
	type job struct {
		pr   problem
		want float64
	}
	jobs := make([]job, n)
	for k := range jobs {
		rng := rand.New(rand.NewPCG(uint64(k), 9))
		jobs[k].pr = newProblem(rng, 2, 3, [][2]int{{12, 12}, {6, 6}, {3, 3}}, 6)
		e, err := computeloss.New[float64](h, jobs[k].pr.model, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, g := tensors[float64](jobs[k].pr)
		r, err := e.Loss(p, jobs[k].pr.labels, g)
		if err != nil {
			t.Fatal(err)
		}
		jobs[k].want = r.Loss
	}
	var wg sync.WaitGroup
	errs := make([]string, n)
	for k := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := computeloss.New[float64](h, jobs[k].pr.model, nil)
			if err != nil {
				errs[k] = err.Error()
				return
			}
			e.SetWorkers(2)
			p, g := tensors[float64](jobs[k].pr)
			for range 5 {
				r, err := e.Loss(p, jobs[k].pr.labels, g)
				if err != nil || r.Loss != jobs[k].want {
					errs[k] = "concurrent result differs"
					return
				}
				runtime.Gosched()
			}
		}()
	}
	wg.Wait()
	for k, s := range errs {
		if s != "" {
			t.Errorf("engine %d: %s", k, s)
		}
	}
}

func TestErrors(t *testing.T) {
	h := hyp.Default()
	m := model.P5(3)
	good := func() []tensor.Tensor[float64] {
		var p []tensor.Tensor[float64]
		for _, g := range []int{8, 4, 2} {
			p = append(p, tensor.New[float64](2, 3, g, g, 8))
		}
		return p
	}
	lab := func(r ...float64) []target.Label { return []target.Label{target.Label(r)} }
	for _, tc := range []struct {
		name   string
		p      func() []tensor.Tensor[float64]
		labels []target.Label
		want   string
	}{
		{"two layers", func() []tensor.Tensor[float64] { return good()[:2] }, nil, "2 prediction layers, the model has 3"},
		{"batch mismatch", func() []tensor.Tensor[float64] {
			p := good()
			p[1] = tensor.New[float64](1, 3, 4, 4, 8)
			return p
		}, nil, "p1 has batch size 1, p0 has 2"},
		{"anchors", func() []tensor.Tensor[float64] {
			p := good()
			p[2] = tensor.New[float64](2, 2, 2, 2, 8)
			return p
		}, nil, "p2 has 2 anchors, the model has 3"},
		{"channels", func() []tensor.Tensor[float64] {
			p := good()
			p[0] = tensor.New[float64](2, 3, 8, 8, 9)
			return p
		}, nil, "p0 has 9 channels, want 5+nc = 8"},
		{"short data", func() []tensor.Tensor[float64] {
			p := good()
			p[0].Data = p[0].Data[:10]
			return p
		}, nil, "p0 has 10 elements, its shape [2 3 8 8 8] needs 3072"},
		{"image out of range", good, lab(2, 0, 0.5, 0.5, 0.1, 0.1), "label 0: image (column 0) = 2 is not an integer in [0, 2)"},
		{"fractional class", good, lab(0, 1.5, 0.5, 0.5, 0.1, 0.1), "label 0: class (column 1) = 1.5 is not an integer in [0, 3)"},
		{"class out of range", good, lab(0, 3, 0.5, 0.5, 0.1, 0.1), "label 0: class (column 1) = 3 is not an integer in [0, 3)"},
		{"centre outside", good, lab(0, 0, 1.2, 0.5, 0.1, 0.1), "label 0: x (column 2) = 1.2 is not in [0, 1]"},
		{"zero width", good, lab(0, 0, 0.5, 0.5, 0, 0.1), "label 0: w (column 4) = 0 is not in (0, 1]"},
		{"NaN height", good, lab(0, 0, 0.5, 0.5, 0.1, math.NaN()), "label 0: h (column 5) = NaN is not finite"},
	} {
		e, err := computeloss.New[float64](h, m, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Loss(tc.p(), tc.labels, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestNewErrors(t *testing.T) {
	h := hyp.Default()
	for _, tc := range []struct {
		name string
		m    model.Detect
		opt  *computeloss.Options
		want string
	}{
		// The model's own checks (package model) run in New too.
		{"nc 0", model.Detect{NC: 0, AnchorsGrid: model.P5(1).AnchorsGrid, Strides: model.P5(1).Strides}, nil, "nc must be ≥ 1"},
		{"no layers", model.Detect{NC: 2}, nil, "need 1 to 5 output layers, got 0"},
		{"gr", model.P5(2), &computeloss.Options{GR: new(1.5)}, "gr must be in [0, 1]"},
		{"autobalance without stride 16", model.Detect{NC: 2, AnchorsGrid: [][][2]float64{{{1, 1}}}, Strides: []float64{8}}, &computeloss.Options{Autobalance: true}, "stride-16"},
	} {
		_, err := computeloss.New[float32](h, tc.m, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestBalance(t *testing.T) {
	for _, tc := range []struct {
		nl   int
		want []float64
	}{{3, []float64{4, 1, 0.4}}, {4, []float64{4, 1, 0.25, 0.06, 0.02}}, {5, []float64{4, 1, 0.25, 0.06, 0.02}}, {1, []float64{4, 1, 0.25, 0.06, 0.02}}} {
		if d := cmp.Diff(tc.want, computeloss.InitialBalance(tc.nl)); d != "" {
			t.Errorf("Balance(%d) mismatch (-want +got):\n%s", tc.nl, d)
		}
	}
}

// TestFrozen: frozen calls take the labels of the last unfrozen call only,
// and hold the autobalance balance; TestFrozenBoxLosses checks their
// gradient.
func TestFrozen(t *testing.T) {
	h := testHyp(t, "fl_gamma: 1.5\nfl_type: varifocal\n")
	rng := rand.New(rand.NewPCG(7, 8))
	pr := newProblem(rng, 2, 3, [][2]int{{4, 4}, {2, 2}}, 4)
	e, err := computeloss.New[float64](h, pr.model, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := tensors[float64](pr)
	if _, err := e.Loss(p, pr.labels, nil); err != nil {
		t.Fatal(err)
	}
	e.SetFrozen(true)
	// Other labels while frozen are an error.
	if _, err := e.Loss(p, pr.labels[:1], nil); err == nil || !strings.Contains(err.Error(), "frozen call with 1 labels, the last unfrozen call had 4") {
		t.Errorf("frozen call with other labels: error %v", err)
	}

	// With autobalance, frozen calls hold the balance too: the same
	// predictions give the same loss however often they are evaluated.
	ea, err := computeloss.New[float64](h, pr.model, &computeloss.Options{Autobalance: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ea.Loss(p, pr.labels, nil); err != nil {
		t.Fatal(err)
	}
	ea.SetFrozen(true)
	first, _ := ea.Loss(p, pr.labels, nil)
	again, _ := ea.Loss(p, pr.labels, nil)
	if first.Loss != again.Loss || !slices.Equal(first.Balance, again.Balance) {
		t.Errorf("frozen with autobalance: loss %v then %v, balance %v then %v", first.Loss, again.Loss, first.Balance, again.Balance)
	}
}

// TestFrozenRecord: a frozen call is checked against exactly what the held
// terms depend on, the labels and shapes of the last unfrozen call, and a
// rejected call changes nothing, so the next frozen call with the right
// inputs gives the same result as before.
func TestFrozenRecord(t *testing.T) {
	h := testHyp(t, "fl_gamma: 1.5\n")
	rng := rand.New(rand.NewPCG(9, 10))
	pr := newProblem(rng, 2, 3, [][2]int{{8, 8}, {4, 4}}, 6)
	p, _ := tensors[float64](pr)

	e, err := computeloss.New[float64](h, pr.model, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.SetFrozen(true)
	if _, err := e.Loss(p, pr.labels, nil); err == nil || !strings.Contains(err.Error(), "before any unfrozen one") {
		t.Errorf("frozen call first: error %v", err)
	}
	e.SetFrozen(false)
	if _, err := e.Loss(p, pr.labels, nil); err != nil {
		t.Fatal(err)
	}
	e.SetFrozen(true)
	want, err := e.Loss(p, pr.labels, nil)
	if err != nil {
		t.Fatal(err)
	}
	moved := slices.Clone(pr.labels)
	moved[3][2] += 0.01 // the same count, one centre moved
	fewer := pr.labels[:5]
	other, _ := tensors[float64](newProblem(rng, 2, 3, [][2]int{{16, 16}, {8, 8}}, 6))
	for _, tc := range []struct {
		name   string
		p      []tensor.Tensor[float64]
		labels []target.Label
		msg    string
	}{
		{"a label moved", p, moved, "frozen call: label 3 is"},
		{"fewer labels", p, fewer, "frozen call with 5 labels, the last unfrozen call had 6"},
		{"other shapes", other, pr.labels, "frozen call with shapes"},
	} {
		if _, err := e.Loss(tc.p, tc.labels, nil); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.msg)
		}
		got, err := e.Loss(p, pr.labels, nil)
		if err != nil {
			t.Fatalf("after the rejected call (%s): %v", tc.name, err)
		}
		if got.Loss != want.Loss {
			t.Errorf("after the rejected call (%s): loss %v, before %v", tc.name, got.Loss, want.Loss)
		}
	}
}

// TestOptionsZeroValue: an Options that sets only Autobalance keeps
// YOLOv5's gr of 1, the same as no Options at all, on a first call (before
// autobalance moves anything).
func TestOptionsZeroValue(t *testing.T) {
	h := testHyp(t, "")
	pr := newProblem(rand.New(rand.NewPCG(11, 12)), 2, 3, [][2]int{{8, 8}, {4, 4}, {2, 2}}, 6)
	pr.model.Strides = []float64{8, 16, 32}
	p, _ := tensors[float64](pr)
	var loss [2]float64
	for i, opt := range []*computeloss.Options{nil, {Autobalance: true}} {
		e, err := computeloss.New[float64](h, pr.model, opt)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.Loss(p, pr.labels, nil)
		if err != nil {
			t.Fatal(err)
		}
		loss[i] = r.Loss
	}
	if loss[0] != loss[1] {
		t.Errorf("loss with nil Options %v, with {Autobalance: true} %v", loss[0], loss[1])
	}
}

// TestLayerGrids: layers passed out of order, or of sizes no one image
// gives, are errors naming the layer.
func TestLayerGrids(t *testing.T) {
	h := testHyp(t, "")
	for _, tc := range []struct {
		name  string
		grids [][2]int
		want  string // "" for no error
	}{
		{"in order", [][2]int{{40, 40}, {20, 20}, {10, 10}}, ""},
		{"rounded up, 100 px", [][2]int{{13, 13}, {7, 7}, {4, 4}}, ""},
		{"reversed", [][2]int{{10, 10}, {20, 20}, {40, 40}}, "p1 (P4, stride 16) has a 20x20 grid"},
		{"48 beside 20", [][2]int{{48, 48}, {20, 20}, {10, 10}}, "p1 (P4, stride 16) has a 20x20 grid"},
	} {
		pr := newProblem(rand.New(rand.NewPCG(13, 14)), 1, 2, tc.grids, 3)
		e, err := computeloss.New[float32](h, pr.model, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := tensors[float32](pr)
		_, err = e.Loss(p, pr.labels, nil)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestModelCopied: the engine keeps its own copy of the model: changing the
// caller's anchors after New, or those Model returns, changes nothing.
func TestModelCopied(t *testing.T) {
	h := testHyp(t, "")
	pr := newProblem(rand.New(rand.NewPCG(15, 16)), 2, 3, [][2]int{{8, 8}, {4, 4}}, 6)
	p, _ := tensors[float64](pr)
	e, err := computeloss.New[float64](h, pr.model, nil)
	if err != nil {
		t.Fatal(err)
	}
	before, err := e.Loss(p, pr.labels, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := before.Loss
	pr.model.AnchorsGrid[0][0][0] *= 3
	pr.model.Strides[0] = 4
	m := e.Model()
	m.AnchorsGrid[1][0][1] *= 3
	after, err := e.Loss(p, pr.labels, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after.Loss != want {
		t.Errorf("loss %v after changing the caller's model and Model()'s copy, %v before", after.Loss, want)
	}
	if m2 := e.Model(); m2.AnchorsGrid[1][0][1] == m.AnchorsGrid[1][0][1] || m2.Strides[0] != 8 {
		t.Errorf("Model() hands out the engine's own slices")
	}
}

// TestFrozenBoxLosses: with the held terms frozen, the engine's gradient is
// exactly that of its loss, for every box loss and modifier (the box term's
// held constants, WIoU's layer weights and running mean included) and for
// IoU class targets, by central differences of the engine itself.
func TestFrozenBoxLosses(t *testing.T) {
	for _, yaml := range []string{
		"iou_type: iou\n", "iou_type: giou\n", "iou_type: diou\n", "iou_type: ciou\n",
		"iou_type: eiou\n", "iou_type: siou\n", "iou_type: mpdiou\n",
		"iou_type: shape_iou\nshape_iou_scale: 1.5\n",
		"iou_type: wiou\nwiou_version: 1\n", "iou_type: wiou\nwiou_version: 2\n", "iou_type: wiou\nwiou_momentum: 0.3\n",
		"iou_type: ciou\niou_alpha: 3\n", "iou_type: giou\niou_alpha: 0.7\niou_focal_gamma: 1\n",
		"iou_type: eiou\niou_focal_gamma: 0.5\n", "iou_type: ciou\niou_inner_ratio: 0.8\n", "iou_type: siou\niou_inner_ratio: 1.2\n",
		"iou_type: giou\ncls_iou_target: true\nfl_gamma: 2\nfl_type: varifocal\n",
		"fl_gamma: 1.5\nfl_type: varifocal\n",
	} {
		name := strings.ReplaceAll(strings.TrimSpace(yaml), "\n", " ")
		t.Run(name, func(t *testing.T) {
			h := testHyp(t, yaml)
			rng := rand.New(rand.NewPCG(17, 18))
			pr := newProblem(rng, 2, 3, [][2]int{{4, 4}, {2, 2}}, 4)
			e, err := computeloss.New[float64](h, pr.model, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, g := tensors[float64](pr)
			unfrozen, err := e.Loss(p, pr.labels, g)
			if err != nil {
				t.Fatal(err)
			}
			want := unfrozen.Loss
			e.SetFrozen(true)
			frozen, err := e.Loss(p, pr.labels, g)
			if err != nil {
				t.Fatal(err)
			}
			// At the point of freezing the held terms are those computed
			// there: the same loss.
			if frozen.Loss != want {
				t.Errorf("at the point of freezing: frozen loss %v, unfrozen %v", frozen.Loss, want)
			}
			for i := range p {
				f := func(x []float64) float64 {
					saved := p[i].Data
					p[i].Data = x
					r, err := e.Loss(p, pr.labels, nil)
					p[i].Data = saved
					if err != nil {
						t.Fatal(err)
					}
					return r.Loss
				}
				if err := gradcheck.Gradient(f, slices.Clone(p[i].Data), slices.Clone(g[i].Data), 1e-5, 1e-8); err != nil {
					t.Errorf("layer %d: %v", i, err)
				}
			}
			if again, _ := e.Loss(p, pr.labels, nil); again.Loss != frozen.Loss || again.Box != frozen.Box {
				t.Errorf("frozen calls moved the state: loss %v then %v, box state %v then %v", frozen.Loss, again.Loss, frozen.Box, again.Box)
			}
		})
	}
}

// TestZeroAllocsBoxLosses: after a warm-up, calls allocate nothing with
// any box loss, on one goroutine, with the gradient.
func TestZeroAllocsBoxLosses(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pr := newProblem(rng, 2, 5, [][2]int{{16, 16}, {8, 8}, {4, 4}}, 8)
	p, g := tensors[float32](pr)
	for _, c := range boxLosses {
		e, err := computeloss.New[float32](testHyp(t, c.yaml), pr.model, nil)
		if err != nil {
			t.Fatal(err)
		}
		e.SetWorkers(1)
		if allocs := testing.AllocsPerRun(20, func() {
			if _, err := e.Loss(p, pr.labels, g); err != nil {
				t.Fatal(err)
			}
		}); allocs != 0 {
			t.Errorf("%s: %v allocations per call", c.name, allocs)
		}
	}
}

// TestState: an engine restored from another's State (a checkpoint) gives
// the same next call as the original, with autobalance and WIoU's running
// mean both moved; an invalid state is an error and changes nothing.
func TestState(t *testing.T) {
	h := testHyp(t, "iou_type: wiou\nwiou_momentum: 0.3\n")
	pr := newProblem(rand.New(rand.NewPCG(19, 20)), 2, 3, [][2]int{{8, 8}, {4, 4}, {2, 2}}, 6)
	pr.model.Strides = []float64{8, 16, 32}
	p, _ := tensors[float64](pr)
	opt := &computeloss.Options{Autobalance: true}
	a, err := computeloss.New[float64](h, pr.model, opt)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := a.Loss(p, pr.labels, nil); err != nil {
			t.Fatal(err)
		}
	}
	saved := a.State()
	if saved.Box.Mean == 1 || saved.Balance[0] == 4 {
		t.Fatalf("state %+v: the calls moved neither the mean nor the balance", saved)
	}
	b, err := computeloss.New[float64](h, pr.model, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []computeloss.State{
		{Balance: saved.Balance[:2], Box: saved.Box},
		{Balance: []float64{4, math.NaN(), 0.4}, Box: saved.Box},
		{Balance: saved.Balance, Box: iou.State{Mean: 2}},
	} {
		if err := b.SetState(bad); err == nil {
			t.Errorf("SetState(%+v): no error", bad)
		}
	}
	if got := b.State(); !slices.Equal(got.Balance, computeloss.InitialBalance(3)) || got.Box.Mean != 1 {
		t.Errorf("rejected states changed the engine: %+v", got)
	}
	if err := b.SetState(saved); err != nil {
		t.Fatal(err)
	}
	ra, _ := a.Loss(p, pr.labels, nil)
	rb, err := b.Loss(p, pr.labels, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ra.Loss != rb.Loss || ra.Box != rb.Box || !slices.Equal(ra.Balance, rb.Balance) {
		t.Errorf("restored engine: loss %v, state %+v %v; original %v, %+v %v", rb.Loss, rb.Box, rb.Balance, ra.Loss, ra.Box, ra.Balance)
	}
}
