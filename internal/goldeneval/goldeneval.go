package goldeneval

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"codeberg.org/sbinet/npyio/npz"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// Config is a case's config.json: the settings of non_max_suppression.
type Config struct {
	NC int `json:"nc"`
	// Head is "v8" in testdata/golden-v8-eval (pred [bs, 4+nc, n], no
	// objectness, ultralytics' rules) and absent in testdata/golden-eval
	// (YOLOv5's [bs, n, 5+nc]).
	Head       string  `json:"head"`
	ConfThres  float64 `json:"conf_thres"`
	IoUThres   float64 `json:"iou_thres"`
	MultiLabel bool    `json:"multi_label"`
	Agnostic   bool    `json:"agnostic"`
	MaxDet     int     `json:"max_det"`
}

// Options returns the NMS settings of the case, for its head.
func (c Config) Options() *nms.Options {
	o := &nms.Options{
		ConfThres: new(c.ConfThres), IoUThres: new(c.IoUThres),
		MultiLabel: c.MultiLabel, Agnostic: c.Agnostic, MaxDet: c.MaxDet,
	}
	if c.Head == "v8" {
		o.Head = nms.V8
	}
	return o
}

// Expect is a case's expect.json: labels per class and, when YOLOv5
// computes metrics, ap_per_class's results for the classes of APClass.
type Expect struct {
	NT      []int     `json:"nt"`
	TP      []float64 `json:"tp"`
	FP      []float64 `json:"fp"`
	P       []float64 `json:"p"`
	R       []float64 `json:"r"`
	F1      []float64 `json:"f1"`
	AP50    []float64 `json:"ap50"`
	AP      []float64 `json:"ap"`
	APClass []int     `json:"ap_class"`
	MP      float64   `json:"mp"`
	MR      float64   `json:"mr"`
	MAP50   float64   `json:"map50"`
	MAP     float64   `json:"map"`
}

// Case is one golden case, read from its directory Dir.
type Case struct {
	Name    string
	Dir     string
	Config  Config
	Pred    tensor.Tensor[float64] // [bs, n, 5+nc] (v5) or [bs, 4+nc, n] (v8)
	Targets tensor.Tensor[float64] // [nt, 6]: image, class, cx, cy, w, h (pixels)
	Dets    []tensor.Tensor[float64]
	Correct [][10]bool
	Expect  Expect
}

// Input returns the path of the case's input.npz.
func (c *Case) Input() string { return filepath.Join(c.Dir, "input.npz") }

// Load reads every case under root, in directory order. It fails if there
// are none, or if a file of a case is missing or invalid.
func Load(root string) ([]Case, error) {
	dirs, err := filepath.Glob(filepath.Join(root, "*", "config.json"))
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("goldeneval: no cases under %s", root)
	}
	var cases []Case
	for _, f := range dirs {
		c := Case{Dir: filepath.Dir(f)}
		c.Name = filepath.Base(c.Dir)
		if err := c.load(); err != nil {
			return nil, fmt.Errorf("goldeneval: %s: %w", c.Name, err)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func (c *Case) load() error {
	if err := readJSON(filepath.Join(c.Dir, "config.json"), &c.Config); err != nil {
		return err
	}
	if err := readJSON(filepath.Join(c.Dir, "expect.json"), &c.Expect); err != nil {
		return err
	}
	in, err := readFloat64(c.Input(), "pred", "targets")
	if err != nil {
		return err
	}
	c.Pred, c.Targets = in[0], in[1]
	names := make([]string, c.Pred.Shape[0])
	for b := range names {
		names[b] = fmt.Sprintf("det%d", b)
	}
	expect := filepath.Join(c.Dir, "expect.npz")
	if c.Dets, err = readFloat64(expect, names...); err != nil {
		return err
	}
	c.Correct, err = readCorrect(expect)
	return err
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// readFloat64 reads the named float64 arrays of an .npz file.
func readFloat64(path string, names ...string) ([]tensor.Tensor[float64], error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	ts, err := batchfile.ReadTensors(f, fi.Size(), names...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]tensor.Tensor[float64], len(ts))
	for i, t := range ts {
		if t.F64 == nil {
			return nil, fmt.Errorf("%s: array %q is not float64", path, names[i])
		}
		out[i] = tensor.Tensor[float64]{Data: t.F64, Shape: t.Shape}
	}
	return out, nil
}

// readCorrect reads the bool array "correct" [N, 10] of expect.npz, which
// batchfile (float arrays only) does not read.
func readCorrect(path string) ([][10]bool, error) {
	r, err := npz.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h := r.Header("correct.npy")
	if h == nil {
		return nil, fmt.Errorf("%s: no array \"correct\"", path)
	}
	if len(h.Descr.Shape) != 2 || h.Descr.Shape[1] != 10 {
		return nil, fmt.Errorf("%s: \"correct\" has shape %v, want [N, 10]", path, h.Descr.Shape)
	}
	n := h.Descr.Shape[0]
	rows := make([][10]bool, n)
	if n == 0 {
		return rows, nil
	}
	var flat []bool
	if err := r.Read("correct.npy", &flat); err != nil {
		return nil, fmt.Errorf("%s: \"correct\": %w", path, err)
	}
	if len(flat) != 10*n {
		return nil, fmt.Errorf("%s: \"correct\" holds %d values, want %d", path, len(flat), 10*n)
	}
	for i := range rows {
		copy(rows[i][:], flat[10*i:])
	}
	return rows, nil
}
