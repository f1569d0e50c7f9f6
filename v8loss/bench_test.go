package v8loss

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
)

// benchBatch is the batch of /work/shared/bench/make_v8_batch.py's
// recipe, generated here: 16 images of 640×640, 80 classes, reg_max 16
// (8400 anchors an image), float32, standard normal logits (class logits
// shifted by −4) and 1 to 15 labels an image of log-uniform sizes in
// [0.02, 0.8].
func benchBatch() batch[float32] {
	rng := rand.New(rand.NewPCG(7, 7))
	return newBatch[float32](rng, 16, 640, 80, 16, false, func(int) int { return 1 + rng.IntN(15) })
}

// BenchmarkLoss is one forward and backward call on benchBatch, on 1 and
// 2 workers. It reports the heap the engine holds after its first call
// (engine-B) and that over the predictions and gradient (engine/pg).
func BenchmarkLoss(b *testing.B) {
	bt := benchBatch()
	pg := 0
	for i := range bt.p {
		pg += 4 * (len(bt.p[i].Data) + len(bt.g[i].Data))
	}
	for _, w := range []int{1, 2} {
		b.Run("workers="+strconv.Itoa(w), func(b *testing.B) {
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			e := mustEngine[float32](b, defaultSettings(), bt.d)
			e.SetWorkers(w)
			if _, err := e.Loss(bt.p, bt.labels, bt.g); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			runtime.ReadMemStats(&m1)
			held := float64(m1.HeapAlloc) - float64(m0.HeapAlloc)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := e.Loss(bt.p, bt.labels, bt.g); err != nil {
					b.Fatal(err)
				}
			}
			runtime.KeepAlive(e)
			b.ReportMetric(held, "engine-B")
			b.ReportMetric(held/float64(pg), "engine/pg")
		})
	}
}
