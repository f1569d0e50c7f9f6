package net

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's own style for graph code
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// benchmarkStep times the parameter gradient of the experiment's network on
// a batch of 16 images of 64×64, as the update program computes it (forward,
// then the gradient of Σ p·G), with the two-DotGeneral gradient or GoMLX's.
func benchmarkStep(b *testing.B, fast bool) {
	defer func(old bool) { fastDotGradient = old }(fastDotGradient)
	fastDotGradient = fast
	be := testBackend(b)
	d := testDetect(b)
	n, err := New(be, Config{Detect: d, ImgSize: 64})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.New()
	n.Init(ctx, 1)
	exec := context.MustNewExec(be, ctx, func(ctx *context.Context, in []*Node) []*Node {
		p := n.Forward(ctx, in[0])
		s := Add(ReduceAllSum(Mul(p[0], in[1])), ReduceAllSum(Mul(p[1], in[2])))
		return ctx.BuildTrainableVariablesGradientsGraph(s)
	})
	const bs = 16
	rng := rand.New(rand.NewPCG(1, 1))
	x := tensors.FromFlatDataAndDimensions(randoms(rng, bs*64*64*3), bs, 64, 64, 3)
	g0 := tensors.FromFlatDataAndDimensions(randoms(rng, bs*2*8*8*9), bs, 2, 8, 8, 9)
	g1 := tensors.FromFlatDataAndDimensions(randoms(rng, bs*2*4*4*9), bs, 2, 4, 4, 9)
	if _, err := exec.Exec(x, g0, g1); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := exec.Exec(x, g0, g1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGradientFastDot(b *testing.B)    { benchmarkStep(b, true) }
func BenchmarkGradientGenericDot(b *testing.B) { benchmarkStep(b, false) }
