package iou

// variants is the family's table, in the order of the iou_type list. A
// new variant is a file holding its formula and constructor, and a row
// here; hyp validation, the engine, lossdemo's -compare and its curves all
// read this table.
var variants = []Variant{
	{
		Name: "ciou",
		Doc:  "YOLOv5's Complete IoU: IoU − ρ²/c² − α·v (Zheng et al. 2020; YOLOv5 bbox_iou)",
		New:  newCIoU,
	},
}
