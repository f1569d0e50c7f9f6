package experiment

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/examples/train/trainer"
	"github.com/yolo-loss/yololoss/hyp"
)

// TestRunsFile reads the committed runs file: every hyp parses and differs
// from the baseline only in the compared keys.
func TestRunsFile(t *testing.T) {
	runs, err := ReadRuns(filepath.Join("..", "hyps", "experiment.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Name)
	}
	for _, want := range []string{"bce", "focal", "qfocal", "varifocal", "focal-cls", "varifocal-iou"} {
		if !slices.Contains(names, want) {
			t.Errorf("runs %v lack %q", names, want)
		}
	}
	if runs[0].Name != "bce" || runs[0].Hyp.FlGamma != 0 {
		t.Errorf("the baseline is %s with fl_gamma %g, want bce with 0", runs[0].Name, runs[0].Hyp.FlGamma)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const baseHyp = "lr0: 0.002\nlrf: 0.05\nbox: 0.05\ncls: 0.5\ncls_pw: 1.0\nobj: 1.0\nobj_pw: 1.0\nanchor_t: 4.0\n"

func TestReadRunsErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"schedule differs", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "b.yaml": strings.Replace(baseHyp, "lr0: 0.002", "lr0: 0.01", 1) + "fl_gamma: 1.5\n",
			"runs.txt": "a.yaml\nb.yaml\n"}, `line 2: b.yaml differs from`},
		{"same name twice", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "runs.txt": "a.yaml\n# again\na.yaml\n"}, `line 3: a second run named "a"`},
		{"bad hyp", map[string]string{
			"a.yaml": baseHyp + "fl_gama: 0.0\n", "runs.txt": "a.yaml\n"}, `line 1: hyp:`},
		{"no runs", map[string]string{"runs.txt": "# nothing\n\n"}, "no runs"},
	}
	for _, tt := range tests {
		dir := writeFiles(t, tt.files)
		_, err := ReadRuns(filepath.Join(dir, "runs.txt"))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ReadRuns() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func mustParse(t *testing.T, s string) *hyp.Hyp {
	t.Helper()
	h, err := hyp.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestDiff(t *testing.T) {
	base := mustParse(t, baseHyp+"fl_gamma: 0.0\n")
	vf := mustParse(t, baseHyp+"fl_gamma: 2.0\nfl_alpha: 0.75\nfl_type: varifocal\ncls_iou_target: true\n")
	got := Diff(base, vf)
	want := []string{"fl_gamma 2.0", "fl_alpha 0.75", "fl_type varifocal", "cls_iou_target true"}
	if !slices.Equal(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
	back := Diff(vf, base)
	if wantBack := []string{"fl_gamma 0.0", "fl_alpha 0.25", "fl_type focal", "cls_iou_target (default)"}; !slices.Equal(back, wantBack) {
		t.Errorf("Diff back = %q, want %q", back, wantBack)
	}
	if d := Diff(base, base); len(d) != 0 {
		t.Errorf("Diff of a hyp with itself = %q, want none", d)
	}
}

func TestWriteMarkdown(t *testing.T) {
	base := mustParse(t, baseHyp+"fl_gamma: 0.0\n")
	focal := mustParse(t, baseHyp+"fl_gamma: 1.5\n")
	rows := []trainer.Row{{Epoch: 0, MAP50: 0.3}, {Epoch: 1, MAP50: 0.61234, MAP: 0.3, P: 0.7, R: 0.6}}
	rep := Report{
		Outcomes: []Outcome{
			{Run: Run{Name: "bce", Hyp: base, File: "hyps/bce.yaml"}, Final: rows[1], Rows: rows, Seconds: 600},
			{Run: Run{Name: "focal", Hyp: focal, File: "hyps/focal.yaml"}, Final: trainer.Row{Epoch: 1, MAP50: 0.5}, Rows: rows, Seconds: 630},
		},
		Schedule: DefaultSchedule, Data: "synthetic", Model: "models/synth.yaml", Machine: "2 cores", Backend: "go",
		Date: "2026-11-30", ImagesDir: "experiment",
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"| bce | (baseline) | 0.612 | 0.300 | 0.700 | 0.600 | 10.0 | 300 |",
		"| focal | fl_gamma 1.5 | 0.500 | 0.000 | 0.000 | 0.000 | 10.5 | 315 |",
		"![focal](experiment/focal.png)",
		"## What synthetic data can and cannot tell",
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("report lacks the line %q:\n%s", line, b.String())
		}
	}
	if !strings.Contains(b.String(), "0 of the 4 epochs trained during this call") {
		t.Errorf("report does not say that no epoch was trained:\n%s", b.String())
	}
	if err := WriteMarkdown(&b, Report{}); err == nil {
		t.Errorf("a report without outcomes was written")
	}
}
