package experiment

import (
	"fmt"
	"io"
	"path"
	"strings"
	"text/template"
)

// Report is what docs/experiment.md says.
type Report struct {
	Outcomes  []Outcome
	RunsFile  string // the runs file, as given
	Schedule  Schedule
	Data      string // the dataset, in words
	Model     string // the model file
	Machine   string // the machine and its load during the call, in words
	Backend   string // the GoMLX backend
	Date      string
	ImagesDir string // the PNGs' folder, relative to the document
}

// row is one line of the table.
type row struct {
	Name, Keys, File               string
	MAP50, MAP, P, R, Minutes, Per string
	PNG                            string
}

func (r Report) rows() []row {
	out := make([]row, len(r.Outcomes))
	base := r.Outcomes[0].Run.Hyp
	for i, o := range r.Outcomes {
		keys := "(baseline)"
		if i > 0 {
			keys = strings.Join(Diff(base, o.Run.Hyp), ", ")
		}
		f := o.Final
		out[i] = row{
			Name: o.Run.Name, Keys: keys, File: path.Base(o.Run.File),
			MAP50: fmt.Sprintf("%.3f", f.MAP50), MAP: fmt.Sprintf("%.3f", f.MAP),
			P: fmt.Sprintf("%.3f", f.P), R: fmt.Sprintf("%.3f", f.R),
			Minutes: fmt.Sprintf("%.1f", o.Seconds/60), Per: fmt.Sprintf("%.0f", o.Seconds/float64(len(o.Rows))),
			PNG: path.Join(r.ImagesDir, o.Run.Name+".png"),
		}
	}
	return out
}

// trained says how many of the epochs reported this call trained.
func (r Report) trained() string {
	n, all := 0, 0
	for _, o := range r.Outcomes {
		n += o.Trained
		all += len(o.Rows)
	}
	if n == all {
		return "every epoch trained during this call"
	}
	return fmt.Sprintf("%d of the %d epochs trained during this call, the others earlier (their times are from their checkpoints)", n, all)
}

// WriteMarkdown writes the report as Markdown.
func WriteMarkdown(w io.Writer, r Report) error {
	if len(r.Outcomes) == 0 {
		return fmt.Errorf("experiment: no outcomes to report")
	}
	return reportTemplate.Execute(w, struct {
		Report
		Rows    []row
		Trained string
	}{r, r.rows(), r.trained()})
}

var reportTemplate = template.Must(template.New("report").Parse(`# Experiment: BCE, focal and varifocal loss by mAP, in a Go trainer

Written by ` + "`yolotrain experiment -runs {{.RunsFile}}`" + ` in examples/train on {{.Date}}
(` + "`make experiment`" + ` runs every run of hyps/experiment.txt). Every run trains the same
network from the same seed on the same schedule; only the hyp keys in the second
column differ from the first run's.

- Data: {{.Data}}
- Model: ` + "`{{.Model}}`" + `: a plain convolutional backbone and a Detect head on P3/8 and P4/16, three anchors each
- Schedule: {{.Schedule.Epochs}} epochs, batch {{.Schedule.Batch}}, {{.Schedule.Optimizer}}, seed {{.Schedule.Seed}}; YOLOv5's linear learning-rate schedule and warm-up from the hyp file; gains scaled as YOLOv5's train.py scales them; no augmentation
- Validation: val.py's chain at its settings (conf 0.001, IoU 0.6, multi-label, 300 detections), through this library's decode, NMS and metrics; the numbers are the last epoch's
- Machine: {{.Machine}}; GoMLX backend ` + "`{{.Backend}}`" + `; {{.Trained}}

| run | hyp keys changed | mAP@0.5 | mAP@0.5:0.95 | P | R | time (min) | s/epoch |
|---|---|---|---|---|---|---|---|
{{range .Rows}}| {{.Name}} | {{.Keys}} | {{.MAP50}} | {{.MAP}} | {{.P}} | {{.R}} | {{.Minutes}} | {{.Per}} |
{{end}}
Time is the wall-clock time of the epochs, validation included, on a machine
shared with other work: compare it between runs with care.

## What synthetic data can and cannot tell

The images are made to be learnable: four flat shapes in uniform colours that
contrast with their background by construction, square boxes, classes drawn
uniformly, at most six objects and 30% overlap, exact labels, and a validation
set drawn from the same generator as the training set.

It can tell whether a loss trains a detector at all in a Go trainer, whether
its gradient stays finite over a whole run, and how the losses rank under one
short schedule, one seed and one small model on easy, balanced data.

It cannot tell which loss wins on real data. Focal loss was designed for a
foreground-background imbalance of about 1:1000 with many hard negatives, and
varifocal loss for ranking dense detections by their localisation quality;
here a 64×64 image has 240 anchor positions for 1 to 6 objects, the background
is an easy texture, and there are no rare classes, occlusion, clutter or label
noise. Nor does it tell how large a difference must be to matter: each run was
made once, from one seed, and the spread between seeds was not measured, so a
difference of a few points of mAP may be noise. Run the same comparison on
your own data (the runs file is a list of hyp files) before choosing a loss.

## Curves

Losses (training solid, validation dashed) and validation metrics per epoch.
{{range .Rows}}
### {{.Name}} (` + "`{{.File}}`" + `)

![{{.Name}}]({{.PNG}})
{{end}}`))
