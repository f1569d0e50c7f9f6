package golden

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/target"
)

// V8Items are one call's items in an anchor-free case's expect.json.
type V8Items struct {
	Loss float64 `json:"loss"`
	LBox float64 `json:"lbox"`
	LCls float64 `json:"lcls"`
	LDfl float64 `json:"ldfl"`
	FG   int     `json:"fg"`  // foreground anchors (the one-to-many branch's in end-to-end cases)
	TSS  float64 `json:"tss"` // target_scores_sum before the floor at 1
	// O2M and O2O are the end-to-end weights of the call (0 otherwise).
	O2M float64 `json:"o2m"`
	O2O float64 `json:"o2o"`
	// WIoUMean is the one-to-many branch's WIoU running mean after the
	// call (iou_type wiou only; nil otherwise).
	WIoUMean *float64 `json:"wiou_mean"`
}

// V8Expect is an anchor-free case's expect.json.
type V8Expect struct {
	NC      int       `json:"nc"`
	RegMax  int       `json:"reg_max"`
	ImgSz   [2]int    `json:"imgsz"` // [h, w]
	End2End bool      `json:"end2end"`
	Iters   int       `json:"iters"`
	History []V8Items `json:"history"`
}

// V8Case is one case of testdata/golden-v8 (see the README there): the
// anchor-free head's outputs P (and Q, the one-to-one branch's, for
// end-to-end cases), the labels, the strides, the expected items per call
// and the gradient of the last call.
type V8Case struct {
	Name, Dir string
	HypPath   string // the case's hyp.yaml
	Expect    V8Expect
	P, Q      []batchfile.Tensor
	Labels    []target.Label
	Strides   []float64
	// GradP and GradQ are ∂loss/∂P and ∂loss/∂Q of the last call.
	GradP, GradQ []batchfile.Tensor
}

// LoadV8 reads every anchor-free case under root, in directory order. It
// fails if there are none, or if any file of a case is missing or invalid.
func LoadV8(root string) ([]V8Case, error) {
	files, err := filepath.Glob(filepath.Join(root, "*", "expect.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("golden: no cases under %s", root)
	}
	cases := make([]V8Case, 0, len(files))
	for _, f := range files {
		c, err := loadV8Case(f)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, nil
}

func loadV8Case(f string) (V8Case, error) {
	c := V8Case{Dir: filepath.Dir(f)}
	c.Name = filepath.Base(c.Dir)
	c.HypPath = filepath.Join(c.Dir, "hyp.yaml")
	raw, err := os.ReadFile(f)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(raw, &c.Expect); err != nil {
		return c, fmt.Errorf("golden: %s: %w", f, err)
	}
	if len(c.Expect.History) != c.Expect.Iters || c.Expect.Iters < 1 {
		return c, fmt.Errorf("golden: %s has %d history entries for %d iters", f, len(c.Expect.History), c.Expect.Iters)
	}
	in := filepath.Join(c.Dir, "input.npz")
	head, err := readNPZ(in, "strides", "targets")
	if err != nil {
		return c, err
	}
	c.Strides = floats(head[0])
	tg := floats(head[1])
	if len(head[1].Shape) != 2 || head[1].Shape[1] != 6 {
		return c, fmt.Errorf("golden: %s: targets has shape %v, want [nt, 6]", in, head[1].Shape)
	}
	c.Labels = make([]target.Label, len(tg)/6)
	for i := range c.Labels {
		copy(c.Labels[i][:], tg[6*i:])
	}
	nl := len(c.Strides)
	if c.P, err = readNPZ(in, names("p", nl)...); err != nil {
		return c, err
	}
	gp := filepath.Join(c.Dir, "grad.npz")
	if c.GradP, err = readNPZ(gp, names("p", nl)...); err != nil {
		return c, err
	}
	if c.Expect.End2End {
		if c.Q, err = readNPZ(in, names("q", nl)...); err != nil {
			return c, err
		}
		if c.GradQ, err = readNPZ(gp, names("q", nl)...); err != nil {
			return c, err
		}
	}
	return c, nil
}

// names returns prefix0 … prefix{n−1}.
func names(prefix string, n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = prefix + strconv.Itoa(i)
	}
	return s
}

// floats returns t's values as float64.
func floats(t batchfile.Tensor) []float64 {
	v := make([]float64, t.Len())
	for i := range v {
		v[i] = t.At(i)
	}
	return v
}
