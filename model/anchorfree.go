package model

import (
	"fmt"
	"math"
)

// AnchorFree describes the anchor-free Detect head of YOLOv8, YOLO11,
// YOLO26 and YOLOv10 (ultralytics' Detect and v10Detect): what their loss
// and decoding read from it.
//
// Each output layer has 4·RegMax + NC channels: RegMax bins for each of the
// four distances from a cell centre to the box sides (left, top, right,
// bottom), then the class logits. RegMax 1 (YOLO26) makes the four box
// channels the distances themselves.
type AnchorFree struct {
	NC      int       // number of classes, ≥ 1
	RegMax  int       // bins per box side, ≥ 1 (16 for YOLOv8 and YOLO11, 1 for YOLO26)
	Strides []float64 // each layer's stride in pixels per cell, increasing
	// End2End marks a head with a one-to-one branch beside the
	// one-to-many one (YOLO26, YOLOv10): its loss takes both branches'
	// outputs.
	End2End bool
}

// Channels returns the channel count of each output layer, 4·RegMax + NC.
func (a AnchorFree) Channels() int { return 4*a.RegMax + a.NC }

// Validate reports whether a is usable: NC ≥ 1, RegMax ≥ 1, and 1 to
// MaxLayers finite positive strides in increasing order.
func (a AnchorFree) Validate() error {
	if a.NC < 1 {
		return fmt.Errorf("model: nc is %d, want ≥ 1", a.NC)
	}
	if a.RegMax < 1 {
		return fmt.Errorf("model: reg_max is %d, want ≥ 1", a.RegMax)
	}
	if len(a.Strides) == 0 || len(a.Strides) > MaxLayers {
		return fmt.Errorf("model: %d strides, want 1 to %d", len(a.Strides), MaxLayers)
	}
	for i, s := range a.Strides {
		if !(s > 0) || math.IsInf(s, 0) {
			return fmt.Errorf("model: stride %d is %v, want a finite positive number", i, s)
		}
		if i > 0 && s <= a.Strides[i-1] {
			return fmt.Errorf("model: stride %d (%v) is not larger than stride %d (%v): layers must be in increasing stride order", i, s, i-1, a.Strides[i-1])
		}
	}
	return nil
}

// Clone returns a copy of a that shares no memory with it.
func (a AnchorFree) Clone() AnchorFree {
	a.Strides = append([]float64(nil), a.Strides...)
	return a
}
