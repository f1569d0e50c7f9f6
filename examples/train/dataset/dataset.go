// Package dataset holds a detection dataset's split in memory, the way the
// trainer reads it: square RGB images and their YOLO labels.
package dataset

import (
	"fmt"
	"image"
	"runtime"
	"sync"

	"github.com/yolo-loss/yololoss/examples/train/synth"
	"github.com/yolo-loss/yololoss/target"
)

// Label is one object: class and box centre x, y and size w, h, normalised
// to 0..1 of the image side, as a line of a YOLO label file.
type Label struct {
	Class      int
	X, Y, W, H float64
}

// Split is a split in memory. Image i is Pixels[i], Size·Size·3 bytes of RGB
// in row order, and its objects are Labels[i].
type Split struct {
	Size   int
	Pixels [][]uint8
	Labels [][]Label
}

// Len is the number of images.
func (s *Split) Len() int { return len(s.Pixels) }

// Batch writes images idx into x, [len(idx), Size, Size, 3] as RGB in 0..1,
// and returns their labels as target rows, the image index being the
// position in idx. It panics if len(x) is not len(idx)·Size²·3.
func (s *Split) Batch(x []float32, idx []int) []target.Label {
	n := s.Size * s.Size * 3
	if len(x) != len(idx)*n {
		panic(fmt.Sprintf("dataset: batch buffer of %d values for %d images of %d", len(x), len(idx), n))
	}
	var labels []target.Label
	for b, i := range idx {
		dst := x[b*n : (b+1)*n]
		for j, v := range s.Pixels[i] {
			dst[j] = float32(v) / 255
		}
		for _, l := range s.Labels[i] {
			labels = append(labels, target.Label{float64(b), float64(l.Class), l.X, l.Y, l.W, l.H})
		}
	}
	return labels
}

// FromSynth renders split sp of the synthetic dataset c in memory: the images
// and labels synth.Write would write.
func FromSynth(c synth.Config, sp synth.Split) *Split {
	s := &Split{Size: c.Size, Pixels: make([][]uint8, sp.Count), Labels: make([][]Label, sp.Count)}
	parallelFor(sp.Count, func(i int) {
		img, objs := synth.Render(c, sp.Seed, i)
		s.Pixels[i] = rgbBytes(img)
		ls := make([]Label, len(objs))
		sz := float64(c.Size)
		for j, o := range objs {
			ls[j] = Label{o.Class, (o.X0 + o.X1) / 2 / sz, (o.Y0 + o.Y1) / 2 / sz, (o.X1 - o.X0) / sz, (o.Y1 - o.Y0) / sz}
		}
		s.Labels[i] = ls
	})
	return s
}

// rgbBytes returns img's pixels as RGB bytes in row order, alpha dropped.
func rgbBytes(img image.Image) []uint8 {
	r := img.Bounds()
	out := make([]uint8, 0, r.Dx()*r.Dy()*3)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			out = append(out, uint8(cr>>8), uint8(cg>>8), uint8(cb>>8))
		}
	}
	return out
}

// parallelFor runs f(0) … f(n−1) on GOMAXPROCS goroutines.
func parallelFor(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
