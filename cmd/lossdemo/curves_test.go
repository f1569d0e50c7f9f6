package main

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/hyp"
)

// curves runs `lossdemo curves` in-process.
func curves(t *testing.T, args ...string) (err error, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	err = runCurves(args, &o, &e)
	return err, o.String(), e.String()
}

func TestCurvesWritesFormats(t *testing.T) {
	dir := t.TempDir()
	hypPath := filepath.Join(dir, "hyp.gamma2.yaml")
	h := hyp.Default()
	h.FlGamma, h.FlType = 2, "varifocal"
	writeHyp(t, hypPath, h)

	for _, tc := range []struct {
		name  string
		args  []string
		out   string
		check func(t *testing.T, data []byte)
	}{
		{
			name: "PNG, default hyp",
			out:  "curves.png",
			check: func(t *testing.T, data []byte) {
				img, err := png.Decode(bytes.NewReader(data))
				if err != nil {
					t.Fatalf("not a PNG: %v", err)
				}
				if d := cmp.Diff([2]int{1200, 800}, [2]int{img.Bounds().Dx(), img.Bounds().Dy()}); d != "" {
					t.Errorf("PNG size mismatch (-want +got):\n%s", d)
				}
			},
		},
		{
			name: "SVG, hyp file",
			args: []string{"-hyp", hypPath},
			out:  "curves.SVG",
			check: func(t *testing.T, data []byte) {
				s := string(data)
				if !strings.HasPrefix(s, "<?xml") && !strings.HasPrefix(s, "<svg") {
					t.Errorf("does not start as SVG: %.40q", s)
				}
				for _, want := range []string{"<svg", "</svg>", "γ = 2", "varifocal"} {
					if !strings.Contains(s, want) {
						t.Errorf("SVG lacks %q", want)
					}
				}
			},
		},
		{
			name: "PDF",
			out:  "curves.pdf",
			check: func(t *testing.T, data []byte) {
				if !bytes.HasPrefix(data, []byte("%PDF-")) {
					t.Errorf("does not start as PDF: %.10q", data)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.out)
			err, stdout, stderr := curves(t, append(tc.args, "-o", out)...)
			if err != nil {
				t.Fatalf("runCurves: %v\nstderr:\n%s", err, stderr)
			}
			if !strings.Contains(stdout, "wrote "+out) || strings.Count(stdout, "\n") != 1 {
				t.Errorf("stdout is not one line naming %s: %q", out, stdout)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, data)
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), "tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func writeHyp(t *testing.T, path string, h *hyp.Hyp) {
	t.Helper()
	if err := os.WriteFile(path, hyp.Marshal(h), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCurvesInputErrors(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.png")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	badHyp := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badHyp, []byte("box: [1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error message
	}{
		{"missing -o", nil, "missing -o"},
		{"empty -o", []string{"-o", ""}, "missing -o"},
		{"bad extension", []string{"-o", filepath.Join(dir, "x.jpg")}, `unsupported extension ".jpg"`},
		{"no extension", []string{"-o", filepath.Join(dir, "x")}, "has no extension"},
		{"existing file", []string{"-o", existing}, existing + ": the file already exists"},
		{"missing hyp", []string{"-hyp", filepath.Join(dir, "none.yaml"), "-o", filepath.Join(dir, "a.png")}, "none.yaml"},
		{"broken hyp", []string{"-hyp", badHyp, "-o", filepath.Join(dir, "b.png")}, "bad.yaml"},
		{"unknown flag", []string{"-x"}, "flag provided but not defined: -x"},
		{"stray argument", []string{"-o", filepath.Join(dir, "c.png"), "extra"}, `unexpected argument "extra"`},
		{"missing folder", []string{"-o", filepath.Join(dir, "nodir", "d.png")}, "folder " + filepath.Join(dir, "nodir") + " does not exist"},
	} {
		err, stdout, _ := curves(t, tc.args...)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not name %q", tc.name, err, tc.want)
		}
		if code := exitCode(err); code != exitInput {
			t.Errorf("%s: exit code %d, want %d (input error)", tc.name, code, exitInput)
		}
		if stdout != "" {
			t.Errorf("%s: wrote to stdout: %q", tc.name, stdout)
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing output was changed to %q", b)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if d := cmp.Diff([]string{"bad.yaml", "existing.png"}, names); d != "" {
		t.Errorf("files after the failed runs mismatch (-want +got):\n%s", d)
	}
}

func TestCurvesHelp(t *testing.T) {
	err, _, stderr := curves(t, "-h")
	if !errors.Is(err, errHelp) {
		t.Errorf("-h: error %v, want errHelp", err)
	}
	for _, want := range []string{"-hyp", "-o"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("-h: usage lacks %q:\n%s", want, stderr)
		}
	}
}

// TestCurvesFigure checks what is drawn: γ = 1.5 replaces a fl_gamma of 0
// and the title says so; the curves that coincide by the formulas do.
func TestCurvesFigure(t *testing.T) {
	h := hyp.Default()
	h.FlGamma, h.FlAlpha, h.ObjPw = 0, 0.4, 2
	f := newCurveFigure(h, "test.yaml")
	if d := cmp.Diff([3]float64{1.5, 0.4, 2}, [3]float64{f.gamma, f.alpha, f.pw}); d != "" {
		t.Errorf("γ, α, obj_pw mismatch (-want +got):\n%s", d)
	}
	for _, want := range []string{"γ = 1.5", "α = 0.4", "obj_pw = 2", "fl_gamma is 0", "test.yaml"} {
		if !strings.Contains(f.title, want) {
			t.Errorf("title lacks %q: %q", want, f.title)
		}
	}
	h.FlGamma = 2.5
	if f := newCurveFigure(h, "x"); f.gamma != 2.5 || strings.Contains(f.title, "fl_gamma is 0") {
		t.Errorf("fl_gamma 2.5: γ %v, title %q", f.gamma, f.title)
	}

	xs := curveLogits()
	if len(xs) < 300 || math.Abs(xs[0]+math.Log(999)) > 1e-12 || math.Abs(xs[len(xs)-1]-math.Log(999)) > 1e-12 {
		t.Errorf("logits: %d from %v to %v, want ~400 from logit(0.001) to logit(0.999)", len(xs), xs[0], xs[len(xs)-1])
	}
	// qfocal equals focal for hard targets, varifocal at q = 1 equals BCE.
	same := func(a, b curve) {
		la, ga := curveSample(a.crit, a.y, xs)
		lb, gb := curveSample(b.crit, b.y, xs)
		if d := cmp.Diff(la, lb); d != "" {
			t.Errorf("%s and %s: loss mismatch (-want +got):\n%s", a.label, b.label, d)
		}
		if d := cmp.Diff(ga, gb); d != "" {
			t.Errorf("%s and %s: gradient mismatch (-want +got):\n%s", a.label, b.label, d)
		}
	}
	byLabel := func(cs []curve, prefix string) curve {
		for _, c := range cs {
			if strings.HasPrefix(c.label, prefix) {
				return c
			}
		}
		t.Fatalf("no curve %q", prefix)
		return curve{}
	}
	f = newCurveFigure(h, "x")
	same(byLabel(f.pos, "focal"), byLabel(f.pos, "qfocal"))
	same(byLabel(f.neg, "focal"), byLabel(f.neg, "qfocal"))
	same(byLabel(f.pos, "BCE"), byLabel(f.pos, "varifocal, q = 1"))
	if c := byLabel(f.pos, "varifocal, q = 0.5"); c.y != 0.5 {
		t.Errorf("varifocal q = 0.5 has target %v", c.y)
	}
}

func TestCurvesTicks(t *testing.T) {
	var labels []string
	for _, tk := range (curveLogTicks{}).Ticks(1e-8, 2) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	want := []string{"1e−8", "1e−7", "1e−6", "1e−5", "1e−4", "1e−3", "0.01", "0.1", "1"}
	if d := cmp.Diff(want, labels); d != "" {
		t.Errorf("log tick labels mismatch (-want +got):\n%s", d)
	}
	var lin []string
	for _, tk := range curveLinearTicks(0, 7.2, 2, 1, 0) {
		if tk.Label != "" {
			lin = append(lin, tk.Label)
		}
	}
	if d := cmp.Diff([]string{"0", "2", "4", "6"}, lin); d != "" {
		t.Errorf("linear tick labels mismatch (-want +got):\n%s", d)
	}
}
