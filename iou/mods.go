package iou

import (
	"fmt"
	"strings"
)

// mods are the modifiers of the variants that iou.py's bbox_iou covers
// (iou, giou, diou, ciou, eiou, siou): the α-IoU power (alpha.go), the
// Focal weight (focal.go) and, for ciou and siou, Inner-IoU (inner.go),
// with the small constants of the reference each combination follows.
//
// A variant's value is T − P, its IoU term T (iouTerm) less its penalty P;
// its loss is ℓ = w_f·(1 − T + P), w_f the Focal weight (1 without).
type mods struct {
	alpha float64 // α-IoU power, 1 for none
	gamma float64 // Focal γ, 0 for none
	ratio float64 // Inner-IoU ratio, 1 for none
	// ue is the ε that iou.py adds a second time to the union in the IoU
	// term, pe the ε it adds inside the powered penalties: both 0 under
	// YOLOv5's and Inner-IoU's conventions, Eps under iou.py's.
	ue, pe float64
}

// newMods checks the keys of p that a variant reads and returns its
// modifiers. yolo tells whether YOLOv5's bbox_iou has the variant (iou,
// giou, diou, ciou): then iou.py's conventions hold only with α ≠ 1 or
// γ > 0. inner tells whether the variant takes iou_inner_ratio.
func newMods(p Params, yolo, inner bool) (mods, error) {
	if err := check(KeyAlpha, p.Alpha, rangeAlpha); err != nil {
		return mods{}, err
	}
	if err := check(KeyFocalGamma, p.FocalGamma, rangeGamma); err != nil {
		return mods{}, err
	}
	m := mods{alpha: p.Alpha, gamma: p.FocalGamma, ratio: 1}
	if inner {
		if err := check(KeyInnerRatio, p.InnerRatio, rangeRatio); err != nil {
			return mods{}, err
		}
		m.ratio = p.InnerRatio
		if m.ratio != 1 && (m.alpha != 1 || m.gamma != 0) {
			return mods{}, fmt.Errorf("iou: %s = %v cannot be combined with %s = %v or %s = %v",
				KeyInnerRatio, m.ratio, KeyAlpha, m.alpha, KeyFocalGamma, m.gamma)
		}
	}
	if m.ratio == 1 && (!yolo || m.alpha != 1 || m.gamma != 0) {
		m.ue, m.pe = Eps, Eps
	}
	return m, nil
}

// term returns the Term of a match whose value is value, with the Focal
// weight wf; a holds ∂ℓ/∂ with ∂ℓ/∂value = −wf.
func (m *mods) term(q *pair, a *adjoint, value, wf float64) Term {
	return Term{Value: value, Loss: wf * (1 - value), Grad: a.grad(q)}
}

// name returns the variant's name with its modifiers, as "α-GIoU α=2,
// Focal γ=1" or "Inner-CIoU ratio=0.8".
func (m *mods) name(base string) string {
	var b strings.Builder
	switch {
	case m.ratio != 1:
		fmt.Fprintf(&b, "Inner-%s ratio=%v", base, m.ratio)
	case m.alpha != 1:
		fmt.Fprintf(&b, "α-%s α=%v", base, m.alpha)
	default:
		b.WriteString(base)
	}
	if m.gamma != 0 {
		fmt.Fprintf(&b, ", Focal γ=%v", m.gamma)
	}
	return b.String()
}
