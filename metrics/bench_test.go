package metrics_test

import (
	"os"
	"testing"

	"github.com/yolo-loss/yololoss/batchfile"
	"github.com/yolo-loss/yololoss/metrics"
	"github.com/yolo-loss/yololoss/nms"
	"github.com/yolo-loss/yololoss/tensor"
)

// evalBatchEnv names the environment variable that holds the path of the
// speed batch: tools/make_eval_batch.py's COCO-sized batch (see
// BENCHMARKS.md).
const evalBatchEnv = "YOLOLOSS_EVAL_BATCH"

// loadEvalBatch reads the speed batch, or skips the benchmark.
func loadEvalBatch(b *testing.B) (pred, targets tensor.Tensor[float32]) {
	path := os.Getenv(evalBatchEnv)
	if path == "" {
		b.Skipf("set %s to the .npz that tools/make_eval_batch.py writes (see BENCHMARKS.md)", evalBatchEnv)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	ts, err := batchfile.ReadTensors(f, fi.Size(), "pred", "targets")
	if err != nil {
		b.Fatal(err)
	}
	if ts[0].F32 == nil || ts[1].F32 == nil {
		b.Fatalf("%s: pred and targets must be float32", path)
	}
	pred = tensor.Tensor[float32]{Data: ts[0].F32, Shape: ts[0].Shape}
	targets = tensor.Tensor[float32]{Data: ts[1].F32, Shape: ts[1].Shape}
	return pred, targets
}

// BenchmarkEval is val.py's evaluation of the speed batch: NMS with
// val.py's settings, matching and ap_per_class, on buffers warmed by one
// evaluation before the timed ones (Compute allocates its result).
func BenchmarkEval(b *testing.B) {
	pred, targets := loadEvalBatch(b)
	res, acc := benchEval(b, nms.Val(), pred, targets, pred.Shape[2]-5)
	b.ReportMetric(res.MAP, "mAP")
	b.ReportMetric(res.MAP50, "mAP50")
	b.ReportMetric(float64(len(acc.Correct()))/float64(pred.Shape[0]), "dets/image")
}

// benchEval times the evaluation of pred (NMS with o, matching and
// ap_per_class over nc classes) on buffers warmed by one evaluation before
// the timed ones, and returns the last result and the accumulator.
func benchEval(b *testing.B, o *nms.Options, pred, targets tensor.Tensor[float32], nc int) (metrics.Result, *metrics.Accumulator[float32]) {
	s, err := nms.New[float32](o)
	if err != nil {
		b.Fatal(err)
	}
	acc := metrics.NewAccumulator[float32](nc)
	eval := func() metrics.Result {
		acc.Reset()
		if err := acc.AddBatch(s.Batch(pred), targets); err != nil {
			b.Fatal(err)
		}
		return acc.Compute()
	}
	res := eval()
	for b.Loop() {
		res = eval()
	}
	return res, acc
}

// BenchmarkNMS is NMS alone on the speed batch, on warm buffers.
func BenchmarkNMS(b *testing.B) {
	pred, _ := loadEvalBatch(b)
	s, err := nms.New[float32](nms.Val())
	if err != nil {
		b.Fatal(err)
	}
	s.Batch(pred)
	for b.Loop() {
		s.Batch(pred)
	}
}

// v8Layout returns the speed batch in the anchor-free head's layout
// [bs, 4+nc, n], each class score the YOLOv5 row's obj·cls, so that both
// heads' evaluations see the same confidences.
func v8Layout(pred tensor.Tensor[float32]) tensor.Tensor[float32] {
	bs, n, no := pred.Shape[0], pred.Shape[1], pred.Shape[2]
	nch := no - 1
	out := tensor.New[float32](bs, nch, n)
	for b := range bs {
		for r := range n {
			v := pred.Data[(b*n+r)*no : (b*n+r+1)*no]
			o := out.Data[b*nch*n:]
			for c := range 4 {
				o[c*n+r] = v[c]
			}
			for c := 4; c < nch; c++ {
				o[c*n+r] = v[4] * v[c+1]
			}
		}
	}
	return out
}

// BenchmarkEvalV8 is BenchmarkEval for the anchor-free head: the speed
// batch in its layout, ultralytics' NMS with the validator's settings,
// matching and ap_per_class.
func BenchmarkEvalV8(b *testing.B) {
	p5, targets := loadEvalBatch(b)
	pred := v8Layout(p5)
	res, acc := benchEval(b, nms.ValV8(), pred, targets, pred.Shape[1]-4)
	b.ReportMetric(res.MAP, "mAP")
	b.ReportMetric(float64(len(acc.Correct()))/float64(pred.Shape[0]), "dets/image")
}
