// Package labels reads and writes a dataset's YOLO label files, as YOLOv5
// reads them in utils/dataloaders.py.
//
// # The format
//
// A label file labels/<name>.txt holds the objects of the image
// images/<name>.<ext>, one per line:
//
//	class x y w h
//
// the class an integer, the box centre (x, y) and size (w, h) normalised
// by the image's width and height, fields separated by white space. Lines
// end at "\r\n", "\n" or a lone "\r", as YOLOv5's splitlines splits them
// (each counts one line in the errors' line numbers); blank lines are
// allowed. A missing label file means an image without objects, as in
// YOLOv5; the readers list the missing files (Result.Missing), since a
// wrong path looks the same. A path that does not end in .txt is an error:
// the readers take label paths, and Paths maps image paths to them.
// ReadDataset, for a split a trainer learns from, is YOLOv5's "No labels
// found" error when the split has no label at all.
//
// Path maps an image path to its label path as YOLOv5's img2label_paths
// does: the last /images/ becomes /labels/, and the extension .txt.
//
// # Valid rows
//
// A row is valid when it has five fields, each a decimal number, the label
// it makes passes target.CheckLabel, the rules the loss applies (class an
// integer in [0, nc), centre in [0, 1], size in (0, 1], all finite), and it
// does not repeat an earlier row of the same file (YOLOv5 drops such a
// duplicate with a warning).
//
// The Policy says what happens to a row that is not valid: Strict makes
// the first one the error of the read; Skip drops it and reports it in
// Result.Dropped, so that a trainer can log it, or leave the image out as
// YOLOv5 does with a corrupt label file. Either way a problem is a
// *LineError naming the file, the line and, where one is at fault, the
// column (1 class, 2 x, 3 y, 4 w, 5 h, the columns of target.Label):
//
//	labels: data/labels/000042.txt:3: x (column 2) = 1.5 is not in [0, 1]
//
// Write writes a label file that the readers take back unchanged: valid
// rows, no duplicates, each number in the shortest form that reads back to
// the same float64. It writes the whole file or nothing, and never
// replaces an existing one.
//
// # Where YOLOv5 differs
//
// YOLOv5 reads the values as float32, and after dropping duplicates sorts
// the rows; this package keeps the float64 value of the text and the order
// of the file. YOLOv5 turns rows of more than five values (polygons) into
// boxes; this package reports them. YOLOv5 checks the class against nc
// when training starts, and does not reject a box of zero size; this
// package does both, per row, as the loss does. Python's splitlines also
// ends a line at "\v", "\f", "\x1c" to "\x1e", U+0085, U+2028 and U+2029;
// this package takes "\v", "\f", U+0085, U+2028 and U+2029 for white space
// inside a line, and "\x1c" to "\x1e" for part of a field.
package labels
