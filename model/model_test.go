package model_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/model"
)

func TestPixelModels(t *testing.T) {
	for _, tc := range []struct {
		name    string
		d       model.Detect
		strides []float64
		last    [2]float64 // the last anchor of the last layer, in grid units
	}{
		// 373/32, 326/32 (p5.yaml's largest P5 anchor)
		{"P5", model.P5(80), []float64{8, 16, 32}, [2]float64{11.65625, 10.1875}},
		// 925/64, 792/64 (p6.yaml's largest P6 anchor)
		{"P6", model.P6(80), []float64{8, 16, 32, 64}, [2]float64{14.453125, 12.375}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			if err := d.Validate(); err != nil {
				t.Fatal(err)
			}
			if d.NC != 80 || d.NA() != 3 || d.NL() != len(tc.strides) {
				t.Errorf("nc %d, na %d, nl %d; want 80, 3, %d", d.NC, d.NA(), d.NL(), len(tc.strides))
			}
			if diff := cmp.Diff(tc.strides, d.Strides); diff != "" {
				t.Errorf("strides mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.last, d.AnchorsGrid[d.NL()-1][d.NA()-1]); diff != "" {
				t.Errorf("last anchor mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromPixelsCopies(t *testing.T) {
	px := [][][2]float64{{{10, 13}}, {{30, 61}}}
	st := []float64{8, 16}
	d, err := model.FromPixels(2, px, st)
	if err != nil {
		t.Fatal(err)
	}
	px[0][0][0], st[0] = 1000, 4
	if d.AnchorsGrid[0][0][0] != 10.0/8 || d.Strides[0] != 8 {
		t.Errorf("FromPixels kept the caller's slices: %v %v", d.AnchorsGrid, d.Strides)
	}
	if diff := cmp.Diff([][][2]float64{{{10, 13}}, {{30, 61}}}, d.AnchorsPixels()); diff != "" {
		t.Errorf("AnchorsPixels mismatch (-want +got):\n%s", diff)
	}
	c := d.Clone()
	c.AnchorsGrid[1][0][1] = 7
	if d.AnchorsGrid[1][0][1] == 7 {
		t.Error("Clone shares the anchors")
	}
}

func TestValidate(t *testing.T) {
	one := [][][2]float64{{{1, 1}}}
	for _, tc := range []struct {
		name string
		d    model.Detect
		want string
	}{
		{"nc 0", model.Detect{NC: 0, AnchorsGrid: one, Strides: []float64{8}}, "nc must be ≥ 1"},
		{"no layers", model.Detect{NC: 2}, "need 1 to 5 output layers, got 0"},
		{"ragged anchors", model.Detect{NC: 2, AnchorsGrid: [][][2]float64{{{1, 1}}, {{1, 1}, {2, 2}}}, Strides: []float64{8, 16}}, "anchors[1] has 2 anchors, anchors[0] has 1"},
		{"negative anchor", model.Detect{NC: 2, AnchorsGrid: [][][2]float64{{{1, -1}}}, Strides: []float64{8}}, "anchors[0][0][1] = -1"},
		{"no strides", model.Detect{NC: 2, AnchorsGrid: one}, "0 strides for 1 layers"},
		{"strides out of order", model.Detect{NC: 2, AnchorsGrid: [][][2]float64{{{1, 1}}, {{1, 1}}}, Strides: []float64{16, 8}}, "strides[1] = 8 is not above strides[0] = 16"},
	} {
		err := tc.d.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestCheckGrids(t *testing.T) {
	p5 := model.P5(80)
	for _, tc := range []struct {
		name  string
		grids [][2]int
		want  string // "" for no error
	}{
		{"640x640", [][2]int{{80, 80}, {40, 40}, {20, 20}}, ""},
		{"320x320", [][2]int{{40, 40}, {20, 20}, {10, 10}}, ""},
		{"golden 64x64, rounding down", [][2]int{{8, 8}, {4, 4}, {2, 2}}, ""},
		{"rectangular 96x64", [][2]int{{8, 12}, {4, 6}, {2, 3}}, ""},
		{"100 px rounding up", [][2]int{{13, 13}, {7, 7}, {4, 4}}, ""},
		{"100 px rounding down", [][2]int{{12, 12}, {6, 6}, {3, 3}}, ""},
		{"reversed", [][2]int{{10, 10}, {20, 20}, {40, 40}}, "p1 (P4, stride 16) has a 20x20 grid"},
		{"reversed says so", [][2]int{{10, 10}, {20, 20}, {40, 40}}, "layers out of order?"},
		{"48 beside 20", [][2]int{{48, 48}, {20, 20}, {10, 10}}, "p1 (P4, stride 16)"},
		{"width only", [][2]int{{8, 8}, {4, 6}, {2, 2}}, "width fits"},
	} {
		err := p5.CheckGrids(tc.grids)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: CheckGrids(%v) = %v, want nil", tc.name, tc.grids, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: CheckGrids(%v) = %v, want an error containing %q", tc.name, tc.grids, err, tc.want)
		}
	}
}

func TestLayerName(t *testing.T) {
	s := []float64{8, 16, 32, 64, 12}
	for i, want := range []string{"P3", "P4", "P5", "P6", "layer 4", "layer 5"} {
		if got := model.LayerName(i, s); got != want {
			t.Errorf("LayerName(%d) = %q, want %q", i, got, want)
		}
	}
}

// TestFromPixelsUnderflow: a pixel anchor that is positive but becomes 0
// in grid units is rejected.
func TestFromPixelsUnderflow(t *testing.T) {
	_, err := model.FromPixels(1, [][][2]float64{{{5e-324, 1}}}, []float64{8})
	if err == nil || !strings.Contains(err.Error(), "anchors[0][0][0] = 0") {
		t.Errorf("FromPixels(5e-324 px at stride 8) = %v, want the grid anchor 0 rejected", err)
	}
}
