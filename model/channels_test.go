package model_test

import (
	"testing"

	"github.com/yolo-loss/yololoss/model"
)

// TestCheckChannels: a channel count that disagrees with the model names
// nc, and the nc it would fit.
func TestCheckChannels(t *testing.T) {
	v5 := model.P5(3)
	v8 := model.AnchorFree{NC: 3, RegMax: 16, Strides: []float64{8, 16, 32}}
	for _, tc := range []struct {
		name string
		err  error
		want string // "" for no error
	}{
		{"v5 right", v5.CheckChannels(0, 8), ""},
		{"v5 file's nc kept", v5.CheckChannels(1, 85),
			"model: p1 has 85 channels, want 5+nc = 8 for nc 3; 85 channels are 5+nc for nc 80: is nc the dataset's class count? (LoadOptions.NC sets it)"},
		{"v5 too few", v5.CheckChannels(2, 5), "model: p2 has 5 channels, want 5+nc = 8 for nc 3"},
		{"v8 right", v8.CheckChannels(0, 67), ""},
		{"v8 file's nc kept", v8.CheckChannels(0, 144),
			"model: p0 has 144 channels, want 4·reg_max+nc = 67 for reg_max 16 and nc 3; 144 channels fit nc 80 with reg_max 16: is nc the dataset's class count? (LoadOptions.NC sets it)"},
		{"v8 two readings", v8.CheckChannels(2, 7),
			"model: p2 has 7 channels, want 4·reg_max+nc = 67 for reg_max 16 and nc 3; 7 channels fit reg_max 1 with nc 3: is reg_max the model file's?"},
		{"v8 both", model.AnchorFree{NC: 4, RegMax: 1, Strides: []float64{8}}.CheckChannels(0, 12),
			"model: p0 has 12 channels, want 4·reg_max+nc = 8 for reg_max 1 and nc 4; 12 channels fit nc 8 with reg_max 1, or reg_max 2 with nc 4: is nc the dataset's class count? (LoadOptions.NC sets it)"},
		{"v8 too few", v8.CheckChannels(1, 3), "model: p1 has 3 channels, want 4·reg_max+nc = 67 for reg_max 16 and nc 3"},
	} {
		got := ""
		if tc.err != nil {
			got = tc.err.Error()
		}
		if got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
