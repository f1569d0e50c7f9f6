package labels_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/yolo-loss/yololoss/labels"
	"github.com/yolo-loss/yololoss/target"
)

// A batch given by its images: their label files hold the objects, a
// missing one none. Under Skip a bad row is dropped and reported; the rest
// of the batch is read.
func ExampleReadBatch() {
	dir, err := os.MkdirTemp("", "dataset")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Mkdir(filepath.Join(dir, "labels"), 0o755); err != nil {
		log.Fatal(err)
	}
	// A generator writes label files with Write.
	if err := labels.Write(filepath.Join(dir, "labels", "0001.txt"), []target.Label{{0, 16, 0.5, 0.5, 0.25, 0.5}}, 80); err != nil {
		log.Fatal(err)
	}
	// A hand-edited one: its second row has a class beyond nc.
	if err := os.WriteFile(filepath.Join(dir, "labels", "0003.txt"), []byte("2 0.5 0.5 0.1 0.1\n80 0.4 0.4 0.1 0.1\n"), 0o644); err != nil {
		log.Fatal(err)
	}

	images := []string{
		filepath.Join(dir, "images", "0001.jpg"),
		filepath.Join(dir, "images", "0002.jpg"), // no label file: no objects
		filepath.Join(dir, "images", "0003.jpg"),
	}
	r, err := labels.ReadBatch(labels.Paths(images), 80, labels.Skip)
	if err != nil {
		log.Fatal(err)
	}
	for _, l := range r.Labels {
		fmt.Println("image", l[0], "class", l[1], "box", l[2:])
	}
	for _, e := range r.Dropped {
		fmt.Printf("dropped %s:%d (image %d): %s\n", filepath.Base(e.File), e.Line, e.Image, e.Msg)
	}
	fmt.Println("missing:", len(r.Missing))
	// Output:
	// image 0 class 16 box [0.5 0.5 0.25 0.5]
	// image 2 class 2 box [0.5 0.5 0.1 0.1]
	// dropped 0003.txt:2 (image 2): class (column 1) = 80 is not an integer in [0, 80)
	// missing: 1
}

// Strict makes the first bad row the error; Skip drops it.
func ExampleParse() {
	data := []byte("0 0.5 0.5 0.2 0.3\n1 0.5 1.5 0.2 0.3\n")
	_, err := labels.Parse(data, "000042.txt", 0, 80, labels.Strict)
	fmt.Println(err)

	r, _ := labels.Parse(data, "000042.txt", 0, 80, labels.Skip)
	fmt.Println(r.Labels, len(r.Dropped))
	// Output:
	// labels: 000042.txt:2: y (column 3) = 1.5 is not in [0, 1]
	// [[0 0 0.5 0.5 0.2 0.3]] 1
}

func ExamplePath() {
	fmt.Println(labels.Path("data/coco128/images/train2017/000000000009.jpg"))
	// Output: data/coco128/labels/train2017/000000000009.txt
}
