package golden

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/hyp"
)

// Items are one call's loss items, as expect.json records them.
type Items struct {
	Loss    float64   `json:"loss"`
	LBox    float64   `json:"lbox"`
	LObj    float64   `json:"lobj"`
	LCls    float64   `json:"lcls"`
	Balance []float64 `json:"balance"`
	// WIoUMeans is WIoU's running mean after each update in the call, one
	// per layer with matches (golden-iou's wiou cases only).
	WIoUMeans []float64 `json:"wiou_means,omitempty"`
}

// Expect is a case's expect.json: the engine options it was computed with
// and the items of each of its Iters calls.
type Expect struct {
	NC          int     `json:"nc"`
	Autobalance bool    `json:"autobalance"`
	SortObjIoU  bool    `json:"sort_obj_iou"`
	GR          float64 `json:"gr"`
	Iters       int     `json:"iters"`
	History     []Items `json:"history"`
}

// Case is one golden case, read from its directory Dir: hyp.yaml,
// input.npz, expect.json and grad.npz (the gradient after the last call,
// p0…p{nl−1}).
type Case struct {
	Name   string
	Dir    string
	Hyp    *hyp.Hyp
	Batch  *batchfile.Batch
	Expect Expect
	Grads  []batchfile.Tensor
}

// Load reads every case under root, in directory order. It fails if there
// are none, or if any file of a case is missing or invalid.
func Load(root string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(root, "*", "expect.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("golden: no cases under %s", root)
	}
	var cases []Case
	for _, f := range files {
		c := Case{Dir: filepath.Dir(f)}
		c.Name = filepath.Base(c.Dir)
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &c.Expect); err != nil {
			return nil, fmt.Errorf("golden: %s: %w", f, err)
		}
		if len(c.Expect.History) != c.Expect.Iters {
			return nil, fmt.Errorf("golden: %s has %d history entries for %d iters", f, len(c.Expect.History), c.Expect.Iters)
		}
		if c.Hyp, err = hyp.Load(filepath.Join(c.Dir, "hyp.yaml")); err != nil {
			return nil, err
		}
		if c.Batch, err = batchfile.ReadFile(filepath.Join(c.Dir, "input.npz")); err != nil {
			return nil, err
		}
		if c.Grads, err = ReadGrad(filepath.Join(c.Dir, "grad.npz"), c.Batch.NL()); err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// LoadAll reads every case under each of roots, in order, naming each
// case base(root)/case (golden/edges, golden-iou/siou).
func LoadAll(roots ...string) ([]Case, error) {
	var all []Case
	for _, root := range roots {
		cases, err := Load(root)
		if err != nil {
			return nil, err
		}
		for i := range cases {
			cases[i].Name = filepath.Base(root) + "/" + cases[i].Name
		}
		all = append(all, cases...)
	}
	return all, nil
}

// ReadGrad reads the arrays p0…p{nl−1} of the .npz file at path, as a
// gradient is written.
func ReadGrad(path string, nl int) ([]batchfile.Tensor, error) {
	return readNPZ(path, names("p", nl)...)
}

// readNPZ reads the named arrays of the .npz file at path.
func readNPZ(path string, names ...string) ([]batchfile.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	ts, err := batchfile.ReadTensors(f, st.Size(), names...)
	if err != nil {
		return nil, fmt.Errorf("golden: %s: %w", path, err)
	}
	return ts, nil
}
