package experiment

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/yolo-loss/yololoss/hyp"
)

// Run is one line of the runs file: a hyp file and the name of its run.
type Run struct {
	Name string // the hyp file's base name without .yaml: "bce", "focal", …
	Hyp  *hyp.Hyp
	File string // the hyp file's path
}

// ReadRuns reads a runs file: one hyp file per line, absolute or relative
// to the runs file's folder; blank lines and lines starting with # are skipped. Every hyp
// file is parsed strictly, names must be distinct, and the runs may differ
// from the first only in the loss keys the experiment compares (Compared):
// a schedule or gain edited in one file only is an error naming the key.
func ReadRuns(file string) ([]Run, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var runs []Run
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		path := s
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(file), s)
		}
		h, err := hyp.Load(path)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", file, line, err)
		}
		name := strings.TrimSuffix(filepath.Base(s), filepath.Ext(s))
		if slices.ContainsFunc(runs, func(r Run) bool { return r.Name == name }) {
			return nil, fmt.Errorf("%s: line %d: a second run named %q", file, line, name)
		}
		r := Run{Name: name, Hyp: h, File: path}
		if len(runs) > 0 {
			if k := firstUncompared(runs[0].Hyp, h); k != "" {
				return nil, fmt.Errorf("%s: line %d: %s differs from %s in %q, which the experiment holds fixed", file, line, s, runs[0].File, k)
			}
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("%s: no runs", file)
	}
	return runs, sc.Err()
}

// Compared are the hyp keys in which runs may differ: the criteria, where
// they apply, the class targets and the box loss.
var Compared = []string{
	"fl_gamma", "fl_alpha", "fl_type", "fl_apply", "cls_iou_target",
	"iou_type", "iou_alpha", "iou_focal_gamma", "iou_inner_ratio",
	"wiou_version", "wiou_alpha", "wiou_delta", "wiou_momentum", "shape_iou_scale",
}

// hypValues returns hyp.Marshal(h)'s keys in order and their values.
func hypValues(h *hyp.Hyp) (keys []string, values map[string]string) {
	values = map[string]string{}
	for _, line := range strings.Split(string(hyp.Marshal(h)), "\n") {
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			k = strings.TrimSpace(k)
			keys = append(keys, k)
			values[k] = strings.TrimSpace(v)
		}
	}
	return keys, values
}

// Diff lists the keys whose values differ between base and h, as "key value"
// with h's value ("key (default)" for a key h leaves at its default), in
// hyp.Marshal's order.
func Diff(base, h *hyp.Hyp) []string {
	baseKeys, a := hypValues(base)
	keys, b := hypValues(h)
	for _, k := range baseKeys {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	var out []string
	for _, k := range keys {
		vb, ok := b[k]
		switch {
		case !ok:
			out = append(out, k+" (default)")
		case a[k] != vb:
			out = append(out, k+" "+vb)
		}
	}
	return out
}

// firstUncompared returns a key outside Compared whose value differs between
// a and b, or "".
func firstUncompared(a, b *hyp.Hyp) string {
	for _, d := range Diff(a, b) {
		if k, _, _ := strings.Cut(d, " "); !slices.Contains(Compared, k) {
			return k
		}
	}
	return ""
}
