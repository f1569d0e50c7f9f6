package trainer

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/plot"

	"github.com/yolo-loss/yololoss/examples/train/dataset"
	"github.com/yolo-loss/yololoss/examples/train/net"
	"github.com/yolo-loss/yololoss/examples/train/synth"
	"github.com/yolo-loss/yololoss/hyp"
	"github.com/yolo-loss/yololoss/model"
)

// testHyp is YOLOv5's default hyp with the short test runs' schedule: a
// constant Adam learning rate, no warm-up.
func testHyp(t *testing.T) *hyp.Hyp {
	t.Helper()
	h := hyp.Default()
	h.Lr0, h.Lrf, h.WarmupEpochs, h.WeightDecay = 0.005, 1, 0, 0
	return h
}

func testBackend(t *testing.T) backends.Backend {
	t.Helper()
	b, err := backends.NewWithConfig(net.SequentialBackendConfig)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tinySplits are the first 4 training and 2 validation images of the
// experiment's dataset.
func tinySplits() (train, val *dataset.Split) {
	c := synth.Default()
	c.Train, c.Val = 4, 2
	sp := c.Splits()
	return dataset.FromSynth(c, sp[0]), dataset.FromSynth(c, sp[1])
}

func testConfig(t *testing.T, epochs int) Config {
	t.Helper()
	d, err := model.FromPixels(synth.NC, [][][2]float64{{{8, 8}, {12, 12}, {17, 17}}, {{22, 22}, {30, 30}, {40, 40}}}, []float64{8, 16})
	if err != nil {
		t.Fatal(err)
	}
	return Config{Hyp: testHyp(t), Detect: d, ImgSize: 64, Epochs: epochs, Batch: 2, Seed: 1, Optimizer: "adam", Dir: t.TempDir()}
}

// testHypV8 is ultralytics' defaults with the short test runs' schedule.
func testHypV8(t *testing.T) *hyp.Hyp {
	t.Helper()
	h := hyp.DefaultV8()
	h.Lr0, h.Lrf, h.WarmupEpochs, h.WeightDecay = 0.005, 1, 0, 0
	return h
}

// testConfigV8 is testConfig with the anchor-free model of
// models/synth-v8.yaml (nc from the dataset) and testHypV8.
func testConfigV8(t *testing.T, epochs int) Config {
	t.Helper()
	f, err := model.LoadFile(filepath.Join("..", "models", "synth-v8.yaml"), &model.LoadOptions{NC: synth.NC})
	if err != nil {
		t.Fatal(err)
	}
	if f.V8 == nil {
		t.Fatalf("models/synth-v8.yaml: head %v, want anchor-free", f.Head)
	}
	return Config{Hyp: testHypV8(t), AnchorFree: f.V8, ImgSize: 64, Epochs: epochs, Batch: 2, Seed: 1, Optimizer: "adam", Dir: t.TempDir()}
}

func newRun(t *testing.T, cfg Config) *Run {
	t.Helper()
	train, val := tinySplits()
	r, err := New(testBackend(t), cfg, train, val)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func total(r Row) float64 { return r.TrainBox + r.TrainObj + r.TrainCls }

// trainAndCheckRows trains r to its last epoch and checks its rows: one per
// epoch, the mean training loss of the last epoch below 85% of the first's,
// every loss item finite and not negative (positive, with positive set) and
// every metric in [0, 1]. It returns the rows.
func trainAndCheckRows(t *testing.T, r *Run, positive bool) []Row {
	t.Helper()
	if err := r.Train(); err != nil {
		t.Fatal(err)
	}
	rows := r.Rows()
	if len(rows) != r.cfg.Epochs {
		t.Fatalf("%d rows after %d epochs", len(rows), r.cfg.Epochs)
	}
	first, last := total(rows[0]), total(rows[len(rows)-1])
	t.Logf("training loss %.5f → %.5f over %d steps; last epoch mAP@0.5 %.4f", first, last, r.step, rows[len(rows)-1].MAP50)
	if !(last < 0.85*first) {
		t.Errorf("training loss went from %g to %g, want below 85%% of the start", first, last)
	}
	for _, row := range rows {
		for _, v := range []float64{row.TrainBox, row.TrainObj, row.TrainCls, row.ValBox, row.ValObj, row.ValCls} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || (positive && v == 0) {
				t.Fatalf("epoch %d: loss item %g", row.Epoch, v)
			}
		}
		for _, v := range []float64{row.P, row.R, row.MAP50, row.MAP} {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("epoch %d: metric %g outside [0, 1]", row.Epoch, v)
			}
		}
	}
	return rows
}

// TestTrainLossFalls trains 12 epochs of 2 steps on 4 images: the mean
// training loss of the last epoch must be below 85% of the first's, every
// loss finite, and the metrics in [0, 1].
func TestTrainLossFalls(t *testing.T) {
	cfg := testConfig(t, 12)
	var log bytes.Buffer
	cfg.Log = &log
	r := newRun(t, cfg)
	trainAndCheckRows(t, r, false)
	if n := strings.Count(log.String(), "\n"); n != cfg.Epochs {
		t.Errorf("log has %d lines, want one per epoch (%d)", n, cfg.Epochs)
	}
	for _, f := range []string{"results.csv", "results.png", filepath.Join("weights", checkpointName(cfg.Epochs))} {
		if _, err := os.Stat(filepath.Join(cfg.Dir, f)); err != nil {
			t.Errorf("after training: %v", err)
		}
	}
}

// TestTrainAnchorFree trains the anchor-free model of models/synth-v8.yaml
// with v8loss, 12 epochs of 2 steps on 4 images: the mean training loss
// (box + cls + dfl) of the last epoch must be below 85% of the first's, every
// loss finite and positive (the DFL term in the obj columns), the metrics of
// its validation (decode.AnchorFree, NMS at ultralytics' settings) in [0, 1]
// with some detection matched (mAP@0.5 above 0 at the end), and results.csv
// written with the DFL columns.
func TestTrainAnchorFree(t *testing.T) {
	cfg := testConfigV8(t, 12)
	var log bytes.Buffer
	cfg.Log = &log
	r := newRun(t, cfg)
	if r.loss.v8 == nil || r.loss.v5 != nil {
		t.Fatal("the anchor-free model's run does not use the v8 engine")
	}
	rows := trainAndCheckRows(t, r, true)
	if m := rows[len(rows)-1].MAP50; !(m > 0) {
		t.Errorf("last epoch's mAP@0.5 %g, want above 0", m)
	}
	if s := r.loss.v8.Epoch(); s != cfg.Epochs-1 {
		t.Errorf("engine epoch %d after training, want %d (SetEpoch per epoch)", s, cfg.Epochs-1)
	}
	if !strings.Contains(log.String(), " dfl ") {
		t.Errorf("the epoch lines name no dfl term:\n%s", log.String())
	}
	csv, err := os.ReadFile(filepath.Join(cfg.Dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 1+cfg.Epochs || !strings.Contains(lines[0], "train/dfl_loss") || !strings.Contains(lines[0], "val/dfl_loss") ||
		strings.Contains(lines[0], "obj") {
		t.Errorf("results.csv: %d lines, header %q; want %d lines and the dfl columns", len(lines), lines[0], 1+cfg.Epochs)
	}
}

// TestNewAnchorFreeRefuses checks the anchor-free configurations New refuses:
// a YOLOv5 hyp (its own keys mean nothing to the v8 loss), autobalance
// (no objectness) and an end-to-end head.
func TestNewAnchorFreeRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"yolov5 hyp", func(c *Config) { c.Hyp = hyp.Default() }, "v8 head"},
		{"autobalance", func(c *Config) { c.Autobalance = true }, "autobalance"},
		{"end-to-end", func(c *Config) { c.AnchorFree.End2End = true }, "end-to-end"},
	}
	for _, tt := range tests {
		cfg := testConfigV8(t, 1)
		tt.change(&cfg)
		train, val := tinySplits()
		_, err := New(testBackend(t), cfg, train, val)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New() = %v, want an error naming %q", tt.name, err, tt.want)
		}
	}
}

// TestResume checks the checkpoint round trip: 2 epochs in one go and 1
// epoch, a resume in a new Run and 1 more epoch give the same results and
// the same variables, bit for bit. With autobalance and WIoU, the engine's
// state (the balance, WIoU's running mean) moves from step to step, so the
// second epoch's numbers match only if the checkpoint restored it.
func TestResume(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"defaults", func(*Config) {}},
		{"autobalance and wiou", func(c *Config) {
			h := *c.Hyp
			h.IoUType = "wiou"
			c.Hyp, c.Autobalance = &h, true
		}},
		{"anchor-free with wiou", func(c *Config) {
			*c = testConfigV8(t, c.Epochs)
			c.Hyp.IoUType = "wiou"
		}},
	}
	for _, tt := range tests {
		config := func() Config {
			c := testConfig(t, 2)
			tt.change(&c)
			return c
		}
		whole := newRun(t, config())
		if err := whole.Train(); err != nil {
			t.Fatal(err)
		}
		cfg := config()
		first := newRun(t, cfg)
		if err := first.trainUntil(1); err != nil {
			t.Fatal(err)
		}
		resumed := newRun(t, cfg)
		if err := resumed.Resume(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if resumed.Epoch() != 1 || resumed.step != first.step {
			t.Fatalf("%s: resumed at epoch %d step %d, want 1 and %d", tt.name, resumed.Epoch(), resumed.step, first.step)
		}
		if err := resumed.Train(); err != nil {
			t.Fatal(err)
		}
		if a, b := whole.Rows(), resumed.Rows(); len(a) != len(b) || a[0] != b[0] || a[1] != b[1] {
			t.Errorf("%s: rows differ:\nwhole   %+v\nresumed %+v", tt.name, a, b)
		}
		if a, b := engineStateString(whole), engineStateString(resumed); a != b {
			t.Errorf("%s: engine state %+v after resuming, %+v without", tt.name, b, a)
		}
		compareVariables(t, whole, resumed)
	}
}

// engineStateString is the run's loss engine's state, printed.
func engineStateString(r *Run) string {
	s, s8 := r.loss.state()
	if s8 != nil {
		return fmt.Sprintf("%+v", *s8)
	}
	return fmt.Sprintf("%+v", s)
}

func compareVariables(t *testing.T, a, b *Run) {
	t.Helper()
	n := 0
	for va := range a.g.ctx.IterVariables() {
		vb := b.g.ctx.GetVariableByScopeAndName(va.Scope(), va.Name())
		if vb == nil {
			t.Errorf("variable %s missing after resume", va.ParameterName())
			continue
		}
		ta, tb := va.MustValue(), vb.MustValue()
		if !ta.Equal(tb) {
			t.Errorf("variable %s differs after resume", va.ParameterName())
		}
		n++
	}
	if n < 10 {
		t.Errorf("compared only %d variables", n)
	}
}

func TestResumeRefusesOtherSetup(t *testing.T) {
	cfg := testConfig(t, 1)
	if err := newRun(t, cfg).Train(); err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Seed = 2
	err := newRun(t, other).Resume()
	if err == nil || !strings.Contains(err.Error(), "seed 1, this run has 2") {
		t.Errorf("resume with another seed = %v, want an error naming the seed", err)
	}
	empty := testConfig(t, 1)
	if err := newRun(t, empty).Resume(); err != ErrNoCheckpoint {
		t.Errorf("resume in an empty directory = %v, want ErrNoCheckpoint", err)
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no hyp", func(c *Config) { c.Hyp = nil }, "no hyp"},
		{"zero epochs", func(c *Config) { c.Epochs = 0 }, "epochs 0"},
		{"batch above images", func(c *Config) { c.Batch = 5 }, "fewer than a batch of 5"},
		{"image size", func(c *Config) { c.ImgSize = 32 }, "images of 64 px, want 32"},
		{"optimizer", func(c *Config) { c.Optimizer = "lion" }, `unknown optimizer "lion"`},
	}
	for _, tt := range tests {
		cfg := testConfig(t, 1)
		tt.change(&cfg)
		train, val := tinySplits()
		_, err := New(testBackend(t), cfg, train, val)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New() = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

// TestLR checks YOLOv5's linear schedule and the warm-up over max(round(
// warmup_epochs·nb), 100) steps.
func TestLR(t *testing.T) {
	r := &Run{cfg: Config{Epochs: 10, Batch: 1}, h: hyp.Hyp{Lr0: 0.01, Lrf: 0.1, WarmupEpochs: 0.5},
		train: &dataset.Split{Pixels: make([][]uint8, 400)}}
	tests := []struct {
		name  string
		epoch int
		step  int64
		want  float64
	}{
		{"first step of the warm-up", 0, 0, 0.01 / 200},
		{"middle of the warm-up", 0, 99, 0.01 * 100 / 200},
		{"after the warm-up", 0, 200, 0.01},
		{"epoch 5 of 10", 5, 2000, 0.01 * (0.5*0.9 + 0.1)},
		{"last epoch", 9, 3600, 0.01 * (0.1*0.9 + 0.1)},
	}
	for _, tt := range tests {
		if got := r.lr(tt.epoch, tt.step); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%s: lr(%d, %d) = %g, want %g", tt.name, tt.epoch, tt.step, got, tt.want)
		}
	}
	r.h.WarmupEpochs = 0.01 // round(0.01·400) = 4 steps, raised to 100
	if got, want := r.lr(0, 49), 0.01*50/100; math.Abs(got-want) > 1e-15 {
		t.Errorf("short warm-up: lr(0, 49) = %g, want %g (at least 100 warm-up steps)", got, want)
	}
}

func TestResultsCSV(t *testing.T) {
	var b bytes.Buffer
	rows := []Row{{Epoch: 0, TrainBox: 0.1, TrainObj: 0.02, TrainCls: 0.03, P: 0.5, R: 0.25, MAP50: 0.125, MAP: 0.0625,
		ValBox: 0.09, ValObj: 0.019, ValCls: 0.029, LR: 0.001}}
	if err := writeResultsCSV(&b, rows, "obj"); err != nil {
		t.Fatal(err)
	}
	want := "               epoch,      train/box_loss,      train/obj_loss,      train/cls_loss,   metrics/precision,      metrics/recall,     metrics/mAP_0.5,metrics/mAP_0.5:0.95,        val/box_loss,        val/obj_loss,        val/cls_loss,               x/lr0,               x/lr1,               x/lr2\n" +
		"                   0,                 0.1,                0.02,                0.03,                 0.5,                0.25,               0.125,              0.0625,                0.09,               0.019,               0.029,               0.001,               0.001,               0.001\n"
	if b.String() != want {
		t.Errorf("results.csv:\ngot\n%s\nwant\n%s", b.String(), want)
	}
}

func TestBatch(t *testing.T) {
	train, _ := tinySplits()
	x := make([]float32, 2*64*64*3)
	labels := train.Batch(x, []int{3, 1})
	if x[0] != float32(train.Pixels[3][0])/255 || x[64*64*3] != float32(train.Pixels[1][0])/255 {
		t.Errorf("batch pixels are not images 3 and 1 scaled to 0..1")
	}
	n3 := len(train.Labels[3])
	if len(labels) != n3+len(train.Labels[1]) || labels[0][0] != 0 || labels[n3][0] != 1 {
		t.Errorf("labels %v: want images 3 then 1, indexed 0 and 1", labels)
	}
}

// TestResumeRefusesDamagedCheckpoint damages a checkpoint as a disk or a copy
// would (one byte flipped in the middle, 100 KB zeroed, the last byte
// flipped): each must be refused, with an error naming the file.
func TestResumeRefusesDamagedCheckpoint(t *testing.T) {
	cfg := testConfig(t, 1)
	if err := newRun(t, cfg).Train(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cfg.Dir, "weights", checkpointName(1))
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(good) < 300_000 {
		t.Fatalf("checkpoint of %d bytes, want room for 100 KB zeroed", len(good))
	}
	tests := []struct {
		name   string
		damage func([]byte)
	}{
		{"a byte flipped in the middle", func(b []byte) { b[len(b)/2] ^= 0x40 }},
		{"100 KB zeroed", func(b []byte) { clear(b[len(b)/3 : len(b)/3+100_000]) }},
		{"the last byte flipped", func(b []byte) { b[len(b)-1] ^= 0x01 }},
	}
	for _, tt := range tests {
		bad := bytes.Clone(good)
		tt.damage(bad)
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		err := newRun(t, cfg).Resume()
		if !errors.Is(err, ErrDamagedCheckpoint) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: Resume() = %v, want an error naming %s", tt.name, err, path)
		}
	}
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := newRun(t, cfg).Resume(); err != nil {
		t.Errorf("the undamaged checkpoint: %v", err)
	}
}

// poison sets every weight of the network's first variable to NaN, as a
// diverged step would.
func poison(t *testing.T, r *Run) {
	t.Helper()
	for v := range r.g.ctx.IterVariables() {
		if !v.Trainable || v.Shape().Size() < 2 {
			continue
		}
		nan := tensors.FromShape(v.Shape())
		tensors.MustMutableFlatData(nan, func(flat []float32) {
			for i := range flat {
				flat[i] = float32(math.NaN())
			}
		})
		if err := v.SetValue(nan); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatal("no trainable variable to poison")
}

// TestNonFiniteLossStops makes the loss NaN in the second epoch: Train must
// fail naming the epoch and write nothing for it (results.csv, results.png
// and the checkpoint stay those of the first epoch).
func TestNonFiniteLossStops(t *testing.T) {
	cfg := testConfig(t, 2)
	r := newRun(t, cfg)
	if err := r.trainUntil(1); err != nil {
		t.Fatal(err)
	}
	files := []string{"results.csv", "results.png", filepath.Join("weights", checkpointName(1))}
	before := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(cfg.Dir, f))
		if err != nil {
			t.Fatal(err)
		}
		before[f] = b
	}
	poison(t, r)
	err := r.Train()
	if err == nil || !strings.Contains(err.Error(), "epoch 2") || !strings.Contains(err.Error(), "not finite") {
		t.Fatalf("Train() with NaN weights = %v, want an error naming epoch 2 and the non-finite loss", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(cfg.Dir, f))
		if err != nil || !bytes.Equal(b, before[f]) {
			t.Errorf("%s changed after the failed epoch (err %v)", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, "weights", checkpointName(2))); err == nil {
		t.Errorf("a checkpoint of the failed epoch was written")
	}
	if r.Epoch() != 1 || len(r.Rows()) != 1 {
		t.Errorf("after the failed epoch: epoch %d, %d rows; want 1 and 1", r.Epoch(), len(r.Rows()))
	}
}

// TestResultsPNGOneEpoch: after one epoch each series has one point, which a
// line alone does not draw; moving mAP@0.5 must change the image.
func TestResultsPNGOneEpoch(t *testing.T) {
	png := func(map50 float64) []byte {
		var b bytes.Buffer
		row := Row{TrainBox: 0.05, TrainObj: 0.02, TrainCls: 0.01, ValBox: 0.04, ValObj: 0.02, ValCls: 0.01, MAP50: map50, MAP: 0.1, P: 0.3, R: 0.4}
		if err := writeResultsPNG(&b, "one", []Row{row}, "obj"); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	if bytes.Equal(png(0.2), png(0.8)) {
		t.Errorf("results.png of one epoch does not show the mAP@0.5 point")
	}
}

// TestLossPanelLogAxis: the losses span decades, on a log axis that says so.
func TestLossPanelLogAxis(t *testing.T) {
	rows := []Row{{TrainBox: 0.05, TrainObj: 0.02, TrainCls: 0.001, ValBox: 0.04, ValObj: 0.02, ValCls: 0.002}}
	p, err := lossPanel("run", rows, "obj")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Y.Scale.(plot.LogScale); !ok || !strings.Contains(p.Y.Label.Text, "log") {
		t.Errorf("loss axis: scale %T, label %q; want a log scale labelled as one", p.Y.Scale, p.Y.Label.Text)
	}
	rows[0].TrainCls = 0 // one class: no class loss, which a log axis cannot show
	if p, err = lossPanel("run", rows, "obj"); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Y.Scale.(plot.LogScale); ok || strings.Contains(p.Y.Label.Text, "log") {
		t.Errorf("loss axis with a zero loss: scale %T, label %q; want linear", p.Y.Scale, p.Y.Label.Text)
	}
}

// TestProgressLine drives the progress line with a clock of 2 s per batch:
// no rate after the first batch (it includes the compilation), then one
// unit, s/batch; the run's and the job's share and time left; validation
// shown as such.
func TestProgressLine(t *testing.T) {
	var b bytes.Buffer
	clock := time.Unix(0, 0)
	p := newProgress(&b, Job{Label: "run 2/3 focal seed 1", EpochsBefore: 4, EpochsAfter: 2}, 4, 10, "obj")
	p.now = func() time.Time { return clock }
	p.startEpoch(1)
	p.batch(lossItems{Box: 0.1})
	first := b.String()
	if !strings.Contains(first, "– s/batch") || strings.Contains(first, "left") {
		t.Errorf("after the first batch: %q, want no rate and no time left", first)
	}
	for range 4 {
		clock = clock.Add(2 * time.Second)
		p.batch(lossItems{Box: 0.1})
	}
	line := b.String()[strings.LastIndex(b.String(), "\r")+1:]
	// 5 of 10 batches at 2 s, validation estimated 0: 10 s left in this epoch, 3 × 20 s after it;
	// the job: 2 more epochs of 20 s (times rounded to the minute).
	for _, want := range []string{"run 2/3 focal seed 1", "epoch 1/4 batch 5/10", "2.00 s/batch", "run 12%, 1m left", "experiment 45%, 2m left"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress %q lacks %q", line, want)
		}
	}
	if strings.Contains(b.String(), "batch/s") || strings.Contains(b.String(), "/min") {
		t.Errorf("a second rate unit: %q", b.String())
	}
	clock = clock.Add(30 * time.Second)
	p.validating(0, 50)
	if line := b.String()[strings.LastIndex(b.String(), "\r")+1:]; !strings.Contains(line, "epoch 1/4 validating 0/50 images | 2.00 s/batch") {
		t.Errorf("validation shows %q, want the batches' rate unchanged by the time since", line)
	}
}

// TestAccumulate checks YOLOv5's accumulate = max(round(nbs/bs), 1) and
// its warm-up ramp max(1, round(interp(k, [0, nw], [1, nbs/bs]))).
func TestAccumulate(t *testing.T) {
	r := &Run{cfg: Config{Epochs: 10, Batch: 16, NominalBatch: 64}, h: hyp.Hyp{WarmupEpochs: 3},
		train: &dataset.Split{Pixels: make([][]uint8, 1600)}} // nb 100, nw 300
	tests := []struct {
		name  string
		batch int
		k     int64
		want  int
	}{
		{"start of the warm-up", 16, 0, 1},
		{"middle of the warm-up", 16, 150, 2}, // NumPy's round(1 + 3·0.5) = round(2.5) = 2, half to even
		{"past the middle", 16, 151, 3},
		{"end of the warm-up", 16, 300, 4},
		{"after the warm-up", 16, 301, 4},
		{"batch 20", 20, 1000, 3}, // round(3.2)
		{"batch 48", 48, 1000, 1}, // round(1.33)
		{"batch above nbs", 100, 1000, 1},
	}
	for _, tt := range tests {
		r.cfg.Batch = tt.batch
		if got := r.accumulate(tt.k); got != tt.want {
			t.Errorf("%s: accumulate(%d) at batch %d = %d, want %d", tt.name, tt.k, tt.batch, got, tt.want)
		}
	}
	r.cfg.NominalBatch = 0
	if got := r.accumulate(1000); got != 1 {
		t.Errorf("without a nominal batch: accumulate = %d, want 1", got)
	}
}

// TestNominalBatch trains one epoch of 4 batches of 1 with nbs 2: two
// optimiser steps, weight decay scaled by bs·accumulate/nbs, and a
// checkpoint that records nbs (resuming without it is refused).
func TestNominalBatch(t *testing.T) {
	cfg := testConfig(t, 1)
	cfg.Batch, cfg.NominalBatch = 1, 2
	h := *cfg.Hyp
	h.WeightDecay = 0.0005
	cfg.Hyp = &h
	r := newRun(t, cfg)
	if err := r.Train(); err != nil {
		t.Fatal(err)
	}
	if r.step != 4 || r.optSteps != 2 {
		t.Errorf("%d batches, %d optimiser steps; want 4 and 2", r.step, r.optSteps)
	}
	if want := 0.0005 * 1 * 2 / 2; r.h.WeightDecay != want {
		t.Errorf("weight decay %g, want %g", r.h.WeightDecay, want)
	}
	other := cfg
	other.NominalBatch = 0
	if err := newRun(t, other).Resume(); err == nil || !strings.Contains(err.Error(), "nbs 2, this run has 0") {
		t.Errorf("resume without the nominal batch = %v, want an error naming nbs", err)
	}
	plain := cfg
	plain.NominalBatch, plain.Dir = 0, t.TempDir()
	p := newRun(t, plain)
	if err := p.Train(); err != nil {
		t.Fatal(err)
	}
	if p.optSteps != 4 || p.Rows()[0] == r.Rows()[0] {
		t.Errorf("without accumulation: %d optimiser steps (want 4), rows equal to the accumulated run's: %v", p.optSteps, p.Rows()[0] == r.Rows()[0])
	}
}
