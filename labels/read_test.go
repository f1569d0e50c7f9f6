package labels_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/labels"
	"github.com/yolo-loss/yololoss/target"
)

func TestPath(t *testing.T) {
	for _, tc := range []struct {
		name, image, want string
	}{
		{"coco", "/data/coco/images/train2017/000042.jpg", "/data/coco/labels/train2017/000042.txt"},
		{"no split directory", "/data/images/a.png", "/data/labels/a.txt"},
		{"the last images directory", "/images/x/images/a.jpg", "/images/x/labels/a.txt"},
		{"relative, leading images", "images/a.jpeg", "labels/a.txt"},
		{"relative", "ds/images/val/a.JPG", "ds/labels/val/a.txt"},
		{"only the extension", "/d/images/a.b.c.jpg", "/d/labels/a.b.c.txt"},
		{"no extension, dotted directory", "/d.v1/images/a", "/d.v1/labels/a.txt"},
		{"images in a name is not a directory", "/d/myimages/a.jpg", "/d/myimages/a.txt"},
		{"no images directory", "/d/a.jpg", "/d/a.txt"},
	} {
		if got := labels.Path(filepath.FromSlash(tc.image)); got != filepath.FromSlash(tc.want) {
			t.Errorf("%s: Path(%q) = %q, want %q", tc.name, tc.image, got, tc.want)
		}
	}
	if diff := cmp.Diff([]string{"labels/a.txt", "labels/b.txt"}, labels.Paths([]string{"images/a.jpg", "images/b.png"})); diff != "" {
		t.Errorf("Paths mismatch (-want +got):\n%s", diff)
	}
}

// dataset writes label files under dir/labels and returns the image paths
// of a batch: a.jpg with two objects, b.jpg with no label file, c.jpg with
// a bad second row.
func dataset(t *testing.T) (dir string, images []string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "labels"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"a.txt": "0 0.5 0.5 0.2 0.2\n1 0.25 0.75 0.1 0.3\n",
		"c.txt": "2 0.5 0.5 0.4 0.4\n5 0.5 0.5 0.4 0.4\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, "labels", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		images = append(images, filepath.Join(dir, "images", n))
	}
	return dir, images
}

func TestReadBatch(t *testing.T) {
	dir, images := dataset(t)
	lab := func(n string) string { return filepath.Join(dir, "labels", n) }

	r, err := labels.ReadBatch(labels.Paths(images), 3, labels.Skip)
	if err != nil {
		t.Fatal(err)
	}
	want := []target.Label{{0, 0, 0.5, 0.5, 0.2, 0.2}, {0, 1, 0.25, 0.75, 0.1, 0.3}, {2, 2, 0.5, 0.5, 0.4, 0.4}}
	if diff := cmp.Diff(want, r.Labels); diff != "" {
		t.Errorf("labels mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{lab("b.txt")}, r.Missing); diff != "" {
		t.Errorf("missing mismatch (-want +got):\n%s", diff)
	}
	wantDropped := []string{"labels: " + lab("c.txt") + ":2: class (column 1) = 5 is not an integer in [0, 3)"}
	if diff := cmp.Diff(wantDropped, dropped(r.Dropped)); diff != "" {
		t.Errorf("dropped mismatch (-want +got):\n%s", diff)
	}
	if r.Dropped[0].Image != 2 {
		t.Errorf("dropped row's image %d, want 2", r.Dropped[0].Image)
	}

	_, err = labels.ReadBatch(labels.Paths(images), 3, labels.Strict)
	if err == nil || err.Error() != wantDropped[0] {
		t.Errorf("Strict: error %v, want %q", err, wantDropped[0])
	}
}

func TestReadFileErrors(t *testing.T) {
	dir, _ := dataset(t)
	// A directory where the file should be is an error, not a missing file.
	folder := filepath.Join(dir, "labels", "d.txt")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := labels.ReadFile(folder, 0, 3, labels.Skip)
	if err == nil || !strings.HasPrefix(err.Error(), "labels: ") || !strings.Contains(err.Error(), folder) {
		t.Errorf("ReadFile(a directory) = %v, want an error naming it", err)
	}
	r, err := labels.ReadFile(filepath.Join(dir, "labels", "none.txt"), 0, 3, labels.Strict)
	if err != nil || r.Labels != nil || len(r.Missing) != 1 {
		t.Errorf("ReadFile(missing) = %+v, %v; want no labels, one missing file, no error", r, err)
	}
	if _, err := labels.ReadBatch([]string{"x"}, 0, labels.Skip); err == nil {
		t.Error("ReadBatch with nc 0: no error")
	}
	if _, err := labels.ReadFile("x", 0, 3, labels.Policy(-1)); err == nil {
		t.Error("ReadFile with an unknown policy: no error")
	}
}

// TestImagePaths: image paths given where label paths belong (the images
// exist and read as text, every row of it invalid) are an error that
// points to labels.Paths, for every reader, whatever the policy; so is a
// path without the .txt extension that does not exist.
func TestImagePaths(t *testing.T) {
	dir, images := dataset(t)
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, im := range images {
		if err := os.WriteFile(im, []byte("\xff\xd8\xff\xe0 JFIF 1 2 3\n0 0.5 0.5 0.1 0.1 9\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := func(path string) string {
		return "labels: " + path + " is not a label file (.txt): for a batch given by its image paths, pass labels.Paths(images)"
	}
	for _, p := range []labels.Policy{labels.Skip, labels.Strict} {
		r, err := labels.ReadBatch(images, 3, p)
		if err == nil || err.Error() != want(images[0]) || r.Labels != nil || r.Dropped != nil {
			t.Errorf("ReadBatch(image paths, %v) = %d labels, %d dropped, %v; want the error %q", p, len(r.Labels), len(r.Dropped), err, want(images[0]))
		}
		_, err = labels.ReadFile(images[1], 1, 3, p)
		if err == nil || err.Error() != want(images[1]) {
			t.Errorf("ReadFile(an image path, %v) = %v, want %q", p, err, want(images[1]))
		}
		_, err = labels.ReadDataset(images, 3, p)
		if err == nil || err.Error() != want(images[0]) {
			t.Errorf("ReadDataset(image paths, %v) = %v, want %q", p, err, want(images[0]))
		}
	}
	absent := filepath.Join(dir, "labels", "none.png")
	if _, err := labels.ReadFile(absent, 0, 3, labels.Skip); err == nil || err.Error() != want(absent) {
		t.Errorf("ReadFile(a missing .png) = %v, want %q", err, want(absent))
	}
	// Upper-case .TXT is a label file too.
	upper := filepath.Join(dir, "labels", "U.TXT")
	if err := os.WriteFile(upper, []byte("1 0.5 0.5 0.2 0.2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := labels.ReadFile(upper, 0, 3, labels.Strict); err != nil || len(r.Labels) != 1 {
		t.Errorf("ReadFile(U.TXT) = %v, %v; want one label", r.Labels, err)
	}
}

// TestReadDataset: a dataset's labels read as ReadBatch reads a batch's,
// except that a dataset where no label file exists, or where the files
// hold no valid row, is YOLOv5's "No labels found" error.
func TestReadDataset(t *testing.T) {
	dir, images := dataset(t)
	lab := func(n string) string { return filepath.Join(dir, "labels", n) }
	got, err := labels.ReadDataset(labels.Paths(images), 3, labels.Skip)
	if err != nil {
		t.Fatal(err)
	}
	want, err := labels.ReadBatch(labels.Paths(images), 3, labels.Skip)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadDataset differs from ReadBatch (-batch +dataset):\n%s", diff)
	}
	if err := os.WriteFile(lab("empty.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lab("bad.txt"), []byte("7 0.5 0.5 0.1 0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		paths []string
		want  string
	}{
		{"no file exists", []string{lab("b.txt"), lab("x.txt")},
			"labels: No labels found: none of the 2 label files exists (the first is " + lab("b.txt") + "); " +
				"labels.Path maps each image to its label file, .../images/NAME.jpg to .../labels/NAME.txt"},
		{"no path", nil, "labels: No labels found: no label files given"},
		{"files with no valid row", []string{lab("empty.txt"), lab("b.txt"), lab("bad.txt")},
			"labels: No labels found: the 2 label files found hold no valid row (1 dropped, the first: " +
				"labels: " + lab("bad.txt") + ":1: class (column 1) = 7 is not an integer in [0, 3))"},
	} {
		r, err := labels.ReadDataset(tc.paths, 3, labels.Skip)
		if err == nil || err.Error() != tc.want || r.Labels != nil || r.Missing != nil {
			t.Errorf("%s: ReadDataset = %+v, %v; want no result and %q", tc.name, r, err, tc.want)
		}
	}
}
