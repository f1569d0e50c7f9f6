//go:build !race

// The race detector slows the engine tenfold; these convergence checks run
// without it (make test runs them separately).

package main

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/computeloss"
)

// TestFit: on the built-in samples (3 and 4 layers), with BCE and with
// varifocal, LBFGS on the engine's gradient brings the loss to at most 2%
// of its start within 60 s, and every label's boxes close in on it.
func TestFit(t *testing.T) {
	dir := t.TempDir()
	vf := filepath.Join(dir, "varifocal.yaml")
	if err := os.WriteFile(vf, []byte(varifocalHyp), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, hyp, sample string
	}{
		{"p5 bce", "", "p5"},
		{"p6 bce", "", "p6"},
		{"p5 varifocal", vf, "p5"},
		{"p6 varifocal", vf, "p6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := loadInputs(tc.hyp, "", tc.sample)
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, tc.sample+filepath.Base(tc.hyp)+".npz")
			o := &fitOpts{out: out, iters: 2000, timeout: 60 * time.Second, quiet: true, engine: computeloss.Options{}}
			s, err := fit(o, in, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("loss %.6f → %.6f (%.2f%% of the start) in %v", s.start.Loss, s.end.Loss, 100*s.end.Loss/s.start.Loss, s.elapsed.Round(time.Millisecond))
			if ratio := s.end.Loss / s.start.Loss; ratio > 0.02 {
				t.Errorf("loss %.6f → %.6f, %.2f%% of the start; want ≤ 2%%", s.start.Loss, s.end.Loss, 100*ratio)
			}
			if s.elapsed > 60*time.Second {
				t.Errorf("took %v", s.elapsed)
			}
			for k, a := range s.after {
				if a.n > 0 && a.mean() <= s.before[k].mean() {
					t.Errorf("label %d: mean IoU %.3f → %.3f, want an improvement", k, s.before[k].mean(), a.mean())
				}
			}
			// The output holds the fitted predictions, which give the
			// fitted loss again, with the same targets, anchors, strides.
			b, err := batchfile.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(b.Targets) != len(in.batch.Targets) || b.NL() != in.batch.NL() || len(b.AnchorsGrid) != b.NL() {
				t.Fatalf("written batch: %d targets, %d layers, %d anchor layers", len(b.Targets), b.NL(), len(b.AnchorsGrid))
			}
			e, err := computeloss.New[float32](in.hyp, in.model, &o.engine)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := tensors[float32](b, false)
			r, err := e.Loss(p, b.Targets, nil)
			if err != nil {
				t.Fatal(err)
			}
			// The fit runs in float64; the file holds float32.
			if d := math.Abs(r.Loss-s.end.Loss) / s.end.Loss; d > 1e-4 {
				t.Errorf("loss of the written predictions %.6g, fitted %.6g (relative %.2g)", r.Loss, s.end.Loss, d)
			}
		})
	}
}

const varifocalHyp = `lr0: 0.01
box: 0.05
cls: 0.5
cls_pw: 1.0
obj: 1.0
obj_pw: 1.0
anchor_t: 4.0
fl_gamma: 1.5
fl_type: varifocal
`
