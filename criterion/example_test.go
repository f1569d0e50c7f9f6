package criterion_test

import (
	"fmt"

	"github.com/yolo-loss/yololoss/criterion"
)

// Focal loss on the class loss only, the placement detectors that gain from
// focal loss use; objectness stays BCE.
func ExampleSelect() {
	cls, obj, err := criterion.Select(criterion.Config{Type: "focal", Gamma: 1.5, Alpha: 0.25, Apply: criterion.Cls, ClsPosWeight: 1, ObjPosWeight: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println("cls:", cls)
	fmt.Println("obj:", obj)
	// Output:
	// cls: focal γ=1.5 α=0.25
	// obj: BCE
}
