package experiment

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yolo-loss/yololoss/examples/train/trainer"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
)

// TestRunsFile reads the committed runs file: every hyp parses, differs
// from its group's baseline only in the compared keys, and the runs of
// issue 21 are there, in their groups.
func TestRunsFile(t *testing.T) {
	runs, err := ReadRuns(filepath.Join("..", "hyps", "experiment.txt"))
	if err != nil {
		t.Fatal(err)
	}
	byGroup := map[string][]string{}
	for _, r := range runs {
		byGroup[r.Group()] = append(byGroup[r.Group()], r.Name)
		if (r.Gains == "matched") != (r.Name == "focal-matched") || r.Gains == "matched" && r.Hyp.FlGamma != 1.5 {
			t.Errorf("run %s: gains %q, fl_gamma %g", r.Name, r.Gains, r.Hyp.FlGamma)
		}
		// Each run's hyp must serve its model's head.
		head := hyp.HeadV5
		if r.Model != "" {
			f, err := model.LoadFile(r.Model, nil)
			if err != nil {
				t.Fatalf("run %s: %v", r.Name, err)
			}
			if f.V8 == nil || f.V8.End2End {
				t.Fatalf("run %s: model %s is not the anchor-free (one-to-many) head", r.Name, r.Model)
			}
			head = hyp.HeadV8
		}
		if _, err := r.Hyp.For(head); err != nil {
			t.Errorf("run %s (%s): %v", r.Name, r.Group(), err)
		}
	}
	want := map[string][]string{
		"easy/default":  {"bce", "focal", "varifocal", "focal-cls", "focal-matched", "varifocal-iou"},
		"hard/default":  {"bce", "focal", "focal-matched", "varifocal-iou"},
		"easy/synth-v8": {"v8-bce", "v8-focal", "v8-varifocal"},
	}
	for g, names := range want {
		if !slices.Equal(byGroup[g], names) {
			t.Errorf("group %s runs %v, want %v", g, byGroup[g], names)
		}
	}
	if len(byGroup) != len(want) {
		t.Errorf("groups %v, want %d", byGroup, len(want))
	}

	// The runs of the committed single-seed report, for its reproduction.
	v1, err := ReadRuns(filepath.Join("..", "hyps", "experiment-v1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range v1 {
		names = append(names, r.Name)
		if r.Data != "easy" || r.Gains != "" {
			t.Errorf("experiment-v1.txt: run %s on %s, gains %q", r.Name, r.Data, r.Gains)
		}
	}
	if want := []string{"bce", "focal", "qfocal", "varifocal", "focal-cls", "varifocal-iou", "siou", "wiou"}; !slices.Equal(names, want) {
		t.Errorf("experiment-v1.txt runs %v, want %v", names, want)
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
		{"schedule differs in the second group", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "b.yaml": strings.Replace(baseHyp, "lr0: 0.002", "lr0: 0.01", 1) + "fl_gamma: 1.5\n",
			"runs.txt": "a.yaml\na.yaml data=hard\nb.yaml data=hard\n"}, `line 3: b.yaml differs from`},
		{"bad hyp", map[string]string{
			"a.yaml": baseHyp + "fl_gama: 0.0\n", "runs.txt": "a.yaml\n"}, `line 1: hyp:`},
		{"no runs", map[string]string{"runs.txt": "# nothing\n\n"}, "no runs"},
		{"unknown option", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "runs.txt": "a.yaml seeds=3\n"}, `line 1: unknown option "seeds"`},
		{"not key=value", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "runs.txt": "a.yaml hard\n"}, `line 1: "hard" is not key=value`},
		{"matched baseline", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "runs.txt": "a.yaml gains=matched\n"}, `line 1: gains=matched on a group's first run`},
		{"name with a path", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "runs.txt": "a.yaml\na.yaml name=../../x\n"}, `line 2: name="../../x"`},
		{"bad gains", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "runs.txt": "a.yaml\na.yaml name=b gains=double\n"}, `line 2: gains=double`},
		{"same name in a group", map[string]string{
			"a.yaml": baseHyp + "fl_gamma: 0.0\n", "runs.txt": "a.yaml data=hard\na.yaml data=hard\n"}, `line 2: a second run named "a" in group hard/default`},
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

// TestReadRunsOptions: one hyp file in two groups and as a matched run.
func TestReadRunsOptions(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yaml": baseHyp + "fl_gamma: 0.0\n", "f.yaml": baseHyp + "fl_gamma: 1.5\n",
		"runs.txt": "a.yaml\nf.yaml name=f-matched gains=matched\na.yaml data=hard model=m.yaml\nf.yaml data=sub/data.yaml\n"})
	runs, err := ReadRuns(filepath.Join(dir, "runs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, data, model, gains, group string }{
		{"a", "easy", "", "", "easy/default"},
		{"f-matched", "easy", "", "matched", "easy/default"},
		{"a", "hard", filepath.Join(dir, "m.yaml"), "", "hard/m"},
		{"f", filepath.Join(dir, "sub", "data.yaml"), "", "", "sub/default"},
	}
	if len(runs) != len(want) {
		t.Fatalf("%d runs, want %d", len(runs), len(want))
	}
	for i, w := range want {
		r := runs[i]
		if r.Name != w.name || r.Data != w.data || r.Model != w.model || r.Gains != w.gains || r.Group() != w.group {
			t.Errorf("run %d: %+v (group %s), want %+v", i, r, r.Group(), w)
		}
	}
}

// TestPaired checks the interval against Student's t by hand: differences
// 1, 2, 3 have mean 2 and standard deviation 1, and t(0.975; 2) is
// 4.302652729911275, so the half-width is 4.302652729911275/√3 (the
// interval contains 0: three seeds this spread prove nothing).
func TestPaired(t *testing.T) {
	iv := paired([]float64{0.5, 0.5, 0.5}, []float64{1.5, 2.5, 3.5})
	half := 4.302652729911275 / math.Sqrt(3)
	if iv.N != 3 || math.Abs(iv.Mean-2) > 1e-12 || math.Abs(iv.Lo-(2-half)) > 1e-9 || math.Abs(iv.Hi-(2+half)) > 1e-9 {
		t.Errorf("paired = %+v, want mean 2, [%g, %g]", iv, 2-half, 2+half)
	}
	if !iv.Contains0() { // 2 ± 2.48
		t.Errorf("%+v does not contain 0", iv)
	}
	if iv := paired([]float64{0, 0, 0}, []float64{1.9, 2, 2.1}); iv.Contains0() {
		t.Errorf("%+v contains 0", iv)
	}
	if iv := paired([]float64{0, 0}, []float64{1, -0.5}); !iv.Contains0() {
		t.Errorf("%+v does not contain 0", iv)
	}
	if iv := paired([]float64{0.2}, []float64{0.3}); iv.N != 1 || !math.IsNaN(iv.Lo) || !iv.Contains0() {
		t.Errorf("one pair: %+v, want no interval", iv)
	}
	if m, s := meanStd([]float64{2, 4, 4, 4, 5, 5, 7, 9}); m != 5 || math.Abs(s-math.Sqrt(32.0/7)) > 1e-12 {
		t.Errorf("meanStd = %g, %g", m, s)
	}
}

func TestWriteMarkdown(t *testing.T) {
	base := mustParse(t, baseHyp+"fl_gamma: 0.0\n")
	focal := mustParse(t, baseHyp+"fl_gamma: 1.5\n")
	seeds := func(m50 ...float64) []Seed {
		var out []Seed
		for k, v := range m50 {
			rows := []trainer.Row{{Epoch: 0, MAP50: v / 2}, {Epoch: 1, MAP50: v, MAP: v / 2}}
			out = append(out, Seed{Seed: uint64(k + 1), Rows: rows, Seconds: 600})
		}
		return out
	}
	rep := Report{
		Outcomes: []Outcome{
			{Run: Run{Name: "bce", Hyp: base, File: "hyps/bce.yaml", Data: "easy"}, Seeds: seeds(0.6, 0.5, 0.7)},
			{Run: Run{Name: "focal", Hyp: focal, File: "hyps/focal.yaml", Data: "easy"}, Seeds: seeds(0.4, 0.3, 0.5)},
			{Run: Run{Name: "focal-matched", Hyp: focal, File: "hyps/focal.yaml", Data: "easy", Gains: "matched"}, Seeds: seeds(0.7, 0.4, 0.6),
				Matched: Multipliers{Cls: 8.125, Obj: 145.5}},
			{Run: Run{Name: "bce", Hyp: base, File: "hyps/bce.yaml", Data: "hard"}, Seeds: seeds(0.2, 0.3, 0.4)},
		},
		Seeds: 3, Schedule: DefaultSchedule, Data: []string{"synthetic"}, Models: []string{"models/synth.yaml"}, Machine: "2 cores", Backend: "go",
		Date: "2026-11-30", ImagesDir: "experiment",
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"## easy/default (baseline: bce)",
		"| bce | (baseline) | 0.600 ± 0.100 | 0.600, 0.500, 0.700 |  | 0.300 ± 0.050 | 0.300, 0.250, 0.350 |  | 10.0 |",
		"| focal | fl_gamma 1.5 | 0.400 ± 0.100 | 0.400, 0.300, 0.500 | **-0.200 [-0.200, -0.200]** | 0.200 ± 0.050 | 0.200, 0.150, 0.250 | **-0.100 [-0.100, -0.100]** | 10.0 |",
		"| focal-matched | fl_gamma 1.5; cls gain ×8.125, obj gain ×145.5 (matched) | 0.567 ± 0.153 | 0.700, 0.400, 0.600 | -0.033 [-0.320, +0.254] | 0.283 ± 0.076 | 0.350, 0.200, 0.300 | -0.017 [-0.160, +0.127] | 10.0 |",
		"## hard/default (baseline: bce)",
		"![easy/default](experiment/easy-default.png)",
		"  - focal-matched (easy/default): cls gain ×8.125, obj gain ×145.5",
		"## The gradient-scale test",
		"- easy/default: focal-matched − focal, Δ mAP@0.5 +0.167 [-0.120, +0.454], Δ mAP@0.5:0.95 +0.083 [-0.060, +0.227]; the gap it would close, focal − bce: Δ mAP@0.5 **-0.200 [-0.200, -0.200]**, of which the mean difference closes 83%",
	} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("report lacks the line %q:\n%s", line, b.String())
		}
	}
	if !strings.Contains(b.String(), "0 of the 24 epochs trained during this call") {
		t.Errorf("report does not say that no epoch was trained:\n%s", b.String())
	}
	if strings.Contains(b.String(), "written by hand") {
		t.Errorf("a report without notes mentions notes:\n%s", b.String())
	}

	// With notes: inserted as they are, after the method and before the
	// first table, with the file named.
	rep.Notes, rep.NotesFile = "## Verdicts\n\nFocal loses.", "hyps/notes.md"
	b.Reset()
	if err := WriteMarkdown(&b, rep); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	notes, method, table := strings.Index(doc, "## Verdicts\n\nFocal loses.\n"), strings.Index(doc, "interval contains 0 is not a finding"), strings.Index(doc, "## easy/default")
	if !(method >= 0 && method < notes && notes < table) || !strings.Contains(doc, "`hyps/notes.md`, written by hand") {
		t.Errorf("notes at %d, method at %d, first table at %d, want method < notes < table and the file named:\n%s", notes, method, table, doc)
	}
	var png bytes.Buffer
	if err := rep.Groups()[0].WritePNG(&png); err != nil || !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) {
		t.Errorf("group PNG: %v", err)
	}
	if err := WriteMarkdown(&b, Report{}); err == nil {
		t.Errorf("a report without outcomes was written")
	}
}

// FuzzReadRuns feeds arbitrary runs files, next to two valid hyp files:
// ReadRuns returns runs or an error, never panics, and every run it returns
// has a name, a hyp, a dataset and a group.
func FuzzReadRuns(f *testing.F) {
	for _, s := range []string{
		"a.yaml\nb.yaml\n", "a.yaml data=hard\nb.yaml data=hard name=m gains=matched\n",
		"# c\n\na.yaml model=m.yaml data=x/data.yaml\n", "a.yaml gains=\n", "a.yaml =x\n", "b.yaml name=\x00\n",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	for name, content := range map[string]string{"a.yaml": baseHyp + "fl_gamma: 0.0\n", "b.yaml": baseHyp + "fl_gamma: 1.5\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, runsFile string) {
		path := filepath.Join(t.TempDir(), "runs.txt")
		if err := os.WriteFile(path, []byte(strings.ReplaceAll(runsFile, "a.yaml", filepath.Join(dir, "a.yaml"))), 0o644); err != nil {
			t.Fatal(err)
		}
		runs, err := ReadRuns(path)
		if err != nil {
			return
		}
		for _, r := range runs {
			if !validName(r.Name) && r.Name != strings.TrimSuffix(filepath.Base(r.File), ".yaml") || r.Hyp == nil || r.Data == "" || r.Group() == "" {
				t.Errorf("run %+v from %q", r, runsFile)
			}
		}
	})
}
