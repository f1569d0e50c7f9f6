package iou

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Box is a box (x, y, w, h): centre and size. In the engine both boxes of a
// match are in the loss frame: grid units, the centre relative to the
// match's cell.
type Box = [4]float64

// Pred is the predicted box of a match, with its size also given as
// logarithms: the engine's sizes (2σ(t))²·anchor have
// log w = log(4·anchor) − 2·log(1 + e^{−t}), finite for every finite logit
// t even where w itself underflows to 0, and the variants take their
// aspect ratios and size derivatives from them.
type Pred struct {
	Box        Box
	LogW, LogH float64
}

// PredOf returns the Pred of a box of positive size, its logarithms from
// package math.
func PredOf(b Box) Pred { return Pred{Box: b, LogW: math.Log(b[2]), LogH: math.Log(b[3])} }

// Grid is what a variant knows of the layer of a match.
type Grid struct {
	NY, NX int // the layer's grid, in cells (MPDIoU normalises by NY² + NX²)
}

// Term is the box term of one match.
type Term struct {
	// Value is the variant's IoU-like value, carrying no gradient: clamped
	// at 0 it is the match's objectness target (before gr) and its IoU
	// class target.
	Value float64
	// Loss is the match's loss ℓ: a layer's box loss is the mean over its
	// matches of w·ℓ, with w the layer weight (see Loss.Weigh; 1 for every
	// variant but WIoU v2 and v3).
	Loss float64
	// Grad is ∂ℓ/∂(x, y, log w, log h) of the prediction, with the held
	// constants (Held) fixed.
	Grad [4]float64
	// Base is what Weigh reads for the layer weight and the running
	// state: WIoU's L_IoU (v1 included); 0 for the other variants.
	Base float64
}

// Held is what one match's term holds constant: the parts that carry no
// gradient (CIoU's aspect weight α, the Focal weight IoU^γ, WIoU's
// enclosing diagonal c²; the layer weight of WIoU v2/v3 is the engine's to
// hold). An unfrozen evaluation computes and stores them;
// a frozen one reuses them, so that the loss is a smooth function of the
// prediction (see computeloss's Engine.SetFrozen). Its content is the
// variant's own.
type Held struct{ c [2]float64 }

// State is a box loss's running state, carried from call to call: WIoU's
// running mean of L_IoU. Variants without one report Mean 1 and ignore it.
type State struct {
	Mean float64
}

// Loss is one configured member of the box-loss family.
//
// Eval may be called concurrently; Weigh and SetState change the running
// state and may not run beside each other or beside Eval. A Loss with a
// running state belongs to one engine: Variant.New makes a new one.
type Loss interface {
	// Eval computes the term of one match: prediction p against target t
	// (of positive size) in a layer of grid g. Unfrozen (frozen false), it
	// computes the held constants and stores them in *h; frozen, it uses
	// those in *h. MPDIoU reads g and panics if it is empty.
	Eval(p Pred, t Box, g Grid, h *Held, frozen bool) Term
	// Weigh computes the layer weights w[k] = f(base[k]) of the matches of
	// one layer from their Term.Base, and reports whether the variant has
	// any; when it reports false it has left w alone, and every weight is
	// 1. A variant with a running state updates it first, from the bases
	// (WIoU v1 too, though no weight reads it): call Weigh once per layer
	// with matches, in layer order, in each call that succeeds and is not
	// frozen; an empty layer leaves the state alone. It panics if the
	// lengths differ.
	Weigh(w, base []float64) bool
	// State returns the running state; SetState restores one (a
	// checkpoint), and returns an error if it is not a valid state.
	State() State
	SetState(State) error
	// String names the variant and its parameters, for people.
	String() string
}

// Params are the box-loss keys of a hyp file (see package hyp), with their
// defaults when absent.
type Params struct {
	Type         string  // iou_type: a Variant's Name
	Alpha        float64 // iou_alpha: the α-IoU power, 1 for none
	FocalGamma   float64 // iou_focal_gamma: γ of the Focal weight IoU^γ, 0 for none
	InnerRatio   float64 // iou_inner_ratio: Inner-IoU's scale, 1 for none
	WIoUVersion  int     // wiou_version: 1, 2 or 3
	WIoUAlpha    float64 // wiou_alpha: v3's α
	WIoUDelta    float64 // wiou_delta: v3's δ
	WIoUMomentum float64 // wiou_momentum: the running mean's momentum
	ShapeScale   float64 // shape_iou_scale: Shape-IoU's scale
}

// DefaultParams returns the parameters of a hyp file without box-loss keys:
// YOLOv5's CIoU.
func DefaultParams() Params {
	return Params{Type: "ciou", Alpha: 1, FocalGamma: 0, InnerRatio: 1,
		WIoUVersion: 3, WIoUAlpha: 1.9, WIoUDelta: 3, WIoUMomentum: 0.01, ShapeScale: 0}
}

// Variant is one entry of the family's table: the iou_type name, what it
// is, and its constructor.
type Variant struct {
	Name string // iou_type in a hyp file
	Doc  string // one line: what it changes, and its reference
	// Keys are the hyp keys beside iou_type that can have an effect with
	// this variant. Applies tells, for a key of Keys, whether it has one
	// under p in a file that sets the keys for which set reports true
	// (nil: every key of Keys always has). Use Effect, which checks both.
	Keys    []string
	Applies func(key string, p Params, set func(key string) bool) bool
	// New returns a Loss for p, whose Type is Name. It reads only the
	// parameters of Keys, and returns a *ParamError naming the key when one
	// is out of range, or an error when iou_inner_ratio ≠ 1 meets
	// iou_alpha ≠ 1 or iou_focal_gamma ≠ 0.
	New func(p Params) (Loss, error)
}

// Effect reports whether the hyp key, set in a file with the parameters
// p, has an effect with this variant: whether it is one of Keys and
// Applies allows it. set reports which keys the file sets; a key the file
// sets that has no effect is an error in package hyp, whatever its value.
func (v Variant) Effect(key string, p Params, set func(key string) bool) bool {
	if !slices.Contains(v.Keys, key) {
		return false
	}
	return v.Applies == nil || v.Applies(key, p, set)
}

// Keys returns the family's hyp keys beside iou_type, each of which some
// variant reads.
func Keys() []string {
	return []string{KeyAlpha, KeyFocalGamma, KeyInnerRatio, KeyWIoUVersion, KeyWIoUAlpha,
		KeyWIoUDelta, KeyWIoUMomentum, KeyShapeScale}
}

// Variants returns the table of variants, in the order of the iou_type
// list: iou, giou, diou, ciou, eiou, siou, wiou, mpdiou, shape_iou.
func Variants() []Variant { return slices.Clone(variants) }

// Lookup returns the variant named name, and false when there is none.
func Lookup(name string) (Variant, bool) {
	i := slices.IndexFunc(variants, func(v Variant) bool { return v.Name == name })
	if i < 0 {
		return Variant{}, false
	}
	return variants[i], true
}

// Names returns the variants' names, in table order.
func Names() []string {
	n := make([]string, len(variants))
	for i, v := range variants {
		n[i] = v.Name
	}
	return n
}

// New returns the Loss that p selects. An unknown Type is an error that
// lists the known ones.
func New(p Params) (Loss, error) {
	v, ok := Lookup(p.Type)
	if !ok {
		return nil, fmt.Errorf("iou: unknown iou_type %q (want one of %s)", p.Type, strings.Join(Names(), ", "))
	}
	return v.New(p)
}
