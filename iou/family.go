package iou

// variants is the family's table, in the order of the iou_type list. A
// new variant is a file holding its formula and constructor, and a row
// here; hyp validation, the engine, lossdemo's -compare and its curves all
// read this table.
var variants = []Variant{
	{
		Name: "iou",
		Doc:  "plain IoU, no penalty (YOLOv5 bbox_iou; α-IoU, Focal: yolo-improve iou.py)",
		Keys: []string{KeyAlpha, KeyFocalGamma},
		New:  newIoU,
	},
	{
		Name: "giou",
		Doc:  "Generalized IoU: IoU − (C − U)/C, C the enclosing box's area (Rezatofighi et al. 2019; YOLOv5 bbox_iou)",
		Keys: []string{KeyAlpha, KeyFocalGamma},
		New:  newGIoU,
	},
	{
		Name: "diou",
		Doc:  "Distance IoU: IoU − ρ²/c², centre distance over the enclosing diagonal (Zheng et al. 2020; YOLOv5 bbox_iou)",
		Keys: []string{KeyAlpha, KeyFocalGamma},
		New:  newDIoU,
	},
	{
		Name:    "ciou",
		Doc:     "Complete IoU: DIoU − α·v, v the aspect-ratio mismatch (Zheng et al. 2020; YOLOv5 bbox_iou; Inner: malagoutou/Inner-IoU)",
		Keys:    []string{KeyAlpha, KeyFocalGamma, KeyInnerRatio},
		Applies: appliesInner,
		New:     newCIoU,
	},
	{
		Name: "eiou",
		Doc:  "Efficient IoU: DIoU − Δw²/cw² − Δh²/ch², width and height apart (Zhang et al. 2022; yolo-improve iou.py)",
		Keys: []string{KeyAlpha, KeyFocalGamma},
		New:  newEIoU,
	},
	{
		Name:    "siou",
		Doc:     "SCYLLA-IoU: IoU − (angle-weighted distance cost + shape cost)/2 (Gevorgyan 2022; yolo-improve iou.py; Inner: malagoutou/Inner-IoU)",
		Keys:    []string{KeyAlpha, KeyFocalGamma, KeyInnerRatio},
		Applies: appliesInner,
		New:     newSIoU,
	},
	{
		Name:    "wiou",
		Doc:     "Wise-IoU: e^{ρ²/c²}·(1 − IoU), v2/v3 weighted by the outlier degree β against a running mean (Tong et al. 2023; Instinct323/wiou)",
		Keys:    []string{KeyWIoUVersion, KeyWIoUAlpha, KeyWIoUDelta, KeyWIoUMomentum},
		Applies: appliesWIoU,
		New:     newWIoU,
	},
	{
		Name: "mpdiou",
		Doc:  "MPDIoU: IoU − (d₁² + d₂²)/(NY² + NX²), corner distances over the layer's grid (Ma & Xu 2023; yolo-improve yolov7-MPDiou.py)",
		New:  newMPDIoU,
	},
	{
		Name: "shape_iou",
		Doc:  "Shape-IoU: IoU − distance and shape costs weighted by the target's shape (Zhang & Zhang 2023; malagoutou/Shape-IoU)",
		Keys: []string{KeyShapeScale},
		New:  newShapeIoU,
	},
}

// appliesInner: iou_inner_ratio (Inner-IoU) replaces the IoU term that
// iou_alpha and iou_focal_gamma modify, so neither has an effect in a file
// that sets it, nor it in a file that sets either.
func appliesInner(key string, _ Params, set func(string) bool) bool {
	if key == KeyInnerRatio {
		return !set(KeyAlpha) && !set(KeyFocalGamma)
	}
	return !set(KeyInnerRatio)
}

// appliesWIoU: v1 has no focusing (wiou_momentum moves a mean nothing
// reads), and only v3 has α and δ.
func appliesWIoU(key string, p Params, _ func(string) bool) bool {
	switch key {
	case KeyWIoUMomentum:
		return p.WIoUVersion != 1
	case KeyWIoUAlpha, KeyWIoUDelta:
		return p.WIoUVersion == 3
	}
	return true
}
