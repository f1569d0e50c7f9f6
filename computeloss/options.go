package computeloss

// Options are the engine's switches: those of YOLOv5's ComputeLoss that its
// hyp file does not hold. The zero value is YOLOv5's default: no
// autobalance, no IoU sort, gr 1.
type Options struct {
	// Autobalance adapts the per-layer objectness balance after each call,
	// normalised by the stride-16 layer (the model must have one).
	Autobalance bool
	// SortObjIoU writes the objectness targets of a layer in increasing
	// IoU order, so that the highest IoU wins a shared cell.
	SortObjIoU bool
	// GR mixes the objectness target of matched cells: (1−gr) + gr·IoU,
	// in [0, 1]. nil means YOLOv5's 1 (the IoU alone); set it with
	// new(0.5), for example.
	GR *float64
}

// DefaultGR is YOLOv5's gr, the value of a nil Options.GR.
const DefaultGR = 1.0

// gr returns the gr in force.
func (o Options) gr() float64 {
	if o.GR == nil {
		return DefaultGR
	}
	return *o.GR
}

// InitialBalance returns YOLOv5's initial objectness balance list for nl
// layers: [4, 1, 0.4] for three layers, else [4, 1, 0.25, 0.06, 0.02]
// whole, as YOLOv5 keeps it (layer i uses entry i; the unused entries
// still take part in the autobalance normalisation and in the reported
// list).
func InitialBalance(nl int) []float64 {
	if nl == 3 {
		return []float64{4, 1, 0.4}
	}
	return []float64{4, 1, 0.25, 0.06, 0.02}
}
