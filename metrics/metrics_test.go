package metrics_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/tensor"
)

// bar is a box of height 10 over x in [x1, x2]: the IoU of two bars is the
// ratio of the lengths of their overlap and their union (to the 1e-7).
func bar(x1, x2 float64) [4]float64 { return [4]float64{x1, 0, x2, 10} }

func dets(rows ...[6]float64) tensor.Tensor[float64] {
	t := tensor.Tensor[float64]{Shape: []int{len(rows), 6}, Data: []float64{}}
	for _, r := range rows {
		t.Data = append(t.Data, r[:]...)
	}
	return t
}

func det(b [4]float64, conf, class float64) [6]float64 {
	return [6]float64{b[0], b[1], b[2], b[3], conf, class}
}

func labels(rows ...[5]float64) tensor.Tensor[float64] {
	t := tensor.Tensor[float64]{Shape: []int{len(rows), 5}, Data: []float64{}}
	for _, r := range rows {
		t.Data = append(t.Data, r[:]...)
	}
	return t
}

func label(class float64, b [4]float64) [5]float64 {
	return [5]float64{class, b[0], b[1], b[2], b[3]}
}

// bits returns the Correct with thresholds lo..hi (inclusive) set.
func bits(lo, hi int) metrics.Correct {
	var c metrics.Correct
	for t := lo; t <= hi; t++ {
		c |= 1 << t
	}
	return c
}

func TestMatch(t *testing.T) {
	l0, l1 := bar(0, 10), bar(4, 14)
	for _, tc := range []struct {
		name   string
		dets   tensor.Tensor[float64]
		labels tensor.Tensor[float64]
		want   []metrics.Correct
	}{
		{
			// D0 and D1 both have L1 as their best label (IoU 9/11 and
			// 8.5/11.5); L1 goes to D0, the first. Greedy matching by IoU
			// would give D1 the other label, L0 (IoU 0.6): YOLOv5 does not.
			name:   "not greedy: a detection keeps only its best label",
			dets:   dets(det(bar(3, 13), 0.9, 0), det(bar(2.5, 12.5), 0.8, 0)),
			labels: labels(label(0, l0), label(0, l1)),
			want:   []metrics.Correct{bits(0, 6), 0},
		},
		{
			// One label: D0 (IoU 8/12) holds it up to 0.65, however more
			// accurate D1 (IoU 9.5/10.5) is; D1 takes over from 0.7 to 0.9.
			name:   "the most confident detection wins each threshold",
			dets:   dets(det(bar(2, 12), 0.9, 0), det(bar(3.5, 13.5), 0.8, 0)),
			labels: labels(label(0, l1)),
			want:   []metrics.Correct{bits(0, 3), bits(4, 8)},
		},
		{
			name:   "classes must agree",
			dets:   dets(det(l0, 0.9, 1), det(l0, 0.8, 0)),
			labels: labels(label(0, l0)),
			want:   []metrics.Correct{0, bits(0, 9)},
		},
		{
			name:   "IoU below 0.5",
			dets:   dets(det(bar(5, 15), 0.9, 0)), // IoU 5/15 with l0
			labels: labels(label(0, l0)),
			want:   []metrics.Correct{0},
		},
		{
			name:   "no labels",
			dets:   dets(det(l0, 0.9, 0)),
			labels: labels(),
			want:   []metrics.Correct{0},
		},
		{
			name:   "no detections",
			dets:   dets(),
			labels: labels(label(0, l0)),
			want:   nil,
		},
	} {
		var m metrics.Matcher[float64]
		got := m.Match(nil, tc.dets, tc.labels)
		if d := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", tc.name, d)
		}
	}
}

func TestIoUThreshold(t *testing.T) {
	for k := range metrics.NumIoU {
		if got, want := metrics.IoUThreshold(k), float64(float32(0.5+0.05*float64(k))); got != want {
			t.Errorf("IoUThreshold(%d) = %v, want %v", k, got, want)
		}
	}
	c := bits(2, 4)
	if d := cmp.Diff([10]bool{2: true, 3: true, 4: true}, c.Row()); d != "" || !c.At(3) || c.At(5) {
		t.Errorf("Correct %b: Row mismatch (-want +got):\n%s", c, d)
	}
}

// TestNoMetrics: when no detection is correct, YOLOv5 reports zeros and no
// classes, and still counts the labels.
func TestNoMetrics(t *testing.T) {
	acc := metrics.NewAccumulator[float64](3)
	if err := acc.AddImage(dets(det(bar(20, 30), 0.9, 0)), labels(label(0, bar(0, 10)), label(2, bar(0, 10)))); err != nil {
		t.Fatal(err)
	}
	if err := acc.AddImage(dets(), labels()); err != nil {
		t.Fatal(err)
	}
	r := acc.Compute()
	want := metrics.Result{Images: 2, NT: []int{1, 0, 1}}
	if d := cmp.Diff(want, r, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("mismatch (-want +got):\n%s", d)
	}
}

// TestClasses: a class with labels and no detection scores 0 and counts
// in the means; detections of a class without labels count nowhere; a
// perfect class scores AP 0.995.
func TestClasses(t *testing.T) {
	acc := metrics.NewAccumulator[float64](4)
	err := acc.AddImage(
		dets(det(bar(0, 10), 0.9, 0), det(bar(50, 60), 0.8, 3), det(bar(100, 110), 0.7, 0)),
		labels(label(0, bar(0, 10)), label(0, bar(100, 110)), label(1, bar(200, 210))),
	)
	if err != nil {
		t.Fatal(err)
	}
	r := acc.Compute()
	if len(r.Classes) != 2 || r.Classes[0].Class != 0 || r.Classes[1].Class != 1 {
		t.Fatalf("classes %+v, want 0 and 1", r.Classes)
	}
	c0, c1 := r.Classes[0], r.Classes[1]
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-15 }
	if c0.AP50 != 0.995 || !near(c0.AP, 0.995) || c0.Labels != 2 || c0.TP != 2 || c0.FP != 0 || c0.R != 1 {
		t.Errorf("perfect class: %+v", c0)
	}
	if c1 != (metrics.Class{Class: 1, Labels: 1}) {
		t.Errorf("class without detections: %+v, want zeros", c1)
	}
	if r.MAP50 != 0.995/2 || !near(r.MAP, 0.995/2) || r.MR != 0.5 {
		t.Errorf("means: mAP50 %v mAP %v mR %v", r.MAP50, r.MAP, r.MR)
	}
	if len(r.Curves.Conf) != metrics.NumConf || len(r.Curves.PR) != 2 || r.Curves.PR[1] != nil || len(r.Curves.F1[0]) != metrics.NumConf {
		t.Errorf("curves: %d confidences, %d PR curves (class 1's nil: %v)", len(r.Curves.Conf), len(r.Curves.PR), r.Curves.PR[1] == nil)
	}
}

// randomImages returns images of random detections near random labels,
// as (dets, targets) in AddBatch's layout.
func randomImages(rng *rand.Rand, bs, nc int) ([]tensor.Tensor[float64], tensor.Tensor[float64]) {
	var ds []tensor.Tensor[float64]
	targets := tensor.Tensor[float64]{Shape: []int{0, 6}, Data: []float64{}}
	for b := range bs {
		var rows [][6]float64
		for range rng.IntN(5) {
			c := float64(rng.IntN(nc))
			x, y, w, h := 50+500*rng.Float64(), 50+500*rng.Float64(), 20+100*rng.Float64(), 20+100*rng.Float64()
			targets.Data = append(targets.Data, float64(b), c, x, y, w, h)
			targets.Shape[0]++
			for range rng.IntN(4) {
				j := func(v float64) float64 { return v * (1 + 0.15*rng.NormFloat64()) }
				dc := c
				if rng.IntN(4) == 0 {
					dc = float64(rng.IntN(nc))
				}
				cx, cy, dw, dh := j(x), j(y), j(w), j(h)
				rows = append(rows, [6]float64{cx - dw/2, cy - dh/2, cx + dw/2, cy + dh/2, rng.Float64(), dc})
			}
		}
		for range rng.IntN(5) { // background
			x, y := 640*rng.Float64(), 640*rng.Float64()
			rows = append(rows, [6]float64{x, y, x + 30, y + 30, 0.3 * rng.Float64(), float64(rng.IntN(nc))})
		}
		// Descending conf, as NMS returns them.
		for i := range rows {
			for j := i + 1; j < len(rows); j++ {
				if rows[j][4] > rows[i][4] {
					rows[i], rows[j] = rows[j], rows[i]
				}
			}
		}
		ds = append(ds, dets(rows...))
	}
	return ds, targets
}

// TestStreaming: image by image, batch by batch, or all at once, after a
// Reset or on a fresh accumulator, the result is the same.
func TestStreaming(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const nc = 5
	ds, targets := randomImages(rng, 12, nc)

	whole := metrics.NewAccumulator[float64](nc)
	if err := whole.AddBatch(ds, targets); err != nil {
		t.Fatal(err)
	}
	want := whole.Compute()
	if len(want.Classes) == 0 {
		t.Fatal("no metrics: the random images need correct detections")
	}

	split := metrics.NewAccumulator[float64](nc)
	for pass := range 2 {
		split.Reset()
		for lo := 0; lo < 12; lo += 5 {
			hi := min(lo+5, 12)
			var sub []float64
			for i := range targets.Shape[0] {
				if b := int(targets.Data[6*i]); b >= lo && b < hi {
					row := append([]float64(nil), targets.Data[6*i:6*i+6]...)
					row[0] -= float64(lo)
					sub = append(sub, row...)
				}
			}
			part := tensor.Tensor[float64]{Shape: []int{len(sub) / 6, 6}, Data: sub}
			if err := split.AddBatch(ds[lo:hi], part); err != nil {
				t.Fatal(err)
			}
		}
		if d := cmp.Diff(want, split.Compute()); d != "" {
			t.Errorf("pass %d: batches of 5 differ from one batch (-want +got):\n%s", pass, d)
		}
		if d := cmp.Diff(whole.Correct(), split.Correct()); d != "" {
			t.Errorf("pass %d: correct rows differ (-want +got):\n%s", pass, d)
		}
	}
}

// TestNoAllocationsWhenWarm: after a Reset, adding the same images again
// allocates nothing.
func TestNoAllocationsWhenWarm(t *testing.T) {
	ds, targets := randomImages(rand.New(rand.NewPCG(2, 2)), 8, 4)
	acc := metrics.NewAccumulator[float64](4)
	if err := acc.AddBatch(ds, targets); err != nil {
		t.Fatal(err)
	}
	a := testing.AllocsPerRun(10, func() {
		acc.Reset()
		if err := acc.AddBatch(ds, targets); err != nil {
			t.Fatal(err)
		}
	})
	if a != 0 {
		t.Errorf("AddBatch on warm buffers: %v allocations, want 0", a)
	}
}

func TestAddErrors(t *testing.T) {
	good := dets(det(bar(0, 10), 0.9, 1))
	for _, tc := range []struct {
		name string
		add  func(a *metrics.Accumulator[float64]) error
		want string
	}{
		{"label class too large", func(a *metrics.Accumulator[float64]) error {
			return a.AddImage(good, labels(label(0, bar(0, 1)), label(3, bar(0, 1))))
		}, "image 0: label 1: class 3 is not an integer in [0, 3)"},
		{"detection class not an integer", func(a *metrics.Accumulator[float64]) error {
			return a.AddImage(dets(det(bar(0, 10), 0.9, 0.5)), labels())
		}, "image 0: detection 0: class 0.5"},
		{"conf NaN", func(a *metrics.Accumulator[float64]) error {
			return a.AddImage(dets(det(bar(0, 10), math.NaN(), 0)), labels())
		}, "conf NaN is not finite"},
		{"target image out of range", func(a *metrics.Accumulator[float64]) error {
			return a.AddBatch([]tensor.Tensor[float64]{good}, tensor.Tensor[float64]{Shape: []int{1, 6}, Data: []float64{1, 0, 5, 5, 2, 2}})
		}, "target 0: image 1 is not an integer in [0, 1)"},
		{"target class negative", func(a *metrics.Accumulator[float64]) error {
			return a.AddBatch([]tensor.Tensor[float64]{good}, tensor.Tensor[float64]{Shape: []int{1, 6}, Data: []float64{0, -1, 5, 5, 2, 2}})
		}, "target 0: class -1"},
		{"second image's detection", func(a *metrics.Accumulator[float64]) error {
			return a.AddBatch([]tensor.Tensor[float64]{good, dets(det(bar(0, 1), 0.5, 7))}, tensor.Tensor[float64]{Shape: []int{0, 6}, Data: []float64{}})
		}, "image 1: detection 0: class 7"},
	} {
		acc := metrics.NewAccumulator[float64](3)
		err := tc.add(acc)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "metrics: ") {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if acc.Images() != 0 || len(acc.Correct()) != 0 || acc.Compute().NT[0] != 0 {
			t.Errorf("%s: the failed call added something", tc.name)
		}
	}
}

func TestPanics(t *testing.T) {
	acc := metrics.NewAccumulator[float32](2)
	for _, tc := range []struct {
		name string
		f    func()
		want string
	}{
		{"nc 0", func() { metrics.NewAccumulator[float64](0) }, "nc 0 < 1"},
		{"detections of 5 columns", func() {
			_ = acc.AddImage(tensor.New[float32](1, 5), tensor.New[float32](0, 5))
		}, "detections of shape [1 5], want [n, 6]"},
		{"labels of 6 columns", func() {
			var m metrics.Matcher[float32]
			m.Match(nil, tensor.New[float32](0, 6), tensor.New[float32](2, 6))
		}, "labels of shape [2 6], want [n, 5]"},
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
