package synth

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
)

// Object is one shape in an image: its class and its bounding box in pixels
// (corners, X0 < X1 and Y0 < Y1, inside the image).
type Object struct {
	Class          int
	X0, Y0, X1, Y1 float64
}

// Render draws image index of the split whose seed is seed, and returns it
// with its objects in drawing order. The image depends only on (cfg, seed,
// index): each draws from its own generator rand.NewPCG(seed, index).
func Render(cfg Config, seed uint64, index int) (*image.RGBA, []Object) {
	rng := rand.New(rand.NewPCG(seed, uint64(index)))
	bg := newBackground(rng)
	img := image.NewRGBA(image.Rect(0, 0, cfg.Size, cfg.Size))
	for y := range cfg.Size {
		for x := range cfg.Size {
			img.SetRGBA(x, y, bg.at(rng, float64(x)+0.5, float64(y)+0.5))
		}
	}
	objs := place(cfg, rng)
	if cfg.MaxClutter > 0 {
		for range between(rng, cfg.MinClutter, cfg.MaxClutter) {
			paintClutter(img, rng)
		}
	}
	if cfg.MaxDistractors > 0 {
		for range between(rng, cfg.MinDistractors, cfg.MaxDistractors) {
			side := float64(between(rng, cfg.MinSide, cfg.MaxSide))
			x0 := float64(rng.IntN(cfg.Size - int(side) + 1))
			y0 := float64(rng.IntN(cfg.Size - int(side) + 1))
			o := Object{Class: NC + rng.IntN(numDistractors), X0: x0, Y0: y0, X1: x0 + side, Y1: y0 + side}
			paint(img, newShape(rng, o), objectColour(rng, bg))
		}
	}
	for _, o := range objs {
		s := newShape(rng, o)
		fill := objectColour(rng, bg)
		paint(img, s, fill)
	}
	return img, objs
}

// place draws the number of objects, then each object's class, side and
// position; a position whose box overlaps an earlier box by more than
// MaxOverlap of the smaller box's area is drawn again, up to placeTries
// times, after which the image keeps the objects it has (at least one).
func place(cfg Config, rng *rand.Rand) []Object {
	const placeTries = 50
	n := cfg.MinObjects + rng.IntN(cfg.MaxObjects-cfg.MinObjects+1)
	objs := make([]Object, 0, n)
	for range n {
		class := drawClass(cfg, rng)
		side := float64(cfg.MinSide + rng.IntN(cfg.MaxSide-cfg.MinSide+1))
		for range placeTries {
			x0 := float64(rng.IntN(cfg.Size - int(side) + 1))
			y0 := float64(rng.IntN(cfg.Size - int(side) + 1))
			o := Object{Class: class, X0: x0, Y0: y0, X1: x0 + side, Y1: y0 + side}
			if fits(o, objs, cfg.MaxOverlap) {
				objs = append(objs, o)
				break
			}
		}
	}
	return objs
}

// fits reports whether o overlaps each of objs by at most maxOverlap of the
// smaller of the two boxes' areas.
func fits(o Object, objs []Object, maxOverlap float64) bool {
	for _, p := range objs {
		iw := math.Min(o.X1, p.X1) - math.Max(o.X0, p.X0)
		ih := math.Min(o.Y1, p.Y1) - math.Max(o.Y0, p.Y0)
		if iw <= 0 || ih <= 0 {
			continue
		}
		small := math.Min((o.X1-o.X0)*(o.Y1-o.Y0), (p.X1-p.X0)*(p.Y1-p.Y0))
		if iw*ih > maxOverlap*small {
			return false
		}
	}
	return true
}

// background is a texture: two colours mixed by the sum of two sinusoidal
// gratings, plus per-pixel noise.
type background struct {
	c0, c1     [3]float64
	f0, f1     [2]float64 // grating frequencies (radians per pixel) in x and y
	ph0, ph1   float64
	noiseSigma float64
}

func newBackground(rng *rand.Rand) background {
	grating := func() [2]float64 {
		period := 4 + 28*rng.Float64() // pixels
		angle := math.Pi * rng.Float64()
		k := 2 * math.Pi / period
		return [2]float64{k * math.Cos(angle), k * math.Sin(angle)}
	}
	return background{
		c0: randomColour(rng), c1: randomColour(rng),
		f0: grating(), f1: grating(),
		ph0: 2 * math.Pi * rng.Float64(), ph1: 2 * math.Pi * rng.Float64(),
		noiseSigma: 4 + 8*rng.Float64(),
	}
}

// at is the background colour at (x, y):
//
//	t = (2 + sin(f0·(x,y) + φ0) + sin(f1·(x,y) + φ1))/4 ∈ [0, 1]
//	c = (1 − t)·c0 + t·c1 + N(0, σ²) per channel
func (b background) at(rng *rand.Rand, x, y float64) color.RGBA {
	t := (2 + math.Sin(b.f0[0]*x+b.f0[1]*y+b.ph0) + math.Sin(b.f1[0]*x+b.f1[1]*y+b.ph1)) / 4
	var c [3]float64
	for i := range c {
		c[i] = (1-t)*b.c0[i] + t*b.c1[i] + b.noiseSigma*rng.NormFloat64()
	}
	return rgba(c)
}

func randomColour(rng *rand.Rand) [3]float64 {
	return [3]float64{255 * rng.Float64(), 255 * rng.Float64(), 255 * rng.Float64()}
}

// minContrast is the least distance, in RGB units of 0..255, between an
// object's colour and the segment of colours its background mixes.
const minContrast = 80

// objectColour draws colours until one lies at least minContrast from the
// background's colour segment; after 100 draws it keeps the farthest seen.
func objectColour(rng *rand.Rand, b background) [3]float64 {
	var best [3]float64
	bestD := -1.0
	for range 100 {
		c := randomColour(rng)
		d := distToSegment(c, b.c0, b.c1)
		if d >= minContrast {
			return c
		}
		if d > bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distToSegment is the Euclidean distance from p to the segment [a, b].
func distToSegment(p, a, b [3]float64) float64 {
	var ab, ap [3]float64
	var abab, apab float64
	for i := range 3 {
		ab[i], ap[i] = b[i]-a[i], p[i]-a[i]
		abab += ab[i] * ab[i]
		apab += ap[i] * ab[i]
	}
	t := 0.0
	if abab > 0 {
		t = math.Max(0, math.Min(1, apab/abab))
	}
	var d2 float64
	for i := range 3 {
		d := ap[i] - t*ab[i]
		d2 += d * d
	}
	return math.Sqrt(d2)
}

func rgba(c [3]float64) color.RGBA {
	u := func(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(255, v)))) }
	return color.RGBA{R: u(c[0]), G: u(c[1]), B: u(c[2]), A: 255}
}

// between draws an integer uniformly in [lo, hi].
func between(rng *rand.Rand, lo, hi int) int { return lo + rng.IntN(hi-lo+1) }

// drawClass draws a class: uniformly, or by cfg.ClassWeights when set.
func drawClass(cfg Config, rng *rand.Rand) int {
	if cfg.ClassWeights == [NC]float64{} {
		return rng.IntN(NC)
	}
	var sum float64
	for _, w := range cfg.ClassWeights {
		sum += w
	}
	u := sum * rng.Float64()
	for c, w := range cfg.ClassWeights {
		if u < w {
			return c
		}
		u -= w
	}
	return NC - 1
}

// paintClutter blends a textured patch into img: a square of side 8 to 24
// px filled by a fine grating (period 2 to 5 px) between two random colours,
// at half opacity.
func paintClutter(img *image.RGBA, rng *rand.Rand) {
	size := img.Bounds().Dx()
	side := between(rng, 8, 24)
	x0, y0 := rng.IntN(size-side+1), rng.IntN(size-side+1)
	c0, c1 := randomColour(rng), randomColour(rng)
	period := 2 + 3*rng.Float64()
	angle := math.Pi * rng.Float64()
	k := 2 * math.Pi / period
	fx, fy, ph := k*math.Cos(angle), k*math.Sin(angle), 2*math.Pi*rng.Float64()
	for y := y0; y < y0+side; y++ {
		for x := x0; x < x0+side; x++ {
			t := (1 + math.Sin(fx*float64(x)+fy*float64(y)+ph)) / 2
			old := img.RGBAAt(x, y)
			o := [3]float64{float64(old.R), float64(old.G), float64(old.B)}
			var c [3]float64
			for i := range c {
				c[i] = 0.5*o[i] + 0.5*((1-t)*c0[i]+t*c1[i])
			}
			img.SetRGBA(x, y, rgba(c))
		}
	}
}
