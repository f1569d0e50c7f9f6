package v8loss

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/diff/fd"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/internal/golden"
	"github.com/yolo-loss/yololoss/iou"
	"github.com/yolo-loss/yololoss/model"
	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// caseNamed returns the golden case called name.
func caseNamed(t *testing.T, name string) golden.V8Case {
	t.Helper()
	for _, c := range loadCases(t) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no golden case %s", name)
	return golden.V8Case{}
}

// v8Settings returns ultralytics' default settings with the criterion
// and box loss given.
func v8Settings(crit criterion.Config, box iou.Params) settings {
	return settings{box: 7.5, cls: 0.5, dfl: 1.5, epochs: 3, topk: 10, crit: crit, boxLoss: box}
}

func boxParams(typ string, edit func(*iou.Params)) iou.Params {
	p := iou.DefaultParams()
	p.Type = typ
	if edit != nil {
		edit(&p)
	}
	return p
}

// TestFiniteDifferences checks the gradient of frozen calls against
// central differences (gonum's fd.Derivative) of the loss, for each
// criterion and box loss, on reg_max 16, reg_max 1 and end-to-end inputs:
// every box logit of the foreground anchors, their class logits, and a
// sample of the others.
func TestFiniteDifferences(t *testing.T) {
	bce := criterion.Config{}
	for _, tc := range []struct {
		name, input string
		crit        criterion.Config
		box         iou.Params
	}{
		{"ciou bce", "v8_basic", bce, boxParams("ciou", nil)},
		{"regmax1 ciou", "v8_regmax1_l1", bce, boxParams("ciou", nil)},
		{"e2e regmax1", "v8_e2e_yolo26", bce, boxParams("ciou", nil)},
		{"e2e regmax16", "v8_e2e_regmax16", bce, boxParams("ciou", nil)},
		{"focal", "v8_basic", criterion.Config{Type: "focal", Gamma: 1.5, Alpha: 0.25}, boxParams("ciou", nil)},
		{"focal no alpha", "v8_basic", criterion.Config{Type: "focal", Gamma: 1.5}, boxParams("ciou", nil)},
		{"qfocal", "v8_basic", criterion.Config{Type: "qfocal", Gamma: 1.5, Alpha: 0.25}, boxParams("ciou", nil)},
		{"varifocal", "v8_basic", criterion.Config{Type: "varifocal", Gamma: 2, Alpha: 0.75}, boxParams("ciou", nil)},
		{"iou", "v8_basic", bce, boxParams("iou", nil)},
		{"giou", "v8_basic", bce, boxParams("giou", nil)},
		{"diou", "v8_basic", bce, boxParams("diou", nil)},
		{"eiou focal", "v8_basic", bce, boxParams("eiou", func(p *iou.Params) { p.FocalGamma = 0.5 })},
		{"siou", "v8_basic", bce, boxParams("siou", nil)},
		{"alpha ciou", "v8_basic", bce, boxParams("ciou", func(p *iou.Params) { p.Alpha = 3 })},
		{"inner ciou", "v8_basic", bce, boxParams("ciou", func(p *iou.Params) { p.InnerRatio = 0.8 })},
		{"wiou v1", "v8_basic", bce, boxParams("wiou", func(p *iou.Params) { p.WIoUVersion = 1 })},
		{"wiou v3", "v8_basic", bce, boxParams("wiou", func(p *iou.Params) { p.WIoUVersion = 3 })},
		{"mpdiou", "v8_basic", bce, boxParams("mpdiou", nil)},
		{"shape_iou", "v8_basic", bce, boxParams("shape_iou", nil)},
		{"regmax1 siou", "v8_regmax1_l1", bce, boxParams("siou", nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := caseNamed(t, tc.input)
			d := model.AnchorFree{NC: c.Expect.NC, RegMax: c.Expect.RegMax, Strides: c.Strides, End2End: c.Expect.End2End}
			e, err := newEngine[float64](v8Settings(tc.crit, tc.box), d, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.SetEpoch(1)
			gc := setup[float64](t, c)
			p, g := gc.p, gc.g
			res, err := e.Loss(p, c.Labels, g)
			if err != nil {
				t.Fatal(err)
			}
			if res.FG == 0 {
				t.Fatal("no foreground: nothing to check")
			}
			e.SetFrozen(true)
			checkFD(t, e, p, g, c.Labels, fdElems(e, p, 40))
		})
	}
}

// fdElems returns the (tensor, index) pairs to check: every channel of
// the foreground anchors of the last call and n random elements per
// tensor.
func fdElems[T tensor.Float](e *Engine[T], p []tensor.Tensor[T], n int) [][2]int {
	var el [][2]int
	c := &e.cfg
	for kb := range e.branches {
		for b := range e.call0bs() {
			for _, t := range e.branches[kb].imgs[b].terms {
				ly := e.grid.layers[t.layer]
				plane := ly.NY * ly.NX
				for ch := range c.c {
					el = append(el, [2]int{kb*c.nl + t.layer, (b*c.c+ch)*plane + t.cell})
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range p {
		for range n {
			el = append(el, [2]int{i, rng.IntN(len(p[i].Data))})
		}
	}
	return el
}

// call0bs returns the batch size of the last call.
func (e *Engine[T]) call0bs() int { return e.grid.next[0][0] }

// checkFD compares g, the gradient of a frozen call, with central
// differences of the loss at the elements el.
func checkFD(t *testing.T, e *Engine[float64], p, g []tensor.Tensor[float64], labels []target.Label, el [][2]int) {
	t.Helper()
	if _, err := e.Loss(p, labels, g); err != nil {
		t.Fatal(err)
	}
	var big float64
	for _, gt := range g {
		for _, v := range gt.Data {
			big = max(big, math.Abs(v))
		}
	}
	settings := &fd.Settings{Formula: fd.Central, Step: 1e-5}
	bad := 0
	for _, ij := range el {
		x := &p[ij[0]].Data[ij[1]]
		x0 := *x
		num := fd.Derivative(func(v float64) float64 {
			*x = v
			r, err := e.Loss(p, labels, nil)
			if err != nil {
				t.Fatal(err)
			}
			return r.Loss
		}, x0, settings)
		*x = x0
		got := g[ij[0]].Data[ij[1]]
		if d := math.Abs(num - got); d > 1e-6*big+1e-6*math.Abs(num) {
			if bad++; bad <= 5 {
				t.Errorf("%s[%d]: gradient %.10g, central difference %.10g", e.name(ij[0]), ij[1], got, num)
			}
		}
	}
}
