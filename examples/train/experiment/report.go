package experiment

import (
	"fmt"
	"io"
	"math"
	"path"
	"strings"
	"text/template"

	"github.com/yolo-loss/yololoss/examples/train/trainer"
)

// Report is what the experiment's Markdown report says.
type Report struct {
	Outcomes  []Outcome
	RunsFile  string // the runs file, as given
	Command   string // the command line that wrote the report; "" for yolotrain experiment -runs RunsFile -seeds Seeds
	Seeds     int
	Schedule  Schedule
	Data      []string // each dataset, in words
	Models    []string // each model, in words
	Machine   string   // the machine and its load during the call, in words
	Backend   string   // the GoMLX backend
	Date      string
	ImagesDir string // the PNGs' folder, relative to the document
	// Notes is Markdown written by hand from an earlier report of the same
	// runs (the verdicts), inserted as it is before the tables; NotesFile
	// names its file in the report. Empty: no notes.
	Notes, NotesFile string
}

// Group is one group of the report: runs on one dataset and model, the
// first the baseline.
type Group struct {
	Name     string
	Outcomes []Outcome
}

// Groups returns the outcomes by group, in the order of their first run.
func (r Report) Groups() []Group {
	var gs []Group
	for _, o := range r.Outcomes {
		name := o.Run.Group()
		i := len(gs) - 1
		for i >= 0 && gs[i].Name != name {
			i--
		}
		if i < 0 {
			gs = append(gs, Group{Name: name})
			i = len(gs) - 1
		}
		gs[i].Outcomes = append(gs[i].Outcomes, o)
	}
	return gs
}

// PNGName is the file name of the group's curves.
func (g Group) PNGName() string { return strings.ReplaceAll(g.Name, "/", "-") + ".png" }

// row is one line of a group's table.
type row struct {
	Name, Keys                      string
	MAP50, MAP50Seeds, MAP50Diff    string
	MAP, MAPSeeds, MAPDiff, Minutes string
}

// metric is one of the two metrics the tables give.
type metric func(trainer.Row) float64

func map50(r trainer.Row) float64  { return r.MAP50 }
func mapAll(r trainer.Row) float64 { return r.MAP }

// finals returns the metric of each seed's last epoch.
func (o Outcome) finals(m metric) []float64 {
	v := make([]float64, len(o.Seeds))
	for i, s := range o.Seeds {
		v[i] = m(s.Final())
	}
	return v
}

func meanStdText(xs []float64) string {
	mean, std := meanStd(xs)
	if math.IsNaN(std) {
		return fmt.Sprintf("%.3f", mean)
	}
	return fmt.Sprintf("%.3f ± %.3f", mean, std)
}

func seedsText(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(s, ", ")
}

// diffText is a paired difference with its interval, in bold where the
// interval excludes 0.
func diffText(iv Interval) string {
	if iv.N < 2 {
		return fmt.Sprintf("%+.3f (one seed: no interval)", iv.Mean)
	}
	s := fmt.Sprintf("%+.3f [%+.3f, %+.3f]", iv.Mean, iv.Lo, iv.Hi)
	if !iv.Contains0() {
		s = "**" + s + "**"
	}
	return s
}

func (g Group) rows() []row {
	base := g.Outcomes[0]
	out := make([]row, len(g.Outcomes))
	for i, o := range g.Outcomes {
		keys, d50, d := "(baseline)", "", ""
		if i > 0 {
			keys = strings.Join(Diff(base.Run.Hyp, o.Run.Hyp), ", ")
			if o.Run.Gains == "matched" {
				keys += fmt.Sprintf("; cls gain ×%.4g, obj gain ×%.4g (matched)", o.Matched.Cls, o.Matched.Obj)
			}
			d50 = diffText(paired(base.finals(map50), o.finals(map50)))
			d = diffText(paired(base.finals(mapAll), o.finals(mapAll)))
		}
		var secs float64
		for _, s := range o.Seeds {
			secs += s.Seconds
		}
		out[i] = row{
			Name: o.Run.Name, Keys: keys,
			MAP50: meanStdText(o.finals(map50)), MAP50Seeds: seedsText(o.finals(map50)), MAP50Diff: d50,
			MAP: meanStdText(o.finals(mapAll)), MAPSeeds: seedsText(o.finals(mapAll)), MAPDiff: d,
			Minutes: fmt.Sprintf("%.1f", secs/60/float64(max(len(o.Seeds), 1))),
		}
	}
	return out
}

// matched lists the multipliers of the gains=matched runs.
func (r Report) matched() []string {
	var out []string
	for _, o := range r.Outcomes {
		if o.Run.Gains == "matched" {
			out = append(out, fmt.Sprintf("%s (%s): cls gain ×%.4g, obj gain ×%.4g", o.Run.Name, o.Run.Group(), o.Matched.Cls, o.Matched.Obj))
		}
	}
	return out
}

// scaleTests compares each gains=matched run with the run of its group that
// has the same hyp file and its own gains (the run it matches), seed by
// seed: the gradient-scale test. A matched run without such a run is left
// out.
func (r Report) scaleTests() []string {
	var out []string
	for _, g := range r.Groups() {
		base := g.Outcomes[0]
		for _, m := range g.Outcomes {
			if m.Run.Gains != "matched" {
				continue
			}
			for _, u := range g.Outcomes {
				if u.Run.Gains != "" || u.Run.File != m.Run.File || u.Run.Name == base.Run.Name {
					continue
				}
				gap := paired(base.finals(map50), u.finals(map50))
				closed := paired(u.finals(map50), m.finals(map50))
				line := fmt.Sprintf("%s: %s − %s, Δ mAP@0.5 %s, Δ mAP@0.5:0.95 %s; the gap it would close, %s − %s: Δ mAP@0.5 %s",
					g.Name, m.Run.Name, u.Run.Name, diffText(closed), diffText(paired(u.finals(mapAll), m.finals(mapAll))),
					u.Run.Name, base.Run.Name, diffText(gap))
				if gap.Mean < 0 {
					line += fmt.Sprintf(", of which the mean difference closes %.0f%%", -100*closed.Mean/gap.Mean)
				}
				out = append(out, line)
			}
		}
	}
	return out
}

// trained says how many of the epochs reported this call trained.
func (r Report) trained() string {
	n, all := 0, 0
	for _, o := range r.Outcomes {
		for _, s := range o.Seeds {
			n += s.Trained
			all += len(s.Rows)
		}
	}
	if n == all {
		return "every epoch trained during this call"
	}
	return fmt.Sprintf("%d of the %d epochs trained during this call, the others earlier (their times are from their checkpoints)", n, all)
}

type groupView struct {
	Name, Baseline, PNG string
	Rows                []row
}

// WriteMarkdown writes the report as Markdown.
func WriteMarkdown(w io.Writer, r Report) error {
	if len(r.Outcomes) == 0 {
		return fmt.Errorf("experiment: no outcomes to report")
	}
	for _, o := range r.Outcomes {
		if len(o.Seeds) == 0 {
			return fmt.Errorf("experiment: run %s has no seed to report", o.Run.Name)
		}
	}
	var gv []groupView
	for _, g := range r.Groups() {
		gv = append(gv, groupView{Name: g.Name, Baseline: g.Outcomes[0].Run.Name, PNG: path.Join(r.ImagesDir, g.PNGName()), Rows: g.rows()})
	}
	return reportTemplate.Execute(w, struct {
		Report
		Groups  []groupView
		Matched []string
		Trained string
		Last    uint64
		Scale   []string
	}{r, gv, r.matched(), r.trained(), r.Schedule.Seed + uint64(r.Seeds) - 1, r.scaleTests()})
}

var reportTemplate = template.Must(template.New("report").Parse(`# Experiment: BCE, focal and varifocal loss by mAP over seeds, in a Go trainer

Written by ` + "`{{if .Command}}{{.Command}}{{else}}yolotrain experiment -runs {{.RunsFile}} -seeds {{.Seeds}}{{end}}`" + ` in examples/train on {{.Date}}.
Each run is trained {{.Seeds}} times, with seeds {{.Schedule.Seed}} to {{.Last}}: the seed sets the
weight initialisation and the order of the images; the dataset is shared.
Runs on the same dataset and model form a group, whose first run is its
baseline; a run differs from its baseline only in the hyp keys of the second
column (and, for a matched run, in the two gains given there).

- Data:{{range .Data}}
  - {{.}}{{end}}
- Models:{{range .Models}}
  - {{.}}{{end}}
- Schedule: {{.Schedule.Epochs}} epochs, batch {{.Schedule.Batch}}, {{.Schedule.Optimizer}}, {{if .Schedule.NominalBatch}}gradients accumulated to YOLOv5's nominal batch of {{.Schedule.NominalBatch}} (weight decay scaled as YOLOv5 scales it){{else}}an optimiser step per batch{{end}}; YOLOv5's linear learning-rate schedule and warm-up from the hyp file; gains scaled as YOLOv5's train.py scales them (the anchor-free head's taken as they are, as ultralytics does); no augmentation
- Validation: val.py's chain at its settings (conf 0.001, IoU 0.6, multi-label, 300 detections), through this library's decode, NMS and metrics; for the anchor-free head, ultralytics' validator's (decode.AnchorFree, then NMS at conf 0.001, IoU 0.7, multi-label, 300 detections); the numbers are the last epoch's
- Machine: {{.Machine}}; GoMLX backend ` + "`{{.Backend}}`" + `; {{.Trained}}
{{- if .Matched}}
- Matched gains (the ratio of the L1 norms of the criterion's gradient under BCE and under the run's criterion, on the first training batch of seed {{.Schedule.Seed}} at initialisation):{{range .Matched}}
  - {{.}}{{end}}
{{- end}}

Each metric is given as the mean ± the standard deviation over the seeds,
then each seed's value, then the paired difference from the group's baseline
(the mean over seeds of run − baseline for the same seed) with its 95%
interval from Student's t over the per-seed differences. **A difference whose
interval contains 0 is not a finding**: the seeds alone could have produced
it. Differences whose interval excludes 0 are in bold. Time is the
wall-clock minutes per seed, validation included, on a machine shared with
other work: compare it between runs with care.
{{- if .Notes}}

_The next section is ` + "`{{.NotesFile}}`" + `, written by hand from the tables and curves
after it; everything else in this report is written by the tool._

{{.Notes}}
{{- end}}
{{range .Groups}}
## {{.Name}} (baseline: {{.Baseline}})

| run | hyp keys changed | mAP@0.5 | per seed | Δ mAP@0.5 [95%] | mAP@0.5:0.95 | per seed | Δ mAP@0.5:0.95 [95%] | min/seed |
|---|---|---|---|---|---|---|---|---|
{{range .Rows}}| {{.Name}} | {{.Keys}} | {{.MAP50}} | {{.MAP50Seeds}} | {{.MAP50Diff}} | {{.MAP}} | {{.MAPSeeds}} | {{.MAPDiff}} | {{.Minutes}} |
{{end}}
Validation mAP per epoch: each run's mean over the seeds, with a band from
the lowest to the highest seed.

![{{.Name}}]({{.PNG}})
{{end}}
{{- if .Scale}}
## The gradient-scale test

Each matched run against the run it matches (the same hyp file with its own
gains), paired seed by seed like the tables' differences, beside that run's
gap to its group's baseline. If the criterion's deficit were its gradient's
scale, the first difference would be about minus the gap and its interval
would exclude 0.
{{range .Scale}}
- {{.}}{{end}}
{{end}}
## What synthetic data can and cannot tell

The easy images are made to be learnable: four flat shapes in uniform colours
that contrast with their background by construction, square boxes, classes
drawn uniformly, at most six objects and 30% overlap, exact labels, and a
validation set drawn from the same generator as the training set. The hard
set (package synth's Hard spec) adds what focal loss was designed for: small
objects among four times the anchor positions, unlabelled distractors and
textured clutter, and one class about 20× rarer than the most common.

It can tell whether a loss trains a detector at all in a Go trainer, whether
its gradient stays finite over a whole run, and how the losses rank under one
short schedule and one small model, with the spread between seeds measured.

It cannot tell which loss wins on real data: no synthetic set has real
occlusion, label noise or the long tail of real classes. Run the same
comparison on your own data (the runs file takes a data.yaml and a model per
run) before choosing a loss.
`))
