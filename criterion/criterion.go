package criterion

import (
	"fmt"
	"slices"
	"strings"

	"github.com/yolo-loss/yololoss/bce"
	"github.com/yolo-loss/yololoss/focal"
	"github.com/yolo-loss/yololoss/varifocal"
)

// Type is one row of the table: an fl_type and its constructor.
type Type struct {
	Name string // fl_type in a hyp file
	Doc  string // one line: the loss and its source
	// New wraps base (BCE with its positive weight) in the criterion with
	// γ = gamma > 0 and α = alpha.
	New func(base bce.BCE, gamma, alpha float64) bce.Criterion
}

// types is the table, in the order lossdemo lists the rows. A new
// criterion is a package with its formula and a row here.
var types = []Type{
	{
		Name: "focal",
		Doc:  "focal loss (Lin et al. 2017), YOLOv5's FocalLoss: BCE·α_t·(1 − p_t)^γ",
		New: func(b bce.BCE, g, a float64) bce.Criterion {
			return focal.Focal{BCE: b, Gamma: g, Alpha: a}
		},
	},
	{
		Name: "qfocal",
		Doc:  "quality focal loss (Li et al. 2020), YOLOv5's QFocalLoss: BCE·α_t·|y − σ|^γ",
		New: func(b bce.BCE, g, a float64) bce.Criterion {
			return focal.Quality{BCE: b, Gamma: g, Alpha: a}
		},
	},
	{
		Name: "varifocal",
		Doc:  "varifocal loss (Zhang et al. 2021): BCE·(q·[q>0] + α·|σ − q|^γ·[q≤0])",
		New: func(b bce.BCE, g, a float64) bce.Criterion {
			return varifocal.Varifocal{BCE: b, Gamma: g, Alpha: a}
		},
	},
}

// DefaultType is the fl_type of a hyp file without one, as in YOLOv5.
const DefaultType = "focal"

// Types returns the table's rows.
func Types() []Type { return slices.Clone(types) }

// Names returns the fl_type names, in table order.
func Names() []string {
	n := make([]string, len(types))
	for i, t := range types {
		n[i] = t.Name
	}
	return n
}

// Lookup returns the row named name, and false when there is none.
func Lookup(name string) (Type, bool) {
	i := slices.IndexFunc(types, func(t Type) bool { return t.Name == name })
	if i < 0 {
		return Type{}, false
	}
	return types[i], true
}

// UnknownType returns the error message for an fl_type that is not in the
// table.
func UnknownType(name string) string {
	return fmt.Sprintf("unknown criterion %q (want %s)", name, strings.Join(Names(), ", "))
}

// Placement says which of the two BCE criteria the fl_type row wraps.
type Placement string

// The placements; Both is YOLOv5's, and the default.
const (
	Both Placement = "both" // the class and the objectness loss
	Cls  Placement = "cls"  // the class loss only; objectness stays BCE
	Obj  Placement = "obj"  // the objectness loss only; the class loss stays BCE
)

// Placements returns the placements, Both first.
func Placements() []Placement { return []Placement{Both, Cls, Obj} }

// Valid reports whether p is one of the placements.
func (p Placement) Valid() bool { return slices.Contains(Placements(), p) }

// Config is what a hyp file says about the criteria.
type Config struct {
	Type  string    // fl_type; "" means DefaultType
	Gamma float64   // fl_gamma; 0 selects plain BCE for both
	Alpha float64   // fl_alpha
	Apply Placement // fl_apply; "" means Both
	// The positive weights cls_pw and obj_pw of the two BCE criteria.
	ClsPosWeight, ObjPosWeight float64
	// Fast selects BCE's float32-grade exponential and logarithm
	// (bce.BCE.Fast), as engines for float32 data do.
	Fast bool
}

// Select returns the class and objectness criteria that c selects (see the
// package documentation). An fl_type or a placement that is not in the
// tables is an error.
func Select(c Config) (cls, obj bce.Criterion, err error) {
	bc := bce.BCE{PosWeight: c.ClsPosWeight, Fast: c.Fast}
	bo := bce.BCE{PosWeight: c.ObjPosWeight, Fast: c.Fast}
	name := c.Type
	if name == "" {
		name = DefaultType
	}
	t, ok := Lookup(name)
	if !ok {
		return nil, nil, fmt.Errorf("criterion: %s", UnknownType(name))
	}
	apply := c.Apply
	if apply == "" {
		apply = Both
	}
	if !apply.Valid() {
		return nil, nil, fmt.Errorf("criterion: unknown placement %q (want both, cls or obj)", apply)
	}
	if !(c.Gamma > 0) {
		return bc, bo, nil
	}
	cls, obj = bce.Criterion(bc), bce.Criterion(bo)
	if apply != Obj {
		cls = t.New(bc, c.Gamma, c.Alpha)
	}
	if apply != Cls {
		obj = t.New(bo, c.Gamma, c.Alpha)
	}
	return cls, obj, nil
}
