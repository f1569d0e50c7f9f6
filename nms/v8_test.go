package nms_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// transposeV8 returns the V8 head's layout [bs, 4+nc, n] of a V5 input
// [bs, n, 5+nc], dropping its objectness.
func transposeV8[T tensor.Float](p tensor.Tensor[T]) tensor.Tensor[T] {
	bs, n, no := p.Shape[0], p.Shape[1], p.Shape[2]
	nch := no - 1
	out := tensor.New[T](bs, nch, n)
	for b := range bs {
		for r := range n {
			v := p.Data[(b*n+r)*no : (b*n+r+1)*no]
			for c := range nch {
				src := c
				if c >= 4 {
					src = c + 1
				}
				out.Data[(b*nch+c)*n+r] = v[src]
			}
		}
	}
	return out
}

// referenceV8 is ultralytics' non_max_suppression as it is written, for
// one image x [4+nc, n]: rows whose amax over the classes (NaN if one is)
// is above conf_thres; every class above it (multi-label, nc > 1) or the
// best; all pairs sorted by conf (stable), at most MaxNMS; boxes offset by
// class·MaxWH unless agnostic; torchvision's greedy loop; then max_det.
func referenceV8[T tensor.Float](x []T, nch, n int, conf, iou float64, multi, agnostic bool, maxDet int) [][6]T {
	type cand = refCand[T]
	nc := nch - 4
	at := func(c, r int) T { return x[c*n+r] }
	var cs []cand
	thr := T(conf)
	for r := range n {
		amax := at(4, r)
		for c := range nc {
			if v := at(4+c, r); v > amax || v != v {
				amax = v
				if v != v {
					break
				}
			}
		}
		if !(amax > thr) {
			continue
		}
		if multi && nc > 1 {
			for c := range nc {
				if at(4+c, r) > thr {
					cs = append(cs, cand{r, c, at(4+c, r)})
				}
			}
			continue
		}
		best := 0
		for c := 1; c < nc; c++ {
			if at(4+c, r) > at(4+best, r) {
				best = c
			}
		}
		cs = append(cs, cand{r, best, at(4+best, r)})
	}
	corners := func(r int) [4]T {
		cx, cy, w, h := at(0, r), at(1, r), at(2, r), at(3, r)
		return [4]T{cx - w/2, cy - h/2, cx + w/2, cy + h/2}
	}
	return refSuppress(cs, corners, iou, agnostic, maxDet)
}

func testV8AgainstReference[T tensor.Float](t *testing.T, dtype string) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, st := range settings {
		for trial := range 4 {
			nc := []int{1, 3, 7, 80}[trial]
			n := []int{150, 150, 150, 40}[trial]
			pred := transposeV8(randomPred[T](rng, 2, n, nc))
			s, err := nms.New[T](&nms.Options{Head: nms.V8, ConfThres: new(st.conf), IoUThres: new(st.iou), MultiLabel: st.multi, Agnostic: st.agn, MaxDet: st.maxDet})
			if err != nil {
				t.Fatal(err)
			}
			got := s.Batch(pred)
			nch := 4 + nc
			for b := range 2 {
				want := referenceV8(pred.Data[b*nch*n:(b+1)*nch*n], nch, n, st.conf, st.iou, st.multi, st.agn, st.maxDet)
				if len(want) == 0 && st.conf < 0.5 {
					t.Fatalf("%s %s nc %d: no detections; the test needs some", dtype, st.name, nc)
				}
				if d := gocmp.Diff(want, rowsOf(got[b])); d != "" {
					t.Errorf("%s %s nc %d image %d: mismatch with ultralytics' algorithm (-want +got):\n%s", dtype, st.name, nc, b, d)
				}
			}
		}
	}
}

// TestV8AgainstReference compares the V8 rule, bit for bit, with a
// transcription of ultralytics' global, class-offset NMS on clustered
// random boxes, over the sweep of settings.
func TestV8AgainstReference(t *testing.T) {
	testV8AgainstReference[float64](t, "float64")
	testV8AgainstReference[float32](t, "float32")
}

// TestV8NoObjectness: the same rows give other detections under the two
// rules: V8's conf is the class score alone, and a row is a candidate by
// its best class score, not by an objectness.
func TestV8NoObjectness(t *testing.T) {
	// cx, cy, w, h, cls0, cls1 for two rows, channels first.
	img := tensor.Tensor[float64]{Shape: []int{6, 2}, Data: []float64{
		10, 100, // cx
		10, 100, // cy
		4, 8, // w
		4, 8, // h
		0.5, 0.0005, // class 0
		0.2, 0.3, // class 1
	}}
	s, err := nms.New[float64](nms.ValV8())
	if err != nil {
		t.Fatal(err)
	}
	want := [][6]float64{
		{8, 8, 12, 12, 0.5, 0},
		{96, 96, 104, 104, 0.3, 1},
		{8, 8, 12, 12, 0.2, 1},
	}
	if d := gocmp.Diff(want, rowsOf(s.Image(img))); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
	best, err := nms.New[float64](&nms.Options{Head: nms.V8, ConfThres: new(0.25)})
	if err != nil {
		t.Fatal(err)
	}
	if d := gocmp.Diff(want[:2], rowsOf(best.Image(img))); d != "" {
		t.Errorf("best class: mismatch (-want +got):\n%s", d)
	}
}

// TestV8NaN: torch's amax is NaN when a score is, so a row with a NaN
// class score is no candidate, even for its other classes.
func TestV8NaN(t *testing.T) {
	for _, multi := range []bool{true, false} {
		img := tensor.Tensor[float64]{Shape: []int{7, 2}, Data: []float64{
			10, 100, 10, 100, 4, 4, 4, 4,
			0.9, 0.8, math.NaN(), 0.1, 0.1, 0.1,
		}}
		s, err := nms.New[float64](&nms.Options{Head: nms.V8, ConfThres: new(0.01), MultiLabel: multi})
		if err != nil {
			t.Fatal(err)
		}
		got := rowsOf(s.Image(img))
		want := [][6]float64{{98, 98, 102, 102, 0.8, 0}}
		if multi {
			want = append(want, [6]float64{98, 98, 102, 102, 0.1, 1}, [6]float64{98, 98, 102, 102, 0.1, 2})
		}
		if d := gocmp.Diff(want, got); d != "" {
			t.Errorf("multi-label %v: mismatch (-want +got):\n%s", multi, d)
		}
	}
}

func TestV8NoAllocationsWhenWarm(t *testing.T) {
	pred := transposeV8(randomPred[float32](rand.New(rand.NewPCG(1, 1)), 4, 500, 20))
	s, err := nms.New[float32](nms.ValV8())
	if err != nil {
		t.Fatal(err)
	}
	s.Batch(pred)
	if a := testing.AllocsPerRun(10, func() { s.Batch(pred) }); a != 0 {
		t.Errorf("Batch on warm buffers: %v allocations, want 0", a)
	}
}

func TestV8Panics(t *testing.T) {
	s, err := nms.New[float64](nms.ValV8())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"Batch of rank 2", func() { s.Batch(tensor.New[float64](5, 8)) }, "not of rank 3"},
		{"no class", func() { s.Image(tensor.New[float64](4, 30)) }, "want 4+nc with nc ≥ 1"},
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
	if _, err := nms.New[float64](&nms.Options{Head: 7}); err == nil || !strings.Contains(err.Error(), "unknown head") {
		t.Errorf("head 7: error %v", err)
	}
}

func TestCheckV8(t *testing.T) {
	good := func() tensor.Tensor[float32] {
		p := tensor.New[float32](2, 6, 3) // 2 classes, 3 rows
		for i := range p.Data {
			p.Data[i] = 0.5
		}
		return p
	}
	set := func(b, c, r int, v float32) tensor.Tensor[float32] {
		p := good()
		p.Data[(b*6+c)*3+r] = v
		return p
	}
	for _, tc := range []struct {
		name  string
		pred  tensor.Tensor[float32]
		index []int
		want  string
	}{
		{"good", good(), nil, ""},
		{"negative centre", set(0, 0, 2, -3), nil, ""},
		{"class 0 logit", set(1, 4, 2, 3.5), []int{1, 4, 2}, "index [1 4 2] (class 0) = 3.5: a probability outside [0, 1]; raw logits? apply the sigmoid / decode first (decode.AnchorFree)"},
		{"class 1 logit", set(0, 5, 1, -0.25), []int{0, 5, 1}, "(class 1) = -0.25"},
		{"negative height", set(0, 3, 0, -1), []int{0, 3, 0}, "(h) = -1: a negative box size"},
		{"NaN", set(1, 1, 0, float32(math.NaN())), []int{1, 1, 0}, "(cy) = NaN: not a finite number"},
		{"rank 4", tensor.New[float32](1, 2, 6, 3), nil, "is not [bs, 4+nc, n] or [4+nc, n]"},
		{"no classes", tensor.New[float32](4, 9), nil, "want 4+nc with nc ≥ 1"},
	} {
		err := nms.CheckV8(tc.pred)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
			continue
		}
		var ve *nms.ValueError
		if errors.As(err, &ve) != (tc.index != nil) {
			t.Errorf("%s: error %T", tc.name, err)
		} else if ve != nil {
			if d := gocmp.Diff(tc.index, ve.Index); d != "" {
				t.Errorf("%s: index mismatch (-want +got):\n%s", tc.name, d)
			}
		}
	}
}

// benchPred returns a [bs, n, 5+nc] input shaped like a trained model's
// output on a 640×640 image (n = 8400 rows, nc = 80): clustered boxes,
// class scores mostly far below val's conf_thres (σ of N(−9, 2.5) logits),
// objectness 1 so that both rules see the same candidates.
func benchPred(bs int) tensor.Tensor[float32] {
	const n, nc = 8400, 80
	rng := rand.New(rand.NewPCG(3, 3))
	p := randomPred[float32](rng, bs, n, nc)
	for r := range bs * n {
		v := p.Data[r*(5+nc) : (r+1)*(5+nc)]
		v[4] = 1
		for c := range nc {
			v[5+c] = float32(1 / (1 + math.Exp(9-2.5*rng.NormFloat64())))
		}
	}
	return p
}

// BenchmarkBatch is one batch of 4 images through each head's rule with
// the validators' settings, on warm buffers: the same rows in the two
// layouts.
func BenchmarkBatch(b *testing.B) {
	v5 := benchPred(4)
	for _, tc := range []struct {
		name string
		o    *nms.Options
		pred tensor.Tensor[float32]
	}{
		{"v5", nms.Val(), v5},
		{"v8", nms.ValV8(), transposeV8(v5)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := nms.New[float32](tc.o)
			if err != nil {
				b.Fatal(err)
			}
			dets := 0
			for _, d := range s.Batch(tc.pred) {
				dets += d.Shape[0]
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Batch(tc.pred)
			}
			b.ReportMetric(float64(dets)/4, "dets/image")
		})
	}
}

// TestV8ClassFilter: the class filter comes after the candidate test, so
// a NaN score of a filtered-out class still drops its row.
func TestV8ClassFilter(t *testing.T) {
	img := tensor.Tensor[float64]{Shape: []int{6, 2}, Data: []float64{
		10, 100, 10, 100, 4, 4, 4, 4,
		0.9, 0.8, // class 0
		math.NaN(), 0.7, // class 1
	}}
	s, err := nms.New[float64](&nms.Options{Head: nms.V8, ConfThres: new(0.01), MultiLabel: true, Classes: []int{0}})
	if err != nil {
		t.Fatal(err)
	}
	if d := gocmp.Diff([][6]float64{{98, 98, 102, 102, 0.8, 0}}, rowsOf(s.Image(img))); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
}
