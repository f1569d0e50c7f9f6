package labels

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/target"
)

// FuzzParse checks the line parser through Parse: it never panics; under
// Skip every non-blank line is either a label that passes
// target.CheckLabel or a dropped *LineError with its line and column;
// Strict fails exactly when Skip drops a row, with Skip's first problem;
// and the labels, written back as Write writes them, read back unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"0 0.5 0.5 0.1 0.1\n",
		"0 0.5 0.5 0.1 0.1\r\n1 0.25 0.75 1 1",
		"0 0.5 0.5 0.1 0.1\r1 0.25 0.75 1 1\r\r\n\n\r2 0.5 0.5",
		"\n\n  \t\n2 1 0 1e-05 1\n",
		"0 0.5 0.5 0.1\n",
		"0 0.1 0.1 0.2 0.1 0.2 0.2\n",
		"1.5 0.5 0.5 0.1 0.1\n",
		"2.0000001 0.5 0.5 0.1 0.1\n",
		"-0 0.5 0.5 0.1 0.1\n0 0.5 0.5 0.1 0.1\n",
		"0 nan inf -inf 1e400\n",
		"0x1 0.5 0.5 0.1 1_0\n",
		"0 0.5 0.5 0 0.1\n",
		"\xff 0.5 0.5 0.1 0.1\n",
		"0\u00a00.5 0.5 0.1 0.1\n",
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, image uint8) {
		const nc = 3
		skip, err := Parse(data, "f.txt", int(image), nc, Skip)
		if err != nil {
			t.Fatalf("Parse(Skip): %v", err)
		}
		// Python's splitlines at CRLF, LF and CR: the same lines as
		// turning each line end into a LF and splitting there.
		lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n"), "\n")
		nonBlank := 0
		for _, l := range lines {
			if len(strings.Fields(l)) > 0 {
				nonBlank++
			}
		}
		if got := len(skip.Labels) + len(skip.Dropped); got != nonBlank {
			t.Errorf("%d labels + %d dropped, want %d non-blank lines", len(skip.Labels), len(skip.Dropped), nonBlank)
		}
		for _, l := range skip.Labels {
			if err := target.CheckLabel(l, int(image)+1, nc); err != nil || l[0] != float64(image) {
				t.Errorf("label %v of image %d: %v", l, image, err)
			}
		}
		for _, e := range skip.Dropped {
			if e.Line < 1 || e.Line > len(lines) || e.Column < 0 || e.Column > 5 || e.Image != int(image) ||
				!strings.HasPrefix(e.Error(), "labels: f.txt:") || len(strings.Fields(lines[e.Line-1])) == 0 {
				t.Errorf("dropped %#v: line, column, image or message out of place", e)
			}
		}
		checkStrict(t, data, int(image), skip)
		var out []byte
		for _, l := range skip.Labels {
			out = appendLine(out, l)
		}
		again, err := Parse(out, "", int(image), nc, Strict)
		if err != nil {
			t.Fatalf("the labels written back do not parse: %v\n%s", err, out)
		}
		if diff := cmp.Diff(skip.Labels, again.Labels); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	})
}

// checkStrict checks that Strict fails exactly when Skip dropped a row.
func checkStrict(t *testing.T, data []byte, image int, skip Result) {
	t.Helper()
	strict, err := Parse(data, "f.txt", image, 3, Strict)
	if len(skip.Dropped) == 0 {
		if err != nil {
			t.Fatalf("Strict: %v; Skip dropped nothing", err)
		}
		if diff := cmp.Diff(skip.Labels, strict.Labels); diff != "" {
			t.Errorf("Strict and Skip labels differ (-skip +strict):\n%s", diff)
		}
		return
	}
	if err == nil || err.Error() != skip.Dropped[0].Error() {
		t.Errorf("Strict error %v, want Skip's first %v", err, skip.Dropped[0])
	}
}
