package nms_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/yolo-loss/yololoss/internal/goldeneval"
	"github.com/yolo-loss/yololoss/nms"
)

const (
	goldenDir   = "../testdata/golden-eval"    // YOLOv5's non_max_suppression
	goldenV8Dir = "../testdata/golden-v8-eval" // ultralytics', for the anchor-free head
)

// TestGolden reproduces non_max_suppression's output of every golden case
// exactly, YOLOv5's and ultralytics': same detections, same order, same
// bits.
func TestGolden(t *testing.T) {
	for _, dir := range []string{goldenDir, goldenV8Dir} {
		cases, err := goldeneval.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, gc := range cases {
			t.Run(gc.Name, func(t *testing.T) {
				o := gc.Config.Options()
				if (o.Head == nms.V8) != (dir == goldenV8Dir) {
					t.Fatalf("head %q in %s", gc.Config.Head, dir)
				}
				s, err := nms.New[float64](o)
				if err != nil {
					t.Fatal(err)
				}
				check := nms.Check[float64]
				if o.Head == nms.V8 {
					check = nms.CheckV8[float64]
				}
				if err := check(gc.Pred); err != nil {
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
}
