package v8loss

import (
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/tensor"
)

// loadSettings reads a golden case's hyp.yaml as a user's file is read:
// hyp.Load, then the settings of its copy for the head (hyp.Hyp.For).
func loadSettings(t *testing.T, path string) settings {
	t.Helper()
	h, err := hyp.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := settingsOf(h)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goldenCase is a golden case's inputs in element type T.
type goldenCase[T tensor.Float] struct {
	c     golden.V8Case
	e     *Engine[T]
	p, g  []tensor.Tensor[T]
	wantG []batchfile.Tensor
}

func loadCases(t *testing.T) []golden.V8Case {
	t.Helper()
	cases, err := golden.LoadV8("../testdata/golden-v8")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 28 {
		t.Fatalf("%d golden cases, want 28", len(cases))
	}
	return cases
}

func setup[T tensor.Float](t *testing.T, c golden.V8Case) goldenCase[T] {
	t.Helper()
	s := loadSettings(t, c.HypPath)
	d := model.AnchorFree{NC: c.Expect.NC, RegMax: c.Expect.RegMax, Strides: c.Strides, End2End: c.Expect.End2End}
	e, err := newEngine[T](s, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	gc := goldenCase[T]{c: c, e: e, wantG: append(append([]batchfile.Tensor(nil), c.GradP...), c.GradQ...)}
	for _, a := range append(append([]batchfile.Tensor(nil), c.P...), c.Q...) {
		gc.p = append(gc.p, tensor.Convert[T](a.Array))
	}
	gc.g = tensor.Like(nil, gc.p)
	return gc
}

// rel returns |got − want| relative to |want| (absolute below 1).
func rel(got, want float64) float64 { return math.Abs(got-want) / max(math.Abs(want), 1e-300) }

func testGolden[T tensor.Float](t *testing.T, tolItem, tolGrad float64) {
	for _, c := range loadCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			gc := setup[T](t, c)
			var worstI, worstG float64
			for k, want := range c.Expect.History {
				gc.e.SetEpoch(k)
				res, err := gc.e.Loss(gc.p, c.Labels, gc.g)
				if err != nil {
					t.Fatal(err)
				}
				if res.FG != want.FG {
					t.Errorf("call %d: fg = %d, want %d", k, res.FG, want.FG)
				}
				for _, it := range []struct {
					name      string
					got, want float64
				}{
					{"loss", res.Loss, want.Loss}, {"lbox", res.LBox, want.LBox}, {"lcls", res.LCls, want.LCls},
					{"ldfl", res.LDfl, want.LDfl}, {"tss", res.TSS, want.TSS},
				} {
					d := rel(it.got, it.want)
					if it.want == 0 {
						d = math.Abs(it.got)
					}
					worstI = max(worstI, d)
					if !(d <= tolItem) {
						t.Errorf("call %d: %s = %.15g, want %.15g (rel %.3g)", k, it.name, it.got, it.want, d)
					}
				}
				if c.Expect.End2End {
					if res.O2M != want.O2M || res.O2O != want.O2O {
						t.Errorf("call %d: o2m, o2o = %v, %v, want %v, %v", k, res.O2M, res.O2O, want.O2M, want.O2O)
					}
				}
				if want.WIoUMean != nil {
					if d := rel(res.Box.Mean, *want.WIoUMean); !(d <= tolItem) {
						t.Errorf("call %d: wiou mean = %.15g, want %.15g", k, res.Box.Mean, *want.WIoUMean)
					}
				}
			}
			for i, w := range gc.wantG {
				var big float64
				for j := range w.Len() {
					big = max(big, math.Abs(w.At(j)))
				}
				big = max(big, 1e-300)
				var worst float64
				at := -1
				for j := range w.Len() {
					g := float64(gc.g[i].Data[j])
					if math.IsNaN(g) || math.IsInf(g, 0) {
						t.Fatalf("gradient %s[%d] = %v", w.Name, j, g)
					}
					if d := math.Abs(g-w.At(j)) / big; d > worst {
						worst, at = d, j
					}
				}
				worstG = max(worstG, worst)
				if !(worst <= tolGrad) {
					t.Errorf("gradient %s: worst element %d (shape %v): got %.12g, want %.12g (%.3g of the largest)",
						w.Name, at, w.Shape, gc.g[i].Data[at], w.At(at), worst)
				}
			}
			t.Logf("worst item %.3g, worst gradient %.3g", worstI, worstG)
		})
	}
}

func TestGolden64(t *testing.T) { testGolden[float64](t, 1e-9, 1e-9) }

func TestGolden32(t *testing.T) { testGolden[float32](t, 1e-5, 1e-4) }
