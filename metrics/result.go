package metrics

// NumConf is the number of confidences at which P, R and F1 are read:
// 0, 1/999, …, 1 (ap_per_class's px).
const NumConf = 1000

// Result is what val.py reports for a validation set.
type Result struct {
	Images int   // images added
	NT     []int // labels per class, for all nc classes
	// MP, MR, MAP50 and MAP are the means over Classes of P, R, AP50 and
	// AP: val.py's mp, mr, map50 and map.
	MP, MR, MAP50, MAP float64
	// Classes are the classes that have labels, ascending (ap_class), or
	// none when no detection is correct (YOLOv5 computes no metrics then).
	Classes []Class
	// Curves are the curves the numbers are read from, for plots; empty
	// when Classes is.
	Curves Curves
}

// Class is one class's row of val.py's table.
type Class struct {
	Class  int
	Labels int
	// TP and FP are YOLOv5's true and false positives at the selected
	// confidence: round(R·Labels) and round(TP/P − TP).
	TP, FP float64
	// P, R and F1 at the confidence of the largest smoothed class-mean F1.
	P, R, F1 float64
	AP50     float64         // AP at IoU 0.5
	AP       float64         // the mean AP over the ten thresholds
	APs      [NumIoU]float64 // AP at each threshold
}

// Curves are ap_per_class's curves, per class of Result.Classes (index i
// of each slice is Classes[i]).
type Curves struct {
	// Conf holds the NumConf confidences 0, 1/999, …, 1; it is also the
	// recall axis of PR.
	Conf []float64
	// P, R and F1 are each class's precision, recall and F1 at Conf (IoU
	// 0.5).
	P, R, F1 [][]float64
	// PR is each class's precision envelope at recall Conf, IoU 0.5, as
	// YOLOv5's PR plot draws it; nil for a class without detections.
	PR [][]float64
	// Best is the index in Conf where P, R and F1 of Classes are read.
	Best int
}
