package target_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/yolo-loss/yololoss/target"
)

func TestBuild(t *testing.T) {
	grid := func(anchors ...[2]float64) target.Layer {
		return target.Layer{NY: 10, NX: 10, Anchors: anchors}
	}
	for _, tc := range []struct {
		name    string
		layer   target.Layer
		labels  []target.Label
		anchorT float64
		want    []target.Match
	}{
		{
			name:  "own cell, left and down neighbours",
			layer: grid([2]float64{1, 1}),
			// gx = 5.3: frac < g and > 1, so left; nx−gx = 4.7: no right.
			// gy = 5.8: no up; ny−gy = 4.2: down.
			labels:  []target.Label{{0, 2, 0.53, 0.58, 0.1, 0.1}},
			anchorT: 4,
			want: []target.Match{
				{Label: 0, Image: 0, Class: 2, Anchor: 0, GI: 5, GJ: 5, Box: [4]float64{0.3, 0.8, 1, 1}, AW: 1, AH: 1},
				{Label: 0, Image: 0, Class: 2, Anchor: 0, GI: 4, GJ: 5, Box: [4]float64{1.3, 0.8, 1, 1}, AW: 1, AH: 1},
				{Label: 0, Image: 0, Class: 2, Anchor: 0, GI: 5, GJ: 6, Box: [4]float64{0.3, -0.2, 1, 1}, AW: 1, AH: 1},
			},
		},
		{
			name:  "anchor_t filters the anchor 5x too large",
			layer: grid([2]float64{5, 5}, [2]float64{1.5, 0.5}),
			// gw = 1, gh = 1: ratios 5 (filtered) and 1.5, 2 (kept)
			labels:  []target.Label{{1, 0, 0.55, 0.55, 0.1, 0.1}},
			anchorT: 4,
			want: []target.Match{
				{Label: 0, Image: 1, Class: 0, Anchor: 1, GI: 5, GJ: 5, Box: [4]float64{0.5, 0.5, 1, 1}, AW: 1.5, AH: 0.5},
			},
		},
		{
			name:  "a ratio just under anchor_t is kept, at it is filtered",
			layer: grid([2]float64{0.25, 1}, [2]float64{0.5, 1}, [2]float64{0.51, 1}),
			// gw = 2: ratios 8 (filtered), 4 (filtered: not < 4) and 3.92
			// (kept); frac 0.5 brings in no neighbour.
			labels:  []target.Label{{0, 0, 0.55, 0.55, 0.2, 0.1}},
			anchorT: 4,
			want: []target.Match{
				{Label: 0, Image: 0, Class: 0, Anchor: 2, GI: 5, GJ: 5, Box: [4]float64{0.5, 0.5, 2, 1}, AW: 0.51, AH: 1},
			},
		},
		{
			name:  "border: the cell index clamped, tbox unclamped",
			layer: grid([2]float64{1, 1}),
			// gx = 10: own cell gi = 10, clamped to 9 with tbox x = 0; left
			// (frac 0 < g) gi = 9; no right (nx−gx = 0). gy = 0.8: no up
			// (gy < 1); down, since ny−gy = 9.2.
			labels:  []target.Label{{0, 1, 1.0, 0.08, 0.1, 0.1}},
			anchorT: 4,
			want: []target.Match{
				{Label: 0, Class: 1, GI: 9, GJ: 0, Box: [4]float64{0, 0.8, 1, 1}, AW: 1, AH: 1},
				{Label: 0, Class: 1, GI: 9, GJ: 0, Box: [4]float64{1, 0.8, 1, 1}, AW: 1, AH: 1},
				{Label: 0, Class: 1, GI: 9, GJ: 1, Box: [4]float64{0, -0.2, 1, 1}, AW: 1, AH: 1},
			},
		},
		{
			name:  "YOLOv5 order: offset, then anchor, then label",
			layer: grid([2]float64{1, 1}, [2]float64{2, 2}),
			// both labels: left neighbours only (frac 0.2, gy frac 0.5)
			labels:  []target.Label{{0, 0, 0.32, 0.55, 0.1, 0.1}, {1, 1, 0.72, 0.55, 0.1, 0.1}},
			anchorT: 4,
			want: []target.Match{
				{Label: 0, Image: 0, Class: 0, Anchor: 0, GI: 3, GJ: 5, Box: [4]float64{0.2, 0.5, 1, 1}, AW: 1, AH: 1},
				{Label: 1, Image: 1, Class: 1, Anchor: 0, GI: 7, GJ: 5, Box: [4]float64{0.2, 0.5, 1, 1}, AW: 1, AH: 1},
				{Label: 0, Image: 0, Class: 0, Anchor: 1, GI: 3, GJ: 5, Box: [4]float64{0.2, 0.5, 1, 1}, AW: 2, AH: 2},
				{Label: 1, Image: 1, Class: 1, Anchor: 1, GI: 7, GJ: 5, Box: [4]float64{0.2, 0.5, 1, 1}, AW: 2, AH: 2},
				{Label: 0, Image: 0, Class: 0, Anchor: 0, GI: 2, GJ: 5, Box: [4]float64{1.2, 0.5, 1, 1}, AW: 1, AH: 1},
				{Label: 1, Image: 1, Class: 1, Anchor: 0, GI: 6, GJ: 5, Box: [4]float64{1.2, 0.5, 1, 1}, AW: 1, AH: 1},
				{Label: 0, Image: 0, Class: 0, Anchor: 1, GI: 2, GJ: 5, Box: [4]float64{1.2, 0.5, 1, 1}, AW: 2, AH: 2},
				{Label: 1, Image: 1, Class: 1, Anchor: 1, GI: 6, GJ: 5, Box: [4]float64{1.2, 0.5, 1, 1}, AW: 2, AH: 2},
			},
		},
		{
			name:    "no labels",
			layer:   grid([2]float64{1, 1}),
			anchorT: 4,
		},
	} {
		got := target.Build(nil, tc.layer, tc.labels, tc.anchorT)
		if d := cmp.Diff(tc.want, got, cmpopts.EquateApprox(0, 1e-12), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("%s: Build mismatch (-want +got):\n%s", tc.name, d)
		}
	}
}

// TestBuildReusesDst: passing the previous result back allocates nothing.
func TestBuildReusesDst(t *testing.T) {
	l := target.Layer{NY: 20, NX: 20, Anchors: [][2]float64{{1, 1}, {2, 3}, {4, 2}}}
	labels := []target.Label{{0, 0, 0.3, 0.4, 0.1, 0.2}, {0, 1, 0.77, 0.12, 0.3, 0.1}}
	dst := target.Build(nil, l, labels, 4)
	allocs := testing.AllocsPerRun(10, func() { dst = target.Build(dst, l, labels, 4) })
	if allocs != 0 {
		t.Errorf("Build allocated %v times per call with a reused dst, want 0", allocs)
	}
}
