package yamlnode

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestDocument(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		nilRoot  bool
		errLine  int
		errMsg   string
	}{
		{name: "empty", in: "", nilRoot: true},
		{name: "comment only", in: "# x\n", nilRoot: true},
		{name: "mapping", in: "a: 1\n"},
		{name: "two documents", in: "a: 1\n---\nb: 2\n", errLine: 2, errMsg: "test file must hold one YAML document, found a second one"},
		{name: "bad YAML", in: "a: [1\n", errMsg: "invalid YAML"},
	} {
		root, err := Document([]byte(tc.in), "test file")
		switch {
		case tc.errMsg != "":
			if err == nil || err.Msg != tc.errMsg || err.Line != tc.errLine {
				t.Errorf("%s: error %+v, want line %d %q", tc.name, err, tc.errLine, tc.errMsg)
			}
		case err != nil:
			t.Errorf("%s: %+v", tc.name, err)
		case (root == nil) != tc.nilRoot:
			t.Errorf("%s: root %v, want nil %v", tc.name, root, tc.nilRoot)
		}
	}
}

func TestScalars(t *testing.T) {
	node := func(s string) *yaml.Node {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte("v: "+s), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Content[0].Content[1]
	}
	for _, tc := range []struct {
		in       string
		num      float64
		isNum    bool
		integer  int
		isInt    bool
		describe string
	}{
		{"1", 1, true, 1, true, "1"},
		{"1.5", 1.5, true, 0, false, "1.5"},
		{"'1.5'", 0, false, 0, false, `"1.5" (a quoted string)`},
		{"abc", 0, false, 0, false, `"abc"`},
		{"true", 0, false, 0, false, "true"},
		{"~", 0, false, 0, false, "null"},
		{"[1]", 0, false, 0, false, "a sequence"},
		{"1e400", 0, false, 0, false, `"1e400" (beyond the float64 range)`},
		{"!!float 2", 2, true, 0, false, `!!float "2"`},
	} {
		n := node(tc.in)
		if v, ok := Number(n); ok != tc.isNum || v != tc.num {
			t.Errorf("Number(%s) = %v, %v; want %v, %v", tc.in, v, ok, tc.num, tc.isNum)
		}
		if v, ok := Integer(n); ok != tc.isInt || v != tc.integer {
			t.Errorf("Integer(%s) = %v, %v; want %v, %v", tc.in, v, ok, tc.integer, tc.isInt)
		}
		if got := Describe(n); got != tc.describe {
			t.Errorf("Describe(%s) = %q, want %q", tc.in, got, tc.describe)
		}
	}
	long := "abcdefghij" + "abcdefghij" + "abcdefghij" + "abcdefghij" + "abcdefghij"
	if got, want := Quote(long), `"abcdefghijabcdefghijabcdefghijabcdefghij"…`; got != want {
		t.Errorf("Quote of 50 letters = %s, want %s", got, want)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, size int) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, bytes.Repeat([]byte("#"), size), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	at := write("at.yaml", 1024)
	over := write("over.yaml", 1025)
	big := write("big.yaml", 2<<20)
	for _, tc := range []struct {
		name, path string
		max        int64
		size       int    // bytes returned, when want is ""
		want       string // error text, "" for none
	}{
		{name: "at the cap", path: at, max: 1024, size: 1024},
		{name: "one byte over", path: over, max: 1024, want: over + " is larger than the 1 KiB cap on YAML files (1025 bytes)"},
		{name: "2 MiB against the default cap", path: big, max: MaxFileSize, want: big + " is larger than the 1 MiB cap on YAML files (2097152 bytes)"},
		{name: "folder", path: dir, max: MaxFileSize, want: dir + " is a folder, not a file"},
		{name: "missing", path: filepath.Join(dir, "none.yaml"), max: MaxFileSize, want: "open " + filepath.Join(dir, "none.yaml") + ": no such file or directory"},
	} {
		data, err := ReadFile(tc.path, tc.max)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("%s: ReadFile error %q, want %q", tc.name, got, tc.want)
		}
		if tc.want == "" && len(data) != tc.size {
			t.Errorf("%s: ReadFile returned %d bytes, want %d", tc.name, len(data), tc.size)
		}
		if tc.want != "" && data != nil {
			t.Errorf("%s: ReadFile returned data with its error", tc.name)
		}
	}
	var se *SizeError
	if _, err := ReadFile(over, 1024); !errors.As(err, &se) || se.Max != 1024 || se.Path != over {
		t.Errorf("ReadFile over the cap: error %#v, want a *SizeError naming the file and the cap", err)
	}
}

// TestShortValues: a value quoted in an error message is cut to 40 runes
// whatever its length, tags included.
func TestShortValues(t *testing.T) {
	huge := strings.Repeat("é", 1<<20)
	if got, want := Quote(huge), strconv.Quote(strings.Repeat("é", 40))+"…"; got != want {
		t.Errorf("Quote of 1 Mi runes = %.60s, want %s", got, want)
	}
	if got := Shorten("short"); got != "short" {
		t.Errorf("Shorten(short) = %q", got)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("v: !"+strings.Repeat("t", 1000)+" x\n"), &doc); err != nil {
		t.Fatal(err)
	}
	if got := Describe(doc.Content[0].Content[1]); len(got) > 100 {
		t.Errorf("Describe of a value with a 1000-character tag is %d bytes long: %.120s", len(got), got)
	}
}
