package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yolo-loss/yololoss/examples/train/experiment"
	"github.com/yolo-loss/yololoss/examples/train/synth"
	"github.com/yolo-loss/yololoss/internal/atomicfile"
	"github.com/yolo-loss/yololoss/model"
)

func experimentCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("experiment", flag.ContinueOnError)
	var tf trainFlags
	tf.register(fs)
	runsFile := fs.String("runs", "hyps/experiment.txt", "runs file: one run per line, a hyp file and options data=, model=, name=, gains=")
	seeds := fs.Int("seeds", 3, "train each run once per seed, from -seed on")
	data := fs.String("data", "data", "folder of the synthetic datasets (a run's data=easy is <data>/synth-easy), each written first if it has no data.yaml")
	out := fs.String("dir", "runs/experiment", "folder of the run directories")
	doc := fs.String("o", "", "the report (Markdown) to write; its PNGs go to the folder of its name without .md\n"+
		"(default <dir>/experiment.md, rewritten by each call)")
	force := fs.Bool("force", false, "replace the report -o and its PNGs if they exist")
	retrain := fs.Bool("retrain", false, "train every run again, removing its run directories in -dir first")
	notesFile := fs.String("notes", "", "Markdown written by hand (the verdicts), put into the report before its tables")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	notes, err := readNotes(*notesFile)
	if err != nil {
		return inputError{err}
	}
	if *seeds < 1 {
		return inputError{fmt.Errorf("-seeds %d is below 1", *seeds)}
	}
	if *doc == "" {
		*doc = filepath.Join(*out, "experiment.md")
	} else if err := checkReport(*doc, *force); err != nil {
		return err
	}
	images := strings.TrimSuffix(*doc, filepath.Ext(*doc))
	runs, err := experiment.ReadRuns(*runsFile)
	if err != nil {
		return inputError{err}
	}
	d, b, err := tf.open()
	if err != nil {
		return err
	}
	for i := range runs {
		if runs[i].Model == "" {
			runs[i].Model = tf.model
		}
	}
	setup := experiment.Setup{
		Runs: runs, Seeds: *seeds, Schedule: tf.schedule(), Data: map[string]experiment.Data{},
		Models: map[string]model.File{tf.model: d}, Backend: b, Dir: *out, Progress: stderr, Log: stdout,
	}
	var dataText, models []string
	models = append(models, fmt.Sprintf("`examples/train/%s` (the default): a plain convolutional backbone and %s",
		filepath.ToSlash(tf.model), modelText(d)))
	for _, r := range runs {
		if _, ok := setup.Models[r.Model]; !ok {
			m, err := loadModel(r.Model)
			if err != nil {
				return err
			}
			setup.Models[r.Model] = m
			models = append(models, fmt.Sprintf("`%s`: the same backbone and %s", r.Model, modelText(m)))
		}
	}
	for _, r := range runs {
		if _, ok := setup.Data[r.Data]; ok {
			continue
		}
		dataYAML, spec := r.Data, synth.Config{}
		if filepath.Base(r.Data) != "data.yaml" {
			if spec, err = synth.Spec(r.Data); err != nil {
				return inputError{fmt.Errorf("%s: data=%s: want a spec (%s) or a path to a data.yaml", *runsFile, r.Data, strings.Join(synth.Specs, ", "))}
			}
			dir := filepath.Join(*data, "synth-"+r.Data)
			dataYAML = filepath.Join(dir, "data.yaml")
			if err := ensureDataset(dir, dataYAML, spec, stdout); err != nil {
				return err
			}
		}
		tr, va, err := loadData(dataYAML, setup.Models[r.Model])
		if err != nil {
			return err
		}
		setup.Data[r.Data] = experiment.Data{Train: tr, Val: va}
		dataText = append(dataText, describeData(r.Data, dataYAML, spec, tr.Len(), va.Len()))
	}
	if *retrain {
		if err := removeRuns(setup); err != nil {
			return err
		}
	}
	loadStart := loadAverage()
	outcomes, err := experiment.Execute(setup)
	if err != nil {
		return err
	}
	rep := experiment.Report{
		Outcomes: outcomes, RunsFile: *runsFile, Seeds: *seeds, Schedule: setup.Schedule,
		Command: strings.Join(append([]string{"yolotrain", "experiment"}, args...), " "),
		Data:    dataText, Models: models,
		Machine: fmt.Sprintf("%s, %d cores; load average %s at the start of the call, %s at its end", cpuModel(), runtime.NumCPU(), loadStart, loadAverage()),
		Backend: tf.backend, Date: time.Now().UTC().Format("2006-01-02"),
		ImagesDir: relPath(filepath.Dir(*doc), images),
		Notes:     notes, NotesFile: filepath.ToSlash(*notesFile),
	}
	if err := writeReport(rep, *doc, images); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s written, with %d PNGs in %s\n", *doc, len(rep.Groups()), images)
	return nil
}

// maxNotesBytes bounds the notes file: a page of verdicts, not a dataset.
const maxNotesBytes = 1 << 20

// readNotes reads the -notes file ("" for none), before any training, so
// that a wrong path fails at once: at most maxNotesBytes of UTF-8 text,
// without its surrounding blank lines.
func readNotes(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("-notes: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxNotesBytes+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("-notes %s: %w", path, err)
	case len(b) > maxNotesBytes:
		return "", fmt.Errorf("-notes %s: over %d bytes; the notes are a page of verdicts", path, maxNotesBytes)
	case !utf8.Valid(b):
		return "", fmt.Errorf("-notes %s: not UTF-8 text", path)
	}
	return strings.TrimSpace(string(b)), nil
}

// checkReport refuses, before any training, a report path -o that exists
// without -force, that is a folder, or whose folder is missing.
func checkReport(doc string, force bool) error {
	fi, err := os.Stat(doc)
	switch {
	case err == nil && fi.IsDir():
		return inputError{fmt.Errorf("-o %s: is a folder", doc)}
	case err == nil && !force:
		return inputError{fmt.Errorf("-o %s: the file already exists; not overwriting it (-force replaces it)", doc)}
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return err
	}
	if fi, err := os.Stat(filepath.Dir(doc)); err != nil || !fi.IsDir() {
		return inputError{fmt.Errorf("-o %s: folder %s does not exist", doc, filepath.Dir(doc))}
	}
	return nil
}

// removeRuns removes the run directories of the setup's runs and seeds, and
// nothing else.
func removeRuns(s experiment.Setup) error {
	for _, r := range s.Runs {
		for k := range s.Seeds {
			if err := os.RemoveAll(experiment.RunDir(s.Dir, r, s.Schedule.Seed+uint64(k))); err != nil {
				return err
			}
		}
	}
	return nil
}

func ensureDataset(dir, dataYAML string, c synth.Config, stdout io.Writer) error {
	if _, err := os.Stat(dataYAML); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fmt.Fprintf(stdout, "writing the synthetic dataset to %s\n", dir)
	if err := synth.Write(dir, c, false); err != nil {
		return inputError{err}
	}
	return nil
}

// describeData says what a dataset is, for the report.
func describeData(name, dataYAML string, c synth.Config, train, val int) string {
	if c.Size == 0 {
		return fmt.Sprintf("`%s`: %d training and %d validation images", dataYAML, train, val)
	}
	s := fmt.Sprintf("%s: the synthetic dataset of package synth (%d training and %d validation images, %d×%d RGB, "+
		"%s on textured backgrounds, %d to %d objects of side %d to %d px, seeds %d and %d",
		name, train, val, c.Size, c.Size, strings.Join(synth.Names[:], ", "), c.MinObjects, c.MaxObjects, c.MinSide, c.MaxSide, c.TrainSeed, c.ValSeed)
	if c.MaxDistractors > 0 || c.MaxClutter > 0 {
		s += fmt.Sprintf("; %d to %d unlabelled distractors and %d to %d clutter patches per image", c.MinDistractors, c.MaxDistractors, c.MinClutter, c.MaxClutter)
	}
	if c.ClassWeights != [synth.NC]float64{} {
		s += fmt.Sprintf("; class weights %v", c.ClassWeights)
	}
	return s + "), read back from its YOLOv5 files"
}

// writeReport writes each group's curves to images/<group>.png, then the
// report.
func writeReport(rep experiment.Report, doc, images string) error {
	if err := os.MkdirAll(images, 0o755); err != nil {
		return err
	}
	for _, g := range rep.Groups() {
		if err := atomicfile.Replace(filepath.Join(images, g.PNGName()), g.WritePNG); err != nil {
			return err
		}
	}
	return atomicfile.Replace(doc, func(w io.Writer) error { return experiment.WriteMarkdown(w, rep) })
}

func relPath(from, to string) string {
	r, err := filepath.Rel(from, to)
	if err != nil {
		return filepath.ToSlash(to)
	}
	return filepath.ToSlash(r)
}

// cpuModel is the processor's name from /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// loadAverage is the 1-, 5- and 15-minute load average, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
