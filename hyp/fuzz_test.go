package hyp

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/data/hyps"
)

// FuzzParse checks that Parse never panics, that its errors are *Error values
// starting with "hyp: ", that what it accepts passes Validate and survives a
// round trip through Marshal in its format, and that For gives each head a
// Hyp that passes Validate, or an *Error.
func FuzzParse(f *testing.F) {
	for _, name := range hyps.Names() {
		data, err := fs.ReadFile(hyps.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	golden, err := filepath.Glob("../testdata/golden/*/hyp.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range golden[:min(len(golden), 4)] {
		h, err := Load(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(Marshal(h))
	}
	v8, err := filepath.Glob("../testdata/golden-v8/*/hyp.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(v8, "../testdata/ultralytics-8.4.35/default.yaml") {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		// ultralytics' config and files of shared keys.
		"{}",
		"dfl: 2\n",
		"box: 7.5\ncls: 0.5\ndfl: 1.5\nepochs: 3\ntal_topk: 5\n",
		"box: 0.05\ncls: 0.3\n",
		"epochs: 0\n",
		"tal_topk: 2.5\n",
		"dfl: -1\n",
		"dlf: 1\n",
		"batch: [1, 2]\nmodel:\nnbs: 64\nerasing: 0.4\n",
		"nbs: 0\n",
		"box: 7.5\ndfl: 1.5\nobj: 1\n",
		minimal + "dfl: 1.5\n",
		"dfl: 1\nfl_gamma: 2\nfl_type: varifocal\nfl_alpha: 0.75\niou_type: wiou\nwiou_version: 1\n",
		"dfl: 1\nfl_apply: cls\n",
		"epochs: 1e12\n",
		"",
		"# nothing\n",
		"---\n",
		"~",
		"[1, 2]",
		"hello",
		minimal,
		minimal + "fl_type: varifocal\nfl_alpha: 0.75\nlabel_smoothing: 0.1\nanchors: 3\n",
		minimal + "box: 1\n",
		minimal + "fl_gamma: 2\nfl_apply: cls\ncls_iou_target: true\n",
		minimal + "fl_apply: obj\n",
		minimal + "iou_type: ciou\niou_alpha: 3\n",
		minimal + "iou_type: wiou\nwiou_version: 1\nwiou_momentum: 0.5\n",
		minimal + "wiou_version: 2.0\n",
		minimal + "cls_iou_target: yes\n",
		minimal + "fl_gama: 1\n",
		minimal + "fl_type: vfl\n",
		minimal + "fl_type: [focal]\n",
		minimal + "hsv_h: .nan\n",
		minimal + "hsv_h: -.inf\n",
		minimal + "hsv_h: 0x10\n",
		minimal + "hsv_h: 1_000\n",
		minimal + "hsv_h: !!float 1\n",
		minimal + "hsv_h: !!int 1.5\n",
		minimal + "hsv_h: 1e400\n",
		minimal + "hsv_h: -0.0\n",
		minimal + "<<: {lr0: 1}\n",
		minimal + "? [a]\n: 1\n",
		"box: &a 0.05\ncls: *a\ncls_pw: *a\nobj: *a\nobj_pw: *a\nanchor_t: 4\nfl_gamma: *a\n",
		"{box: 0.05, cls: 0.5, cls_pw: 1, obj: 1, obj_pw: 1, anchor_t: 4, fl_gamma: 0}",
		minimal + "---\n" + minimal,
		"box: [0.05\n",
		"\tbox: 1\n",
		"\x00\x01\x02\xff\xfe",
		"box: \xff\n",
		"box: &a [*a]\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := Parse(data)
		if err != nil {
			if h != nil {
				t.Errorf("Parse returned a Hyp and the error %v", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("Parse error is %T, want *Error: %v", err, err)
			}
			if !strings.HasPrefix(err.Error(), "hyp: ") {
				t.Errorf("Parse error %q does not start with %q", err, "hyp: ")
			}
			return
		}
		if err := h.Validate(); err != nil {
			t.Fatalf("Parse accepted a Hyp that Validate rejects: %v", err)
		}
		out := Marshal(h)
		got, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Marshal(h)): %v\n%s", err, out)
		}
		if diff := cmp.Diff(h, got, values); diff != "" {
			t.Errorf("round trip through Marshal mismatch (-want +got):\n%s", diff)
		}
		if got.Format() != h.Format() {
			t.Errorf("Marshal's file read back as a %v, want a %v\n%s", got.Format(), h.Format(), out)
		}
		for _, head := range []Head{HeadV5, HeadV8} {
			c, err := h.For(head)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || !strings.HasPrefix(err.Error(), "hyp: ") {
					t.Errorf("For(%v) error %T %v, want a *Error starting with \"hyp: \"", head, err, err)
				}
				continue
			}
			if err := c.Validate(); err != nil {
				t.Errorf("For(%v) returned a Hyp that Validate rejects: %v", head, err)
			}
		}
	})
}
