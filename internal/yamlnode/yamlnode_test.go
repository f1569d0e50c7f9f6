package yamlnode

import (
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
