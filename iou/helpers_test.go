package iou

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// config is one variant with its modifiers, by the hyp keys it sets.
type config struct {
	typ  string
	keys map[string]float64
}

// configs is every variant with each modifier: the α-IoU power above and
// below 1 (and below ½, where the distance's power has no derivative at
// coincident centres), Focal, Inner-IoU, the three WIoU versions, and the
// Shape-IoU scale.
var configs = []config{
	{"iou", nil}, {"iou", map[string]float64{KeyAlpha: 3}}, {"iou", map[string]float64{KeyAlpha: 0.7}},
	{"iou", map[string]float64{KeyFocalGamma: 0.5}}, {"iou", map[string]float64{KeyAlpha: 2, KeyFocalGamma: 1}},
	{"giou", nil}, {"giou", map[string]float64{KeyAlpha: 2}}, {"giou", map[string]float64{KeyAlpha: 0.4}},
	{"giou", map[string]float64{KeyFocalGamma: 1.5}},
	{"diou", nil}, {"diou", map[string]float64{KeyAlpha: 3}}, {"diou", map[string]float64{KeyAlpha: 0.3}},
	{"diou", map[string]float64{KeyFocalGamma: 0.5}},
	{"ciou", nil}, {"ciou", map[string]float64{KeyAlpha: 3}}, {"ciou", map[string]float64{KeyAlpha: 0.6}},
	{"ciou", map[string]float64{KeyFocalGamma: 0.5}}, {"ciou", map[string]float64{KeyAlpha: 0.8, KeyFocalGamma: 2}},
	{"ciou", map[string]float64{KeyInnerRatio: 0.8}}, {"ciou", map[string]float64{KeyInnerRatio: 1.3}},
	{"eiou", nil}, {"eiou", map[string]float64{KeyAlpha: 2.5}}, {"eiou", map[string]float64{KeyAlpha: 0.45}},
	{"eiou", map[string]float64{KeyFocalGamma: 0.5}},
	{"siou", nil}, {"siou", map[string]float64{KeyAlpha: 3}}, {"siou", map[string]float64{KeyAlpha: 0.4}},
	{"siou", map[string]float64{KeyFocalGamma: 1}}, {"siou", map[string]float64{KeyInnerRatio: 1.2}},
	{"siou", map[string]float64{KeyInnerRatio: 0.7}},
	{"wiou", map[string]float64{KeyWIoUVersion: 1}}, {"wiou", map[string]float64{KeyWIoUVersion: 2}},
	{"wiou", nil},
	{"mpdiou", nil},
	{"shape_iou", nil}, {"shape_iou", map[string]float64{KeyShapeScale: 1.5}},
}

// family returns a new Loss of each of configs.
func family(tb testing.TB) []Loss {
	tb.Helper()
	var ls []Loss
	for _, c := range configs {
		l, err := New(paramsOf(tb, c.typ, c.keys))
		if err != nil {
			tb.Fatalf("%s %v: %v", c.typ, c.keys, err)
		}
		ls = append(ls, l)
	}
	return ls
}

// randomPair returns a prediction and a target in the loss frame: centres
// in the cell and its neighbours, sizes e^[−2.5, 2.2] grid units.
func randomPair(rng *rand.Rand) (Pred, Box) {
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	p := PredOf(Box{u(-0.5, 1.5), u(-0.5, 1.5), math.Exp(u(-2.5, 2.2)), math.Exp(u(-2.5, 2.2))})
	return p, Box{u(-0.5, 1.5), u(-0.5, 1.5), math.Exp(u(-2, 2)), math.Exp(u(-2, 2))}
}

// testGrid is the layer of the tests' matches (MPDIoU reads it).
var testGrid = Grid{NY: 20, NX: 24}

// finiteTerm reports whether every number of a Term is finite.
func finiteTerm(tm Term) bool {
	for _, v := range []float64{tm.Value, tm.Loss, tm.Base, tm.Grad[0], tm.Grad[1], tm.Grad[2], tm.Grad[3]} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// errNotFinite describes a Term with a NaN or an infinity.
func errNotFinite(tm Term) error { return fmt.Errorf("not finite: %+v", tm) }
