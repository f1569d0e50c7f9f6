package experiment

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"

	"github.com/yolo-loss/yololoss/examples/train/dataset"
	"github.com/yolo-loss/yololoss/examples/train/trainer"
	"github.com/yolo-loss/yololoss/model"
)

// Schedule is what every run of the experiment shares besides the data and
// the model.
type Schedule struct {
	Epochs    int
	Batch     int
	Seed      uint64
	Optimizer string
}

// DefaultSchedule is the schedule of docs/experiment.md: chosen so that one
// BCE run takes at most 12 minutes on the project's 2-core machine (the
// numbers are in examples/train/BENCHMARKS.md).
var DefaultSchedule = Schedule{Epochs: 8, Batch: 16, Seed: 1, Optimizer: "adam"}

// Setup is an experiment: its runs, and what they share.
type Setup struct {
	Runs       []Run
	Schedule   Schedule
	Detect     model.Detect
	Train, Val *dataset.Split
	Backend    backends.Backend
	Dir        string    // one run directory per run: Dir/<name>
	Progress   io.Writer // progress bars; nil for none
	Log        io.Writer // a line per epoch and per run; nil for none
}

// Outcome is a run's result: its last epoch's row of results.csv and the
// time its epochs took, validation included.
type Outcome struct {
	Run     Run
	Final   trainer.Row
	Rows    []trainer.Row
	Seconds float64
	Dir     string // the run directory, with results.csv and results.png
	Trained int    // epochs this call trained; the rest came from a checkpoint
}

// Execute trains the runs one after the other. A run whose directory holds a
// checkpoint of the same setup resumes from it (a finished run is not
// trained again), so adding a line to the runs file trains only the new run.
func Execute(s Setup) ([]Outcome, error) {
	out := make([]Outcome, 0, len(s.Runs))
	for _, run := range s.Runs {
		o, err := s.execute(run)
		if err != nil {
			return out, fmt.Errorf("run %s: %w", run.Name, err)
		}
		out = append(out, o)
	}
	return out, nil
}

func (s Setup) execute(run Run) (Outcome, error) {
	dir := filepath.Join(s.Dir, run.Name)
	cfg := trainer.Config{
		Hyp: run.Hyp, Detect: s.Detect, ImgSize: s.Train.Size,
		Epochs: s.Schedule.Epochs, Batch: s.Schedule.Batch, Seed: s.Schedule.Seed, Optimizer: s.Schedule.Optimizer,
		Dir: dir, Progress: s.Progress, Log: s.Log,
	}
	r, err := trainer.New(s.Backend, cfg, s.Train, s.Val)
	if err != nil {
		return Outcome{}, err
	}
	if err := r.Resume(); err != nil && !errors.Is(err, trainer.ErrNoCheckpoint) {
		return Outcome{}, err
	}
	resumedAt := r.Epoch()
	if s.Log != nil {
		fmt.Fprintf(s.Log, "run %s (%s): epoch %d of %d\n", run.Name, run.File, resumedAt, s.Schedule.Epochs)
	}
	if err := r.Train(); err != nil {
		return Outcome{}, err
	}
	rows := r.Rows()
	return Outcome{Run: run, Final: rows[len(rows)-1], Rows: rows, Seconds: r.TrainTime().Seconds(), Dir: dir,
		Trained: r.Epoch() - resumedAt}, nil
}
