package trainer

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's own style for graph code
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/yolo-loss/yololoss/examples/train/net"
)

// graphs holds the network's variables and its two compiled programs:
//
//	forward: images → raw outputs p_i
//	update:  images, G_i → one optimiser step on  S = Σ_i Σ p_i·G_i
//
// G_i = ∂loss/∂p_i comes from the loss engine, outside the graph, and enters
// update as an input, a constant of the graph; so ∂S/∂θ = Σ_i (∂p_i/∂θ)ᵀ·G_i
// = ∂loss/∂θ, the parameter gradient an in-graph loss would give. update
// recomputes the forward pass, since activations do not outlive a program.
type graphs struct {
	net     *net.Net
	ctx     *context.Context
	forward *context.Exec
	update  *context.Exec
	lr      *context.Variable
}

// optimizerNames are the optimisers the trainer offers.
var optimizerNames = []string{"adam", "sgd"}

// newGraphs creates the network's variables (seeded) and its programs. adam
// uses beta1 = momentum, as YOLOv5's Adam does, and decoupled weight decay
// (AdamW) on every variable; sgd is GoMLX's plain SGD, with no momentum.
func newGraphs(b backends.Backend, n *net.Net, optimizer string, seed uint64, momentum, weightDecay float64) (*graphs, error) {
	var opt optimizers.Interface
	switch optimizer {
	case "adam":
		opt = optimizers.Adam().Betas(momentum, 0.999).WeightDecay(weightDecay).Done()
	case "sgd":
		opt = optimizers.StochasticGradientDescent().WithDecay(false).Done()
	default:
		return nil, fmt.Errorf("trainer: unknown optimizer %q (want one of %v)", optimizer, optimizerNames)
	}
	ctx := context.New()
	n.Init(ctx.In("net"), seed)
	g := &graphs{net: n, ctx: ctx}
	g.lr = optimizers.LearningRateVar(ctx, dtypes.Float32, 0)
	var err error
	g.forward, err = context.NewExec(b, ctx, func(ctx *context.Context, x *Node) []*Node {
		return n.Forward(ctx.In("net"), x)
	})
	if err != nil {
		return nil, err
	}
	g.update, err = context.NewExec(b, ctx, func(ctx *context.Context, in []*Node) *Node {
		p := n.Forward(ctx.In("net"), in[0])
		s := ScalarZero(in[0].Graph(), dtypes.Float32)
		for i, pi := range p {
			s = Add(s, ReduceAllSum(Mul(pi, in[1+i])))
		}
		opt.UpdateGraph(ctx, in[0].Graph(), s)
		return s
	})
	return g, err
}

// run calls forward on the images x ([B, S, S, 3]) and returns each output
// layer's flat data.
func (g *graphs) run(x *tensors.Tensor) ([][]float32, error) {
	out, err := g.forward.Exec(x)
	if err != nil {
		return nil, err
	}
	preds := make([][]float32, len(out))
	for i, t := range out {
		preds[i], err = tensors.CopyFlatData[float32](t)
		t.FinalizeLocal()
		if err != nil {
			return nil, err
		}
	}
	return preds, nil
}

// step makes one optimiser step at learning rate lr for the images x and the
// loss gradients grads (flat, of the output shapes).
func (g *graphs) step(x *tensors.Tensor, grads [][]float32, shapes [][]int, lr float64) error {
	if err := g.lr.SetValue(tensors.FromScalar(float32(lr))); err != nil {
		return err
	}
	in := make([]any, 1+len(grads))
	in[0] = x
	for i, gr := range grads {
		sh := shapes[i]
		in[1+i] = tensors.FromFlatDataAndDimensions(gr, sh...)
	}
	out, err := g.update.Exec(in...)
	for _, t := range out {
		t.FinalizeLocal()
	}
	return err
}
