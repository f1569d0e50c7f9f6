// Package feed is the one place where a batch file meets the engine: it
// turns the arrays of package batchfile into the inputs of package
// computeloss (the model description and one tensor per layer), and the
// engine's tensors back into arrays to write.
//
// The data's way through lossdemo is
//
//	file ─batchfile→ Batch ─feed→ engine inputs ─computeloss→ Result, gradient ─feed→ arrays ─batchfile→ file
//
// # Defaults
//
// A batch may lack the "anchors" and "strides" arrays. Model then takes
// YOLOv5's P5 anchors (valid for 3 layers of 3 anchors only) and the
// strides 8·2^i of layer i, P3 upwards.
//
// # Element types
//
// A batch holds float32 or float64 predictions, one type for every layer
// (Float32 reports a mix as an error). Preds views the file's data when the
// engine's element type T is the file's, and converts a copy otherwise
// (float64 to float32 rounds to nearest): a float32 file feeds a float32
// engine without a copy, and a fitter that works in float64 gets its own
// copy of a float32 file.
//
// The engine's tensor type is tensor.Tensor for now, with a fixed
// rank of 5; Tensor views one as a tensor.Tensor for package decode.
// Every conversion between a file's arrays, the engine's types and
// decode's lives here, so that the engine's move to tensor.Tensor and
// model.Detect changes little else.
//
// # Matches
//
// Matches runs the assigner (package target) over the layers as the engine
// does, for code that reports per label or per matched cell: the labels a
// layer matched, the cells whose box and class logits carry a gradient.
package feed
