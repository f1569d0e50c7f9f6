package dataset

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/examples/train/synth"
)

func smallConfig() synth.Config {
	c := synth.Default()
	c.Train, c.Val = 5, 3
	return c
}

// TestLoadSynth writes a small synthetic dataset and reads it back through
// data.yaml, the images and the library's label reader: it must equal the
// split rendered in memory (labels to the 6 decimals of the files).
func TestLoadSynth(t *testing.T) {
	c := smallConfig()
	dir := t.TempDir()
	if err := synth.Write(dir, c, false); err != nil {
		t.Fatal(err)
	}
	d, err := ReadDataYAML(filepath.Join(dir, "data.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if d.NC != synth.NC || !slices.Equal(d.Names, synth.Names[:]) {
		t.Errorf("data.yaml: nc %d names %v, want %d %v", d.NC, d.Names, synth.NC, synth.Names)
	}
	for _, sp := range c.Splits() {
		folder := d.Train
		if sp.Name == "val" {
			folder = d.Val
		}
		got, err := Load(d, folder)
		if err != nil {
			t.Fatal(err)
		}
		want := FromSynth(c, sp)
		if got.Size != want.Size || got.Len() != want.Len() {
			t.Fatalf("%s: %d images of %d px, want %d of %d", sp.Name, got.Len(), got.Size, want.Len(), want.Size)
		}
		for i := range want.Len() {
			if !slices.Equal(got.Pixels[i], want.Pixels[i]) {
				t.Errorf("%s image %d: pixels differ from the rendered image", sp.Name, i)
			}
			if len(got.Labels[i]) != len(want.Labels[i]) {
				t.Fatalf("%s image %d: %d labels, want %d", sp.Name, i, len(got.Labels[i]), len(want.Labels[i]))
			}
			for j, l := range got.Labels[i] {
				w := want.Labels[i][j]
				if l.Class != w.Class || math.Abs(l.X-w.X) > 1e-6 || math.Abs(l.Y-w.Y) > 1e-6 || math.Abs(l.W-w.W) > 1e-6 || math.Abs(l.H-w.H) > 1e-6 {
					t.Errorf("%s image %d label %d: %+v, want %+v", sp.Name, i, j, l, w)
				}
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(t *testing.T, dir string)
		want  string
	}{
		{"bad label row", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "labels", "train", "000001.txt"), "0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.2 0.2\n")
		}, "000001.txt:2"},
		{"non-square image", func(t *testing.T, dir string) {
			copyFile(t, filepath.Join("testdata", "wide.png"), filepath.Join(dir, "images", "train", "000002.png"))
		}, "000002.png: 8×4"},
		{"no images", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, "images", "train")); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "images", "train"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "no images"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if err := synth.Write(dir, smallConfig(), false); err != nil {
			t.Fatal(err)
		}
		tt.spoil(t, dir)
		d, err := ReadDataYAML(filepath.Join(dir, "data.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(d, d.Train)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Load() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestReadDataYAML(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // error substring, or "" for the names wanted
		names      []string
	}{
		{"list", "path: .\ntrain: a\nval: b\nnc: 2\nnames: [x, y]\n", "", []string{"x", "y"}},
		{"mapping", "train: a\nval: b\nnc: 2\nnames:\n  0: x\n  1: y\n", "", []string{"x", "y"}},
		{"mapping with a gap", "train: a\nval: b\nnc: 2\nnames:\n  0: x\n  2: y\n", "line 5: key names: class 1 has no name", nil},
		{"names count", "train: a\nval: b\nnc: 3\nnames: [x, y]\n", "2 names for nc 3", nil},
		{"no val", "train: a\nnc: 2\n", "want the keys train and val", nil},
		{"nc 0", "train: a\nval: b\nnc: 0\n", "key nc", nil},
	}
	for _, tt := range tests {
		file := filepath.Join(t.TempDir(), "data.yaml")
		write(t, file, tt.yaml)
		d, err := ReadDataYAML(file)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want == "" && !slices.Equal(d.Names, tt.names):
			t.Errorf("%s: names %v, want %v", tt.name, d.Names, tt.names)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: ReadDataYAML() = %v, want an error containing %q", tt.name, err, tt.want)
		}
		if err == nil && d.Path != filepath.Dir(file) {
			t.Errorf("%s: path %q, want the file's folder %q", tt.name, d.Path, filepath.Dir(file))
		}
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// FuzzParseDataYAML: any content gives a DataYAML or an error, never a
// panic, and an accepted file has nc ≥ 1 and as many names as classes (or
// none).
func FuzzParseDataYAML(f *testing.F) {
	f.Add([]byte("path: .\ntrain: a\nval: b\nnc: 2\nnames: [x, y]\n"))
	f.Add([]byte("train: a\nval: b\nnc: 2\nnames:\n  0: x\n  1: y\n"))
	f.Add([]byte("names: {0: x, 5: y}\nnc: 2\ntrain: a\nval: b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDataYAML(b, "data.yaml")
		if err != nil {
			return
		}
		if d.NC < 1 || (len(d.Names) != 0 && len(d.Names) != d.NC) {
			t.Errorf("accepted nc %d with %d names", d.NC, len(d.Names))
		}
	})
}

// TestLoadTrainingNoLabels: a training split whose label files are all
// missing cannot train (YOLOv5's "No labels found"); Load, for validation,
// takes it as background images.
func TestLoadTrainingNoLabels(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, smallConfig(), false); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "labels", "train")); err != nil {
		t.Fatal(err)
	}
	d, err := ReadDataYAML(filepath.Join(dir, "data.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTraining(d, d.Train); err == nil || !strings.Contains(err.Error(), "No labels found") {
		t.Errorf("LoadTraining without labels = %v, want No labels found", err)
	}
	s, err := Load(d, d.Train)
	if err != nil || s.Len() == 0 {
		t.Errorf("Load without labels = %v", err)
	}
}
