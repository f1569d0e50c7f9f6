package synth

import (
	"bytes"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestHardSpec renders every image of the hard set and checks its labels
// against the spec: the counts per split, 1 to 6 objects per image, sides 4
// to 16 px inside the image, and the rare class's frequency relative to the
// most common within 20% of the weights' ratio. The distractors and the
// clutter change the pixels, never the labels.
func TestHardSpec(t *testing.T) {
	c := Hard()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Size != 128 || c.Train != 1000 || c.Val != 125 {
		t.Errorf("hard set: %d px, %d + %d images; want 128, 1000 + 125", c.Size, c.Train, c.Val)
	}
	start := time.Now()
	var perClass [NC]int
	images := 0
	for _, sp := range c.Splits() {
		objs := make([][]Object, sp.Count)
		var wg sync.WaitGroup
		workers := runtime.GOMAXPROCS(0)
		for w := range workers {
			wg.Go(func() {
				for i := w; i < sp.Count; i += workers {
					_, objs[i] = Render(c, sp.Seed, i)
				}
			})
		}
		wg.Wait()
		for i, im := range objs {
			images++
			if len(im) < c.MinObjects || len(im) > c.MaxObjects {
				t.Fatalf("%s image %d: %d objects, want %d to %d", sp.Name, i, len(im), c.MinObjects, c.MaxObjects)
			}
			for _, o := range im {
				w, h := o.X1-o.X0, o.Y1-o.Y0
				if w != h || w < 4 || w > 16 || o.X0 < 0 || o.Y0 < 0 || o.X1 > 128 || o.Y1 > 128 {
					t.Fatalf("%s image %d: object %+v outside the spec", sp.Name, i, o)
				}
				perClass[o.Class]++
			}
		}
	}
	t.Logf("%d images rendered in %v; objects per class %v", images, time.Since(start), perClass)
	most := slices.Max(perClass[:])
	ratio := float64(perClass[Ring]) / float64(most)
	want := c.ClassWeights[Ring] / slices.Max(c.ClassWeights[:])
	if ratio < 0.8*want || ratio > 1.2*want {
		t.Errorf("ring: %d objects against %d of the most common class, ratio %.4f; want %.4f ± 20%%", perClass[Ring], most, ratio, want)
	}

	plain := c
	plain.MaxDistractors, plain.MinDistractors, plain.MaxClutter, plain.MinClutter = 0, 0, 0, 0
	for i := range 5 {
		img, objs := Render(c, c.TrainSeed, i)
		img0, objs0 := Render(plain, c.TrainSeed, i)
		if !slices.Equal(objs, objs0) {
			t.Errorf("image %d: the distractors changed the labels", i)
		}
		if bytes.Equal(img.Pix, img0.Pix) {
			t.Errorf("image %d: no distractor or clutter drawn", i)
		}
	}
}

func TestSpec(t *testing.T) {
	for _, name := range Specs {
		if _, err := Spec(name); err != nil {
			t.Errorf("Spec(%q): %v", name, err)
		}
	}
	if c, _ := Spec("easy"); c != Default() {
		t.Errorf("Spec(easy) is not Default()")
	}
	if _, err := Spec("medium"); err == nil {
		t.Errorf("Spec(medium) accepted")
	}
	bad := Hard()
	bad.ClassWeights[0] = -1
	if err := bad.Validate(); err == nil {
		t.Errorf("a negative class weight was accepted")
	}
}
