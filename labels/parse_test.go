package labels_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/labels"
	"github.com/yolo-loss/yololoss/target"
)

// dropped formats the problems of a read as their messages.
func dropped(es []*labels.LineError) []string {
	var s []string
	for _, e := range es {
		s = append(s, e.Error())
	}
	return s
}

func TestParse(t *testing.T) {
	const nc = 3
	for _, tc := range []struct {
		name    string
		data    string
		image   int
		want    []target.Label
		dropped []string // under Skip; the first is the error under Strict
		column  int      // the column of the first problem
	}{
		{name: "empty", data: ""},
		{name: "blank lines", data: "\n  \n\t\n"},
		{name: "one row", data: "2 0.5 0.25 0.1 0.2\n", image: 3,
			want: []target.Label{{3, 2, 0.5, 0.25, 0.1, 0.2}}},
		{name: "no final newline, CRLF, tabs, blank lines between", data: "0 0.5 0.5 0.1 0.1\r\n\r\n1\t1 0 1 1", image: 0,
			want: []target.Label{{0, 0, 0.5, 0.5, 0.1, 0.1}, {0, 1, 1, 0, 1, 1}}},
		{name: "lone CR line ends, as Python's splitlines", data: "0 0.5 0.5 0.1 0.1\r1 0.25 0.75 0.2 0.2\r", image: 1,
			want: []target.Label{{1, 0, 0.5, 0.5, 0.1, 0.1}, {1, 1, 0.25, 0.75, 0.2, 0.2}}},
		{name: "CR, CRLF and LF mixed: line numbers count each", data: "0 0.5 0.5 0.1 0.1\r\r\n1 0.5 0.5 0.1\n\r2 0.5 0.5 0.1 0.1\r0 0.5",
			want:    []target.Label{{0, 0, 0.5, 0.5, 0.1, 0.1}, {0, 2, 0.5, 0.5, 0.1, 0.1}},
			dropped: []string{"labels: a.txt:3: 4 fields, want 5 (class x y w h)", "labels: a.txt:6: 2 fields, want 5 (class x y w h)"}},
		{name: "a CR inside a line ends it", data: "0 0.5 0.5\r0.1 0.1\n",
			dropped: []string{"labels: a.txt:1: 3 fields, want 5 (class x y w h)", "labels: a.txt:2: 2 fields, want 5 (class x y w h)"}},
		{name: "class written as a float, exponents", data: "1.0 5e-1 .25 1E-2 1.\n",
			want: []target.Label{{0, 1, 0.5, 0.25, 0.01, 1}}},
		{name: "too few fields", data: "0 0.5 0.5 0.1 0.1\n1 0.5 0.5 0.1\n",
			want:    []target.Label{{0, 0, 0.5, 0.5, 0.1, 0.1}},
			dropped: []string{"labels: a.txt:2: 4 fields, want 5 (class x y w h)"}},
		{name: "image index in the file", data: "0 1 0.5 0.5 0.1 0.1\n",
			dropped: []string{"labels: a.txt:1: 6 fields, want 5 (class x y w h)"}},
		{name: "polygon", data: "0 0.1 0.1 0.2 0.1 0.2 0.2\n",
			dropped: []string{"labels: a.txt:1: 7 fields, want 5 (class x y w h): a polygon (segment) row, which is not read"}},
		{name: "not a number", data: "0 0.5 abc 0.1 0.1\n",
			dropped: []string{`labels: a.txt:1: y (column 3) = "abc" is not a number`}, column: 3},
		{name: "hexadecimal", data: "0x1 0.5 0.5 0.1 0.1\n",
			dropped: []string{`labels: a.txt:1: class (column 1) = "0x1" is not a decimal number`}, column: 1},
		{name: "underscore", data: "0 0.5 0.5 0.1 1_0\n",
			dropped: []string{`labels: a.txt:1: h (column 5) = "1_0" is not a decimal number`}, column: 5},
		{name: "beyond float64", data: "0 0.5 0.5 1e400 0.1\n",
			dropped: []string{`labels: a.txt:1: w (column 4) = "1e400" is beyond the float64 range`}, column: 4},
		{name: "class not an integer", data: "1.5 0.5 0.5 0.1 0.1\n",
			dropped: []string{"labels: a.txt:1: class (column 1) = 1.5 is not an integer in [0, 3)"}, column: 1},
		{name: "class just above an integer", data: "2.0000001 0.5 0.5 0.1 0.1\n",
			dropped: []string{"labels: a.txt:1: class (column 1) = 2.0000001 is not an integer in [0, 3)"}, column: 1},
		{name: "class out of range", data: "3 0.5 0.5 0.1 0.1\n",
			dropped: []string{"labels: a.txt:1: class (column 1) = 3 is not an integer in [0, 3)"}, column: 1},
		{name: "negative class", data: "-1 0.5 0.5 0.1 0.1\n",
			dropped: []string{"labels: a.txt:1: class (column 1) = -1 is not an integer in [0, 3)"}, column: 1},
		{name: "centre outside", data: "0 1.5 0.5 0.1 0.1\n",
			dropped: []string{"labels: a.txt:1: x (column 2) = 1.5 is not in [0, 1]"}, column: 2},
		{name: "zero size", data: "0 0.5 0.5 0 0.1\n",
			dropped: []string{"labels: a.txt:1: w (column 4) = 0 is not in (0, 1]"}, column: 4},
		{name: "NaN", data: "0 0.5 0.5 0.1 nan\n",
			dropped: []string{"labels: a.txt:1: h (column 5) = NaN is not finite"}, column: 5},
		{name: "duplicate", data: "0 0.5 0.5 0.1 0.1\n1 0.5 0.5 0.1 0.1\n0 0.50 0.5 0.1 1e-1\n",
			want:    []target.Label{{0, 0, 0.5, 0.5, 0.1, 0.1}, {0, 1, 0.5, 0.5, 0.1, 0.1}},
			dropped: []string{"labels: a.txt:3: duplicate of line 1 (YOLOv5 drops it)"}},
		{name: "an invalid row is no original for a duplicate", data: "0 0.5 0.5 0.1 2\n0 0.5 0.5 0.1 2\n",
			dropped: []string{"labels: a.txt:1: h (column 5) = 2 is not in (0, 1]", "labels: a.txt:2: h (column 5) = 2 is not in (0, 1]"}, column: 5},
		{name: "good rows kept around bad ones", data: "0 0.5 0.5 0.1 0.1\n\n9 0.5 0.5 0.1 0.1\n2 0.1 0.9 0.2 0.2\n0 0.5 0.5 0.1\n", image: 1,
			want: []target.Label{{1, 0, 0.5, 0.5, 0.1, 0.1}, {1, 2, 0.1, 0.9, 0.2, 0.2}},
			dropped: []string{
				"labels: a.txt:3: class (column 1) = 9 is not an integer in [0, 3)",
				"labels: a.txt:5: 4 fields, want 5 (class x y w h)",
			}, column: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skip, err := labels.Parse([]byte(tc.data), "a.txt", tc.image, nc, labels.Skip)
			if err != nil {
				t.Fatalf("Parse(Skip): %v", err)
			}
			if diff := cmp.Diff(tc.want, skip.Labels); diff != "" {
				t.Errorf("Skip: labels mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.dropped, dropped(skip.Dropped)); diff != "" {
				t.Errorf("Skip: dropped mismatch (-want +got):\n%s", diff)
			}
			strict, err := labels.Parse([]byte(tc.data), "a.txt", tc.image, nc, labels.Strict)
			if len(tc.dropped) == 0 {
				if err != nil {
					t.Fatalf("Parse(Strict): %v", err)
				}
				if diff := cmp.Diff(tc.want, strict.Labels); diff != "" {
					t.Errorf("Strict: labels mismatch (-want +got):\n%s", diff)
				}
				return
			}
			var le *labels.LineError
			if !errors.As(err, &le) || err.Error() != tc.dropped[0] {
				t.Fatalf("Parse(Strict) error %v, want the *LineError %q", err, tc.dropped[0])
			}
			if le.Column != tc.column || le.Image != tc.image || le.File != "a.txt" {
				t.Errorf("Strict error column %d image %d file %q, want %d, %d, a.txt", le.Column, le.Image, le.File, tc.column, tc.image)
			}
			if strict.Labels != nil {
				t.Errorf("Strict returned labels with its error: %v", strict.Labels)
			}
		})
	}
}

func TestParseLabelErrorUnwraps(t *testing.T) {
	_, err := labels.Parse([]byte("0 0.5 0.5 0.1 0.1\n7 0.5 0.5 0.1 0.1\n"), "", 0, 3, labels.Strict)
	var te *target.LabelError
	if !errors.As(err, &te) || te.Column != 1 || te.Value != 7 {
		t.Fatalf("error %v does not unwrap to the class column's *target.LabelError", err)
	}
	if want := "labels: line 2: class (column 1) = 7 is not an integer in [0, 3)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		name      string
		image, nc int
		p         labels.Policy
		want      string
	}{
		{"nc 0", 0, 0, labels.Strict, "labels: nc = 0, want ≥ 1"},
		{"negative image", -1, 3, labels.Skip, "labels: image index -1, want ≥ 0"},
		{"unknown policy", 0, 3, labels.Policy(7), "labels: unknown policy Policy(7)"},
	} {
		r, err := labels.Parse([]byte("0 0.5 0.5 0.1 0.1\n"), "a.txt", tc.image, tc.nc, tc.p)
		if err == nil || err.Error() != tc.want || r.Labels != nil {
			t.Errorf("%s: Parse = %v, %v; want no labels and %q", tc.name, r.Labels, err, tc.want)
		}
	}
}
