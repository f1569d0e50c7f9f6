package main

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var line = regexp.MustCompile(`^engine (\d) step (\d+) batch (\d+): (\d+) labels, loss ([0-9.]+) \(box ([0-9.]+) obj ([0-9.]+) cls ([0-9.]+)\) balance \[([0-9.]+) 1\.0000 ([0-9.]+)\]$`)

// TestRun runs the example as CI does: two engines, four steps each, and
// checks what it prints: a finite positive loss per step, the box, obj and
// cls parts adding up to it (× batch size), and the autobalance balance
// moving away from YOLOv5's initial [4, 1, 0.4].
func TestRun(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"-model", "testdata/model.yaml", "-labels", "testdata/labels", "-steps", "4", "-batch", "2"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 8 {
		t.Fatalf("%d lines, want 8:\n%s", len(lines), out.String())
	}
	for i, l := range lines {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q does not read as a step", l)
		}
		f := func(k int) float64 { v, _ := strconv.ParseFloat(m[k], 64); return v }
		if want := strconv.Itoa(i / 4); m[1] != want {
			t.Errorf("line %d is engine %s's, want %s's", i, m[1], want)
		}
		if loss, sum := f(5), 2*(f(6)+f(7)+f(8)); !(loss > 0) || abs(loss-sum) > 2e-3 {
			t.Errorf("%s: loss %v, 2·(box + obj + cls) = %v", l, loss, sum)
		}
		if step := f(2); step > 0 && f(9) == 4 {
			t.Errorf("%s: the balance has not moved from 4 after %v calls", l, step)
		}
	}
}

func TestRunBadModel(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"-model", "testdata/labels/img0.txt", "-labels", "testdata/labels"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "trainer: model: testdata/labels/img0.txt") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
