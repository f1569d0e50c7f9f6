package tensor_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/tensor"
)

// A float32 array read from a file feeds float32 code without a copy, and
// float64 code with one.
func ExampleAs() {
	a := tensor.Array{Shape: []int{2, 3}, F32: []float32{1, 2, 3, 4, 5, 6}}
	t32, ok := tensor.As[float32](a)
	fmt.Println(ok, t32.Shape, &t32.Data[0] == &a.F32[0])
	t64 := tensor.Convert[float64](a)
	fmt.Println(t64.Data[5], &t64.Data[0] == nil)
	// Output:
	// true [2 3] true
	// 6 false
}

func ExampleNew() {
	g := tensor.New[float32](2, 3, 4, 4, 85) // one layer's gradient: bs 2, 3 anchors, 4×4 grid, 80 classes
	fmt.Println(len(g.Data), g.Rank(), g.Check())
	// Output: 8160 5 <nil>
}

// Gradient buffers allocated once for the full batch serve a smaller last
// batch without allocating: Like reslices them to the predictions' shapes.
func ExampleLike() {
	var grads []tensor.Tensor[float32]
	for _, bs := range []int{16, 16, 10} { // the last batch of an epoch is smaller
		preds := []tensor.Tensor[float32]{tensor.New[float32](bs, 3, 8, 8, 85), tensor.New[float32](bs, 3, 4, 4, 85)}
		grads = tensor.Like(grads, preds)
		fmt.Println(grads[0].Shape, grads[1].Shape, cap(grads[0].Data) == 16*3*8*8*85)
	}
	// Output:
	// [16 3 8 8 85] [16 3 4 4 85] true
	// [16 3 8 8 85] [16 3 4 4 85] true
	// [10 3 8 8 85] [10 3 4 4 85] true
}
