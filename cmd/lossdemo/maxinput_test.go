package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/npztest"
)

// TestMaxInput: a file whose header declares more than cli.MaxInputBytes
// is refused from its header, exit 2, naming the array and the cap,
// nothing printed and no -grad file written; for both heads, and with
// -dtype float64 counting each float32 element as 8 bytes.
func TestMaxInput(t *testing.T) {
	dir := t.TempDir()
	targets := batchfile.Tensor{Name: "targets"}
	targets.Shape, targets.F64 = []int{1, 6}, []float64{0, 0, 0.5, 0.5, 0.1, 0.1}
	regMax := batchfile.Tensor{Name: "reg_max"}
	regMax.Shape, regMax.F64 = []int{}, []float64{1}
	over := []int{2, 3, 1024, 1024, 85} // 2.1 GB of float32: over the cap, under batchfile.MaxBytes
	half := []int{1, 3, 1024, 600, 85}  // 627 MB: under the cap as float32, over it as float64
	v8over := []int{1, 68, 2048, 2048}  // 1.1 GB of float32
	capText := fmt.Sprintf("more than the limit of %d bytes (1 GiB)", cli.MaxInputBytes)
	for _, tc := range []struct {
		name  string
		shape []int
		small []batchfile.Tensor
		args  []string
		want  string
	}{
		{"v5", over, []batchfile.Tensor{targets}, nil, "header declares float32 [2 3 1024 1024 85]: " + capText},
		{"v5 -dtype float64", half, []batchfile.Tensor{targets}, []string{"-dtype", "float64"}, "header declares float32 [1 3 1024 600 85]: " + capText},
		{"v8", v8over, []batchfile.Tensor{targets, regMax}, nil, "header declares float32 [1 68 2048 2048]: " + capText},
	} {
		path := npztest.Declaring(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npz"), "p0", tc.shape, tc.small)
		grad := filepath.Join(dir, "g.npz")
		args := append([]string{"-pred", path, "-grad", grad}, tc.args...)
		code, out, errOut := lossdemo(t, args...)
		if code != 2 || out != "" || !strings.Contains(errOut, path+`: batchfile: array "p0": `+tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", tc.name, code, out, errOut, tc.want)
		}
		if _, err := os.Lstat(grad); err == nil {
			t.Errorf("%s: %s was written", tc.name, grad)
		}
	}
	// Under the cap, the same header goes on to the entry's check: the
	// cap, not the entry, refused the files above.
	path := npztest.Declaring(t, filepath.Join(dir, "half.npz"), "p0", half, []batchfile.Tensor{targets})
	if code, _, errOut := lossdemo(t, "-pred", path); code != 2 || strings.Contains(errOut, "limit") || !strings.Contains(errOut, "inflate to at most") {
		t.Errorf("half the cap: exit %d, %q; want the zip entry's error", code, errOut)
	}
}
