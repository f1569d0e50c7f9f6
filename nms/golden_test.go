package nms_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/internal/goldeneval"
	"github.com/yolo-loss/yololoss/nms"
)

const goldenDir = "../testdata/golden-eval"

// options returns the NMS settings of a golden case.
func options(c goldeneval.Config) *nms.Options {
	return &nms.Options{
		ConfThres: new(c.ConfThres), IoUThres: new(c.IoUThres),
		MultiLabel: c.MultiLabel, Agnostic: c.Agnostic, MaxDet: c.MaxDet,
	}
}

// TestGolden reproduces YOLOv5's non_max_suppression output of every
// golden case exactly: same detections, same order, same bits.
func TestGolden(t *testing.T) {
	cases, err := goldeneval.Load(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, gc := range cases {
		t.Run(gc.Name, func(t *testing.T) {
			s, err := nms.New[float64](options(gc.Config))
			if err != nil {
				t.Fatal(err)
			}
			if err := nms.Check(gc.Pred); err != nil {
				t.Fatalf("Check: %v", err)
			}
			got := s.Batch(gc.Pred)
			if len(got) != len(gc.Dets) {
				t.Fatalf("%d images, want %d", len(got), len(gc.Dets))
			}
			for b, want := range gc.Dets {
				if d := cmp.Diff(want.Shape, got[b].Shape); d != "" {
					t.Errorf("image %d: shape mismatch (-want +got):\n%s", b, d)
					continue
				}
				if d := cmp.Diff(want.Data, got[b].Data); d != "" {
					t.Errorf("image %d: detections mismatch (-want +got):\n%s", b, d)
				}
			}
		})
	}
}
