package net

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX's own style for graph code
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/yolo-loss/yololoss/model"
)

// Widths are the output channels of the backbone's stages, one per halving of
// the resolution: stage l (1-based) works at stride 2^l.
var Widths = []int{16, 32, 64, 96, 128}

// Config describes a network.
type Config struct {
	Detect model.Detect // classes, anchors (grid units) and strides of the YOLOv5 head
	// AnchorFree, when set, makes the head anchor-free (ultralytics' Detect:
	// 4·reg_max box bins and nc class logits per cell), and Detect is unused.
	AnchorFree *model.AnchorFree
	ImgSize    int // square input side in pixels, a multiple of the largest stride
}

// clone returns a deep copy of c.
func (c Config) clone() Config {
	out := Config{Detect: c.Detect.Clone(), ImgSize: c.ImgSize}
	if c.AnchorFree != nil {
		a := c.AnchorFree.Clone()
		out.AnchorFree = &a
	}
	return out
}

// strides are the head's strides, one per output layer.
func (c Config) strides() []float64 {
	if c.AnchorFree != nil {
		return c.AnchorFree.Strides
	}
	return c.Detect.Strides
}

// Net is a small YOLO-style detector: a plain convolutional backbone and a
// Detect head on the stages whose strides the Detect lists.
type Net struct {
	cfg     Config
	backend backends.Backend
	heads   map[int]int // stage (1-based) → detect layer
	stages  int
}

// New checks cfg and returns the network for the backend.
func New(b backends.Backend, cfg Config) (*Net, error) {
	if cfg.AnchorFree != nil {
		if err := cfg.AnchorFree.Validate(); err != nil {
			return nil, fmt.Errorf("net: %w", err)
		}
		if cfg.AnchorFree.End2End {
			return nil, fmt.Errorf("net: an end-to-end head (one-to-one branch) is not built")
		}
	} else if err := cfg.Detect.Validate(); err != nil {
		return nil, fmt.Errorf("net: %w", err)
	}
	n := &Net{cfg: cfg.clone(), backend: b, heads: map[int]int{}}
	for i, s := range n.cfg.strides() {
		l := int(math.Round(math.Log2(s)))
		if s != math.Exp2(float64(l)) || l < 1 || l > len(Widths) {
			return nil, fmt.Errorf("net: layer %d: stride %g is not one of 2, 4, …, %d", i, s, 1<<len(Widths))
		}
		n.heads[l] = i
		n.stages = max(n.stages, l)
	}
	if top := 1 << n.stages; cfg.ImgSize <= 0 || cfg.ImgSize%top != 0 {
		return nil, fmt.Errorf("net: image size %d is not a positive multiple of the largest stride %d", cfg.ImgSize, top)
	}
	return n, nil
}

// Widths returns the channels of the stages the network uses.
func (n *Net) Widths() []int { return append([]int(nil), Widths[:n.stages]...) }

// Config returns the network's configuration.
func (n *Net) Config() Config { return n.cfg.clone() }

// Grids returns each output layer's (ny, nx) for the network's image size.
func (n *Net) Grids() [][2]int {
	g := make([][2]int, len(n.cfg.strides()))
	for i, s := range n.cfg.strides() {
		c := n.cfg.ImgSize / int(s)
		g[i] = [2]int{c, c}
	}
	return g
}

// OutShapes returns the shapes of Forward's outputs for a batch of bs
// images: [bs, na, ny, nx, 5+nc] each, or for the anchor-free head [bs,
// 4·reg_max+nc, ny, nx].
func (n *Net) OutShapes(bs int) [][]int {
	grids := n.Grids()
	out := make([][]int, len(grids))
	for i, g := range grids {
		if n.cfg.AnchorFree != nil {
			out[i] = []int{bs, n.no(), g[0], g[1]}
		} else {
			out[i] = []int{bs, n.na(), g[0], g[1], n.no()}
		}
	}
	return out
}

// no is the number of channels per anchor: x, y, w, h, objectness, classes.
// For the anchor-free head: 4·reg_max box bins, then the classes.
func (n *Net) no() int {
	if a := n.cfg.AnchorFree; a != nil {
		return a.Channels()
	}
	return 5 + n.cfg.Detect.NC
}

// na is the number of anchors per cell: 1 for the anchor-free head.
func (n *Net) na() int {
	if n.cfg.AnchorFree != nil {
		return 1
	}
	return n.cfg.Detect.NA()
}

// Init creates the network's variables in ctx with values drawn from a
// generator seeded by seed, so that two runs with one seed start alike on any
// backend: He-normal kernels (std √(2/fan_in)), zero biases, and the Detect
// biases of YOLOv5's _initialize_biases for an image of ImgSize pixels:
//
//	b_obj += log(8/(ImgSize/stride)²)   (8 objects per image)
//	b_cls += log(0.6/(nc − 0.99))
//
// The anchor-free head's biases are those of ultralytics' Detect.bias_init,
// for an image of ImgSize pixels rather than 640:
//
//	b_box = 1                              (every box bin)
//	b_cls = log(5/nc/(ImgSize/stride)²)    (5 objects per image)
func (n *Net) Init(ctx *context.Context, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	cin := 3
	for l := 1; l <= n.stages; l++ {
		c := Widths[l-1]
		n.initConv(ctx.In(fmt.Sprintf("stage%d", l)).In("down"), rng, 3, cin, c)
		if l >= 3 {
			n.initConv(ctx.In(fmt.Sprintf("stage%d", l)).In("mix"), rng, 3, c, c)
		}
		if i, ok := n.heads[l]; ok {
			n.initHead(ctx.In(fmt.Sprintf("detect%d", i)), rng, c, n.cfg.strides()[i])
		}
		cin = c
	}
}

func (n *Net) initConv(ctx *context.Context, rng *rand.Rand, k, cin, cout int) {
	fanIn := k * k * cin
	w := make([]float32, fanIn*cout)
	std := math.Sqrt(2 / float64(fanIn))
	for i := range w {
		w[i] = float32(rng.NormFloat64() * std)
	}
	ctx.VariableWithValue("w", tensors.FromFlatDataAndDimensions(w, fanIn, cout))
	ctx.VariableWithValue("b", tensors.FromFlatDataAndDimensions(make([]float32, cout), cout))
}

func (n *Net) initHead(ctx *context.Context, rng *rand.Rand, cin int, stride float64) {
	na, no, nc := n.na(), n.no(), n.cfg.Detect.NC
	w := make([]float32, cin*na*no)
	std := 0.01 // small, as the head's logits start near their bias
	for i := range w {
		w[i] = float32(rng.NormFloat64() * std)
	}
	cells := float64(n.cfg.ImgSize) / stride
	b := make([]float32, na*no)
	if a := n.cfg.AnchorFree; a != nil {
		nb := 4 * a.RegMax
		for k := range nb {
			b[k] = 1
		}
		for c := nb; c < no; c++ {
			b[c] = float32(math.Log(5 / float64(a.NC) / (cells * cells)))
		}
	} else {
		for a := range na {
			b[a*no+4] = float32(math.Log(8 / (cells * cells)))
			for c := range nc {
				b[a*no+5+c] = float32(math.Log(0.6 / (float64(nc) - 0.99)))
			}
		}
	}
	ctx.VariableWithValue("w", tensors.FromFlatDataAndDimensions(w, cin, na*no))
	ctx.VariableWithValue("b", tensors.FromFlatDataAndDimensions(b, na*no))
}

// Forward returns the raw outputs for images [B, H, W, 3] (RGB in 0..1), one
// per Detect layer, each [B, na, ny, nx, 5+nc]: the layout of package
// computeloss; for the anchor-free head each [B, 4·reg_max+nc, ny, nx], the
// layout of package v8loss. The variables must exist (Init).
func (n *Net) Forward(ctx *context.Context, images *Node) []*Node {
	out := make([]*Node, len(n.cfg.strides()))
	x := images
	for l := 1; l <= n.stages; l++ {
		sc := ctx.In(fmt.Sprintf("stage%d", l))
		x = n.convSiLU(sc.In("down"), x, 3, 2)
		if l >= 3 {
			x = n.convSiLU(sc.In("mix"), x, 3, 1)
		}
		if i, ok := n.heads[l]; ok {
			out[i] = n.head(ctx.In(fmt.Sprintf("detect%d", i)), x)
		}
	}
	return out
}

// convSiLU is y = SiLU(conv(x, w) + b), SiLU(z) = z·σ(z).
func (n *Net) convSiLU(ctx *context.Context, x *Node, k, stride int) *Node {
	g := x.Graph()
	w := ctx.GetVariable("w").ValueGraph(g)
	b := ctx.GetVariable("b").ValueGraph(g)
	z := conv2D(n.backend, x, w, k, stride)
	z = Add(z, Reshape(b, 1, 1, 1, b.Shape().Dimensions[0]))
	return Mul(z, Sigmoid(z))
}

// head is the Detect layer: a 1×1 convolution to na·(5+nc) channels, viewed
// as [B, na, ny, nx, 5+nc] (channel a·(5+nc)+c is anchor a's channel c, as in
// YOLOv5's view(bs, na, no, ny, nx)).
func (n *Net) head(ctx *context.Context, x *Node) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	bs, ny, nx, c := dims[0], dims[1], dims[2], dims[3]
	na, no := n.na(), n.no()
	w := ctx.GetVariable("w").ValueGraph(g)
	b := ctx.GetVariable("b").ValueGraph(g)
	y := Add(matMul(Reshape(x, bs*ny*nx, c), w), Reshape(b, 1, na*no))
	if n.cfg.AnchorFree != nil {
		// [B, ny, nx, no] → [B, no, ny, nx], channels first as ultralytics'.
		return TransposeAllAxes(Reshape(y, bs, ny, nx, no), 0, 3, 1, 2)
	}
	y = Reshape(y, bs, ny, nx, na, no)
	return TransposeAllAxes(y, 0, 3, 1, 2, 4)
}
