package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/hyp"
)

// setObjectness sets every objectness logit (channel 4) of b to v, in
// float64 when f64, else in float32.
func setObjectness(b *batchfile.Batch, v float64, f64 bool) []batchfile.Tensor {
	for i, p := range b.Preds {
		n5 := p.Shape[4]
		if f64 {
			d := make([]float64, p.Len())
			for k := range d {
				d[k] = p.At(k)
			}
			p.F64, p.F32 = d, nil
		}
		for k := 4; k < p.Len(); k += n5 {
			if f64 {
				p.F64[k] = v
			} else {
				p.F32[k] = float32(v)
			}
		}
		b.Preds[i] = p
	}
	return b.Tensors()
}

// TestNonFiniteLoss: finite logits whose loss overflows are an input error
// (exit 2) that names the item, the layer and the largest logit; nothing
// is printed on stdout and no -grad file is written, in text and JSON
// alike, and -dtype float32 refuses logits that float32 cannot hold.
func TestNonFiniteLoss(t *testing.T) {
	dir := t.TempDir()
	huge := writeBatch(t, filepath.Join(dir, "huge.npz"), func(b *batchfile.Batch) []batchfile.Tensor {
		return setObjectness(b, 1e308, true)
	})
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"json", []string{"-json"}, []string{"loss is +Inf", "lobj of P3", "p0[0 0 0 0 4] = 1e+308"}},
		{"text", nil, []string{"loss is +Inf", "lobj of P3", "objectness logit"}},
		{"iters", []string{"-iters", "3"}, []string{"call 1", "lobj of P3"}},
		{"compare", []string{"-compare", "-json"}, []string{"lobj of P3"}},
		{"float32", []string{"-dtype", "float32"}, []string{"-dtype float32", "p0[0 0 0 0 4] = 1e+308", "beyond float32's range"}},
	} {
		grad := filepath.Join(dir, tc.name+".grad.npz")
		code, out, errOut := lossdemo(t, append([]string{"-pred", huge, "-grad", grad}, tc.args...)...)
		if code != 2 || out != "" {
			t.Errorf("%s: exit %d, stdout %q; want 2 and nothing", tc.name, code, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr %q lacks %q", tc.name, errOut, w)
			}
		}
		if _, err := os.Lstat(grad); err == nil {
			t.Errorf("%s: the failed run wrote %s", tc.name, grad)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("files left: %v", ents)
	}
}

// longNumber matches a number with more digits than a table needs.
var longNumber = regexp.MustCompile(`[0-9]{13,}`)

// TestFloat32Extremes: float32 logits near the type's largest value give
// a finite loss, which the table and the history print in exponent form,
// not with 40 digits.
func TestFloat32Extremes(t *testing.T) {
	path := writeBatch(t, filepath.Join(t.TempDir(), "big.npz"), func(b *batchfile.Batch) []batchfile.Tensor {
		return setObjectness(b, 3e38, false)
	})
	code, out, errOut := lossdemo(t, "-pred", path, "-iters", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if m := longNumber.FindString(out); m != "" {
		t.Errorf("output prints %s:\n%s", m, out)
	}
	if !strings.Contains(out, "e+39") {
		t.Errorf("output lacks the loss in exponent form:\n%s", out)
	}
}

// TestOutputCheckedFirst: -grad's folder and file are checked with the
// flags, before any input is read or loss computed.
func TestOutputCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "g.npz")
	os.WriteFile(existing, []byte("keep me"), 0o644)
	for _, tc := range []struct {
		name  string
		grad  string
		force bool
		want  string // "" for none
	}{
		{"missing folder", filepath.Join(dir, "no", "g.npz"), false, "-grad " + filepath.Join(dir, "no", "g.npz") + ": folder " + filepath.Join(dir, "no") + " does not exist"},
		{"a folder", dir, false, "-grad " + dir + ": is a folder"},
		{"a folder, forced", dir, true, "is a folder"},
		{"exists", existing, false, "already exists; not overwriting it (-force replaces it)"},
		{"exists, forced", existing, true, ""},
	} {
		o := lossOpts{grad: tc.grad, force: tc.force, iters: 1}
		_, err := checkLossOpts(&o)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestOutputIsAFolder: every subcommand that writes a file says "is a
// folder" when its output is one, before computing, and exits 2.
func TestOutputIsAFolder(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-grad", dir},
		{"fit", "-o", dir},
		{"sample", "-o", dir},
		{"curves", "-o", dir + "/"},
	} {
		code, out, errOut := lossdemo(t, args...)
		if code != 2 || !strings.Contains(errOut, dir) || !strings.Contains(errOut, "is a folder") || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want 2, naming the folder", args, code, errOut, out)
		}
	}
}

// TestForce: without -force an existing output file is kept and the run
// refused; with it, the file is replaced.
func TestForce(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args func(out string) []string
		ext  string
	}{
		{"grad", func(o string) []string { return []string{"-grad", o} }, ".npz"},
		{"fit", func(o string) []string { return []string{"fit", "-quiet", "-iters", "2", "-o", o} }, ".npz"},
		{"sample", func(o string) []string { return []string{"sample", "-o", o} }, ".npz"},
		{"curves", func(o string) []string { return []string{"curves", "-o", o} }, ".svg"},
	} {
		out := filepath.Join(dir, tc.name+tc.ext)
		os.WriteFile(out, []byte("keep me"), 0o644)
		code, _, errOut := lossdemo(t, tc.args(out)...)
		if b, _ := os.ReadFile(out); code != 2 || string(b) != "keep me" || !strings.Contains(errOut, "-force") {
			t.Errorf("%s without -force: exit %d, %q, file %.10q", tc.name, code, errOut, b)
		}
		code, _, errOut = lossdemo(t, append(tc.args(out), "-force")...)
		if b, _ := os.ReadFile(out); code != 0 || string(b) == "keep me" {
			t.Errorf("%s -force: exit %d, %q, file %.10q", tc.name, code, errOut, b)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 4 {
		t.Errorf("files left: %v", ents)
	}
}

// TestSampleWithPred: -sample chooses the built-in sample, which -pred
// replaces: both at once is an error, not a silent choice.
func TestSampleWithPred(t *testing.T) {
	dir := t.TempDir()
	pred := filepath.Join(goldenDir, "bce_basic", "input.npz")
	for _, args := range [][]string{
		{"-pred", pred, "-sample", "p6"},
		{"-pred", pred, "-sample", "p5"},
		{"fit", "-pred", pred, "-sample", "p6", "-o", filepath.Join(dir, "f.npz")},
	} {
		code, _, errOut := lossdemo(t, args...)
		if code != 2 || !strings.Contains(errOut, "-sample") || !strings.Contains(errOut, "-pred") {
			t.Errorf("%v: exit %d, %q; want 2 naming -sample and -pred", args, code, errOut)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left: %v", ents)
	}
}

// TestUnknownFlagOnce: every subcommand reports an unknown flag once.
func TestUnknownFlagOnce(t *testing.T) {
	for _, sub := range []string{"", "curves", "fit", "sample"} {
		args := []string{"-nope"}
		if sub != "" {
			args = []string{sub, "-nope"}
		}
		code, _, errOut := lossdemo(t, args...)
		if n := strings.Count(errOut, "-nope"); code != 2 || n != 1 {
			t.Errorf("lossdemo %s -nope: exit %d, reported %d times:\n%s", sub, code, n, errOut)
		}
	}
}

// helpFlags returns the flags that a usage text lists, each with its
// description.
func helpFlags(usage string) map[string]string {
	flags := map[string]string{}
	var last string
	for _, line := range strings.Split(usage, "\n") {
		if m := regexp.MustCompile(`^  -([a-z0-9-]+)`).FindStringSubmatch(line); m != nil {
			last = m[1]
			flags[last] = strings.TrimSpace(line[len(m[0]):])
		} else if last != "" && strings.HasPrefix(line, "    \t") {
			flags[last] += " " + strings.TrimSpace(line)
		}
	}
	return flags
}

// TestFlagGrammar walks `lossdemo -h` and each subcommand's -h and checks
// the flags against one grammar: -o names a command's one output file,
// -grad and -det the extra arrays' files, and every command that can
// refuse to overwrite has -force, which replaces.
func TestFlagGrammar(t *testing.T) {
	code, _, top := lossdemo(t, "-h")
	if code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	subs := regexp.MustCompile(`(?m)^  lossdemo ([a-z]+) `).FindAllStringSubmatch(top, -1)
	var names []string
	for _, s := range subs {
		names = append(names, s[1])
	}
	if want := []string{"curves", "fit", "sample"}; !slices.Equal(names, want) {
		t.Fatalf("lossdemo -h lists the subcommands %v, want %v:\n%s", names, want, top)
	}
	outputNames := map[string]bool{"o": true, "grad": true, "det": true}
	for _, sub := range append([]string{""}, names...) {
		usage := top
		if sub != "" {
			code, _, usage = lossdemo(t, sub, "-h")
			if code != 0 {
				t.Fatalf("%s -h: exit %d", sub, code)
			}
		}
		flags := helpFlags(usage)
		if len(flags) < 2 {
			t.Fatalf("%q -h: flags %v from:\n%s", sub, flags, usage)
		}
		writes := false
		for name, desc := range flags {
			if strings.Contains(desc, "write") && strings.Contains(desc, "file") && name != "force" {
				writes = true
				if !outputNames[name] {
					t.Errorf("%q: -%s writes a file (%q); the grammar names it -o", sub, name, desc)
				}
			}
		}
		if sub != "" && flags["o"] == "" {
			t.Errorf("%q: no -o", sub)
		}
		if writes != (flags["force"] != "") || writes && !strings.Contains(flags["force"], "replace") {
			t.Errorf("%q: writes a file %v, -force %q", sub, writes, flags["force"])
		}
		for _, banned := range []string{"out", "output", "outfile"} {
			if _, ok := flags[banned]; ok {
				t.Errorf("%q has -%s; the grammar's name is -o", sub, banned)
			}
		}
	}
}

// TestBoxLossReported: the text and the JSON say which box loss runs,
// with its parameters.
func TestBoxLossReported(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		iouType string
		set     func(h *hyp.Hyp)
		text    string
	}{
		{"ciou", func(*hyp.Hyp) {}, "box loss: ciou (CIoU)"},
		{"wiou", func(h *hyp.Hyp) { h.IoUType = "wiou" }, "box loss: wiou (WIoU v3 α=1.9 δ=3 momentum=0.01)"},
		{"siou", func(h *hyp.Hyp) { h.IoUType, h.IoUAlpha = "siou", 3 }, "box loss: siou (α-SIoU α=3)"},
	} {
		h := hyp.Default()
		tc.set(h)
		path := filepath.Join(dir, tc.iouType+".yaml")
		writeHyp(t, path, h)
		code, out, errOut := lossdemo(t, "-hyp", path)
		if code != 0 || !strings.Contains(out, tc.text) {
			t.Errorf("%s: exit %d %s; output lacks %q:\n%s", tc.iouType, code, errOut, tc.text, out)
		}
		_, out, _ = lossdemo(t, "-hyp", path, "-json")
		var r struct {
			IoUType string `json:"iou_type"`
			BoxLoss string `json:"box_loss"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.IoUType != tc.iouType || !strings.Contains(tc.text, "("+r.BoxLoss+")") {
			t.Errorf("%s: JSON iou_type %q, box_loss %q (%v)", tc.iouType, r.IoUType, r.BoxLoss, err)
		}
	}
}

// TestCompareBoxMark: -compare's box-loss table marks the hyp's row
// "(hyp)" only where it runs the hyp's parameters.
func TestCompareBoxMark(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		alpha     float64
		want, not string
	}{
		{1, "siou (hyp)", "(hyp's iou_type)"},
		{3, "siou (hyp's iou_type)", "siou (hyp) "},
	} {
		h := hyp.Default()
		h.IoUType, h.IoUAlpha = "siou", tc.alpha
		path := filepath.Join(dir, "h.yaml")
		os.Remove(path)
		writeHyp(t, path, h)
		code, out, errOut := lossdemo(t, "-hyp", path, "-compare")
		if code != 0 || !strings.Contains(out, tc.want) || strings.Contains(out, tc.not) {
			t.Errorf("α %g: exit %d %s; want %q and not %q in:\n%s", tc.alpha, code, errOut, tc.want, tc.not, out)
		}
	}
}

// TestReadme: the README's Python lines name the interpreter that has the
// packages, and the files that its Go snippets load and the docs/ files it
// names exist here.
func TestReadme(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var runs int
	for i, line := range strings.Split(string(b), "\n") {
		for _, m := range regexp.MustCompile(`(^|[\s(`+"`"+`])(python3?|/usr/bin/python3) +tools/`).FindAllStringSubmatch(line, -1) {
			runs++
			if m[2] != "/usr/bin/python3" {
				t.Errorf("README line %d runs %s, want /usr/bin/python3: %s", i+1, m[2], line)
			}
		}
		for _, m := range regexp.MustCompile(`\bdocs/[\w./-]*\w`).FindAllString(line, -1) {
			if _, err := os.Stat(filepath.Join("../..", m)); err != nil {
				t.Errorf("README line %d names %s, which is not in the repository", i+1, m)
			}
		}
		for _, m := range regexp.MustCompile(`\.Load(?:File)?\("([^"]+)"`).FindAllStringSubmatch(line, -1) {
			if _, err := os.Stat(filepath.Join("../..", m[1])); err != nil {
				t.Errorf("README line %d loads %s, which is not in the repository", i+1, m[1])
			}
		}
	}
	if runs == 0 {
		t.Error("no Python line found in the README")
	}
}
