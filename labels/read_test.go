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
	_, err := labels.ReadFile(filepath.Join(dir, "labels"), 0, 3, labels.Skip)
	if err == nil || !strings.HasPrefix(err.Error(), "labels: ") || !strings.Contains(err.Error(), filepath.Join(dir, "labels")) {
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
