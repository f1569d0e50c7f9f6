package labels

import (
	"path/filepath"
	"strings"
)

// Path returns the label file of an image, as YOLOv5's img2label_paths
// does: the last path element "images" becomes "labels", and the file's
// extension ".txt":
//
//	data/coco/images/train2017/000042.jpg -> data/coco/labels/train2017/000042.txt
//
// It differs from YOLOv5 in two cases that YOLOv5 gets wrong: a relative
// path that starts with images/ maps too (YOLOv5 looks for /images/ only),
// and a file name without an extension gets .txt appended (YOLOv5 cuts the
// path at its last dot, which may be in a directory's name).
func Path(image string) string {
	sep := string(filepath.Separator)
	images, labels := sep+"images"+sep, sep+"labels"+sep
	p := sep + image // so that a leading images/ matches
	if i := strings.LastIndex(p, images); i >= 0 {
		p = p[:i] + labels + p[i+len(images):]
	}
	p = p[len(sep):]
	return strings.TrimSuffix(p, filepath.Ext(p)) + ".txt"
}

// Paths returns Path of each image.
func Paths(images []string) []string {
	out := make([]string, len(images))
	for i, im := range images {
		out[i] = Path(im)
	}
	return out
}
