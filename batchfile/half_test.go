package batchfile

import (
	"math"
	"testing"
)

// TestHalfToFloat32 checks every binary16 value against the definition,
// evaluated in float64.
func TestHalfToFloat32(t *testing.T) {
	for h := range 1 << 16 {
		got := halfToFloat32(uint16(h))
		s := 1.0
		if h>>15 == 1 {
			s = -1
		}
		e, f := (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case e == 0x1f && f == 0:
			want = math.Inf(int(s))
		case e == 0x1f:
			if !math.IsNaN(float64(got)) {
				t.Fatalf("half %#04x: got %v, want NaN", h, got)
			}
			continue
		case e == 0:
			want = s * float64(f) * math.Pow(2, -24)
		default:
			want = s * (1 + float64(f)/1024) * math.Pow(2, float64(e-15))
		}
		if float64(got) != want || math.Signbit(float64(got)) != (s < 0) {
			t.Fatalf("half %#04x: got %v, want %v", h, got, want)
		}
	}
}
