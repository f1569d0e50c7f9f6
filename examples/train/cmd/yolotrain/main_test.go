package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// inModule moves the test to the module's folder, where the defaults' paths
// point.
func inModule(t *testing.T) { t.Chdir(filepath.Join("..", "..")) }

// yolotrain runs the command and returns its exit status and output.
func yolotrain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// genData writes the easy synthetic set with train and val images to dir
// through yolotrain gen and returns its data.yaml.
func genData(t *testing.T, dir string, train, val int) string {
	t.Helper()
	code, _, stderr := yolotrain(t, "gen", "-o", dir, "-train", strconv.Itoa(train), "-val", strconv.Itoa(val))
	wantExit(t, "gen", code, 0, stderr)
	return filepath.Join(dir, "data.yaml")
}

func wantExit(t *testing.T, what string, code, want int, stderr string) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: exit %d, want %d; stderr:\n%s", what, code, want, stderr)
	}
}

// TestEndToEnd writes a tiny dataset, trains on it, refuses to train over the
// run, resumes it, and refuses an experiment whose report -o exists, before
// training (TestExperimentSeeds runs one).
func TestEndToEnd(t *testing.T) {
	inModule(t)
	tmp := t.TempDir()
	data, run := filepath.Join(tmp, "data"), filepath.Join(tmp, "run")
	dataYAML := genData(t, data, 4, 2)
	code, _, stderr := yolotrain(t, "gen", "-o", data)
	wantExit(t, "gen over a dataset", code, 2, stderr)
	if !strings.Contains(stderr, "already exists") {
		t.Errorf("gen over a dataset: %q", stderr)
	}

	trainArgs := []string{"train", "-data", dataYAML, "-o", run, "-epochs", "2", "-batch", "2"}
	code, stdout, stderr := yolotrain(t, trainArgs...)
	wantExit(t, "train", code, 0, stderr)
	if n := strings.Count(stdout, "epoch "); n != 2 {
		t.Errorf("train printed %d epoch lines, want 2:\n%s", n, stdout)
	}
	for _, f := range []string{"results.csv", "results.png", "weights/epoch-0002.ckpt"} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Errorf("train: %v", err)
		}
	}
	code, _, stderr = yolotrain(t, trainArgs...)
	wantExit(t, "train over a run", code, 2, stderr)
	code, stdout, stderr = yolotrain(t, append(trainArgs, "-resume")...)
	wantExit(t, "resume a finished run", code, 0, stderr)
	if !strings.Contains(stdout, "after epoch 2 of 2") {
		t.Errorf("resume: %q", stdout)
	}

	runs := filepath.Join(tmp, "runs.txt")
	if err := os.WriteFile(runs, []byte("# two runs\n"+abs(t, "hyps/bce.yaml")+" data="+dataYAML+"\n"+
		abs(t, "hyps/focal.yaml")+" data="+dataYAML+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join(tmp, "committed.md")
	if err := os.WriteFile(committed, []byte("the committed report\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	expArgs := []string{"experiment", "-runs", runs, "-dir", filepath.Join(tmp, "exp"), "-seeds", "1", "-epochs", "1", "-batch", "2"}
	code, _, stderr = yolotrain(t, append(expArgs, "-o", committed)...)
	wantExit(t, "experiment over an existing report", code, 2, stderr)
	if b, _ := os.ReadFile(committed); string(b) != "the committed report\n" || !strings.Contains(stderr, "-force replaces it") {
		t.Errorf("experiment -o over an existing report: %q, report now %q", stderr, b)
	}
	if _, err := os.Stat(filepath.Join(tmp, "exp")); err == nil {
		t.Errorf("experiment refused its report only after training")
	}
}

func abs(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsageErrors(t *testing.T) {
	inModule(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "usage: yolotrain"},
		{"unknown subcommand", []string{"fit"}, `unknown subcommand "fit"`},
		{"bad flag", []string{"train", "-epochs", "x"}, "invalid value"},
		{"missing hyp", []string{"train", "-hyp", "no-such.yaml"}, "no-such.yaml"},
		{"xla not compiled in", []string{"train", "-backend", "xla:cuda", "-data", "none.yaml"}, `backend "xla" is not compiled in (build with -tags xla`},
		{"resume and force", []string{"train", "-resume", "-force"}, "exclude each other"},
		{"missing notes", []string{"experiment", "-notes", "no-such-notes.md"}, "-notes: open no-such-notes.md"},
	}
	for _, tt := range tests {
		code, _, stderr := yolotrain(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tt.name, code, stderr, tt.want)
		}
	}
}

// helpFlags reads the flag names and descriptions from a flag package usage.
func helpFlags(usage string) map[string]string {
	flags := map[string]string{}
	last := ""
	re := regexp.MustCompile(`^  -([a-z0-9-]+)`)
	for _, line := range strings.Split(usage, "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			last = m[1]
			flags[last] = strings.TrimSpace(line[len(m[0]):])
		} else if last != "" && strings.HasPrefix(line, "    \t") {
			flags[last] += " " + strings.TrimSpace(line)
		}
	}
	return flags
}

// TestFlagGrammar walks `yolotrain -h` and every subcommand's -h: each exits
// 0, and each subcommand names its output -o and has -force, which replaces
// what -o names; none has another name for the output.
func TestFlagGrammar(t *testing.T) {
	inModule(t)
	for _, h := range []string{"-h", "-help", "--help", "help"} {
		code, stdout, stderr := yolotrain(t, h)
		if code != 0 || !strings.Contains(stdout+stderr, "usage: yolotrain") {
			t.Errorf("yolotrain %s: exit %d, output %q", h, code, stdout+stderr)
		}
	}
	_, top, _ := yolotrain(t, "-h")
	subs := regexp.MustCompile(`(?m)^  yolotrain ([a-z]+) `).FindAllStringSubmatch(top, -1)
	var names []string
	for _, s := range subs {
		names = append(names, s[1])
	}
	if want := []string{"gen", "train", "experiment"}; !slices.Equal(names, want) {
		t.Fatalf("yolotrain -h lists %v, want %v:\n%s", names, want, top)
	}
	want := map[string][]string{
		"gen":        {"o", "force", "train", "val"},
		"train":      {"o", "force", "resume", "data", "hyp", "model", "epochs", "batch", "nbs", "seed", "optimizer", "backend", "autobalance"},
		"experiment": {"o", "force", "runs", "seeds", "dir", "retrain", "notes", "data", "model", "epochs", "batch", "nbs", "seed", "optimizer", "backend"},
	}
	for _, sub := range names {
		code, stdout, stderr := yolotrain(t, sub, "-h")
		if code != 0 {
			t.Fatalf("%s -h: exit %d: %s", sub, code, stderr)
		}
		usage := stdout + stderr
		if !strings.Contains(usage, "usage: yolotrain "+sub) {
			t.Errorf("%s -h has no usage line:\n%s", sub, usage)
		}
		flags := helpFlags(usage)
		for _, f := range want[sub] {
			if _, ok := flags[f]; !ok {
				t.Errorf("%s -h lacks -%s:\n%s", sub, f, usage)
			}
		}
		if !strings.Contains(flags["force"], "replace") {
			t.Errorf("%s: -force %q does not say it replaces", sub, flags["force"])
		}
		for _, banned := range []string{"out", "output", "doc", "images"} {
			if _, ok := flags[banned]; ok {
				t.Errorf("%s has -%s; the grammar's output is -o", sub, banned)
			}
		}
	}
}

// TestRerunAfterInterruptedFirstEpoch: a run stopped during its first epoch
// leaves no checkpoint; running it again without -force must start it
// (nothing finished is lost), and -resume must say why it cannot resume.
func TestRerunAfterInterruptedFirstEpoch(t *testing.T) {
	inModule(t)
	tmp := t.TempDir()
	dataYAML, run := genData(t, filepath.Join(tmp, "data"), 2, 2), filepath.Join(tmp, "run")
	if err := os.MkdirAll(filepath.Join(run, "weights"), 0o755); err != nil { // what an interrupted first epoch left
		t.Fatal(err)
	}
	args := []string{"train", "-data", dataYAML, "-o", run, "-epochs", "1", "-batch", "2"}
	code, _, stderr := yolotrain(t, append(args, "-resume")...)
	wantExit(t, "-resume without a checkpoint", code, 2, stderr)
	if !strings.Contains(stderr, "without -resume") {
		t.Errorf("-resume without a checkpoint: %q, want a hint to run again without -resume", stderr)
	}
	code, _, stderr = yolotrain(t, args...)
	wantExit(t, "a rerun after an interrupted first epoch", code, 0, stderr)
}

// TestExperimentSeeds is issue 21's acceptance test: a two-run, one-epoch
// runs file over a tiny dataset with -seeds 3. The report has both runs,
// each seed's mAP (as its results.csv has it), the mean ± standard
// deviation and the paired interval against the baseline; a second call
// reuses every checkpoint and trains nothing.
func TestExperimentSeeds(t *testing.T) {
	inModule(t)
	tmp := t.TempDir()
	dataYAML := genData(t, filepath.Join(tmp, "tiny"), 16, 8)
	runs := filepath.Join(tmp, "runs.txt")
	line := func(hyp string) string { return abs(t, hyp) + " data=" + dataYAML + "\n" }
	if err := os.WriteFile(runs, []byte(line("hyps/bce.yaml")+line("hyps/focal.yaml")), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "exp")
	args := []string{"experiment", "-runs", runs, "-dir", dir, "-seeds", "3", "-epochs", "1", "-batch", "16"}
	code, stdout, stderr := yolotrain(t, args...)
	wantExit(t, "experiment -seeds 3", code, 0, stderr)
	if n := strings.Count(stdout, "epoch 1/1"); n != 6 {
		t.Errorf("first call trained %d epochs, want 6 (2 runs × 3 seeds):\n%s", n, stdout)
	}
	report, err := os.ReadFile(filepath.Join(dir, "experiment.md"))
	if err != nil {
		t.Fatal(err)
	}
	rep := string(report)
	for _, name := range []string{"bce", "focal"} {
		row := regexp.MustCompile(`(?m)^\| ` + name + ` \|.*$`).FindString(rep)
		if row == "" {
			t.Fatalf("report has no row for %s:\n%s", name, rep)
		}
		cells := strings.Split(row, "|")
		// | run | keys | mAP@0.5 | per seed | Δ | mAP@0.5:0.95 | per seed | Δ | min |
		if len(cells) != 11 {
			t.Fatalf("%s: %d cells in %q", name, len(cells), row)
		}
		var want []string
		for k := 1; k <= 3; k++ {
			csv, err := os.ReadFile(filepath.Join(dir, "tiny", "synth", name, fmt.Sprintf("seed-%d", k), "results.csv"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.Split(lines[len(lines)-1], ",")[6]), 64)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, fmt.Sprintf("%.3f", v))
		}
		if got := strings.TrimSpace(cells[4]); got != strings.Join(want, ", ") {
			t.Errorf("%s: per-seed mAP@0.5 %q, want the seeds' results.csv values %q", name, got, strings.Join(want, ", "))
		}
		if !strings.Contains(cells[3], " ± ") || !strings.Contains(cells[6], " ± ") {
			t.Errorf("%s: no mean ± std in %q", name, row)
		}
		if name == "focal" && (!regexp.MustCompile(`[+-]\d\.\d{3} \[[+-]\d\.\d{3}, [+-]\d\.\d{3}\]`).MatchString(cells[5]) || !strings.Contains(cells[8], "[")) {
			t.Errorf("focal: no paired interval in %q", row)
		}
	}
	for _, s := range []string{"| bce | (baseline) |", "| focal | fl_gamma 1.5 |", "![tiny/synth](experiment/tiny-synth.png)"} {
		if !strings.Contains(rep, s) {
			t.Errorf("report lacks %q:\n%s", s, rep)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "experiment", "tiny-synth.png")); err != nil {
		t.Errorf("experiment: %v", err)
	}
	if want := "Written by `yolotrain " + strings.Join(args, " ") + "`"; !strings.Contains(rep, want) {
		t.Errorf("report does not give its command line %q", want)
	}
	if !strings.Contains(rep, "A difference whose\ninterval contains 0 is not a finding") {
		t.Errorf("report does not say that an interval containing 0 is not a finding")
	}

	// Again, the report to an existing file named by -o, with -force.
	other := filepath.Join(tmp, "report.md")
	if err := os.WriteFile(other, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(tmp, "notes.md")
	if err := os.WriteFile(notes, []byte("\n## Verdicts\n\nNone on one epoch.\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = yolotrain(t, append(args, "-o", other, "-force", "-notes", notes)...)
	wantExit(t, "experiment again", code, 0, stderr)
	if strings.Contains(stdout, "epoch 1/1:") {
		t.Errorf("the second call trained:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(tmp, "report", "tiny-synth.png")); err != nil {
		t.Errorf("-o report.md: %v", err)
	}
	again, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(again), "\n\n## Verdicts\n\nNone on one epoch.\n\n## tiny/synth") {
		t.Errorf("the second report does not hold the notes before the table:\n%s", again)
	}
	if !strings.Contains(string(again), "0 of the 6 epochs trained during this call") {
		t.Errorf("the second report does not say that nothing was trained:\n%s", again)
	}
}

// TestTrainAnchorFree trains the anchor-free model (models/synth-v8.yaml,
// an ultralytics model file) with an ultralytics config for one epoch on a
// tiny dataset, and refuses a YOLOv5 hyp file for it (naming the key) and an
// end-to-end model file, before training.
func TestTrainAnchorFree(t *testing.T) {
	inModule(t)
	tmp := t.TempDir()
	dataYAML := genData(t, filepath.Join(tmp, "data"), 4, 2)
	args := func(run, hyp, model string) []string {
		return []string{"train", "-data", dataYAML, "-o", filepath.Join(tmp, run), "-epochs", "1", "-batch", "2",
			"-hyp", hyp, "-model", model}
	}
	code, stdout, stderr := yolotrain(t, args("v8", "hyps/v8-bce.yaml", "models/synth-v8.yaml")...)
	wantExit(t, "train the anchor-free model", code, 0, stderr)
	if !strings.Contains(stdout, "epoch 1/1: train box") || !strings.Contains(stdout, " dfl ") {
		t.Errorf("train: %q, want an epoch line with the dfl term", stdout)
	}
	csv, err := os.ReadFile(filepath.Join(tmp, "v8", "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(csv), "train/dfl_loss") || strings.Count(string(csv), "\n") != 2 {
		t.Errorf("results.csv:\n%s", csv)
	}

	code, _, stderr = yolotrain(t, args("v5hyp", "hyps/bce.yaml", "models/synth-v8.yaml")...)
	wantExit(t, "a YOLOv5 hyp for the anchor-free model", code, 2, stderr)
	if !strings.Contains(stderr, "cls_pw") {
		t.Errorf("a YOLOv5 hyp for the anchor-free model: %q, want the key named", stderr)
	}
	e2e := filepath.Join(tmp, "e2e.yaml")
	b, err := os.ReadFile("models/synth-v8.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e2e, append([]byte("end2end: True\n"), b...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = yolotrain(t, args("e2e", "hyps/v8-bce.yaml", e2e)...)
	wantExit(t, "an end-to-end model", code, 2, stderr)
	if !strings.Contains(stderr, "end-to-end") {
		t.Errorf("an end-to-end model: %q", stderr)
	}
	for _, run := range []string{"v5hyp", "e2e"} {
		if _, err := os.Stat(filepath.Join(tmp, run, "results.csv")); err == nil {
			t.Errorf("%s: refused after writing results", run)
		}
	}
}
