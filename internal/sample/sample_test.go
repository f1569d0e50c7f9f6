package sample_test

import (
	"testing"

	"github.com/yolo-loss/yololoss/internal/sample"
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
