package trainer

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/internal/atomicfile"
)

// A checkpoint is one gob stream: a checkpointHeader, then the value of each
// variable in Vars, in order, as GoMLX's Tensor.GobSerialize writes it; then
// a trailer, checksumMagic followed by the SHA-256 of every byte before the
// trailer. A checkpoint whose trailer is missing or whose bytes do not hash
// to it is refused before anything is decoded: a damaged file (one flipped
// bit in a weight) would otherwise resume silently with wrong weights. The
// variables are every variable of the context: the weights, the optimiser's
// state (Adam's moments, the step counters) and the learning rate. It is
// written whole or not at all (internal/atomicfile), under a new name per
// epoch, weights/epoch-NNNN.ckpt, after which the older ones are removed.
// GoMLX's checkpoints package writes its files in place, so a crash during a
// save would leave a truncated checkpoint for the next start to load; hence
// this format.
const checkpointFormat = 2

// checksumMagic opens the trailer that ends every checkpoint.
const checksumMagic = "yolotrain-sha256"

// trailerSize is the trailer's length: the magic and a SHA-256.
const trailerSize = len(checksumMagic) + sha256.Size

type checkpointHeader struct {
	Format    int
	Setup     map[string]string // what a resumed run must share with the saved one
	Epoch     int               // epochs completed
	Step      int64             // optimiser steps taken
	TrainTime float64           // seconds
	Rows      []Row
	Engine    engineState    // the YOLOv5 engine's
	EngineV8  *engineStateV8 // the anchor-free engine's; nil for YOLOv5's
	Vars      []varMeta
}

type varMeta struct {
	Scope, Name string
	Trainable   bool
}

// setup is the part of the configuration a checkpoint must match to resume.
func (r *Run) setup() map[string]string {
	c := r.cfg
	return map[string]string{
		"hyp":         string(hyp.Marshal(&r.h)),
		"detect":      r.detectSetup(),
		"imgsz":       fmt.Sprint(c.ImgSize),
		"epochs":      fmt.Sprint(c.Epochs),
		"batch":       fmt.Sprint(c.Batch),
		"seed":        fmt.Sprint(c.Seed),
		"optimizer":   c.Optimizer,
		"autobalance": fmt.Sprint(c.Autobalance),
		"nbs":         fmt.Sprint(c.NominalBatch),
		"images":      fmt.Sprintf("train %d, val %d", r.train.Len(), r.val.Len()),
		"widths":      fmt.Sprint(r.g.net.Widths()),
	}
}

// detectSetup describes the head for the setup: YOLOv5's Detect as before
// the anchor-free head, or the anchor-free head.
func (r *Run) detectSetup() string {
	if a := r.cfg.AnchorFree; a != nil {
		return fmt.Sprintf("anchor-free %+v", *a)
	}
	return fmt.Sprintf("%+v", r.cfg.Detect)
}

// errNoV8State is the error of a checkpoint of the anchor-free head without
// its engine's state.
var errNoV8State = errors.New("checkpoint of the anchor-free head without the loss engine's state")

func checkpointName(epoch int) string { return fmt.Sprintf("epoch-%04d.ckpt", epoch) }

// saveCheckpoint writes the run's state after r.epoch epochs.
func (r *Run) saveCheckpoint() error {
	dir := filepath.Join(r.cfg.Dir, "weights")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	path := filepath.Join(dir, checkpointName(r.epoch))
	err := atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		sum := sha256.New()
		if err := r.encodeCheckpoint(gob.NewEncoder(io.MultiWriter(bw, sum))); err != nil {
			return err
		}
		if _, err := bw.WriteString(checksumMagic); err != nil {
			return err
		}
		if _, err := bw.Write(sum.Sum(nil)); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return err
	}
	old, err := Checkpoints(dir)
	if err != nil {
		return err
	}
	for _, p := range old {
		if p != path {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Run) encodeCheckpoint(enc *gob.Encoder) error {
	h := checkpointHeader{
		Format: checkpointFormat, Setup: r.setup(), Epoch: r.epoch, Step: r.step,
		TrainTime: r.trainTime, Rows: r.rows,
	}
	h.Engine, h.EngineV8 = r.loss.state()
	var vars []*context.Variable
	for v := range r.g.ctx.IterVariables() {
		vars = append(vars, v)
		h.Vars = append(h.Vars, varMeta{Scope: v.Scope(), Name: v.Name(), Trainable: v.Trainable})
	}
	if err := enc.Encode(&h); err != nil {
		return err
	}
	for _, v := range vars {
		t, err := v.Value()
		if err != nil {
			return err
		}
		if err := t.GobSerialize(enc); err != nil {
			return fmt.Errorf("checkpoint: variable %s: %w", v.ParameterName(), err)
		}
	}
	return nil
}

// Checkpoints returns the checkpoint files in the folder dir (a run's
// weights folder), oldest first.
func Checkpoints(dir string) ([]string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "epoch-[0-9][0-9][0-9][0-9].ckpt"))
	sort.Strings(m)
	return m, err
}

// ErrNoCheckpoint is returned by Resume when the run directory has none.
var ErrNoCheckpoint = errors.New("trainer: no checkpoint to resume from")

// Resume loads the latest checkpoint of the run directory into r: weights,
// optimiser state, the engine's state, the epoch and step counters and the
// results so far, and rewrites results.csv and results.png from them. The
// checkpoint must come from a run of the same setup.
func (r *Run) Resume() error {
	all, err := Checkpoints(filepath.Join(r.cfg.Dir, "weights"))
	if err != nil {
		return err
	}
	if len(all) == 0 {
		return ErrNoCheckpoint
	}
	if err := r.load(all[len(all)-1]); err != nil {
		return err
	}
	return r.writeResults()
}

// ErrDamagedCheckpoint is wrapped by the error of Resume for a checkpoint
// whose checksum does not match its contents, or that has none.
var ErrDamagedCheckpoint = errors.New("damaged checkpoint")

// readCheckpoint returns the checkpoint's contents without the trailer, after
// checking them against it.
func readCheckpoint(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	n := len(b) - trailerSize
	if n < 0 || string(b[n:n+len(checksumMagic)]) != checksumMagic {
		return nil, fmt.Errorf("%s: %w: no checksum trailer (truncated, or written by an older trainer); train again with -force", path, ErrDamagedCheckpoint)
	}
	want := b[n+len(checksumMagic):]
	if got := sha256.Sum256(b[:n]); !bytes.Equal(got[:], want) {
		return nil, fmt.Errorf("%s: %w: its contents hash to SHA-256 %x, its trailer records %x; restore the file or train again with -force",
			path, ErrDamagedCheckpoint, got, want)
	}
	return b[:n], nil
}

func (r *Run) load(path string) error {
	body, err := readCheckpoint(path)
	if err != nil {
		return err
	}
	dec := gob.NewDecoder(bytes.NewReader(body))
	var h checkpointHeader
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := r.checkSetup(path, h); err != nil {
		return err
	}
	if err := r.loss.restore(h.Engine, h.EngineV8); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	values := make([]*tensors.Tensor, len(h.Vars))
	for i, m := range h.Vars {
		if values[i], err = tensors.GobDeserialize(dec); err != nil {
			return fmt.Errorf("%s: variable %s/%s: %w", path, m.Scope, m.Name, err)
		}
	}
	if err := r.setVariables(h.Vars, values); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	r.epoch, r.step, r.trainTime, r.rows = h.Epoch, h.Step, h.TrainTime, h.Rows
	return nil
}

func (r *Run) checkSetup(path string, h checkpointHeader) error {
	if h.Format != checkpointFormat {
		return fmt.Errorf("%s: checkpoint format %d, want %d", path, h.Format, checkpointFormat)
	}
	want := r.setup()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if h.Setup[k] != want[k] {
			return fmt.Errorf("%s: saved with %s %s, this run has %s", path, k, h.Setup[k], want[k])
		}
	}
	return nil
}

// setVariables gives each saved variable its value, creating those the
// context does not have yet (the optimiser's, before its first step).
func (r *Run) setVariables(meta []varMeta, values []*tensors.Tensor) error {
	ctx := r.g.ctx.Checked(false)
	for i, m := range meta {
		v := ctx.GetVariableByScopeAndName(m.Scope, m.Name)
		if v == nil {
			ctx.InAbsPath(m.Scope).VariableWithValue(m.Name, values[i]).SetTrainable(m.Trainable)
			continue
		}
		if !v.Shape().Equal(values[i].Shape()) {
			return fmt.Errorf("variable %s: saved shape %s, the network's %s", v.ParameterName(), values[i].Shape(), v.Shape())
		}
		if err := v.SetValue(values[i]); err != nil {
			return err
		}
	}
	return nil
}

// saveOutputs saves a checkpoint after an epoch, then rewrites results.csv
// and results.png. The checkpoint comes first: it holds the rows, and Resume
// rewrites both files from them, so a run stopped between the writes loses
// nothing, and a run folder without a checkpoint holds no finished epoch.
func (r *Run) saveOutputs() error {
	if err := r.saveCheckpoint(); err != nil {
		return err
	}
	return r.writeResults()
}

// writeResults rewrites results.csv and results.png from the rows so far.
func (r *Run) writeResults() error {
	err := atomicfile.Replace(filepath.Join(r.cfg.Dir, "results.csv"), func(w io.Writer) error {
		return writeResultsCSV(w, r.rows, r.objName())
	})
	if err != nil {
		return err
	}
	err = atomicfile.Replace(filepath.Join(r.cfg.Dir, "results.png"), func(w io.Writer) error {
		return writeResultsPNG(w, filepath.Base(r.cfg.Dir), r.rows, r.objName())
	})
	return err
}
