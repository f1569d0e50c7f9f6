package nms_test

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// randomPred returns a [bs, n, 5+nc] input of clustered boxes: rows gather
// around a few centres with jittered sizes, so that NMS has work to do;
// objectness and class probabilities are spread over (0, 1).
func randomPred[T tensor.Float](rng *rand.Rand, bs, n, nc int) tensor.Tensor[T] {
	p := tensor.New[T](bs, n, 5+nc)
	for b := range bs {
		centres := make([][4]float64, 1+rng.IntN(6))
		for i := range centres {
			centres[i] = [4]float64{rng.Float64() * 640, rng.Float64() * 640, 10 + rng.Float64()*200, 10 + rng.Float64()*200}
		}
		for r := range n {
			c := centres[rng.IntN(len(centres))]
			v := p.Data[(b*n+r)*(5+nc):][:5+nc]
			v[0] = T(c[0] + c[2]*0.2*rng.NormFloat64())
			v[1] = T(c[1] + c[3]*0.2*rng.NormFloat64())
			v[2] = T(c[2] * math.Exp(0.3*rng.NormFloat64()))
			v[3] = T(c[3] * math.Exp(0.3*rng.NormFloat64()))
			v[4] = T(rng.Float64())
			for k := range nc {
				v[5+k] = T(rng.Float64() * rng.Float64())
			}
		}
	}
	return p
}

// reference is non_max_suppression as YOLOv5 writes it, one image at a
// time: all (row, class) pairs sorted by conf (stable), at most MaxNMS,
// boxes offset by class·MaxWH unless agnostic, torchvision's greedy loop
// over all of them together, then max_det.
func reference[T tensor.Float](x []T, n, no int, conf, iou float64, multi, agnostic bool, maxDet int) [][6]T {
	type cand = refCand[T]
	var cs []cand
	thr := T(conf)
	for r := range n {
		v := x[r*no : (r+1)*no]
		if !(v[4] > thr) {
			continue
		}
		best := -1
		for c := 5; c < no; c++ {
			p := v[c] * v[4]
			if multi && no > 6 && p > thr {
				cs = append(cs, cand{r, c - 5, p})
			}
			if best < 0 || p > v[best]*v[4] {
				best = c
			}
		}
		if !(multi && no > 6) && v[best]*v[4] > thr {
			cs = append(cs, cand{r, best - 5, v[best] * v[4]})
		}
	}
	corners := func(r int) [4]T {
		v := x[r*no:]
		return [4]T{v[0] - v[2]/2, v[1] - v[3]/2, v[0] + v[2]/2, v[1] + v[3]/2}
	}
	return refSuppress(cs, corners, iou, agnostic, maxDet)
}

// refCand is a (row, class) pair of the references, with its conf.
type refCand[T tensor.Float] struct {
	row, cls int
	conf     T
}

// refSuppress is the references' common tail: the pairs cs sorted by conf
// (stable), at most MaxNMS, boxes (corners of a row) offset by
// class·MaxWH unless agnostic, torchvision's greedy loop over all of them
// together, then max_det.
func refSuppress[T tensor.Float](cs []refCand[T], corners func(row int) [4]T, iou float64, agnostic bool, maxDet int) [][6]T {
	slices.SortStableFunc(cs, func(a, b refCand[T]) int { return cmp.Compare(b.conf, a.conf) })
	cs = cs[:min(len(cs), nms.MaxNMS)]
	boxes := make([][4]T, len(cs))
	for i, c := range cs {
		off := T(0)
		if !agnostic {
			off = T(c.cls) * nms.MaxWH
		}
		b := corners(c.row)
		boxes[i] = [4]T{b[0] + off, b[1] + off, b[2] + off, b[3] + off}
	}
	suppressed := make([]bool, len(cs))
	var out [][6]T
	for i := range cs {
		if suppressed[i] {
			continue
		}
		b := corners(cs[i].row)
		out = append(out, [6]T{b[0], b[1], b[2], b[3], cs[i].conf, T(cs[i].cls)})
		for j := i + 1; j < len(cs); j++ {
			if !suppressed[j] && float64(torchIoU(boxes[i], boxes[j])) > iou {
				suppressed[j] = true
			}
		}
	}
	return out[:min(len(out), maxDet)]
}

// torchIoU is the IoU of torchvision's nms kernel.
func torchIoU[T tensor.Float](a, b [4]T) T {
	w := T(math.Max(0, float64(min(a[2], b[2])-max(a[0], b[0]))))
	h := T(math.Max(0, float64(min(a[3], b[3])-max(a[1], b[1]))))
	inter := T(w * h)
	areaA, areaB := (a[2]-a[0])*(a[3]-a[1]), (b[2]-b[0])*(b[3]-b[1])
	return inter / (areaA + areaB - inter)
}

// rowsOf returns a [k, 6] tensor's rows.
func rowsOf[T tensor.Float](d tensor.Tensor[T]) [][6]T {
	var out [][6]T
	for i := range d.Shape[0] {
		out = append(out, [6]T(d.Data[6*i:6*i+6]))
	}
	return out
}

// settings are the option combinations the tests sweep.
var settings = []struct {
	name       string
	conf, iou  float64
	multi, agn bool
	maxDet     int
}{
	{"val.py", 0.001, 0.6, true, false, 300},
	{"detect.py", 0.25, 0.45, false, false, 300},
	{"agnostic", 0.01, 0.5, true, true, 300},
	{"max_det 7", 0.001, 0.6, true, false, 7},
	{"iou 0", 0.1, 0, false, false, 1000},
	{"iou 1", 0.1, 1, true, false, 1000},
	{"conf 0", 0, 0.7, true, false, 100000},
}

func testAgainstReference[T tensor.Float](t *testing.T, dtype string) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, st := range settings {
		for trial := range 4 {
			nc := []int{1, 3, 7, 80}[trial]
			n := []int{150, 150, 150, 40}[trial] // the reference is quadratic in the pairs
			pred := randomPred[T](rng, 2, n, nc)
			s, err := nms.New[T](&nms.Options{ConfThres: new(st.conf), IoUThres: new(st.iou), MultiLabel: st.multi, Agnostic: st.agn, MaxDet: st.maxDet})
			if err != nil {
				t.Fatal(err)
			}
			got := s.Batch(pred)
			for b := range 2 {
				no := 5 + nc
				want := reference(pred.Data[b*n*no:(b+1)*n*no], n, no, st.conf, st.iou, st.multi, st.agn, st.maxDet)
				if d := gocmp.Diff(want, rowsOf(got[b])); d != "" {
					t.Errorf("%s %s nc %d image %d: mismatch with YOLOv5's algorithm (-want +got):\n%s", dtype, st.name, nc, b, d)
				}
			}
		}
	}
}

// TestAgainstReference compares NMS, bit for bit, with a transcription of
// YOLOv5's global, class-offset NMS on clustered random boxes, over the
// settings YOLOv5's scripts use and the extremes.
func TestAgainstReference(t *testing.T) {
	testAgainstReference[float64](t, "float64")
	testAgainstReference[float32](t, "float32")
}

// TestNoSameClassOverlap: no two kept boxes of one class overlap above the
// threshold (IoU in float64 without the class offset, with a margin for
// the rounding the offset brings).
func TestNoSameClassOverlap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := range 20 {
		iou := 0.3 + 0.5*rng.Float64()
		pred := randomPred[float64](rng, 1, 400, 5)
		s, err := nms.New[float64](&nms.Options{ConfThres: new(0.001), IoUThres: new(iou), MultiLabel: trial%2 == 0, MaxDet: 10000})
		if err != nil {
			t.Fatal(err)
		}
		rows := rowsOf(s.Image(tensor.Tensor[float64]{Data: pred.Data, Shape: pred.Shape[1:]}))
		if len(rows) < 10 {
			t.Fatalf("trial %d: only %d detections", trial, len(rows))
		}
		for i, a := range rows {
			for _, b := range rows[i+1:] {
				if a[5] != b[5] {
					continue
				}
				if v := torchIoU([4]float64(a[:4]), [4]float64(b[:4])); v > iou+1e-9 {
					t.Fatalf("trial %d: two boxes of class %v with IoU %v > %v:\n%v\n%v", trial, a[5], v, iou, a, b)
				}
			}
		}
	}
}

// TestPermutationInvariant: shuffling the rows of an image changes
// nothing when no two confidences tie.
func TestPermutationInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for trial := range 10 {
		const n, nc = 300, 6
		pred := randomPred[float32](rng, 1, n, nc)
		img := tensor.Tensor[float32]{Data: pred.Data, Shape: pred.Shape[1:]}
		s, err := nms.New[float32](nms.Val())
		if err != nil {
			t.Fatal(err)
		}
		want := rowsOf(s.Image(img))
		confs := make(map[float32]bool)
		for _, r := range want {
			if confs[r[4]] {
				t.Fatalf("trial %d: tied confidence %v; pick another seed", trial, r[4])
			}
			confs[r[4]] = true
		}
		perm := rng.Perm(n)
		shuffled := tensor.New[float32](n, 5+nc)
		for i, j := range perm {
			copy(shuffled.Data[i*(5+nc):(i+1)*(5+nc)], img.Data[j*(5+nc):(j+1)*(5+nc)])
		}
		if d := gocmp.Diff(want, rowsOf(s.Image(shuffled))); d != "" {
			t.Errorf("trial %d: shuffled rows give other detections (-want +got):\n%s", trial, d)
		}
	}
}

// TestEmpty: images without candidates, or without rows, give empty
// results.
func TestEmpty(t *testing.T) {
	s, err := nms.New[float64](nms.Val())
	if err != nil {
		t.Fatal(err)
	}
	low := tensor.New[float64](3, 50, 8) // every objectness 0
	for i := 4; i < len(low.Data); i += 8 {
		low.Data[i] = 0.001 // not above conf_thres
	}
	for _, tc := range []struct {
		name string
		pred tensor.Tensor[float64]
	}{
		{"no candidates", low},
		{"no rows", tensor.New[float64](2, 0, 85)},
		{"no images", tensor.New[float64](0, 10, 85)},
	} {
		got := s.Batch(tc.pred)
		if len(got) != tc.pred.Shape[0] {
			t.Errorf("%s: %d results for %d images", tc.name, len(got), tc.pred.Shape[0])
		}
		for b, d := range got {
			if d.Shape[0] != 0 || d.Shape[1] != 6 || len(d.Data) != 0 {
				t.Errorf("%s: image %d: shape %v, %d values; want [0 6]", tc.name, b, d.Shape, len(d.Data))
			}
		}
	}
}

// TestOptions checks the settings one by one on a small hand-made image.
func TestOptions(t *testing.T) {
	// Three boxes: A and B overlap (IoU 0.6), C stands apart.
	img := tensor.Tensor[float64]{Shape: []int{3, 8}, Data: []float64{
		50, 50, 20, 20, 0.9, 0.9, 0.5, 0.1, // A: class 0 (0.81), class 1 (0.45)
		52.5, 50, 20, 20, 0.8, 0.2, 0.7, 0.1, // B: class 1 (0.56), class 0 (0.16); IoU(A, B) = 17.5/22.5
		200, 200, 10, 10, 0.5, 0.1, 0.1, 0.6, // C: class 2 (0.3)
	}}
	const iouAB = 17.5 * 20 / (2*400 - 17.5*20)
	for _, tc := range []struct {
		name string
		o    *nms.Options
		want [][2]float64 // (conf, class) of the detections, in order
	}{
		{"defaults: best class, conf 0.25", nil, [][2]float64{{0.81, 0}, {0.56, 1}, {0.3, 2}}},
		{"multi-label", &nms.Options{ConfThres: new(0.1), MultiLabel: true}, [][2]float64{{0.81, 0}, {0.56, 1}, {0.3, 2}}},
		{"multi-label, no overlap suppressed", &nms.Options{ConfThres: new(0.1), IoUThres: new(0.9), MultiLabel: true}, [][2]float64{{0.81, 0}, {0.56, 1}, {0.45, 1}, {0.3, 2}, {0.16, 0}}},
		{"multi-label, suppressing", &nms.Options{ConfThres: new(0.1), IoUThres: new(iouAB - 1e-9), MultiLabel: true}, [][2]float64{{0.81, 0}, {0.56, 1}, {0.3, 2}}},
		{"at the threshold: kept", &nms.Options{ConfThres: new(0.1), IoUThres: new(iouAB + 1e-9), MultiLabel: true}, [][2]float64{{0.81, 0}, {0.56, 1}, {0.45, 1}, {0.3, 2}, {0.16, 0}}},
		{"agnostic", &nms.Options{Agnostic: true, IoUThres: new(0.5)}, [][2]float64{{0.81, 0}, {0.3, 2}}},
		{"max_det 2", &nms.Options{MaxDet: 2}, [][2]float64{{0.81, 0}, {0.56, 1}}},
		{"class filter", &nms.Options{Classes: []int{2, 1, 9}}, [][2]float64{{0.56, 1}, {0.3, 2}}},
		{"best class, then the filter", &nms.Options{ConfThres: new(0.1), Classes: []int{1}}, [][2]float64{{0.56, 1}}},
		{"empty filter", &nms.Options{Classes: []int{}}, nil},
		{"conf above all", &nms.Options{ConfThres: new(0.9)}, nil},
	} {
		s, err := nms.New[float64](tc.o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got [][2]float64
		for _, r := range rowsOf(s.Image(img)) {
			got = append(got, [2]float64{math.Round(r[4]*100) / 100, r[5]})
		}
		if d := gocmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", tc.name, d)
		}
	}
}

// TestSingleClass: with nc = 1 multi-label is off, as in YOLOv5.
func TestSingleClass(t *testing.T) {
	img := tensor.Tensor[float32]{Shape: []int{1, 6}, Data: []float32{10, 10, 4, 4, 0.5, 0.5}}
	s, err := nms.New[float32](nms.Val())
	if err != nil {
		t.Fatal(err)
	}
	if d := gocmp.Diff([][6]float32{{8, 8, 12, 12, 0.25, 0}}, rowsOf(s.Image(img))); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
}

// TestMaxNMS: only the MaxNMS most confident pairs enter NMS.
func TestMaxNMS(t *testing.T) {
	// Disjoint unit boxes of 100 classes, confidence falling with the row.
	const nc = 100
	n := nms.MaxNMS + 500
	img := tensor.New[float32](n, 5+nc)
	for r := range n {
		v := img.Data[(5+nc)*r : (5+nc)*(r+1)]
		v[0], v[1], v[2], v[3] = float32(2*(r%200)), float32(2*(r/200)), 1, 1
		v[4], v[5+r%nc] = 1, 1-float32(r)/float32(2*n)
	}
	s, err := nms.New[float32](&nms.Options{MaxDet: n})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Image(img)
	if got.Shape[0] != nms.MaxNMS {
		t.Fatalf("%d detections, want %d", got.Shape[0], nms.MaxNMS)
	}
	r := nms.MaxNMS - 1
	if last := got.Data[6*r+4]; last != img.Data[(5+nc)*r+5+r%nc] {
		t.Errorf("last detection's conf %v, want row %d's %v", last, r, img.Data[(5+nc)*r+5+r%nc])
	}
}

// TestTies: equal confidences are visited in the order of the input.
func TestTies(t *testing.T) {
	img := tensor.Tensor[float64]{Shape: []int{3, 7}, Data: []float64{
		10, 10, 10, 10, 1, 0.5, 0.5, // row 0: classes 0 and 1 tie
		11, 10, 10, 10, 1, 0.5, 0.5, // row 1: the same, overlapping row 0
		100, 100, 10, 10, 1, 0.5, 0.5,
	}}
	s, err := nms.New[float64](&nms.Options{ConfThres: new(0.1), MultiLabel: true})
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]float64 // (x1, class)
	for _, r := range rowsOf(s.Image(img)) {
		got = append(got, [2]float64{r[0], r[5]})
	}
	want := [][2]float64{{5, 0}, {5, 1}, {95, 0}, {95, 1}}
	if d := gocmp.Diff(want, got); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
}

func TestNoAllocationsWhenWarm(t *testing.T) {
	pred := randomPred[float32](rand.New(rand.NewPCG(1, 1)), 4, 500, 20)
	s, err := nms.New[float32](nms.Val())
	if err != nil {
		t.Fatal(err)
	}
	s.Batch(pred)
	if a := testing.AllocsPerRun(10, func() { s.Batch(pred) }); a != 0 {
		t.Errorf("Batch on warm buffers: %v allocations, want 0", a)
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    nms.Options
		want string
	}{
		{"conf above 1", nms.Options{ConfThres: new(1.5)}, "conf_thres 1.5 is outside [0, 1]"},
		{"conf NaN", nms.Options{ConfThres: new(math.NaN())}, "conf_thres NaN"},
		{"iou negative", nms.Options{IoUThres: new(-0.1)}, "iou_thres -0.1 is outside [0, 1]"},
		{"max_det negative", nms.Options{MaxDet: -1}, "max_det -1 is negative"},
		{"negative class", nms.Options{Classes: []int{1, -2}}, "classes[1] = -2"},
	} {
		_, err := nms.New[float32](&tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestPanics(t *testing.T) {
	s, err := nms.New[float64](nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"Batch of rank 2", func() { s.Batch(tensor.New[float64](3, 8)) }, "not of rank 3"},
		{"Image of rank 3", func() { s.Image(tensor.New[float64](1, 3, 8)) }, "not of rank 2"},
		{"no class", func() { s.Image(tensor.New[float64](3, 5)) }, "nc ≥ 1"},
		{"short data", func() { s.Image(tensor.Tensor[float64]{Shape: []int{2, 6}, Data: make([]float64, 6)}) }, "holds 12 elements"},
	} {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if r == nil || !strings.Contains(msg, tc.want) || !strings.HasPrefix(msg, "nms: ") {
					t.Errorf("%s: recovered %v, want a panic containing %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
