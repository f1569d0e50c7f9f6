package nms_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

func TestCheck(t *testing.T) {
	good := func() tensor.Tensor[float32] {
		p := tensor.New[float32](2, 3, 7)
		for i := range p.Data {
			p.Data[i] = 0.5
		}
		return p
	}
	set := func(b, r, c int, v float32) tensor.Tensor[float32] {
		p := good()
		p.Data[(b*3+r)*7+c] = v
		return p
	}
	for _, tc := range []struct {
		name  string
		pred  tensor.Tensor[float32]
		index []int  // of a *ValueError; nil for no error or another error
		want  string // in the message
	}{
		{"good", good(), nil, ""},
		{"edges of [0, 1]", set(1, 2, 6, 1), nil, ""},
		{"zero size", set(0, 0, 3, 0), nil, ""},
		{"negative centre", set(0, 0, 0, -3), nil, ""},
		{"objectness logit", set(1, 2, 4, 3.5), []int{1, 2, 4}, "index [1 2 4] (objectness) = 3.5: a probability outside [0, 1]; raw logits? apply the sigmoid / decode first"},
		{"class logit", set(0, 1, 6, -0.25), []int{0, 1, 6}, "(class 1) = -0.25: a probability outside [0, 1]; raw logits?"},
		{"negative width", set(0, 2, 2, -1), []int{0, 2, 2}, "(w) = -1: a negative box size; raw logits?"},
		{"NaN", set(1, 0, 1, float32(math.NaN())), []int{1, 0, 1}, "(cy) = NaN: not a finite number"},
		{"Inf", set(0, 0, 5, float32(math.Inf(1))), []int{0, 0, 5}, "not a finite number"},
		{"rank 4", tensor.New[float32](1, 2, 3, 7), nil, "is not [bs, n, 5+nc] or [n, 5+nc]"},
		{"no classes", tensor.New[float32](2, 5), nil, "want 5+nc with nc ≥ 1"},
		{"short data", tensor.Tensor[float32]{Shape: []int{2, 6}, Data: make([]float32, 11)}, nil, "holds 12 elements"},
	} {
		err := nms.Check(tc.pred)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
			continue
		}
		var ve *nms.ValueError
		if errors.As(err, &ve) != (tc.index != nil) {
			t.Errorf("%s: error %T, *ValueError wanted: %v", tc.name, err, tc.index != nil)
		} else if ve != nil {
			if d := gocmp.Diff(tc.index, ve.Index); d != "" {
				t.Errorf("%s: index mismatch (-want +got):\n%s", tc.name, d)
			}
		}
	}
	// One image, rank 2: the index has two parts.
	img := tensor.Tensor[float64]{Shape: []int{2, 6}, Data: []float64{1, 1, 1, 1, 0.5, 0.5, 1, 1, 1, 1, 0.5, 2}}
	if err := nms.Check(img); err == nil || !strings.Contains(err.Error(), "index [1 5] (class 0) = 2") {
		t.Errorf("rank 2: error %v", err)
	}
}
