package labels_test

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/labels"
	"github.com/yolo-loss/yololoss/target"
)

// randomLabels returns n valid labels of image for nc classes, with values
// of every magnitude that a label may hold, the edges included.
func randomLabels(rng *rand.Rand, n, image, nc int) []target.Label {
	// value returns a value in [0, 1], or in (0, 1] if positive.
	value := func(positive bool) float64 {
		var v float64
		switch rng.IntN(5) {
		case 0:
			v = 1
		case 1:
			v = math.SmallestNonzeroFloat64
			if !positive {
				v = 0
			}
		case 2:
			v = math.Ldexp(rng.Float64(), -rng.IntN(60)) // small values, written with an exponent
		default:
			v = rng.Float64()
		}
		if positive && v == 0 {
			v = 0.5
		}
		return v
	}
	var out []target.Label
	seen := make(map[target.Label]bool)
	for len(out) < n {
		l := target.Label{float64(image), float64(rng.IntN(nc)), value(false), value(false), value(true), value(true)}
		if !seen[l] { // a label file holds no duplicates
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// Property: a file Write produces reads back, under Strict, to the labels
// it was given, bit for bit.
func TestWriteRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	dir := t.TempDir()
	for trial := range 200 {
		nc := 1 + rng.IntN(100)
		image := rng.IntN(16)
		want := randomLabels(rng, 1+rng.IntN(20), image, nc)
		path := filepath.Join(dir, fmt.Sprintf("%03d.txt", trial))
		if err := labels.Write(path, want, nc); err != nil {
			t.Fatalf("trial %d: Write: %v", trial, err)
		}
		r, err := labels.ReadFile(path, image, nc, labels.Strict)
		if err != nil {
			data, _ := os.ReadFile(path)
			t.Fatalf("trial %d: ReadFile: %v\n%s", trial, err, data)
		}
		if diff := cmp.Diff(want, r.Labels); diff != "" {
			t.Fatalf("trial %d: round trip mismatch (-want +got):\n%s", trial, diff)
		}
	}
}

func TestWriteFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	err := labels.Write(path, []target.Label{{4, 3, 0.5, 0.25, 1e-05, 1}, {4, 0, 0, 1, 0.1, 0.30000000000000004}}, 80)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "3 0.5 0.25 1e-05 1\n0 0 1 0.1 0.30000000000000004\n"
	if string(got) != want {
		t.Errorf("file\n%q, want\n%q", got, want)
	}
}

func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.txt")
	if err := os.WriteFile(existing, []byte("1 0.5 0.5 0.1 0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := []target.Label{{0, 0, 0.5, 0.5, 0.1, 0.1}}
	for _, tc := range []struct {
		name   string
		path   string
		labels []target.Label
		nc     int
		want   string
	}{
		{"an existing file", existing, good, 3, "labels: atomicfile: " + existing + " already exists; not overwriting"},
		{"class out of range", filepath.Join(dir, "a.txt"), []target.Label{{0, 0, 0.5, 0.5, 0.1, 0.1}, {0, 3, 0.5, 0.5, 0.1, 0.1}}, 3,
			"labels: write " + filepath.Join(dir, "a.txt") + ": label 1: class (column 1) = 3 is not an integer in [0, 3)"},
		{"fractional class", filepath.Join(dir, "b.txt"), []target.Label{{0, 1.5, 0.5, 0.5, 0.1, 0.1}}, 3,
			"labels: write " + filepath.Join(dir, "b.txt") + ": label 0: class (column 1) = 1.5 is not an integer in [0, 3)"},
		{"zero size", filepath.Join(dir, "c.txt"), []target.Label{{0, 1, 0.5, 0.5, 0.1, 0}}, 3,
			"labels: write " + filepath.Join(dir, "c.txt") + ": label 0: h (column 5) = 0 is not in (0, 1]"},
		{"nc 0", filepath.Join(dir, "d.txt"), good, 0, "labels: nc = 0, want ≥ 1"},
		{"duplicate", filepath.Join(dir, "e.txt"), []target.Label{{0, 1, 0.5, 0.5, 0.1, 0.1}, {0, 2, 0.5, 0.5, 0.1, 0.1}, {0, 1, 0.5, 0.5, 0.1, 0.1}}, 3,
			"labels: write " + filepath.Join(dir, "e.txt") + ": label 2 repeats label 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(existing)
			err := labels.Write(tc.path, tc.labels, tc.nc)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Write = %v, want %q", err, tc.want)
			}
			if tc.path == existing {
				if !errors.Is(err, fs.ErrExist) {
					t.Errorf("error %v does not match fs.ErrExist", err)
				}
				if after, _ := os.ReadFile(existing); string(after) != string(before) {
					t.Errorf("the existing file changed: %q", after)
				}
				return
			}
			if _, err := os.Lstat(tc.path); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused Write left %s (%v)", tc.path, err)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want the existing file only", len(entries))
	}
}

// An image without objects may have an empty label file: it reads as no
// labels, and not as a missing file.
func TestWriteEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.txt")
	if err := labels.Write(path, nil, 3); err != nil {
		t.Fatal(err)
	}
	r, err := labels.ReadFile(path, 0, 3, labels.Strict)
	if err != nil || r.Labels != nil || r.Missing != nil || r.Dropped != nil {
		t.Errorf("ReadFile(empty) = %+v, %v; want an empty result", r, err)
	}
}
