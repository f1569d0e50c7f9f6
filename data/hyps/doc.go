// Package hyps embeds YOLOv5's hyperparameter presets.
//
// The files are the six presets YOLOv5 ships in data/hyps (hyp.scratch-low.yaml,
// hyp.scratch-med.yaml, hyp.scratch-high.yaml, hyp.VOC.yaml, hyp.Objects365.yaml and
// hyp.no-augmentation.yaml), with YOLOv5's keys, values and key order and comments of
// our own. They are available as the file system FS; package hyp parses them.
package hyps // import "github.com/yolo-loss/yololoss/data/hyps"
