package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
	"github.com/yolo-loss/yololoss/internal/cli"
	"github.com/yolo-loss/yololoss/internal/feed"
)

// TestFitCommand: `lossdemo fit` prints the fit's summary and a row per
// label, and writes the fitted predictions in the input's dtype with the
// same targets, anchors and strides, which give the fitted loss again.
// (internal/fit's TestFit checks what fits reach, without the race
// detector.)
func TestFitCommand(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, hyp, pred string
		tol             float64 // of |loss(written) − loss(fitted)|, relative to the start
	}{
		{"golden float64", filepath.Join(goldenDir, "bce_basic", "hyp.yaml"), filepath.Join(goldenDir, "bce_basic", "input.npz"), 1e-12},
		{"sample float32", "", "", 1e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npz")
			in, err := loadInputs(tc.hyp, tc.pred, "")
			if err != nil {
				t.Fatal(err)
			}
			var stdout bytes.Buffer
			o := &fitOpts{out: out, iters: 1000, timeout: 60e9, engine: computeloss.Options{}}
			r, err := fitRun(o, in, &stdout)
			if err != nil {
				t.Fatal(err)
			}
			text := stdout.String()
			for _, want := range []string{"round 1:", "converged after", "% of the start", "mean IoU", "→ 1.000", "fitted predictions written to " + out} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			if rows := strings.Count(text, " → "); rows < 2*len(in.batch.Targets)-2 {
				t.Errorf("%d IoU columns for %d labels:\n%s", rows, len(in.batch.Targets), text)
			}
			b, err := batchfile.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			f32, _ := feed.Float32(b)
			if f32 != in.f32 || len(b.Targets) != len(in.batch.Targets) || b.NL() != in.batch.NL() || len(b.AnchorsGrid) != b.NL() || len(b.Strides) != b.NL() {
				t.Fatalf("written batch: float32 %v, %d targets, %d layers, %d anchor layers, %d strides", f32, len(b.Targets), b.NL(), len(b.AnchorsGrid), len(b.Strides))
			}
			e, err := computeloss.New[float64](in.hyp, in.model, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Loss(feed.Preds[float64](b), b.Targets, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(got.Loss - r.End.Loss); d > tc.tol*r.Start.Loss {
				t.Errorf("loss of the written predictions %.9g, fitted %.9g: differ by %.2g of the start", got.Loss, r.End.Loss, d/r.Start.Loss)
			}
		})
	}
}

func TestFitCommandErrors(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "there.npz")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.npz")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no -o", nil, "-o is required"},
		{"zero iterations", []string{"-o", out, "-iters", "0"}, "-iters 0"},
		{"zero timeout", []string{"-o", out, "-timeout", "0s"}, "-timeout 0s"},
		{"existing output", []string{"-o", existing}, "already exists"},
		{"bad sample", []string{"-o", out, "-sample", "p9"}, `-sample "p9"`},
	} {
		code, _, errOut := lossdemo(t, append([]string{"fit"}, tc.args...)...)
		if code != cli.ExitInput || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d naming %q", tc.name, code, errOut, cli.ExitInput, tc.want)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing file was changed to %q", b)
	}
	if _, err := os.Lstat(out); err == nil {
		t.Error("a failed fit wrote its output")
	}
}
