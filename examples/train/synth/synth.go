package synth

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

// Config fixes a dataset. Two equal Configs give byte-identical files.
type Config struct {
	Size                   int     // image side in pixels
	Train, Val             int     // images per split
	TrainSeed, ValSeed     uint64  // the splits' seeds
	MinObjects, MaxObjects int     // objects drawn per image, uniform in [Min, Max]
	MinSide, MaxSide       int     // object side in pixels, uniform in [Min, Max]
	MaxOverlap             float64 // largest intersection of two boxes, as a share of the smaller

	// The hard set's additions; their zero values draw the easy set.

	// ClassWeights are the classes' relative frequencies (all 0: uniform).
	ClassWeights [NC]float64
	// MinDistractors to MaxDistractors unlabelled shapes of no class (cross,
	// bar, diamond), of side MinSide to MaxSide, drawn under the objects.
	MinDistractors, MaxDistractors int
	// MinClutter to MaxClutter textured patches (a fine grating in two
	// colours, half transparent) of side 8 to 24 px, drawn under everything.
	MinClutter, MaxClutter int
}

// Hard is the hard dataset, the conditions focal loss was made for:
// 128×128 images (four times the anchor positions of Default's), 1,000 for
// training and 125 for validation, with Default's 1 to 6 objects but of side
// 4 to 16 px; 2 to 6 unlabelled distractors (shapes outside the four
// classes) and 3 to 8 patches of textured clutter per image; and the ring 20
// times rarer than each other class.
func Hard() Config {
	return Config{
		Size: 128, Train: 1000, Val: 125, TrainSeed: 3, ValSeed: 4,
		MinObjects: 1, MaxObjects: 6, MinSide: 4, MaxSide: 16, MaxOverlap: 0.3,
		ClassWeights:   [NC]float64{1, 1, 1, 0.05},
		MinDistractors: 2, MaxDistractors: 6, MinClutter: 3, MaxClutter: 8,
	}
}

// Specs are the named dataset specs: "easy" (Default) and "hard" (Hard).
var Specs = []string{"easy", "hard"}

// Spec returns the dataset spec of that name (one of Specs).
func Spec(name string) (Config, error) {
	switch name {
	case "easy":
		return Default(), nil
	case "hard":
		return Hard(), nil
	}
	return Config{}, fmt.Errorf("synth: no dataset spec %q (have %s)", name, strings.Join(Specs, ", "))
}

// Default is the dataset of the experiment: 64×64 images, 4,000 for training
// and 500 for validation, 1 to 6 objects of side 8 to 40 pixels, two boxes
// sharing at most 30% of the smaller one.
func Default() Config {
	return Config{
		Size: 64, Train: 4000, Val: 500, TrainSeed: 1, ValSeed: 2,
		MinObjects: 1, MaxObjects: 6, MinSide: 8, MaxSide: 40, MaxOverlap: 0.3,
	}
}

// Validate reports a Config that cannot be drawn.
func (c Config) Validate() error {
	switch {
	case c.Size < 8:
		return fmt.Errorf("synth: size %d is below 8", c.Size)
	case c.Train < 0 || c.Val < 0:
		return fmt.Errorf("synth: negative image count (train %d, val %d)", c.Train, c.Val)
	case c.MinObjects < 1 || c.MaxObjects < c.MinObjects:
		return fmt.Errorf("synth: objects per image [%d, %d] is not a range of at least 1", c.MinObjects, c.MaxObjects)
	case c.MinSide < 2 || c.MaxSide < c.MinSide || c.MaxSide > c.Size:
		return fmt.Errorf("synth: side [%d, %d] is not a range within [2, %d]", c.MinSide, c.MaxSide, c.Size)
	case !(c.MaxOverlap >= 0 && c.MaxOverlap <= 1):
		return fmt.Errorf("synth: max overlap %g is not in [0, 1]", c.MaxOverlap)
	case c.MinDistractors < 0 || c.MaxDistractors < c.MinDistractors:
		return fmt.Errorf("synth: distractors per image [%d, %d] is not a range", c.MinDistractors, c.MaxDistractors)
	case c.MinClutter < 0 || c.MaxClutter < c.MinClutter:
		return fmt.Errorf("synth: clutter patches per image [%d, %d] is not a range", c.MinClutter, c.MaxClutter)
	case c.MaxClutter > 0 && c.Size < 24:
		return fmt.Errorf("synth: size %d is below the clutter patches' 24", c.Size)
	}
	var sum float64
	for i, w := range c.ClassWeights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("synth: class weight %d (%s) = %g, want a finite value ≥ 0", i, Names[i], w)
		}
		sum += w
	}
	if c.ClassWeights != [NC]float64{} && !(sum > 0) {
		return fmt.Errorf("synth: class weights sum to %g", sum)
	}
	return nil
}

// Split names a split and the seed and count it is drawn with.
type Split struct {
	Name  string // "train" or "val": the folder under images/ and labels/
	Seed  uint64
	Count int
}

// Splits returns the training and validation splits of c.
func (c Config) Splits() []Split {
	return []Split{{"train", c.TrainSeed, c.Train}, {"val", c.ValSeed, c.Val}}
}

// LabelLines returns the YOLO label file of objs in an image of side size:
// one line "class cx cy w h" per object, normalised to 0..1.
func LabelLines(objs []Object, size int) []byte {
	var b bytes.Buffer
	s := float64(size)
	for _, o := range objs {
		fmt.Fprintf(&b, "%d %.6f %.6f %.6f %.6f\n", o.Class,
			(o.X0+o.X1)/2/s, (o.Y0+o.Y1)/2/s, (o.X1-o.X0)/s, (o.Y1-o.Y0)/s)
	}
	return b.Bytes()
}

// ImageName is the base name of image index of a split, without extension.
func ImageName(index int) string { return fmt.Sprintf("%06d", index) }

// Write writes the dataset c into dir in YOLOv5's layout:
//
//	dir/data.yaml
//	dir/images/{train,val}/NNNNNN.png
//	dir/labels/{train,val}/NNNNNN.txt
//
// Every file is written whole or not at all. If dir already holds a data.yaml,
// images/ or labels/, Write fails unless force is set, in which case it
// removes those three first (and nothing else in dir).
func Write(dir string, c Config, force bool) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := clearOld(dir, force); err != nil {
		return err
	}
	for _, sp := range c.Splits() {
		for _, sub := range []string{"images", "labels"} {
			if err := os.MkdirAll(filepath.Join(dir, sub, sp.Name), 0o755); err != nil {
				return err
			}
		}
		if err := writeSplit(dir, c, sp); err != nil {
			return err
		}
	}
	return writeDataYAML(dir, c)
}

func clearOld(dir string, force bool) error {
	for _, name := range []string{"data.yaml", "images", "labels"} {
		p := filepath.Join(dir, name)
		_, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if !force {
			return fmt.Errorf("synth: %s already exists; not overwriting (use -force)", p)
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// writeSplit renders and writes a split's images and labels on GOMAXPROCS
// goroutines; the files do not depend on their number.
func writeSplit(dir string, c Config, sp Split) error {
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range jobs {
				if err := writeImage(dir, c, sp, i); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	for i := range sp.Count {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func writeImage(dir string, c Config, sp Split, i int) error {
	img, objs := Render(c, sp.Seed, i)
	name := ImageName(i)
	err := atomicfile.Write(filepath.Join(dir, "images", sp.Name, name+".png"), func(w io.Writer) error {
		return png.Encode(w, img)
	})
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, "labels", sp.Name, name+".txt"), func(w io.Writer) error {
		_, err := w.Write(LabelLines(objs, c.Size))
		return err
	})
}

// writeDataYAML writes YOLOv5's dataset file. path is absolute, since YOLOv5
// resolves a relative path against its own folder.
func writeDataYAML(dir string, c Config) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Synthetic shapes: %d×%d RGB on textured backgrounds, %d to %d objects of side %d to %d px.\n",
		c.Size, c.Size, c.MinObjects, c.MaxObjects, c.MinSide, c.MaxSide)
	if c.MaxDistractors > 0 || c.MaxClutter > 0 || c.ClassWeights != [NC]float64{} {
		fmt.Fprintf(&b, "# %d to %d unlabelled distractors, %d to %d clutter patches; class weights %v.\n",
			c.MinDistractors, c.MaxDistractors, c.MinClutter, c.MaxClutter, c.ClassWeights)
	}
	fmt.Fprintf(&b, "# Seeds: train %d (%d images), val %d (%d images).\n", c.TrainSeed, c.Train, c.ValSeed, c.Val)
	fmt.Fprintf(&b, "path: %s\ntrain: images/train\nval: images/val\n", abs)
	fmt.Fprintf(&b, "nc: %d\nnames: [%s]\n", NC, strings.Join(Names[:], ", "))
	return atomicfile.Write(filepath.Join(dir, "data.yaml"), func(w io.Writer) error {
		_, err := io.WriteString(w, b.String())
		return err
	})
}
