package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"

	"github.com/yolo-loss/yololoss/examples/train/dataset"
	"github.com/yolo-loss/yololoss/examples/train/experiment"
	"github.com/yolo-loss/yololoss/examples/train/trainer"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
)

// trainFlags are the flags train and experiment share.
type trainFlags struct {
	model, backend string
	sched          experiment.Schedule
	seed           uint64
}

func (f *trainFlags) register(fs *flag.FlagSet) {
	d := experiment.DefaultSchedule
	fs.StringVar(&f.model, "model", "models/synth.yaml", "model file: YOLOv5's (nc and anchors, in pixels, of the Detect head) or ultralytics' (an anchor-free Detect: nc, reg_max, strides)")
	fs.IntVar(&f.sched.Epochs, "epochs", d.Epochs, "epochs")
	fs.IntVar(&f.sched.Batch, "batch", d.Batch, "images per batch (with -nbs, an optimiser step sums several batches)")
	fs.Uint64Var(&f.seed, "seed", d.Seed, "seed of the weights and of the order of the images")
	fs.StringVar(&f.sched.Optimizer, "optimizer", d.Optimizer, "adam or sgd")
	fs.IntVar(&f.sched.NominalBatch, "nbs", d.NominalBatch, "YOLOv5's nominal batch: accumulate the gradients of round(nbs/batch) batches per optimiser step (0: a step per batch)")
	fs.StringVar(&f.backend, "backend", backendFlag(), "GoMLX backend config (default $GOMLX_BACKEND, else go:ops_sequential)")
}

// open reads the model file and starts the backend that the flags name.
func (f *trainFlags) open() (model.File, backends.Backend, error) {
	m, err := loadModel(f.model)
	if err != nil {
		return model.File{}, nil, err
	}
	b, err := newBackend(f.backend)
	if err != nil {
		return model.File{}, nil, err
	}
	return m, b, nil
}

// loadModel reads a model file, YOLOv5's or ultralytics'; an end-to-end
// head (YOLO26, YOLOv10) is refused, as the network has no one-to-one branch.
func loadModel(path string) (model.File, error) {
	m, err := model.LoadFile(path, nil)
	if err != nil {
		return model.File{}, inputError{err}
	}
	if m.V8 != nil && m.V8.End2End {
		return model.File{}, inputError{fmt.Errorf("%s: an end-to-end head (one-to-one branch); the trainer builds only the one-to-many Detect", path)}
	}
	return m, nil
}

// modelText describes a model file's head for the report.
func modelText(m model.File) string {
	if a := m.V8; a != nil {
		return fmt.Sprintf("an anchor-free Detect head (ultralytics'), %d layers, reg_max %d", len(a.Strides), a.RegMax)
	}
	return fmt.Sprintf("a Detect head, %d layers of %d anchors", m.V5.NL(), m.V5.NA())
}

// runConfig is the trainer's configuration of the model's head.
func runConfig(m model.File) trainer.Config {
	if m.V8 != nil {
		return trainer.Config{AnchorFree: m.V8}
	}
	return trainer.Config{Detect: *m.V5}
}

func (f *trainFlags) schedule() experiment.Schedule {
	s := f.sched
	s.Seed = f.seed
	return s
}

// loadData reads a YOLOv5 data.yaml's splits and checks their classes
// against the model's.
func loadData(file string, m model.File) (train, val *dataset.Split, err error) {
	dy, err := dataset.ReadDataYAML(file)
	if err != nil {
		return nil, nil, inputError{err}
	}
	if dy.NC != m.NC() {
		return nil, nil, inputError{fmt.Errorf("%s has nc %d, the model %d", file, dy.NC, m.NC())}
	}
	if train, err = dataset.LoadTraining(dy, dy.Train); err != nil {
		return nil, nil, inputError{err}
	}
	if val, err = dataset.Load(dy, dy.Val); err != nil {
		return nil, nil, inputError{err}
	}
	return train, val, nil
}

func train(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var tf trainFlags
	tf.register(fs)
	data := fs.String("data", "data/synth-easy/data.yaml", "YOLOv5 dataset file (train and val folders of images)")
	hypFile := fs.String("hyp", "hyps/bce.yaml", "hyp file")
	out := fs.String("o", "runs/train", "run directory: results.csv, results.png, weights/")
	autobalance := fs.Bool("autobalance", false, "adapt the per-layer objectness balance (YOLOv5's default: off)")
	resume := fs.Bool("resume", false, "continue the run in -o from its last checkpoint")
	force := fs.Bool("force", false, "replace the run in -o: remove its results and checkpoints, and train from the start")
	if err := parse(fs, args, stderr); err != nil {
		return err
	}
	h, err := hyp.Load(*hypFile)
	if err != nil {
		return inputError{err}
	}
	d, b, err := tf.open()
	if err != nil {
		return err
	}
	if err := prepareRunDir(*out, *resume, *force); err != nil {
		return err
	}
	trainSplit, valSplit, err := loadData(*data, d)
	if err != nil {
		return err
	}
	s := tf.schedule()
	cfg := runConfig(d)
	cfg.Hyp, cfg.ImgSize, cfg.Epochs, cfg.Batch, cfg.Seed = h, trainSplit.Size, s.Epochs, s.Batch, s.Seed
	cfg.Optimizer, cfg.NominalBatch, cfg.Autobalance, cfg.Dir, cfg.Progress, cfg.Log = s.Optimizer, s.NominalBatch, *autobalance, *out, stderr, stdout
	r, err := trainer.New(b, cfg, trainSplit, valSplit)
	if err != nil {
		return inputError{err}
	}
	if *resume {
		if err := r.Resume(); errors.Is(err, trainer.ErrNoCheckpoint) {
			return inputError{fmt.Errorf("%s has no checkpoint: no epoch of that run finished; run again without -resume", *out)}
		} else if err != nil {
			return inputError{err}
		}
		fmt.Fprintf(stdout, "resuming %s after epoch %d of %d\n", *out, r.Epoch(), s.Epochs)
	}
	if err := r.Train(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d epochs in %.1f min; results.csv, results.png and weights/ there\n", *out, s.Epochs, r.TrainTime().Minutes())
	return nil
}

// runOutputs are what a run writes in its directory.
var runOutputs = []string{"results.csv", "results.png", "weights"}

// prepareRunDir refuses to train over an earlier run unless resume (keep it)
// or force (remove its outputs, and nothing else). A weights folder without
// a checkpoint is what a run stopped during its first epoch leaves: nothing
// finished, so nothing to refuse.
func prepareRunDir(dir string, resume, force bool) error {
	if resume && force {
		return inputError{errors.New("-resume and -force exclude each other")}
	}
	for _, name := range runOutputs {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if name == "weights" && !resume && !force {
			if ckpts, err := trainer.Checkpoints(p); err != nil {
				return err
			} else if len(ckpts) == 0 {
				continue
			}
		}
		switch {
		case resume:
			return nil
		case !force:
			return inputError{fmt.Errorf("%s already exists: -resume to continue that run, -force to replace it", p)}
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}
