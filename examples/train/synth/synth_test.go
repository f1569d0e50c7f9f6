package synth

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt from the generator")

// small is a dataset small enough to write in a test.
func small() Config {
	c := Default()
	c.Train, c.Val = 6, 3
	return c
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // substring of the error; "" for none
	}{
		{"default", func(*Config) {}, ""},
		{"tiny image", func(c *Config) { c.Size = 4 }, "size 4"},
		{"no objects", func(c *Config) { c.MinObjects = 0 }, "objects per image"},
		{"max below min objects", func(c *Config) { c.MaxObjects = 0 }, "objects per image"},
		{"side above size", func(c *Config) { c.MaxSide = 65 }, "side [8, 65]"},
		{"negative count", func(c *Config) { c.Val = -1 }, "negative image count"},
		{"overlap above 1", func(c *Config) { c.MaxOverlap = 1.5 }, "max overlap 1.5"},
		{"overlap NaN", func(c *Config) { c.MaxOverlap = math.NaN() }, "max overlap NaN"},
	}
	for _, tt := range tests {
		c := Default()
		tt.change(&c)
		err := c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Validate() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// TestRenderInvariants checks the fixed properties of the dataset over the
// first 300 training images: the object count, sides, bounds, overlap and
// classes, and that every class and the extreme sides occur.
func TestRenderInvariants(t *testing.T) {
	c := Default()
	classes := make([]int, NC)
	minSide, maxSide := math.Inf(1), math.Inf(-1)
	for i := range 300 {
		img, objs := Render(c, c.TrainSeed, i)
		if b := img.Bounds(); b.Dx() != c.Size || b.Dy() != c.Size {
			t.Fatalf("image %d: bounds %v, want %d×%d", i, b, c.Size, c.Size)
		}
		if len(objs) < c.MinObjects || len(objs) > c.MaxObjects {
			t.Errorf("image %d: %d objects, want %d to %d", i, len(objs), c.MinObjects, c.MaxObjects)
		}
		for j, o := range objs {
			w, h := o.X1-o.X0, o.Y1-o.Y0
			if w != h || w < float64(c.MinSide) || w > float64(c.MaxSide) {
				t.Errorf("image %d object %d: box %g×%g, want a square of side %d to %d", i, j, w, h, c.MinSide, c.MaxSide)
			}
			if o.X0 < 0 || o.Y0 < 0 || o.X1 > float64(c.Size) || o.Y1 > float64(c.Size) {
				t.Errorf("image %d object %d: box %+v outside the image", i, j, o)
			}
			if !fits(o, objs[:j], c.MaxOverlap) {
				t.Errorf("image %d object %d overlaps an earlier box by more than %g", i, j, c.MaxOverlap)
			}
			classes[o.Class]++
			minSide, maxSide = math.Min(minSide, w), math.Max(maxSide, w)
		}
	}
	for k, n := range classes {
		if n == 0 {
			t.Errorf("class %d (%s) never drawn in 300 images", k, Names[k])
		}
	}
	if minSide != float64(c.MinSide) || maxSide != float64(c.MaxSide) {
		t.Errorf("sides drawn span [%g, %g], want [%d, %d]", minSide, maxSide, c.MinSide, c.MaxSide)
	}
}

func TestRenderDeterministic(t *testing.T) {
	c := Default()
	a, objsA := Render(c, 7, 3)
	b, objsB := Render(c, 7, 3)
	if !bytes.Equal(a.Pix, b.Pix) || fmt.Sprint(objsA) != fmt.Sprint(objsB) {
		t.Errorf("Render(seed 7, image 3) differs between two calls")
	}
	other, _ := Render(c, 7, 4)
	if bytes.Equal(a.Pix, other.Pix) {
		t.Errorf("images 3 and 4 of seed 7 are identical")
	}
	otherSeed, _ := Render(c, 8, 3)
	if bytes.Equal(a.Pix, otherSeed.Pix) {
		t.Errorf("image 3 of seeds 7 and 8 are identical")
	}
}

// TestGolden pins the dataset: the SHA-256 of the pixels and label lines of
// the first images of each split. A change of the generator changes the
// dataset the experiment's numbers were measured on; regenerate with -update
// only on purpose. The hard spec's lines begin with "hard".
func TestGolden(t *testing.T) {
	var got strings.Builder
	for _, spec := range []struct {
		prefix string
		c      Config
	}{{"", Default()}, {"hard ", Hard()}} {
		c := spec.c
		for _, sp := range c.Splits() {
			for i := range 4 {
				img, objs := Render(c, sp.Seed, i)
				h := sha256.New()
				h.Write(img.Pix)
				h.Write(LabelLines(objs, c.Size))
				fmt.Fprintf(&got, "%s%s %d %s\n", spec.prefix, sp.Name, i, hex.EncodeToString(h.Sum(nil)))
			}
		}
	}
	path := filepath.Join("testdata", "golden.txt")
	if *update {
		if err := os.WriteFile(path, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("the generator's images changed:\ngot\n%s\nwant\n%s", got.String(), want)
	}
}

func TestLabelLines(t *testing.T) {
	objs := []Object{{Class: 2, X0: 8, Y0: 16, X1: 24, Y1: 32}, {Class: 0, X0: 0, Y0: 0, X1: 64, Y1: 64}}
	got := string(LabelLines(objs, 64))
	want := "2 0.250000 0.375000 0.250000 0.250000\n0 0.500000 0.500000 1.000000 1.000000\n"
	if got != want {
		t.Errorf("LabelLines = %q, want %q", got, want)
	}
}

// TestWrite writes a small dataset twice and checks YOLOv5's layout, that
// the files hold what Render draws, that the writes are byte-identical, and
// that an existing dataset is replaced only with force.
func TestWrite(t *testing.T) {
	c := small()
	dirA, dirB := t.TempDir(), t.TempDir()
	for _, d := range []string{dirA, dirB} {
		if err := Write(d, c, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, sp := range c.Splits() {
		for i := range sp.Count {
			checkImageFiles(t, dirA, dirB, c, sp, i)
		}
	}
	yaml, err := os.ReadFile(filepath.Join(dirA, "data.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"path: " + dirA, "train: images/train", "val: images/val", "nc: 4", "names: [square, circle, triangle, ring]"} {
		if !strings.Contains(string(yaml), line+"\n") {
			t.Errorf("data.yaml lacks the line %q:\n%s", line, yaml)
		}
	}
	err = Write(dirA, c, false)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Write over a dataset without force = %v, want an 'already exists' error", err)
	}
	stray := filepath.Join(dirA, "notes.txt")
	if err := os.WriteFile(stray, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	c.Train = 2
	if err := Write(dirA, c, true); err != nil {
		t.Fatalf("Write with force: %v", err)
	}
	left, _ := filepath.Glob(filepath.Join(dirA, "images", "train", "*.png"))
	if len(left) != 2 {
		t.Errorf("after a forced rewrite with 2 training images, %d remain", len(left))
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("a forced rewrite removed a file it does not own: %v", err)
	}
}

func checkImageFiles(t *testing.T, dirA, dirB string, c Config, sp Split, i int) {
	t.Helper()
	img, objs := Render(c, sp.Seed, i)
	for _, rel := range []string{
		filepath.Join("images", sp.Name, ImageName(i)+".png"),
		filepath.Join("labels", sp.Name, ImageName(i)+".txt"),
	} {
		a, errA := os.ReadFile(filepath.Join(dirA, rel))
		b, errB := os.ReadFile(filepath.Join(dirB, rel))
		if errA != nil || errB != nil {
			t.Fatalf("%s: %v, %v", rel, errA, errB)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two writes", rel)
		}
		if strings.HasSuffix(rel, ".txt") && !bytes.Equal(a, LabelLines(objs, c.Size)) {
			t.Errorf("%s = %q, want %q", rel, a, LabelLines(objs, c.Size))
		}
		if strings.HasSuffix(rel, ".png") {
			dec, err := png.Decode(bytes.NewReader(a))
			if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			for y := range c.Size {
				for x := range c.Size {
					if dec.At(x, y) != img.At(x, y) {
						t.Fatalf("%s: pixel (%d, %d) = %v, Render drew %v", rel, x, y, dec.At(x, y), img.At(x, y))
					}
				}
			}
		}
	}
}
