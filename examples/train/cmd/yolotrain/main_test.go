package main

import (
	"bytes"
	"os"
	"path/filepath"
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

func wantExit(t *testing.T, what string, code, want int, stderr string) {
	t.Helper()
	if code != want {
		t.Fatalf("%s: exit %d, want %d; stderr:\n%s", what, code, want, stderr)
	}
}

// TestEndToEnd writes a tiny dataset, trains on it, refuses to train over the
// run, resumes it, and runs a two-run experiment that writes its report.
func TestEndToEnd(t *testing.T) {
	inModule(t)
	tmp := t.TempDir()
	data, run := filepath.Join(tmp, "data"), filepath.Join(tmp, "run")
	code, _, stderr := yolotrain(t, "gen", "-o", data, "-train", "4", "-val", "2")
	wantExit(t, "gen", code, 0, stderr)
	code, _, stderr = yolotrain(t, "gen", "-o", data)
	wantExit(t, "gen over a dataset", code, 2, stderr)
	if !strings.Contains(stderr, "already exists") {
		t.Errorf("gen over a dataset: %q", stderr)
	}

	trainArgs := []string{"train", "-data", filepath.Join(data, "data.yaml"), "-o", run, "-epochs", "2", "-batch", "2"}
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
	if err := os.WriteFile(runs, []byte("# two runs\n"+abs(t, "hyps/bce.yaml")+"\n"+abs(t, "hyps/focal.yaml")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, images := filepath.Join(tmp, "docs", "experiment.md"), filepath.Join(tmp, "docs", "experiment")
	code, _, stderr = yolotrain(t, "experiment", "-runs", runs, "-data", data, "-o", filepath.Join(tmp, "exp"),
		"-doc", doc, "-images", images, "-epochs", "1", "-batch", "2")
	wantExit(t, "experiment", code, 0, stderr)
	report, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| bce | (baseline) |", "| focal | fl_gamma 1.5 |", "![focal](experiment/focal.png)"} {
		if !strings.Contains(string(report), s) {
			t.Errorf("report lacks %q:\n%s", s, report)
		}
	}
	for _, name := range []string{"bce.png", "focal.png"} {
		if _, err := os.Stat(filepath.Join(images, name)); err != nil {
			t.Errorf("experiment: %v", err)
		}
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
	}
	for _, tt := range tests {
		code, _, stderr := yolotrain(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tt.name, code, stderr, tt.want)
		}
	}
}
