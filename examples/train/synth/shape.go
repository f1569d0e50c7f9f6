package synth

import (
	"image"
	"math"
	"math/rand/v2"
)

// The classes, in label order.
const (
	Square   = iota // filled axis-aligned square
	Circle          // filled disc
	Triangle        // filled isosceles triangle, apex up, down, left or right
	Ring            // annulus, inner radius 0.45–0.65 of the outer
	NC              // number of classes
)

// The distractors' shapes, of no class (never labelled): Cross (a plus sign
// of arm width 1/3), Bar (a rectangle of a third of the box's height) and
// Diamond (a square turned 45°).
const (
	Cross = NC + iota
	Bar
	Diamond
	numDistractors = iota
)

// Names are the class names of data.yaml, in label order.
var Names = [NC]string{"square", "circle", "triangle", "ring"}

// shape is an object ready to paint: its box, and what fills the box.
type shape struct {
	Object
	apex  int     // Triangle: 0 up, 1 right, 2 down, 3 left
	inner float64 // Ring: inner radius / outer radius
}

func newShape(rng *rand.Rand, o Object) shape {
	s := shape{Object: o}
	switch o.Class {
	case Triangle:
		s.apex = rng.IntN(4)
	case Ring:
		s.inner = 0.45 + 0.2*rng.Float64()
	}
	return s
}

// inside reports whether the point (x, y), in pixels, lies in the shape.
// The box is a square of side d with centre (cx, cy); with u, v the offsets
// from the centre in units of d/2:
//
//	Square:   |u| ≤ 1 and |v| ≤ 1
//	Circle:   u² + v² ≤ 1
//	Ring:     inner² ≤ u² + v² ≤ 1
//	Triangle: with the apex at v = −1 (up; the others rotate u, v),
//	          −1 ≤ v ≤ 1 and |u| ≤ (v + 1)/2
func (s shape) inside(x, y float64) bool {
	h := (s.X1 - s.X0) / 2
	u, v := (x-(s.X0+h))/h, (y-(s.Y0+h))/h
	switch s.Class {
	case Square:
		return math.Abs(u) <= 1 && math.Abs(v) <= 1
	case Circle:
		return u*u+v*v <= 1
	case Ring:
		r2 := u*u + v*v
		return r2 <= 1 && r2 >= s.inner*s.inner
	case Cross:
		return math.Abs(u) <= 1 && math.Abs(v) <= 1 && (math.Abs(u) <= 1.0/3 || math.Abs(v) <= 1.0/3)
	case Bar:
		return math.Abs(u) <= 1 && math.Abs(v) <= 1.0/3
	case Diamond:
		return math.Abs(u)+math.Abs(v) <= 1
	default: // Triangle
		for range s.apex { // rotate the point a quarter turn per step
			u, v = v, -u
		}
		return v >= -1 && v <= 1 && math.Abs(u) <= (v+1)/2
	}
}

// supersample is the number of samples per pixel side for anti-aliasing.
const supersample = 4

// paint blends fill into img over the shape's box, each pixel weighted by
// the share of its supersample² sample points inside the shape.
func paint(img *image.RGBA, s shape, fill [3]float64) {
	x0, y0 := int(math.Floor(s.X0)), int(math.Floor(s.Y0))
	x1, y1 := int(math.Ceil(s.X1)), int(math.Ceil(s.Y1))
	for py := y0; py < y1; py++ {
		for px := x0; px < x1; px++ {
			hits := 0
			for sy := range supersample {
				for sx := range supersample {
					if s.inside(float64(px)+(float64(sx)+0.5)/supersample, float64(py)+(float64(sy)+0.5)/supersample) {
						hits++
					}
				}
			}
			if hits == 0 {
				continue
			}
			a := float64(hits) / (supersample * supersample)
			old := img.RGBAAt(px, py)
			img.SetRGBA(px, py, rgba([3]float64{
				(1-a)*float64(old.R) + a*fill[0],
				(1-a)*float64(old.G) + a*fill[1],
				(1-a)*float64(old.B) + a*fill[2],
			}))
		}
	}
}
