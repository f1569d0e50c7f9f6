package nms

import (
	"fmt"
	"slices"
)

const (
	// MaxWH is YOLOv5's max_wh: the class offset of the boxes, in pixels
	// per class.
	MaxWH = 7680
	// MaxNMS is YOLOv5's max_nms: at most this many (box, class) pairs, the
	// most confident, enter NMS.
	MaxNMS = 30000

	// DefaultConfThres and DefaultIoUThres are non_max_suppression's
	// defaults (and detect.py's).
	DefaultConfThres = 0.25
	DefaultIoUThres  = 0.45
	// DefaultMaxDet is non_max_suppression's max_det.
	DefaultMaxDet = 300

	// ValConfThres and ValIoUThres are val.py's.
	ValConfThres = 0.001
	ValIoUThres  = 0.6
)

// Options are non_max_suppression's settings. The zero value, and nil,
// mean the function's own defaults: conf 0.25, IoU 0.45, best class only,
// class-aware, 300 detections, every class (detect.py's settings). Val
// returns val.py's.
type Options struct {
	// ConfThres is the threshold on objectness and on conf = obj·cls, in
	// [0, 1]; nil means DefaultConfThres.
	ConfThres *float64
	// IoUThres suppresses a box whose IoU with a kept box of its class is
	// above it, in [0, 1]; nil means DefaultIoUThres.
	IoUThres *float64
	// MultiLabel keeps every class of a box whose conf is above ConfThres,
	// rather than the best class only. It is ignored when nc = 1.
	MultiLabel bool
	// Agnostic runs NMS over all classes together.
	Agnostic bool
	// MaxDet is the most detections kept per image; 0 means DefaultMaxDet.
	MaxDet int
	// Classes, when not nil, keeps only the detections of these classes.
	Classes []int
}

// Val returns val.py's settings: conf 0.001, IoU 0.6, multi-label,
// class-aware, 300 detections.
func Val() *Options {
	return &Options{ConfThres: new(float64(ValConfThres)), IoUThres: new(float64(ValIoUThres)), MultiLabel: true}
}

// settings are Options resolved and checked.
type settings struct {
	conf, iou  float64
	multiLabel bool
	agnostic   bool
	maxDet     int
	classes    []int // the class filter, sorted; nil keeps every class
}

func resolve(o *Options) (settings, error) {
	s := settings{conf: DefaultConfThres, iou: DefaultIoUThres, maxDet: DefaultMaxDet}
	if o == nil {
		return s, nil
	}
	if o.ConfThres != nil {
		s.conf = *o.ConfThres
	}
	if o.IoUThres != nil {
		s.iou = *o.IoUThres
	}
	if !(s.conf >= 0 && s.conf <= 1) {
		return settings{}, fmt.Errorf("nms: conf_thres %v is outside [0, 1]", s.conf)
	}
	if !(s.iou >= 0 && s.iou <= 1) {
		return settings{}, fmt.Errorf("nms: iou_thres %v is outside [0, 1]", s.iou)
	}
	switch {
	case o.MaxDet < 0:
		return settings{}, fmt.Errorf("nms: max_det %d is negative", o.MaxDet)
	case o.MaxDet > 0:
		s.maxDet = o.MaxDet
	}
	s.multiLabel, s.agnostic = o.MultiLabel, o.Agnostic
	if o.Classes != nil {
		for i, c := range o.Classes {
			if c < 0 {
				return settings{}, fmt.Errorf("nms: classes[%d] = %d is not a class index", i, c)
			}
		}
		s.classes = slices.Compact(slices.Sorted(slices.Values(o.Classes)))
		if s.classes == nil {
			s.classes = []int{} // an empty filter keeps nothing
		}
	}
	return s, nil
}

// wanted reports whether class c passes the class filter.
func (s *settings) wanted(c int) bool {
	if s.classes == nil {
		return true
	}
	_, ok := slices.BinarySearch(s.classes, c)
	return ok
}
