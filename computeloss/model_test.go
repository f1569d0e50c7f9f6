package computeloss_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/computeloss"
)

func TestPixelModels(t *testing.T) {
	for _, tc := range []struct {
		name    string
		model   computeloss.Model
		strides []float64
		last    [2]float64 // the last anchor of the last layer, in grid units
	}{
		// 373/32, 326/32 (yolov5s.yaml's largest P5 anchor)
		{"P5", computeloss.P5Model(80), []float64{8, 16, 32}, [2]float64{11.65625, 10.1875}},
		// 925/64, 792/64 (yolov5s6.yaml's largest P6 anchor)
		{"P6", computeloss.P6Model(80), []float64{8, 16, 32, 64}, [2]float64{14.453125, 12.375}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			if m.NC != 80 || m.NA() != 3 || m.NL() != len(tc.strides) {
				t.Errorf("nc %d, na %d, nl %d; want 80, 3, %d", m.NC, m.NA(), m.NL(), len(tc.strides))
			}
			if diff := cmp.Diff(tc.strides, m.Strides); diff != "" {
				t.Errorf("strides mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.last, m.Anchors[m.NL()-1][m.NA()-1]); diff != "" {
				t.Errorf("last anchor mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func ExampleP6Model() {
	m := computeloss.P6Model(80)
	fmt.Println(m.NL(), "layers, strides", m.Strides)
	// The first anchor, 19×27 pixels at stride 8, in grid units:
	fmt.Println(m.Anchors[0][0])
	// Output:
	// 4 layers, strides [8 16 32 64]
	// [2.375 3.375]
}
