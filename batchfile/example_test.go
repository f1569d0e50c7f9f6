package batchfile_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/tensor"
)

func ExampleReadFile() {
	b, err := batchfile.ReadFile("../testdata/golden/rect_96x64/input.npz")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("nl=%d bs=%d na=%d nc=%d targets=%d\n", b.NL(), b.BS(), b.NA(), b.NC(), len(b.Targets))
	for i, p := range b.Preds {
		fmt.Printf("p%d %v stride %v\n", i, p.Shape, b.Strides[i])
	}
	t := b.Targets[0]
	fmt.Printf("first target: image %v class %v box %.3f\n", t[0], t[1], t[2:])
	// Output:
	// nl=3 bs=2 na=3 nc=3 targets=5
	// p0 [2 3 8 12 8] stride 8
	// p1 [2 3 4 6 8] stride 16
	// p2 [2 3 2 3 8] stride 32
	// first target: image 0 class 0 box [0.698 0.131 0.172 0.481]
}

// An anchor-free head's file holds reg_max as an int64 scalar beside its
// float arrays.
func ExampleReadInt() {
	f, err := os.Open("../testdata/golden-v8/v8_e2e_yolo26/input.npz")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	regMax, err := batchfile.ReadInt(f, st.Size(), "reg_max")
	if err != nil {
		log.Fatal(err)
	}
	ts, err := batchfile.ReadTensors(f, st.Size(), "p0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("reg_max %d, p0 %v: %d classes\n", regMax, ts[0].Shape, ts[0].Shape[1]-4*int(regMax))
	_, err = batchfile.ReadInt(f, st.Size(), "p0")
	fmt.Println(err)
	// Output:
	// reg_max 1, p0 [2 7 8 8]: 3 classes
	// batchfile: array "p0": shape (2, 7, 8, 8): want one integer, shape () or (1,)
}

func ExampleReadFile_invalid() {
	dir, err := os.MkdirTemp("", "batchfile-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "bad.npz")

	// One layer with nc = 1, and a target of class 7.
	err = batchfile.WriteFile(path, []batchfile.Tensor{
		{Name: "p0", Array: tensor.Array{Shape: []int{1, 1, 1, 1, 6}, F32: []float32{0, 0, 0, 0, 0, 0}}},
		{Name: "targets", Array: tensor.Array{Shape: []int{1, 6}, F64: []float64{0, 7, 0.5, 0.5, 0.1, 0.1}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = batchfile.ReadFile(path)
	fmt.Println(strings.ReplaceAll(err.Error(), path, "bad.npz"))
	// Output:
	// batchfile: bad.npz: targets[0] (row 0): class (column 1) = 7 is not an integer in [0, 1)
}

func ExampleWriteFile() {
	b, err := batchfile.ReadFile("../testdata/golden/bce_basic/input.npz")
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "batchfile-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "copy.npz")

	if err := batchfile.WriteFile(path, b.Tensors()); err != nil {
		log.Fatal(err)
	}
	// WriteFile never replaces a file.
	err = batchfile.WriteFile(path, b.Tensors())
	fmt.Println("second write fails:", err != nil)

	c, err := batchfile.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("layers:", c.NL(), "targets:", len(c.Targets))
	// Output:
	// second write fails: true
	// layers: 3 targets: 6
}

func ExampleReadTensors() {
	f, err := os.Open("../testdata/golden/p6_four_layers/grad.npz")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	grads, err := batchfile.ReadTensors(f, fi.Size(), "p0", "p3")
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range grads {
		fmt.Println(g.Name, g.Shape, g.Len())
	}
	// Output:
	// p0 [2 3 16 16 9] 13824
	// p3 [2 3 2 2 9] 216
}
