package iou

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkEval times one match's Eval (ns/op is ns per match), unfrozen,
// for each variant with its defaults and for the modifiers, over 1024
// matches decoded from logits as the engine decodes them.
func BenchmarkEval(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1024
	preds, targets := make([]Pred, n), make([]Box, n)
	for i := range preds {
		tv := [4]float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		preds[i], _ = PredFromLogits(tv, [2]float64{1.25 + rng.Float64(), 1.625 + rng.Float64()}, false)
		targets[i] = Box{rng.Float64()*2 - 0.5, rng.Float64()*2 - 0.5, 0.5 + 3*rng.Float64(), 0.5 + 3*rng.Float64()}
	}
	for _, c := range benchConfigs {
		l, err := New(paramsOf(b, c.typ, c.keys))
		if err != nil {
			b.Fatal(err)
		}
		held := make([]Held, n)
		g := Grid{NY: 80, NX: 80}
		b.Run(benchName(l), func(b *testing.B) {
			b.ReportAllocs()
			var sink float64
			for i := 0; b.Loop(); i++ {
				k := i & (n - 1)
				tm := l.Eval(preds[k], targets[k], g, &held[k], false)
				sink += tm.Loss + tm.Grad[0]
			}
			benchSink = sink
		})
	}
}

// benchConfigs are the benchmarks' variants: each with its defaults, and
// the modifiers.
var benchConfigs = []config{
	{"iou", nil}, {"giou", nil}, {"diou", nil}, {"ciou", nil}, {"eiou", nil}, {"siou", nil},
	{"wiou", nil}, {"mpdiou", nil}, {"shape_iou", nil},
	{"ciou", map[string]float64{KeyAlpha: 3}}, {"eiou", map[string]float64{KeyFocalGamma: 0.5}},
	{"ciou", map[string]float64{KeyInnerRatio: 0.8}}, {"siou", map[string]float64{KeyInnerRatio: 1.2}},
	{"shape_iou", map[string]float64{KeyShapeScale: 1.5}},
}

// BenchmarkXYXY times one foreground anchor's corner-frame Eval (ns/op is
// ns per anchor), unfrozen, for the variants of benchConfigs, over 1024
// pairs as the anchor-free head's (randomCornerPair).
func BenchmarkXYXY(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1024
	preds, targets := make([]Box, n), make([]Box, n)
	for i := range preds {
		preds[i], targets[i] = randomCornerPair(rng)
	}
	for _, c := range benchConfigs {
		l, err := NewXYXY(paramsOf(b, c.typ, c.keys))
		if err != nil {
			b.Fatal(err)
		}
		held := make([]Held, n)
		b.Run(benchNameOf(l.String()), func(b *testing.B) {
			b.ReportAllocs()
			var sink float64
			for i := 0; b.Loop(); i++ {
				k := i & (n - 1)
				tm := l.Eval(preds[k], targets[k], 6400, &held[k], false)
				sink += tm.Loss + tm.Grad[0]
			}
			benchSink = sink
		})
	}
}

// BenchmarkCIoUXYXY times the assigner's overlap, ns per pair.
func BenchmarkCIoUXYXY(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1024
	preds, targets := make([]Box, n), make([]Box, n)
	for i := range preds {
		preds[i], targets[i] = randomCornerPair(rng)
	}
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		k := i & (n - 1)
		sink += CIoUXYXY(preds[k], targets[k])
	}
	benchSink = sink
}

// BenchmarkCIoUTarget times CIoUTarget.CIoU on targets prepared once,
// ns per pair.
func BenchmarkCIoUTarget(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1024
	preds, targets := make([]Box, n), make([]CIoUTarget, n)
	for i := range preds {
		var t Box
		preds[i], t = randomCornerPair(rng)
		targets[i] = NewCIoUTarget(t)
	}
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		k := i & (n - 1)
		sink += targets[k].CIoU(preds[k])
	}
	benchSink = sink
}

var benchSink float64

// benchName is a variant's String without spaces, for -bench patterns.
func benchName(l Loss) string { return benchNameOf(l.String()) }

// benchNameOf is name without spaces or commas.
func benchNameOf(name string) string {
	s := []rune(name)
	for i, r := range s {
		if r == ' ' || r == ',' {
			s[i] = '_'
		}
	}
	return string(s)
}
