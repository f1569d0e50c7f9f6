package sample_test

import (
	"slices"
	"testing"

	"github.com/yolo-loss/yololoss/internal/sample"
	"github.com/yolo-loss/yololoss/model"
)

func TestGenerate(t *testing.T) {
	for _, c := range []sample.Config{sample.DefaultP5, sample.DefaultP6} {
		b, err := sample.Generate(c)
		if err != nil {
			t.Fatal(err)
		}
		if b.NL() != c.Layers || b.BS() != 2 || b.NC() != sample.NC || len(b.Targets) < 4 {
			t.Errorf("%+v: nl %d bs %d nc %d labels %d", c, b.NL(), b.BS(), b.NC(), len(b.Targets))
		}
		// Deterministic.
		b2, _ := sample.Generate(c)
		for i := range b.Preds {
			for k, v := range b.Preds[i].F32 {
				if b2.Preds[i].F32[k] != v {
					t.Fatalf("%+v: p%d[%d] differs between two runs", c, i, k)
				}
			}
		}
		// Looks partly trained: objectness high near the objects, low elsewhere.
		var hi, lo int
		for _, p := range b.Preds {
			for k := 4; k < len(p.F32); k += 85 {
				if p.F32[k] > 0 {
					hi++
				} else if p.F32[k] < -3 {
					lo++
				}
			}
		}
		if hi == 0 || lo < 10*hi {
			t.Errorf("%+v: %d confident cells, %d background cells", c, hi, lo)
		}
	}
	if _, err := sample.Generate(sample.Config{Layers: 5, ImgSize: 256}); err == nil {
		t.Error("Generate with 5 layers succeeded")
	}
}

// TestForDetect: a sample shaped by any YOLOv5 head: its anchors per
// layer, its classes (labels' classes modulo nc), the image size a
// multiple of the largest stride.
func TestForDetect(t *testing.T) {
	m, err := model.FromGrid(3, [][][2]float64{{{1, 2}, {2, 1}}, {{2, 3}, {3, 2}}}, []float64{8, 16})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sample.ForDetect(m, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if b.NL() != 2 || b.NA() != 2 || b.NC() != 3 || b.Preds[1].Shape[2] != 4 {
		t.Errorf("nl %d na %d nc %d, P4 shape %v", b.NL(), b.NA(), b.NC(), b.Preds[1].Shape)
	}
	for _, l := range b.Targets {
		if l[1] < 0 || l[1] >= 3 {
			t.Errorf("label class %v for 3 classes", l[1])
		}
	}
	if _, err := sample.ForDetect(m, 60, 1); err == nil {
		t.Error("image size 60 for stride 16 accepted")
	}
}

// TestForAnchorFree: a sample for each kind of anchor-free head: outputs
// [2, 4·reg_max + nc, ny, nx] per layer (and the one-to-one branch's for
// an end-to-end head), deterministic, each class logit high only near a
// label of that class.
func TestForAnchorFree(t *testing.T) {
	for _, a := range []model.AnchorFree{
		{NC: 80, RegMax: 16, Strides: []float64{8, 16, 32}},
		{NC: 3, RegMax: 1, Strides: []float64{4, 8, 16, 32}, End2End: true},
	} {
		s, err := sample.ForAnchorFree(a, 256, 8)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.P) != len(a.Strides) || len(s.Q) != map[bool]int{true: len(a.Strides)}[a.End2End] {
			t.Fatalf("%+v: %d P, %d Q", a, len(s.P), len(s.Q))
		}
		s2, _ := sample.ForAnchorFree(a, 256, 8)
		for i, p := range append(s.P, s.Q...) {
			g := 256 / int(a.Strides[i%len(a.Strides)])
			if want := []int{2, a.Channels(), g, g}; !slices.Equal(p.Shape, want) || len(p.F32) != 2*a.Channels()*g*g {
				t.Errorf("%+v: %s shape %v, want %v", a, p.Name, p.Shape, want)
			}
			if !slices.Equal(p.F32, append(s2.P, s2.Q...)[i].F32) {
				t.Errorf("%+v: %s differs between two runs", a, p.Name)
			}
		}
		var hi, all int
		for _, p := range s.P {
			g := p.Shape[2] * p.Shape[3]
			for k, v := range p.F32 {
				if c := (k / g) % a.Channels(); c >= 4*a.RegMax {
					all++
					if v > 0 {
						hi++
					}
				}
			}
		}
		if hi == 0 || hi*1000 > all {
			t.Errorf("%+v: %d of %d class logits above 0", a, hi, all)
		}
	}
	if _, err := sample.ForAnchorFree(model.AnchorFree{NC: 0, RegMax: 16, Strides: []float64{8}}, 64, 1); err == nil {
		t.Error("a head of 0 classes accepted")
	}
}
