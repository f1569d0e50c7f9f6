package experiment

import (
	"testing"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"

	"github.com/yolo-loss/yololoss/examples/train/dataset"
	"github.com/yolo-loss/yololoss/examples/train/net"
	"github.com/yolo-loss/yololoss/examples/train/synth"
	"github.com/yolo-loss/yololoss/examples/train/trainer"
	"github.com/yolo-loss/yololoss/model"
)

func tinySetup(t *testing.T, runs []Run) Setup {
	t.Helper()
	b, err := backends.NewWithConfig(net.SequentialBackendConfig)
	if err != nil {
		t.Fatal(err)
	}
	d, err := model.FromPixels(synth.NC, [][][2]float64{{{8, 8}, {12, 12}, {17, 17}}, {{22, 22}, {30, 30}, {40, 40}}}, []float64{8, 16})
	if err != nil {
		t.Fatal(err)
	}
	c := synth.Default()
	c.Train, c.Val = 4, 2
	sp := c.Splits()
	return Setup{
		Runs: runs, Seeds: 1, Schedule: Schedule{Epochs: 1, Batch: 2, Seed: 1, Optimizer: "adam"},
		Data:   map[string]Data{"easy": {Train: dataset.FromSynth(c, sp[0]), Val: dataset.FromSynth(c, sp[1])}},
		Models: map[string]model.File{"": {Head: model.HeadV5, V5: &d}}, Backend: b, Dir: t.TempDir(),
	}
}

// TestMatchedGains: a gains=matched focal run's multipliers are the ratios
// of the BCE and focal gradients' L1 norms on the first batch at
// initialisation (focal's are smaller: both above 1), the run trains with
// the multiplied gains, and a second Execute measures the same multipliers
// and so resumes the run's checkpoint instead of training it again.
func TestMatchedGains(t *testing.T) {
	bce := mustParse(t, baseHyp+"fl_gamma: 0.0\n")
	focal := mustParse(t, baseHyp+"fl_gamma: 1.5\n")
	s := tinySetup(t, []Run{
		{Name: "bce", Hyp: bce, Data: "easy"},
		{Name: "focal-matched", Hyp: focal, Data: "easy", Gains: "matched"},
	})
	out, err := Execute(s)
	if err != nil {
		t.Fatal(err)
	}
	m := out[1].Matched
	cfg, d, err := s.config(s.Runs[1], focal, 1)
	if err != nil {
		t.Fatal(err)
	}
	gf, err := trainer.FirstBatchGradient(s.Backend, cfg, d.Train, d.Val)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Hyp = bce
	gb, err := trainer.FirstBatchGradient(s.Backend, cfg, d.Train, d.Val)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("L1 BCE %+v, focal %+v: multipliers %+v", gb, gf, m)
	if m.Cls != gb.Cls/gf.Cls || m.Obj != gb.Obj/gf.Obj || !(m.Cls > 1 && m.Obj > 1) {
		t.Errorf("multipliers %+v, want %g and %g, both above 1", m, gb.Cls/gf.Cls, gb.Obj/gf.Obj)
	}
	if out[0].Matched != (Multipliers{}) {
		t.Errorf("the baseline has multipliers %+v", out[0].Matched)
	}
	again, err := Execute(s)
	if err != nil {
		t.Fatal(err)
	}
	if again[1].Matched != m || again[1].Seeds[0].Trained != 0 || again[1].Seeds[0].Final() != out[1].Seeds[0].Final() {
		t.Errorf("second Execute: multipliers %+v, trained %d epochs; want %+v and 0", again[1].Matched, again[1].Seeds[0].Trained, m)
	}
	// A run with the focal hyp but plain gains trains differently.
	plain := tinySetup(t, []Run{{Name: "focal", Hyp: focal, Data: "easy"}})
	po, err := Execute(plain)
	if err != nil {
		t.Fatal(err)
	}
	if po[0].Seeds[0].Final() == out[1].Seeds[0].Final() {
		t.Errorf("the matched run's results equal the plain focal run's: the gains were not applied")
	}
}
