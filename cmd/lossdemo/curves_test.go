package main

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/cli"
)

// curves runs `lossdemo curves` in-process.
func curvesCmd(t *testing.T, args ...string) (err error, stdout, stderr string) {
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
			err, stdout, stderr := curvesCmd(t, append(tc.args, "-o", out)...)
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
		err, stdout, _ := curvesCmd(t, tc.args...)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not name %q", tc.name, err, tc.want)
		}
		if code := cli.ExitCode(err); code != cli.ExitInput {
			t.Errorf("%s: exit code %d, want %d (input error)", tc.name, code, cli.ExitInput)
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
	err, _, stderr := curvesCmd(t, "-h")
	if !errors.Is(err, cli.ErrHelp) {
		t.Errorf("-h: error %v, want cli.ErrHelp", err)
	}
	for _, want := range []string{"-hyp", "-o"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("-h: usage lacks %q:\n%s", want, stderr)
		}
	}
}

// TestCurvesBox: -box draws the box losses, the hyp's own marked.
func TestCurvesBox(t *testing.T) {
	dir := t.TempDir()
	hypPath := filepath.Join(dir, "hyp.giou.yaml")
	h := hyp.Default()
	h.IoUType = "giou"
	writeHyp(t, hypPath, h)
	png1 := filepath.Join(dir, "box.png")
	err, stdout, stderr := curvesCmd(t, "-box", "-o", png1)
	if err != nil {
		t.Fatalf("runCurves -box: %v\n%s", err, stderr)
	}
	if want := "the box losses iou, giou, diou, ciou, eiou, siou, wiou, mpdiou and shape_iou around a 4×2 target"; !strings.Contains(stdout, want) {
		t.Errorf("stdout %q lacks %q", stdout, want)
	}
	data, err := os.ReadFile(png1)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil || img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 800 {
		t.Fatalf("not a 1200×800 PNG: %v", err)
	}
	svg := filepath.Join(dir, "box.svg")
	if err, _, stderr := curvesCmd(t, "-box", "-hyp", hypPath, "-o", svg); err != nil {
		t.Fatalf("runCurves -box -hyp: %v\n%s", err, stderr)
	}
	data, err = os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"giou (hyp)", "shape_iou", "coincide here", "centre offset", "aspect ratio", "hyp.giou.yaml"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Contains(string(data), "ciou (hyp)") {
		t.Error("SVG marks ciou, not the hyp's giou")
	}
}
