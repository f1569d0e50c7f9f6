package hyp

import (
	"fmt"

	"github.com/yolo-loss/yololoss/criterion"
	"github.com/yolo-loss/yololoss/iou"
)

// checkEffects reports the first key that is present but has no effect
// under the other keys' values, which Parse and Validate reject: a key
// that does nothing is a configuration that does not do what its author
// thinks. present(key) gives the key's line (0 when there is none) and
// whether it is present: in a file, written; in a Hyp, away from its
// default.
//
//   - fl_apply cls or obj with fl_gamma 0 (no criterion to place);
//   - a box-loss key that the iou_type's table row says has no effect
//     under the others (iou.Variant.Keys and Applies).
func (h *Hyp) checkEffects(present func(key string) (line int, ok bool)) *Error {
	if line, ok := present("fl_apply"); ok && h.FlGamma == 0 && h.FlApply != "" && h.FlApply != criterion.Both {
		return keyError(line, "fl_apply", fmt.Sprintf("%s has no effect with fl_gamma 0 (plain BCE everywhere): set fl_gamma > 0 or remove the key", h.FlApply))
	}
	p := h.BoxLoss()
	v, ok := iou.Lookup(p.Type)
	if !ok {
		return nil // reported by the iou_type check
	}
	set := func(key string) bool { _, ok := present(key); return ok }
	for _, key := range iou.Keys() {
		line, ok := present(key)
		if !ok || v.Effect(key, p, set) {
			continue
		}
		return keyError(line, key, "has no effect with "+settings(key, p, set)+": remove it")
	}
	return nil
}

// settings names the values that decide whether key has an effect.
func settings(key string, p iou.Params, set func(string) bool) string {
	s := "iou_type " + p.Type
	switch key {
	case "iou_alpha", "iou_focal_gamma":
		if set("iou_inner_ratio") {
			s += " and iou_inner_ratio (Inner-IoU takes no α or Focal weight)"
		}
	case "iou_inner_ratio":
		if set("iou_alpha") || set("iou_focal_gamma") {
			s += " and iou_alpha or iou_focal_gamma (Inner-IoU takes no α or Focal weight)"
		}
	case "wiou_alpha", "wiou_delta", "wiou_momentum":
		if p.Type == "wiou" {
			s += fmt.Sprintf(" and wiou_version %d", p.WIoUVersion)
		}
	}
	return s
}

// BoxLoss returns the box-loss parameters h selects, with each key's
// default where h holds 0 (see Hyp).
func (h *Hyp) BoxLoss() iou.Params {
	p := iou.DefaultParams()
	if h.IoUType != "" {
		p.Type = h.IoUType
	}
	set := func(dst *float64, v float64) {
		if v != 0 {
			*dst = v
		}
	}
	set(&p.Alpha, h.IoUAlpha)
	set(&p.FocalGamma, h.IoUFocalGamma)
	set(&p.InnerRatio, h.IoUInnerRatio)
	if h.WIoUVersion != 0 {
		p.WIoUVersion = h.WIoUVersion
	}
	set(&p.WIoUAlpha, h.WIoUAlpha)
	set(&p.WIoUDelta, h.WIoUDelta)
	set(&p.WIoUMomentum, h.WIoUMomentum)
	set(&p.ShapeScale, h.ShapeIoUScale)
	return p
}

// SetBoxLoss sets h's box-loss fields from p, the inverse of BoxLoss:
// h.BoxLoss() returns p again. A parameter at its default is stored as 0,
// as a file without the key leaves it.
func (h *Hyp) SetBoxLoss(p iou.Params) {
	d := iou.DefaultParams()
	unlessDefault := func(v, def float64) float64 {
		if v == def {
			return 0
		}
		return v
	}
	h.IoUType = p.Type
	h.IoUAlpha = unlessDefault(p.Alpha, d.Alpha)
	h.IoUFocalGamma = unlessDefault(p.FocalGamma, d.FocalGamma)
	h.IoUInnerRatio = unlessDefault(p.InnerRatio, d.InnerRatio)
	h.WIoUVersion = int(unlessDefault(float64(p.WIoUVersion), float64(d.WIoUVersion)))
	h.WIoUAlpha = unlessDefault(p.WIoUAlpha, d.WIoUAlpha)
	h.WIoUDelta = unlessDefault(p.WIoUDelta, d.WIoUDelta)
	h.WIoUMomentum = unlessDefault(p.WIoUMomentum, d.WIoUMomentum)
	h.ShapeIoUScale = unlessDefault(p.ShapeScale, d.ShapeScale)
}

// CriterionConfig returns what h says about the class and objectness criteria;
// fast selects BCE's float32-grade exponential and logarithm, as engines
// for float32 data do. criterion.Select turns it into the criteria.
func (h *Hyp) CriterionConfig(fast bool) criterion.Config {
	return criterion.Config{
		Type: h.FlType, Gamma: h.FlGamma, Alpha: h.FlAlpha, Apply: h.FlApply,
		ClsPosWeight: h.ClsPw, ObjPosWeight: h.ObjPw, Fast: fast,
	}
}

// DescribeCriteria describes the criteria h selects, for logs: "BCE
// (fl_gamma 0)" when FlGamma is 0, otherwise for example "focal γ=1.5
// α=0.25 on cls and obj" or "varifocal γ=2 α=0.75 on cls".
func (h *Hyp) DescribeCriteria() string {
	if h.FlGamma == 0 {
		return "BCE (fl_gamma 0)"
	}
	typ := h.FlType
	if typ == "" {
		typ = criterion.DefaultType
	}
	on := "cls and obj"
	switch h.FlApply {
	case criterion.Cls:
		on = "cls (obj BCE)"
	case criterion.Obj:
		on = "obj (cls BCE)"
	}
	return fmt.Sprintf("%s γ=%s α=%s on %s", typ, formatNumber(h.FlGamma), formatNumber(h.FlAlpha), on)
}
