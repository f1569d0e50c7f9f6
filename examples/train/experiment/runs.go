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

// Run is one line of the runs file: a hyp file, the dataset and model it
// trains on, and the name of its run.
type Run struct {
	Name  string // the hyp file's base name without .yaml ("bce", "focal", …), or the line's name=
	Hyp   *hyp.Hyp
	File  string // the hyp file's path
	Data  string // a synth spec name ("easy", "hard") or a data.yaml's path; default "easy"
	Model string // a model file's path; "" for the experiment's default model
	// Gains is "" or "matched": the cls and obj gains multiplied by the ratio
	// of the L1 norms of the criterion's gradient under BCE and under the
	// hyp's own criterion (see MatchGains).
	Gains string
}

// Group is the dataset and the model of the run: runs of one group are
// compared with the group's first run, its baseline.
func (r Run) Group() string {
	m := r.Model
	if m == "" {
		m = "default"
	}
	return baseName(r.Data) + "/" + baseName(m)
}

// baseName is a dataset's or model's short name: a spec name as it is, a
// data.yaml by its folder's name, a model file by its base name.
func baseName(s string) string {
	if filepath.Base(s) == "data.yaml" {
		s = filepath.Dir(s)
	}
	return strings.TrimSuffix(filepath.Base(s), filepath.Ext(s))
}

// ReadRuns reads a runs file: one run per line, blank lines and lines
// starting with # skipped. A line is a hyp file, then options as key=value:
//
//	focal.yaml                         the hyp file, on the easy dataset and the default model
//	focal.yaml data=hard               on the hard synthetic dataset
//	focal.yaml data=my/data.yaml model=my.yaml name=focal-mine
//	focal.yaml name=focal-matched gains=matched
//
// Paths are absolute or relative to the runs file's folder. Every hyp file
// is parsed strictly; names must be distinct within a group (dataset and
// model); and a run may differ from its group's first run only in the loss
// keys the experiment compares (Compared): a schedule or gain edited in one
// file only is an error naming the key.
func ReadRuns(file string) ([]Run, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var runs []Run
	rel := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(filepath.Dir(file), p)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fields := strings.Fields(s)
		path := rel(fields[0])
		h, err := hyp.Load(path)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", file, line, err)
		}
		r := Run{Name: strings.TrimSuffix(filepath.Base(fields[0]), filepath.Ext(fields[0])), Hyp: h, File: path, Data: "easy"}
		for _, f := range fields[1:] {
			k, v, ok := strings.Cut(f, "=")
			if !ok || v == "" {
				return nil, fmt.Errorf("%s: line %d: %q is not key=value", file, line, f)
			}
			switch k {
			case "data":
				if strings.ContainsAny(v, `/\`) || strings.HasSuffix(v, ".yaml") {
					v = rel(v)
				}
				r.Data = v
			case "model":
				r.Model = rel(v)
			case "name":
				if !validName(v) {
					return nil, fmt.Errorf("%s: line %d: name=%q: a run's name is its folder's: letters, digits, '.', '-' and '_', not . or ..", file, line, v)
				}
				r.Name = v
			case "gains":
				if v != "matched" {
					return nil, fmt.Errorf("%s: line %d: gains=%s, want gains=matched", file, line, v)
				}
				r.Gains = v
			default:
				return nil, fmt.Errorf("%s: line %d: unknown option %q (want data, model, name or gains)", file, line, k)
			}
		}
		if slices.ContainsFunc(runs, func(o Run) bool { return o.Name == r.Name && o.Group() == r.Group() }) {
			return nil, fmt.Errorf("%s: line %d: a second run named %q in group %s", file, line, r.Name, r.Group())
		}
		if i := slices.IndexFunc(runs, func(o Run) bool { return o.Group() == r.Group() }); i >= 0 {
			if k := firstUncompared(runs[i].Hyp, h); k != "" {
				return nil, fmt.Errorf("%s: line %d: %s differs from %s in %q, which the experiment holds fixed", file, line, fields[0], runs[i].File, k)
			}
		} else if r.Gains != "" {
			return nil, fmt.Errorf("%s: line %d: gains=matched on a group's first run, its baseline", file, line)
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

// validName reports whether s can name a run's folder: letters, digits,
// '.', '-' and '_', and not "." or "..".
func validName(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
