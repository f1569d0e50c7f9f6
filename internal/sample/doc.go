// Package sample generates the demo's sample predictions: a deterministic
// batch that looks like the output of a partly trained YOLOv5 on two images
// with 80 classes, with a handful of labelled objects, high objectness and
// the right class near them, and low objectness elsewhere.
//
// lossdemo embeds what Generate returns, written by `go generate`; a test
// checks that the embedded files are exactly what the generator makes.
package sample
