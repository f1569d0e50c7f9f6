package target_test

import (
	"errors"
	"math"
	"testing"

	"github.com/yolo-loss/yololoss/target"
)

func TestCheckLabel(t *testing.T) {
	const bs, nc = 2, 3
	for _, tc := range []struct {
		name   string
		label  target.Label
		column int    // -1: valid
		want   string // the error message
	}{
		{"valid", target.Label{1, 2, 0.5, 0.5, 0.1, 0.2}, -1, ""},
		{"valid at the edges", target.Label{0, 0, 0, 1, 1, 1}, -1, ""},
		{"image out of range", target.Label{2, 0, 0.5, 0.5, 0.1, 0.1}, 0, "image (column 0) = 2 is not an integer in [0, 2)"},
		{"negative image", target.Label{-1, 0, 0.5, 0.5, 0.1, 0.1}, 0, "image (column 0) = -1 is not an integer in [0, 2)"},
		{"fractional image", target.Label{0.5, 0, 0.5, 0.5, 0.1, 0.1}, 0, "image (column 0) = 0.5 is not an integer in [0, 2)"},
		{"fractional class", target.Label{0, 1.5, 0.5, 0.5, 0.1, 0.1}, 1, "class (column 1) = 1.5 is not an integer in [0, 3)"},
		// YOLOv5's .long() would make it class 3; the engine rejects it.
		{"class just above an integer", target.Label{0, 2.0000001, 0.5, 0.5, 0.1, 0.1}, 1, "class (column 1) = 2.0000001 is not an integer in [0, 3)"},
		{"class out of range", target.Label{0, 3, 0.5, 0.5, 0.1, 0.1}, 1, "class (column 1) = 3 is not an integer in [0, 3)"},
		{"negative zero class is 0", target.Label{0, math.Copysign(0, -1), 0.5, 0.5, 0.1, 0.1}, -1, ""},
		{"centre x above 1", target.Label{0, 0, 1.2, 0.5, 0.1, 0.1}, 2, "x (column 2) = 1.2 is not in [0, 1]"},
		{"centre y below 0", target.Label{0, 0, 0.5, -0.25, 0.1, 0.1}, 3, "y (column 3) = -0.25 is not in [0, 1]"},
		{"zero width", target.Label{0, 0, 0.5, 0.5, 0, 0.1}, 4, "w (column 4) = 0 is not in (0, 1]"},
		{"height above 1", target.Label{0, 0, 0.5, 0.5, 0.1, 1.25}, 5, "h (column 5) = 1.25 is not in (0, 1]"},
		{"NaN height", target.Label{0, 0, 0.5, 0.5, 0.1, math.NaN()}, 5, "h (column 5) = NaN is not finite"},
		{"infinite class", target.Label{0, math.Inf(1), 0.5, 0.5, 0.1, 0.1}, 1, "class (column 1) = +Inf is not finite"},
		{"non-finite before range", target.Label{7, 0, 0.5, 0.5, 0.1, math.Inf(-1)}, 5, "h (column 5) = -Inf is not finite"},
		{"first column at fault", target.Label{0, 9, 2, 0.5, 0, 0.1}, 1, "class (column 1) = 9 is not an integer in [0, 3)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := target.CheckLabel(tc.label, bs, nc)
			if tc.column < 0 {
				if err != nil {
					t.Fatalf("CheckLabel(%v) = %v, want nil", tc.label, err)
				}
				return
			}
			var le *target.LabelError
			if !errors.As(err, &le) {
				t.Fatalf("CheckLabel(%v) = %v (%T), want a *LabelError", tc.label, err, err)
			}
			if le.Column != tc.column {
				t.Errorf("column %d, want %d", le.Column, tc.column)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckLabels(t *testing.T) {
	good := target.Label{0, 1, 0.5, 0.5, 0.2, 0.2}
	bad := target.Label{1, 1, 0.5, 1.5, 0.2, 0.2}
	if err := target.CheckLabels([]target.Label{good, good}, 2, 3); err != nil {
		t.Errorf("valid labels: %v", err)
	}
	err := target.CheckLabels([]target.Label{good, good, bad, {9, 9, 9, 9, 9, 9}}, 2, 3)
	var re *target.RowError
	if !errors.As(err, &re) || re.Row != 2 || re.Column != 3 {
		t.Fatalf("CheckLabels = %v, want a *RowError at row 2, column 3", err)
	}
	if got, want := err.Error(), "label 2: y (column 3) = 1.5 is not in [0, 1]"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	var le *target.LabelError
	if !errors.As(err, &le) || le.Value != 1.5 {
		t.Errorf("errors.As to *LabelError: %v", le)
	}
}
