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

	"github.com/yolo-loss/yololoss/examples/train/experiment"
	"github.com/yolo-loss/yololoss/examples/train/synth"
	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

func experimentCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("experiment", flag.ContinueOnError)
	var tf trainFlags
	tf.register(fs)
	runsFile := fs.String("runs", "hyps/experiment.txt", "runs file: one hyp file per line")
	data := fs.String("data", "data/synth", "the synthetic dataset's folder, written first if it has no data.yaml")
	out := fs.String("dir", "runs/experiment", "folder of the run directories")
	doc := fs.String("o", "", "the report (Markdown) to write; its PNGs go to the folder of its name without .md\n"+
		"(default <dir>/experiment.md, rewritten by each call)")
	force := fs.Bool("force", false, "replace the report -o and its PNGs if they exist")
	retrain := fs.Bool("retrain", false, "train every run again, removing its run directories in -dir first")
	if err := parse(fs, args, stderr); err != nil {
		return err
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
	dataYAML := filepath.Join(*data, "data.yaml")
	if err := ensureDataset(*data, dataYAML, stdout); err != nil {
		return err
	}
	trainSplit, valSplit, err := loadData(dataYAML, d)
	if err != nil {
		return err
	}
	if *retrain {
		if err := removeRuns(*out, runs); err != nil {
			return err
		}
	}
	loadStart := loadAverage()
	setup := experiment.Setup{
		Runs: runs, Schedule: tf.schedule(), Detect: d, Train: trainSplit, Val: valSplit,
		Backend: b, Dir: *out, Progress: stderr, Log: stdout,
	}
	outcomes, err := experiment.Execute(setup)
	if err != nil {
		return err
	}
	rep := experiment.Report{
		Outcomes: outcomes, RunsFile: *runsFile, Schedule: setup.Schedule,
		Data:    describeData(trainSplit.Len(), valSplit.Len()),
		Model:   "examples/train/" + filepath.ToSlash(tf.model),
		Machine: fmt.Sprintf("%s, %d cores; load average %s at the start of the call, %s at its end", cpuModel(), runtime.NumCPU(), loadStart, loadAverage()),
		Backend: tf.backend, Date: time.Now().UTC().Format("2006-01-02"),
		ImagesDir: relPath(filepath.Dir(*doc), images),
	}
	if err := writeReport(rep, *doc, images); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s written, with %d PNGs in %s\n", *doc, len(outcomes), images)
	return nil
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

// removeRuns removes the run directories of runs in dir, and nothing else.
func removeRuns(dir string, runs []experiment.Run) error {
	for _, r := range runs {
		if err := os.RemoveAll(filepath.Join(dir, r.Name)); err != nil {
			return err
		}
	}
	return nil
}

func ensureDataset(dir, dataYAML string, stdout io.Writer) error {
	if _, err := os.Stat(dataYAML); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fmt.Fprintf(stdout, "writing the synthetic dataset to %s\n", dir)
	if err := synth.Write(dir, synth.Default(), false); err != nil {
		return inputError{err}
	}
	return nil
}

func describeData(train, val int) string {
	c := synth.Default()
	return fmt.Sprintf("the synthetic dataset of package synth (%d training and %d validation images, %d×%d RGB, "+
		"%s on textured backgrounds, %d to %d objects of side %d to %d px, seeds %d and %d), read back from its YOLOv5 files",
		train, val, c.Size, c.Size, strings.Join(synth.Names[:], ", "), c.MinObjects, c.MaxObjects, c.MinSide, c.MaxSide, c.TrainSeed, c.ValSeed)
}

// writeReport replaces the report and copies each run's results.png to
// images/<run>.png.
func writeReport(rep experiment.Report, doc, images string) error {
	if err := os.MkdirAll(images, 0o755); err != nil {
		return err
	}
	for _, o := range rep.Outcomes {
		png, err := os.ReadFile(filepath.Join(o.Dir, "results.png"))
		if err != nil {
			return err
		}
		if err := atomicfile.Replace(filepath.Join(images, o.Run.Name+".png"), func(w io.Writer) error {
			_, err := w.Write(png)
			return err
		}); err != nil {
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
