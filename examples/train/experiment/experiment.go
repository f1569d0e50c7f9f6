package experiment

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"

	"github.com/yolo-loss/yololoss/examples/train/dataset"
	"github.com/yolo-loss/yololoss/examples/train/trainer"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
)

// Schedule is what every run of the experiment shares besides the data and
// the model.
type Schedule struct {
	Epochs    int
	Batch     int
	Seed      uint64 // the first seed; seed k of N is Seed+k−1
	Optimizer string
	// NominalBatch is YOLOv5's nbs (trainer.Config.NominalBatch); 0 steps
	// after every batch.
	NominalBatch int
}

// DefaultSchedule is the experiment's full schedule: chosen so that one
// BCE run takes at most 12 minutes on the project's 2-core machine (the
// numbers are in examples/train/BENCHMARKS.md). docs/experiment.md ran its
// 39 runs at half of it (-epochs 4) to fit one session. It takes an optimiser step
// per batch (NominalBatch 0): its learning rate and length were tuned so,
// and YOLOv5's accumulation to a nominal batch of 64 (-nbs 64) leaves a
// quarter of the steps, too few for this schedule (BENCHMARKS.md has both
// results).
var DefaultSchedule = Schedule{Epochs: 8, Batch: 16, Seed: 1, Optimizer: "adam"}

// Data is a dataset's two splits.
type Data struct{ Train, Val *dataset.Split }

// Setup is an experiment: its runs, and what they share.
type Setup struct {
	Runs     []Run
	Seeds    int // each run is trained once per seed Schedule.Seed … Schedule.Seed+Seeds−1
	Schedule Schedule
	Data     map[string]Data       // by Run.Data
	Models   map[string]model.File // by Run.Model ("" the default model): YOLOv5's head or the anchor-free one
	Backend  backends.Backend
	Dir      string    // one run directory per run and seed: Dir/<data>/<model>/<name>/seed-<k>
	Progress io.Writer // the runs' progress lines; nil for none
	Log      io.Writer // a line per epoch and per run; nil for none
}

// Outcome is one run's result over its seeds.
type Outcome struct {
	Run   Run
	Seeds []Seed
	// Matched is the gain multipliers of a gains=matched run (see
	// MatchGains); zero for the others.
	Matched Multipliers
}

// Seed is one seed's training of a run: every row of results.csv, and the
// time its epochs took, validation included.
type Seed struct {
	Seed    uint64
	Rows    []trainer.Row
	Seconds float64
	Dir     string // the run directory, with results.csv and results.png
	Trained int    // epochs this call trained; the rest came from a checkpoint
}

// Final is the seed's last epoch's row.
func (s Seed) Final() trainer.Row { return s.Rows[len(s.Rows)-1] }

// Multipliers are the factors of a gains=matched run's cls and obj gains.
type Multipliers struct{ Cls, Obj float64 }

// RunDir is the run directory of run r and seed k under dir.
func RunDir(dir string, r Run, seed uint64) string {
	return filepath.Join(dir, filepath.FromSlash(r.Group()), r.Name, fmt.Sprintf("seed-%d", seed))
}

// Execute trains every run once per seed, seed after seed (every run's
// first seed, then every run's second, …), so that an experiment stopped
// early has its comparison on fewer seeds rather than on fewer runs. A run
// whose directory holds a checkpoint of the same setup resumes from it (a
// finished run is not trained again), so a stopped experiment continues
// where it stopped and adding a line trains only the new run.
func Execute(s Setup) ([]Outcome, error) {
	if s.Seeds < 1 {
		return nil, fmt.Errorf("experiment: seeds %d is below 1", s.Seeds)
	}
	out := make([]Outcome, len(s.Runs))
	hyps := make([]*hyp.Hyp, len(s.Runs))
	for i, run := range s.Runs {
		out[i].Run = run
		hyps[i] = run.Hyp
		if run.Gains == "matched" {
			m, err := s.match(run)
			if err != nil {
				return nil, fmt.Errorf("run %s: %w", run.Name, err)
			}
			out[i].Matched = m
			h := *run.Hyp
			h.Cls *= m.Cls
			h.Obj *= m.Obj
			hyps[i] = &h
		}
	}
	total := len(s.Runs) * s.Seeds
	for k := range s.Seeds {
		seed := s.Schedule.Seed + uint64(k)
		for i, run := range s.Runs {
			n := k*len(s.Runs) + i + 1
			job := trainer.Job{
				Label:        fmt.Sprintf("run %d/%d %s seed %d (%s)", n, total, run.Name, seed, run.Group()),
				EpochsBefore: (n - 1) * s.Schedule.Epochs, EpochsAfter: (total - n) * s.Schedule.Epochs,
			}
			o, err := s.execute(run, hyps[i], seed, job)
			if err != nil {
				return nil, fmt.Errorf("run %s, seed %d: %w", run.Name, seed, err)
			}
			out[i].Seeds = append(out[i].Seeds, o)
		}
	}
	return out, nil
}

// config is the trainer's configuration of run with hyp h and a seed.
func (s Setup) config(run Run, h *hyp.Hyp, seed uint64) (trainer.Config, Data, error) {
	d, ok := s.Data[run.Data]
	if !ok {
		return trainer.Config{}, Data{}, fmt.Errorf("experiment: no dataset %q", run.Data)
	}
	m, ok := s.Models[run.Model]
	if !ok || (m.V5 == nil) == (m.V8 == nil) {
		return trainer.Config{}, Data{}, fmt.Errorf("experiment: no model %q", run.Model)
	}
	c := trainer.Config{
		Hyp: h, AnchorFree: m.V8, ImgSize: d.Train.Size,
		Epochs: s.Schedule.Epochs, Batch: s.Schedule.Batch, Seed: seed, Optimizer: s.Schedule.Optimizer, NominalBatch: s.Schedule.NominalBatch,
		Dir: RunDir(s.Dir, run, seed), Progress: s.Progress, Log: s.Log,
	}
	if m.V5 != nil {
		c.Detect = *m.V5
	}
	return c, d, nil
}

func (s Setup) execute(run Run, h *hyp.Hyp, seed uint64, job trainer.Job) (Seed, error) {
	cfg, d, err := s.config(run, h, seed)
	if err != nil {
		return Seed{}, err
	}
	cfg.Job = job
	r, err := trainer.New(s.Backend, cfg, d.Train, d.Val)
	if err != nil {
		return Seed{}, err
	}
	if err := r.Resume(); err != nil && !errors.Is(err, trainer.ErrNoCheckpoint) {
		return Seed{}, err
	}
	resumedAt := r.Epoch()
	if s.Log != nil {
		fmt.Fprintf(s.Log, "%s, %s: epoch %d of %d\n", job.Label, filepath.Base(run.File), resumedAt, s.Schedule.Epochs)
	}
	if err := r.Train(); err != nil {
		return Seed{}, err
	}
	rows := r.Rows()
	return Seed{Seed: seed, Rows: rows, Seconds: r.TrainTime().Seconds(), Dir: cfg.Dir,
		Trained: r.Epoch() - resumedAt}, nil
}

// MatchGains is the gradient-scale test's measurement. For a run with
// gains=matched, the multiplier of each of the cls and obj gains is
//
//	m = ‖∂L_BCE/∂x‖₁ / ‖∂L_run/∂x‖₁
//
// over that criterion's outputs (the class columns; the objectness column,
// positives and negatives together) of every cell, where L_BCE is the run's
// loss with fl_gamma 0 (plain BCE, the same gains) and L_run the run's own,
// both on the first training batch of the first seed with the network at its
// initialisation. Multiplied by m, the run's gradient has BCE's size at the
// start; if a criterion's deficit is its scale, the matched run closes the
// gap.
func (s Setup) match(run Run) (Multipliers, error) {
	bce := *run.Hyp
	bce.FlGamma = 0
	var g [2]trainer.GradientL1
	for i, h := range []*hyp.Hyp{&bce, run.Hyp} {
		cfg, d, err := s.config(run, h, s.Schedule.Seed)
		if err != nil {
			return Multipliers{}, err
		}
		cfg.Progress, cfg.Log = nil, nil
		if g[i], err = trainer.FirstBatchGradient(s.Backend, cfg, d.Train, d.Val); err != nil {
			return Multipliers{}, err
		}
	}
	if !(g[1].Cls > 0 && g[1].Obj > 0) {
		return Multipliers{}, fmt.Errorf("experiment: gains=matched: the criterion's gradient is 0 (cls %g, obj %g) on the first batch", g[1].Cls, g[1].Obj)
	}
	return Multipliers{Cls: g[0].Cls / g[1].Cls, Obj: g[0].Obj / g[1].Obj}, nil
}
