package target

import "math"

// G is the neighbour-cell bias g of YOLOv5 build_targets.
const G = 0.5

// Layer is the geometry of one output layer.
type Layer struct {
	NY, NX  int          // grid height and width in cells
	Anchors [][2]float64 // anchor (w, h) in grid units (pixels / stride)
}

// Label is one target row: image index, class, box centre x, y and size
// w, h, normalised to 0..1.
type Label = [6]float64

// Match is one assignment of a label to an anchor and a grid cell.
type Match struct {
	Label  int // row in the labels
	Image  int // batch index b
	Class  int
	Anchor int        // anchor index a
	GJ, GI int        // cell row and column, clamped into the grid
	Box    [4]float64 // tbox: x, y relative to the unclamped cell; w, h in grid units
	AW, AH float64    // the anchor, grid units
}

// Cell returns the flat index ((image·na + anchor)·ny + gj)·nx + gi of the
// match's cell in a layer of na anchors and ny×nx cells; the cell's
// predictions start at Cell·(5+nc).
func (m *Match) Cell(na, ny, nx int) int {
	return ((m.Image*na+m.Anchor)*ny+m.GJ)*nx + m.GI
}

// offsets are YOLOv5's off tensor times g: own cell, left, up, right, down.
var offsets = [5][2]float64{{0, 0}, {G, 0}, {0, G}, {-G, 0}, {0, -G}}

// frac is torch.remainder(v, 1) = v − floor(v).
func frac(v float64) float64 { return v - math.Floor(v) }

// Build appends the matches of labels on layer l to dst[:0] and returns it,
// so that a caller that passes the previous result back allocates nothing
// once the slice is large enough.
//
// Labels must be valid, as CheckLabel states (image and class integers,
// centre in [0, 1], size in (0, 1], all finite); Build does not check them,
// and a caller checks them first, as the engine does. For an invalid label
// the matches mean nothing: a fractional image or class, for one, is cut
// toward zero by the conversion to int, where the engine rejects it.
func Build(dst []Match, l Layer, labels []Label, anchorT float64) []Match {
	dst = dst[:0]
	nx, ny := float64(l.NX), float64(l.NY)
	for o, off := range offsets {
		for a, anc := range l.Anchors {
			for t, lab := range labels {
				gx, gy := lab[2]*nx, lab[3]*ny
				gw, gh := lab[4]*nx, lab[5]*ny
				// r = t[..., 4:6] / anchors; max(r, 1/r).max(2) < anchor_t
				rw, rh := gw/anc[0], gh/anc[1]
				if math.Max(math.Max(rw, 1/rw), math.Max(rh, 1/rh)) >= anchorT {
					continue
				}
				switch o {
				case 1:
					if !(frac(gx) < G && gx > 1) {
						continue
					}
				case 2:
					if !(frac(gy) < G && gy > 1) {
						continue
					}
				case 3:
					if gxi := nx - gx; !(frac(gxi) < G && gxi > 1) {
						continue
					}
				case 4:
					if gyi := ny - gy; !(frac(gyi) < G && gyi > 1) {
						continue
					}
				}
				// gij = (gxy − offsets).long(): truncation toward zero.
				gi := math.Trunc(gx - off[0])
				gj := math.Trunc(gy - off[1])
				dst = append(dst, Match{
					Label:  t,
					Image:  int(lab[0]),
					Class:  int(lab[1]),
					Anchor: a,
					GI:     clamp(int(gi), l.NX-1),
					GJ:     clamp(int(gj), l.NY-1),
					Box:    [4]float64{gx - gi, gy - gj, gw, gh},
					AW:     anc[0],
					AH:     anc[1],
				})
			}
		}
	}
	return dst
}

func clamp(v, hi int) int {
	if v < 0 {
		return 0
	}
	if v > hi {
		return hi
	}
	return v
}
