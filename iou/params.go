package iou

import "fmt"

// The hyp keys of the box-loss family beside iou_type.
const (
	KeyAlpha        = "iou_alpha"
	KeyFocalGamma   = "iou_focal_gamma"
	KeyInnerRatio   = "iou_inner_ratio"
	KeyWIoUVersion  = "wiou_version"
	KeyWIoUAlpha    = "wiou_alpha"
	KeyWIoUDelta    = "wiou_delta"
	KeyWIoUMomentum = "wiou_momentum"
	KeyShapeScale   = "shape_iou_scale"
)

// ParamError is a box-loss parameter outside its range; Key is its hyp key,
// so that package hyp can name the line.
type ParamError struct {
	Key   string
	Value float64
	Want  string // the range, as "(0, 10]"
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("iou: %s = %v is outside %s", e.Key, e.Value, e.Want)
}

// interval is a range of a parameter, open or closed at each end.
type interval struct {
	lo, hi         float64
	openLo, openHi bool
}

var (
	rangeAlpha    = interval{0, 10, true, false} // iou_alpha, wiou_alpha, wiou_delta
	rangeGamma    = interval{0, 10, false, false}
	rangeRatio    = interval{0, 4, true, false}
	rangeMomentum = interval{0, 1, true, false}
	rangeScale    = interval{0, 10, false, false}
)

func (r interval) has(v float64) bool {
	above := v > r.lo || !r.openLo && v == r.lo
	below := v < r.hi || !r.openHi && v == r.hi
	return above && below // false for NaN
}

func (r interval) String() string {
	l, h := "[", "]"
	if r.openLo {
		l = "("
	}
	if r.openHi {
		h = ")"
	}
	return fmt.Sprintf("%s%v, %v%s", l, r.lo, r.hi, h)
}

// check returns a *ParamError if v is outside r.
func check(key string, v float64, r interval) error {
	if !r.has(v) {
		return &ParamError{Key: key, Value: v, Want: r.String()}
	}
	return nil
}

// checkVersion returns a *ParamError if wiou_version is not 1, 2 or 3.
func checkVersion(v int) error {
	if v < 1 || v > 3 {
		return &ParamError{Key: KeyWIoUVersion, Value: float64(v), Want: "{1, 2, 3}"}
	}
	return nil
}
