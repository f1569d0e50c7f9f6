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

	// ValV8IoUThres is the IoU threshold of ultralytics' detection
	// validator (default.yaml's iou); its conf_thres is ValConfThres too.
	ValV8IoUThres = 0.7
)

// Head selects the detection head whose inference output NMS reads, and
// whose non_max_suppression rule it applies (see the package doc).
type Head int

const (
	// V5 is YOLOv5's anchor-based Detect: rows [bs, n, 5+nc] with an
	// objectness channel; conf = obj·cls. The zero value.
	V5 Head = iota
	// V8 is the anchor-free Detect of YOLOv8, YOLO11, YOLO26 and YOLOv10
	// (ultralytics' non_max_suppression): channels first,
	// [bs, 4+nc, n], no objectness; conf = cls.
	V8
)

// String returns "v5" or "v8", the names of the commands' -head flag.
func (h Head) String() string {
	switch h {
	case V5:
		return "v5"
	case V8:
		return "v8"
	}
	return fmt.Sprintf("Head(%d)", int(h))
}

// Options are non_max_suppression's settings. The zero value, and nil,
// mean the function's own defaults: YOLOv5's head, conf 0.25, IoU 0.45,
// best class only, class-aware, 300 detections, every class (detect.py's
// settings; ultralytics' function has the same defaults). Val returns
// val.py's, ValV8 ultralytics' validator's.
type Options struct {
	// Head is the head whose output NMS reads and whose rule it applies;
	// the zero value is V5.
	Head Head
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

// ValV8 returns the settings of ultralytics' detection validator for
// the anchor-free head: conf 0.001, IoU 0.7, multi-label, class-aware,
// 300 detections.
func ValV8() *Options {
	return &Options{Head: V8, ConfThres: new(float64(ValConfThres)), IoUThres: new(float64(ValV8IoUThres)), MultiLabel: true}
}

// settings are Options resolved and checked.
type settings struct {
	head       Head
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
	if o.Head != V5 && o.Head != V8 {
		return settings{}, fmt.Errorf("nms: unknown head %v", o.Head)
	}
	s.head = o.Head
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
