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
// (and less than batchfile.MaxBytes) is refused from its header, exit 2,
// naming the array and the cap, nothing printed and no -det file
// written: a decoded "pred" file and a file of raw outputs.
func TestMaxInput(t *testing.T) {
	dir := t.TempDir()
	targets := batchfile.Tensor{Name: "targets"}
	targets.Shape, targets.F64 = []int{1, 6}, []float64{0, 0, 0.5, 0.5, 0.1, 0.1}
	capText := fmt.Sprintf("more than the limit of %d bytes (1 GiB)", cli.MaxInputBytes)
	for _, tc := range []struct {
		name, array string
		shape       []int
		args        []string
	}{
		{"pred v5", "pred", []int{64, 50000, 85}, nil},                     // 1.09 GB of float32
		{"pred v8", "pred", []int{64, 84, 50000}, []string{"-head", "v8"}}, // 1.08 GB
		{"raw p0", "p0", []int{2, 3, 1024, 1024, 85}, nil},                 // 2.1 GB
	} {
		path := npztest.Declaring(t, filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npz"), tc.array, tc.shape, []batchfile.Tensor{targets})
		det := filepath.Join(dir, "det.npz")
		code, out, errOut := yoloval(t, append([]string{"-pred", path, "-det", det}, tc.args...)...)
		want := fmt.Sprintf(`%s: batchfile: array %q: header declares float32 %v: %s`, path, tc.array, tc.shape, capText)
		if code != 2 || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", tc.name, code, out, errOut, want)
		}
		if _, err := os.Lstat(det); err == nil {
			t.Errorf("%s: %s was written", tc.name, det)
		}
	}
}
