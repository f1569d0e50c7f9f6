package model

import (
	"fmt"
	"math"
)

// CheckGrids reports whether the output grids of an image fit the strides:
// grids[i] is layer i's (ny, nx), and there must be one image height H and
// one width W, whole pixels, such that every layer's ny is ⌊H/s⌋ or ⌈H/s⌉
// and its nx is ⌊W/s⌋ or ⌈W/s⌉, s its stride. The error names the first
// layer that no H (or W) fits together with the layers before it, and
// suggests the likely cause. It panics if len(grids) is not d.NL().
//
// A layer with n cells along an axis at stride s fits the sizes in the open
// interval ((n−1)·s, (n+1)·s): [n·s, (n+1)·s) rounding down, ((n−1)·s, n·s]
// rounding up.
func (d Detect) CheckGrids(grids [][2]int) error {
	if len(grids) != d.NL() {
		panic(fmt.Sprintf("model: CheckGrids: %d grids for %d layers", len(grids), d.NL()))
	}
	for axis, name := range [2]string{"height", "width"} {
		lo, hi := math.Inf(-1), math.Inf(1) // the sizes that fit so far, (lo, hi)
		for i, g := range grids {
			n, s := float64(g[axis]), d.Strides[i]
			l, h := (n-1)*s, (n+1)*s
			nlo, nhi := max(lo, l), min(hi, h)
			if math.Floor(nlo)+1 < nhi { // a whole size strictly inside
				lo, hi = nlo, nhi
				continue
			}
			return gridError(d, grids, i, axis, name)
		}
	}
	return nil
}

func gridError(d Detect, grids [][2]int, i, axis int, name string) error {
	g := grids[i]
	lname := LayerName(i, d.Strides)
	msg := fmt.Sprintf("model: p%d (%s, stride %g) has a %dx%d grid, whose %s fits an image of %g to %g px exclusive",
		i, lname, d.Strides[i], g[0], g[1], name, float64(g[axis]-1)*d.Strides[i], float64(g[axis]+1)*d.Strides[i])
	prev := grids[:i]
	var desc string
	for k, p := range prev {
		if k > 0 {
			desc += ", "
		}
		desc += fmt.Sprintf("p%d %dx%d at stride %g", k, p[0], p[1], d.Strides[k])
	}
	msg += "; no image " + name + " also fits " + desc
	if i > 0 && g[axis] > prev[i-1][axis] {
		msg += ": layers out of order? p0 must be the finest grid (stride " + fmt.Sprint(d.Strides[0]) + ")"
	}
	return fmt.Errorf("%s", msg)
}
