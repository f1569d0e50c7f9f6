package nms_test

import (
	"math/rand/v2"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// FuzzNMS compares NMS with the transcription of YOLOv5's global,
// class-offset NMS (reference) on inputs drawn from the fuzzed seed and
// sizes, and with coarse values so that confidences and IoUs tie.
func FuzzNMS(f *testing.F) {
	f.Add(uint64(1), uint16(50), uint8(3), uint8(0), 0.001, 0.6, uint16(300))
	f.Add(uint64(2), uint16(200), uint8(1), uint8(1), 0.25, 0.45, uint16(5))
	f.Add(uint64(3), uint16(80), uint8(9), uint8(3), 0.0, 1.0, uint16(0))
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, nc uint8, flags uint8, conf, iou float64, maxDet uint16) {
		n, nc = n%400, nc%12+1
		o := &nms.Options{ConfThres: &conf, IoUThres: &iou, MultiLabel: flags&1 != 0, Agnostic: flags&2 != 0, MaxDet: int(maxDet)}
		s, err := nms.New[float64](o)
		if err != nil {
			return // thresholds outside [0, 1]: New's to refuse
		}
		rng := rand.New(rand.NewPCG(seed, uint64(n)))
		img := tensor.New[float64](int(n), 5+int(nc))
		coarse := flags&4 != 0
		for i := range img.Data {
			v := rng.Float64()
			if coarse {
				v = float64(rng.IntN(5)) / 4 // ties in conf and in IoU
			}
			if c := i % (5 + int(nc)); c < 4 {
				v *= 100
			}
			img.Data[i] = v
		}
		md := int(maxDet)
		if md == 0 {
			md = nms.DefaultMaxDet
		}
		want := reference(img.Data, int(n), 5+int(nc), conf, iou, o.MultiLabel, o.Agnostic, md)
		if d := gocmp.Diff(want, rowsOf(s.Image(img))); d != "" {
			t.Errorf("mismatch with YOLOv5's algorithm (-want +got):\n%s", d)
		}
	})
}
