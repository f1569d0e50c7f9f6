package v8loss

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// batch is a synthetic call: outputs of a 3-layer head on an image of
// size px, and labels.
type batch[T tensor.Float] struct {
	d      model.AnchorFree
	p, g   []tensor.Tensor[T]
	labels []target.Label
}

// newBatch returns bs images of px×px pixels with standard normal box
// logits (distances uniform in [0.5, 4] for reg_max 1) and class logits
// shifted by −4, and perImage(b) random labels for image b.
func newBatch[T tensor.Float](rng *rand.Rand, bs, px, nc, regMax int, e2e bool, perImage func(b int) int) batch[T] {
	d := model.AnchorFree{NC: nc, RegMax: regMax, Strides: []float64{8, 16, 32}, End2End: e2e}
	var bt batch[T]
	bt.d = d
	nb := 1
	if e2e {
		nb = 2
	}
	for range nb {
		for _, s := range d.Strides {
			n := px / int(s)
			t := tensor.New[T](bs, d.Channels(), n, n)
			plane := n * n
			for i := range t.Data {
				ch := (i / plane) % d.Channels()
				switch {
				case ch >= 4*regMax:
					t.Data[i] = T(rng.NormFloat64() - 4)
				case regMax == 1:
					t.Data[i] = T(0.5 + 3.5*rng.Float64())
				default:
					t.Data[i] = T(rng.NormFloat64())
				}
			}
			bt.p = append(bt.p, t)
		}
	}
	bt.g = tensor.Like(nil, bt.p)
	for b := range bs {
		for range perImage(b) {
			w := math.Exp(math.Log(0.02) + rng.Float64()*(math.Log(0.8)-math.Log(0.02)))
			h := math.Exp(math.Log(0.02) + rng.Float64()*(math.Log(0.8)-math.Log(0.02)))
			bt.labels = append(bt.labels, target.Label{float64(b), float64(rng.IntN(nc)),
				w/2 + rng.Float64()*(1-w), h/2 + rng.Float64()*(1-h), w, h})
		}
	}
	return bt
}

func defaultSettings() settings {
	return v8Settings(criterion.Config{}, iou.DefaultParams())
}

func mustEngine[T tensor.Float](t testing.TB, s settings, d model.AnchorFree) *Engine[T] {
	t.Helper()
	e, err := newEngine[T](s, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestWorkers checks that results and gradients are bit-identical at any
// worker count.
func TestWorkers(t *testing.T) {
	for _, e2e := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(3, 4))
		bt := newBatch[float32](rng, 5, 128, 7, 16, e2e, func(int) int { return 1 + rng.IntN(6) })
		var ref Result
		var refG [][]float32
		for _, w := range []int{1, 2, 3, 7} {
			e := mustEngine[float32](t, defaultSettings(), bt.d)
			e.SetWorkers(w)
			r, err := e.Loss(bt.p, bt.labels, bt.g)
			if err != nil {
				t.Fatal(err)
			}
			if w == 1 {
				ref = r.Clone()
				for _, g := range bt.g {
					refG = append(refG, append([]float32(nil), g.Data...))
				}
				if r.FG == 0 {
					t.Fatal("no foreground")
				}
				continue
			}
			if r.Loss != ref.Loss || r.LBox != ref.LBox || r.LCls != ref.LCls || r.LDfl != ref.LDfl || r.FG != ref.FG {
				t.Errorf("e2e %v, %d workers: %+v, 1 worker: %+v", e2e, w, r, ref)
			}
			for i, g := range bt.g {
				for j, v := range g.Data {
					if math.Float32bits(v) != math.Float32bits(refG[i][j]) {
						t.Fatalf("e2e %v, %d workers: gradient %d[%d] = %v, 1 worker %v", e2e, w, i, j, v, refG[i][j])
					}
				}
			}
		}
	}
}

// TestAllocs checks that a call with the shapes and labels of an earlier
// call allocates nothing, at any worker count: from the second call on.
// With pool workers, the Go runtime itself allocates now and then when a
// goroutine parks (a wait record, runtime.acquireSudog) or gets an OS
// thread, and at a random one in about a thousand type assertions or type
// switches it builds the site's cache (tal's Pred to RowHinter); a memory
// profile of the calls tells those apart, and every other allocation under
// the module's code counts.
func TestAllocs(t *testing.T) {
	if raceOn {
		t.Skip("the race detector's runtime allocates")
	}
	defer func(r int) { runtime.MemProfileRate = r }(runtime.MemProfileRate)
	runtime.MemProfileRate = 1
	for _, e2e := range []bool{false, true} {
		for _, w := range []int{1, 2, 3} {
			rng := rand.New(rand.NewPCG(5, 6))
			bt := newBatch[float32](rng, 6, 128, 5, 16, e2e, func(b int) int { return b * 3 })
			e := mustEngine[float32](t, defaultSettings(), bt.d)
			e.SetWorkers(w)
			call := func() {
				if _, err := e.Loss(bt.p, bt.labels, bt.g); err != nil {
					t.Fatal(err)
				}
			}
			call()
			before, _ := engineAllocs()
			for range 4 {
				call()
			}
			if after, where := engineAllocs(); after != before {
				t.Errorf("e2e %v, %d workers: %d allocations in calls 2 to 5, at\n%s", e2e, w, after-before, where)
			}
		}
	}
}

// engineAllocs returns the number of objects the memory profile has seen
// allocated under the module's code (not its tests) on a stack through
// this package's code (an engine's call or its pool workers: the profile
// is the process's, and tests running in parallel read files through
// other packages), but for the runtime's own wait records and threads,
// and the innermost such frames.
func engineAllocs() (int64, string) {
	runtime.GC()
	runtime.GC()
	var recs []runtime.MemProfileRecord
	n, ok := runtime.MemProfile(nil, true)
	for !ok {
		recs = make([]runtime.MemProfileRecord, n+50)
		n, ok = runtime.MemProfile(recs, true)
	}
	var total int64
	var where strings.Builder
	for _, r := range recs[:n] {
		frames := runtime.CallersFrames(r.Stack())
		ours, engine, runtimes := "", false, false
		for {
			f, more := frames.Next()
			switch f.Function {
			case "runtime.acquireSudog", "runtime.newm", "runtime.malg", "runtime.allocm", "runtime.newproc1",
				"runtime.buildTypeAssertCache", "runtime.buildInterfaceSwitchCache":
				runtimes = true
			}
			if !strings.HasSuffix(f.File, "_test.go") {
				if ours == "" && strings.HasPrefix(f.Function, "github.com/yolo-loss/yololoss/") {
					ours = f.Function
				}
				if strings.HasPrefix(f.Function, "github.com/yolo-loss/yololoss/v8loss.") {
					engine = true
				}
			}
			if !more {
				break
			}
		}
		if ours != "" && engine && !runtimes {
			total += r.AllocObjects
			fmt.Fprintf(&where, "%d objects: %s\n", r.AllocObjects, ours)
		}
	}
	return total, where.String()
}

// TestRejected checks that every rejected call returns an error and
// changes nothing: no gradient element, no state.
func TestRejected(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	bt := newBatch[float64](rng, 2, 64, 3, 16, false, func(int) int { return 3 })
	good := func() ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64]) {
		return bt.p, bt.labels, bt.g
	}
	for _, tc := range []struct {
		name string
		edit func(p, g []tensor.Tensor[float64], l []target.Label) ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64])
		want string
	}{
		{"layers", func(p, g []tensor.Tensor[float64], l []target.Label) ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64]) {
			return p[:2], l, g[:2]
		}, "prediction tensors"},
		{"rank", func(p, g []tensor.Tensor[float64], l []target.Label) ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64]) {
			q := append([]tensor.Tensor[float64](nil), p...)
			q[1] = tensor.Tensor[float64]{Shape: []int{2, 67, 16}, Data: q[1].Data}
			return q, l, g
		}, "rank 4"},
		{"channels", func(p, g []tensor.Tensor[float64], l []target.Label) ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64]) {
			q := append([]tensor.Tensor[float64](nil), p...)
			q[2] = tensor.New[float64](2, 66, 2, 2)
			return q, l, g
		}, "channels"},
		{"grid", func(p, g []tensor.Tensor[float64], l []target.Label) ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64]) {
			q := append([]tensor.Tensor[float64](nil), p...)
			q[2] = tensor.New[float64](2, 67, 3, 2)
			return q, l, tensor.Like(nil, q)
		}, "image size"},
		{"label", func(p, g []tensor.Tensor[float64], l []target.Label) ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64]) {
			m := append([]target.Label(nil), l...)
			m[1][1] = 3
			return p, m, g
		}, "label 1"},
		{"grad shape", func(p, g []tensor.Tensor[float64], l []target.Label) ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64]) {
			h := append([]tensor.Tensor[float64](nil), g...)
			h[0] = tensor.New[float64](1, 67, 8, 8)
			return p, l, h
		}, "gradient 0"},
		{"grad count", func(p, g []tensor.Tensor[float64], l []target.Label) ([]tensor.Tensor[float64], []target.Label, []tensor.Tensor[float64]) {
			return p, l, g[:1]
		}, "gradient tensors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := mustEngine[float64](t, v8Settings(criterion.Config{}, boxParams("wiou", func(p *iou.Params) { p.WIoUVersion = 3 })), bt.d)
			e.SetEpoch(2)
			if _, err := e.Loss(good()); err != nil {
				t.Fatal(err)
			}
			before := e.State()
			for _, g := range bt.g {
				for i := range g.Data {
					g.Data[i] = 42
				}
			}
			p, l, g := tc.edit(bt.p, bt.g, bt.labels)
			if _, err := e.Loss(p, l, g); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			for _, gt := range bt.g {
				for i, v := range gt.Data {
					if v != 42 {
						t.Fatalf("gradient element %d written: %v", i, v)
					}
				}
			}
			if after := e.State(); after.Epoch != before.Epoch || after.Box[0] != before.Box[0] {
				t.Errorf("state moved: %+v, was %+v", after, before)
			}
		})
	}
}

// TestFrozenRejected checks the frozen call's checks.
func TestFrozenRejected(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	bt := newBatch[float64](rng, 2, 64, 3, 16, false, func(int) int { return 2 })
	e := mustEngine[float64](t, defaultSettings(), bt.d)
	e.SetFrozen(true)
	if _, err := e.Loss(bt.p, bt.labels, nil); err == nil || !strings.Contains(err.Error(), "before any unfrozen") {
		t.Fatalf("frozen first call: error %v", err)
	}
	e.SetFrozen(false)
	if _, err := e.Loss(bt.p, bt.labels, nil); err != nil {
		t.Fatal(err)
	}
	e.SetFrozen(true)
	if _, err := e.Loss(bt.p, bt.labels[1:], nil); err == nil || !strings.Contains(err.Error(), "labels") {
		t.Fatalf("frozen call with other labels: error %v", err)
	}
	if _, err := e.Loss(bt.p, bt.labels, nil); err != nil {
		t.Fatal(err)
	}
}

// TestTwoGoroutines checks the panic of two goroutines in one engine.
func TestTwoGoroutines(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	bt := newBatch[float32](rng, 2, 64, 3, 16, false, func(int) int { return 2 })
	e := mustEngine[float32](t, defaultSettings(), bt.d)
	e.inUse.Store(true) // a call in flight on another goroutine
	var wg sync.WaitGroup
	wg.Add(1)
	var got any
	go func() {
		defer wg.Done()
		defer func() { got = recover() }()
		_, _ = e.Loss(bt.p, bt.labels, nil)
	}()
	wg.Wait()
	if s, _ := got.(string); !strings.Contains(s, "two goroutines") {
		t.Errorf("panic %v, want the two-goroutines message", got)
	}
}

// TestState checks that a restored state gives the same next call, and
// that invalid states are rejected without change.
func TestState(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	bt := newBatch[float64](rng, 2, 64, 3, 1, true, func(int) int { return 3 })
	s := v8Settings(criterion.Config{}, boxParams("wiou", func(p *iou.Params) { p.WIoUVersion = 3 }))
	a := mustEngine[float64](t, s, bt.d)
	a.SetEpoch(1)
	if _, err := a.Loss(bt.p, bt.labels, nil); err != nil {
		t.Fatal(err)
	}
	st := a.State()
	if st.Epoch != 1 || len(st.Box) != 2 || st.Box[0] == (iou.State{Mean: 1}) {
		t.Errorf("state %+v: want epoch 1 and two moved WIoU means", st)
	}
	b := mustEngine[float64](t, s, bt.d)
	if err := b.SetState(st); err != nil {
		t.Fatal(err)
	}
	ra, _ := a.Loss(bt.p, bt.labels, nil)
	rb, _ := b.Loss(bt.p, bt.labels, nil)
	if ra.Loss != rb.Loss || ra.Box != rb.Box {
		t.Errorf("restored engine: %+v, original %+v", rb, ra)
	}
	for _, bad := range []State{{Epoch: -1, Box: st.Box}, {Box: st.Box[:1]}, {Box: []iou.State{{Mean: 1}, {Mean: math.NaN()}}}} {
		before := b.State()
		if err := b.SetState(bad); err == nil {
			t.Errorf("SetState(%+v) accepted", bad)
		}
		if after := b.State(); after.Epoch != before.Epoch || after.Box[0] != before.Box[0] || after.Box[1] != before.Box[1] {
			t.Errorf("SetState(%+v) changed the state to %+v", bad, after)
		}
	}
}

// TestExtremes checks that loss and gradient are finite for logits of
// ±1e4, targets smaller than a pixel, 500 targets in one image and images
// without targets, for reg_max 16 and 1, float32 and float64.
func TestExtremes(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(rng *rand.Rand, p []tensor.Tensor[float64], l []target.Label) []target.Label
	}{
		{"logits ±1e4", func(rng *rand.Rand, p []tensor.Tensor[float64], l []target.Label) []target.Label {
			for _, t := range p {
				for i := range t.Data {
					if rng.IntN(3) == 0 {
						t.Data[i] = float64(1-2*rng.IntN(2)) * 1e4
					}
				}
			}
			return l
		}},
		{"sub-pixel targets", func(rng *rand.Rand, p []tensor.Tensor[float64], l []target.Label) []target.Label {
			for i := range l {
				l[i][4], l[i][5] = 1e-3*rng.Float64()+1e-9, 1e-3*rng.Float64()+1e-9
			}
			return l
		}},
		{"500 targets", func(rng *rand.Rand, p []tensor.Tensor[float64], l []target.Label) []target.Label {
			for range 500 {
				w, h := 0.01+0.3*rng.Float64(), 0.01+0.3*rng.Float64()
				l = append(l, target.Label{0, float64(rng.IntN(3)), w/2 + rng.Float64()*(1-w), h/2 + rng.Float64()*(1-h), w, h})
			}
			return l
		}},
		{"no targets", func(rng *rand.Rand, p []tensor.Tensor[float64], l []target.Label) []target.Label { return nil }},
	} {
		for _, r := range []int{16, 1} {
			for _, e2e := range []bool{false, true} {
				rng := rand.New(rand.NewPCG(11, uint64(r)))
				bt := newBatch[float64](rng, 3, 128, 3, r, e2e, func(b int) int { return b }) // image 0 without targets
				labels := tc.edit(rng, bt.p, bt.labels)
				for _, s := range []settings{
					defaultSettings(),
					v8Settings(criterion.Config{Type: "varifocal", Gamma: 2, Alpha: 0.75}, boxParams("siou", nil)),
					v8Settings(criterion.Config{Type: "focal", Gamma: 1.5, Alpha: 0.25}, boxParams("wiou", func(p *iou.Params) { p.WIoUVersion = 3 })),
				} {
					checkFinite[float64](t, tc.name, s, bt.d, bt.p, labels)
					p32 := make([]tensor.Tensor[float32], len(bt.p))
					for i, p := range bt.p {
						p32[i] = tensor.Convert[float32](tensor.View(p))
					}
					checkFinite[float32](t, tc.name, s, bt.d, p32, labels)
				}
			}
		}
	}
}

func checkFinite[T tensor.Float](t *testing.T, name string, s settings, d model.AnchorFree, p []tensor.Tensor[T], labels []target.Label) {
	t.Helper()
	e := mustEngine[T](t, s, d)
	g := tensor.Like(nil, p)
	r, err := e.Loss(p, labels, g)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, v := range []float64{r.Loss, r.LBox, r.LCls, r.LDfl} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("%s (%s, reg_max %d, e2e %v): result %+v", name, tensor.DTypeName[T](), d.RegMax, d.End2End, r)
		}
	}
	if len(labels) == 0 && (r.LBox != 0 || r.LDfl != 0 || r.FG != 0) {
		t.Errorf("%s: without labels lbox %v, ldfl %v, fg %d", name, r.LBox, r.LDfl, r.FG)
	}
	for i, gt := range g {
		for j, v := range gt.Data {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				t.Fatalf("%s (%s, reg_max %d, e2e %v, %v): gradient %d[%d] = %v", name, tensor.DTypeName[T](), d.RegMax, d.End2End, s.boxLoss.Type, i, j, v)
			}
		}
	}
}

// TestNewHyp checks that New reads the hyp's copy for the head: a YOLOv5
// hyp's own keys are errors, ultralytics' defaults work.
func TestNewHyp(t *testing.T) {
	d := model.AnchorFree{NC: 3, RegMax: 16, Strides: []float64{8, 16, 32}}
	if _, err := New[float32](hyp.Default(), d, nil); err == nil || !strings.Contains(err.Error(), "means nothing") {
		t.Errorf("New with YOLOv5's hyp: error %v", err)
	}
	if _, err := New[float32](nil, d, nil); err == nil {
		t.Error("New with a nil hyp: no error")
	}
	e, err := New[float32](hyp.DefaultV8(), d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := e.cfg.set; s.box != 7.5 || s.cls != 0.5 || s.dfl != 1.5 || s.topk != 10 || s.epochs != 100 {
		t.Errorf("settings of DefaultV8: %+v", s)
	}
	if _, err := New[float32](hyp.DefaultV8(), model.AnchorFree{NC: 0, RegMax: 16, Strides: []float64{8}}, nil); err == nil {
		t.Error("New with nc 0: no error")
	}
}

// TestZeroGains checks gains of 0: their items and gradients are 0.
func TestZeroGains(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	bt := newBatch[float32](rng, 2, 64, 3, 16, false, func(int) int { return 3 })
	s := defaultSettings()
	s.cls, s.dfl = 0, 0
	e := mustEngine[float32](t, s, bt.d)
	r, err := e.Loss(bt.p, bt.labels, bt.g)
	if err != nil {
		t.Fatal(err)
	}
	if r.LCls != 0 || r.LDfl != 0 || !(r.LBox > 0) || r.Loss != r.LBox*2 {
		t.Errorf("cls and dfl gains 0: %+v", r)
	}
	for l, g := range bt.g {
		plane := g.Shape[2] * g.Shape[3]
		for i, v := range g.Data {
			if ch := (i / plane) % g.Shape[1]; ch >= 4*16 && v != 0 {
				t.Fatalf("gradient %d[%d] (class channel) = %v", l, i, v)
			}
		}
	}
}
