package nms

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/yolo-loss/yololoss/tensor"
)

// TestV8RowMajorFallback: the row-major scan that collectV8 falls back to
// when r·nc + c would overflow a pair's index gives the detections of the
// class-major scan, NaN rows and the class filter included.
func TestV8RowMajorFallback(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const nch, n = 4 + 6, 300
	img := tensor.New[float64](nch, n)
	for i := range img.Data {
		c := i / n
		switch {
		case c < 2:
			img.Data[i] = 100 * rng.Float64()
		case c < 4:
			img.Data[i] = 5 + 30*rng.Float64()
		default:
			img.Data[i] = rng.Float64() * rng.Float64()
		}
	}
	img.Data[5*n+7], img.Data[9*n+100] = math.NaN(), math.NaN()
	for _, o := range []*Options{ValV8(), {Head: V8, ConfThres: new(0.05), MultiLabel: true, Classes: []int{0, 3, 5}}} {
		s, err := New[float64](o)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(s.Image(img).Data)
		if len(want) == 0 {
			t.Fatal("no detections")
		}
		old := maxPairIdx
		maxPairIdx = 0
		got := slices.Clone(s.Image(img).Data)
		maxPairIdx = old
		if !slices.Equal(want, got) {
			t.Errorf("classes %v: the row-major scan gives %d values, the class-major one %d; they differ", o.Classes, len(got), len(want))
		}
	}
}
