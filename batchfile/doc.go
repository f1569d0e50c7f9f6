// Package batchfile reads and writes the .npz files that carry one call's
// worth of inputs to YOLOv5's loss: the raw Detect-head outputs of each
// layer, the targets, and optionally the anchors and strides.
//
// # The file
//
// An .npz file is a zip archive of .npy arrays, as NumPy's savez writes
// it. A batch file holds
//
//	p0 … p{nl-1}  float [bs, na, ny, nx, 5+nc]  raw outputs per layer, 1 ≤ nl ≤ 5
//	targets       float [nt, 6]                 (image, class, x, y, w, h), normalised
//	anchors       float [nl, na, 2]             anchor (w, h) in grid units; optional
//	strides       float [nl]                    optional
//
// where float is float16, float32 or float64 in either byte order. float16
// arrays, which YOLOv5 saves under automatic mixed precision, are widened
// to float32 as they are read, exactly: a Tensor holds float32 or float64
// (a tensor.Array), which the engine takes without a copy when its element
// type matches (tensor.As).
//
// Grids may be rectangular (ny ≠ nx) and differ between layers; bs, na and
// 5+nc may not.
//
// # Untrusted input
//
// Read treats its input as untrusted. Every problem is a returned error,
// never a panic, and the error names the array and, where it fits, the
// index. The .npy headers are parsed by this package. Before any data is
// read, each header is checked (a float dtype, a shape whose size matches
// the zip entry, no overflow), each zip entry is checked to be able to
// hold what it declares (its compressed bytes inside the file; a stored
// entry as large as it declares; a deflated one declaring at most what
// deflate's best ratio, about 1032:1, inflates its stream to), and the
// memory the arrays declare together is checked against a cap: MaxBytes
// (4 GiB) by default, or Options.MaxBytes, which commands reading files
// from others set lower. Each array is then allocated once, at its
// declared size, and read in place: a small deflated file declaring much
// data (a decompression bomb) takes the memory of the arrays it declares
// and no more, and a file's data cannot take more than about twice the
// memory it declares (float16 is widened to float32, float32 targets to
// float64). Options.DType converts the predictions to the engine's
// element type as they are read, with no second copy. Read then
// validates the batch (see Batch.Validate): consistent shapes, no NaN or
// Inf, targets with integral image and class indices in range and boxes
// inside the image.
//
// ReadTensors reads arbitrary float arrays, such as the gradients in a
// grad.npz, with the same checks on headers and sizes but none on values.
// ReadInts and ReadInt read integer arrays (int8 to int64, uint8 to uint64,
// either byte order, or floats holding integers) into int64, with the same
// checks, each integer counted as 8 bytes against the cap: an anchor-free
// head's file holds reg_max as an int64 scalar.
//
// # Writing
//
// WriteFile writes tensors as an uncompressed .npz that NumPy reads, with
// version 1.0 .npy headers, through internal/atomicfile: the file appears
// whole or not at all, and an existing file is never replaced.
// Batch.Tensors turns a batch back into the tensors of its file.
// WriteFileBools writes boolean arrays (NumPy's bool dtype) after the
// tensors, for results such as val.py's matrix of true positives.
//
// # Why not npyio
//
// codeberg.org/sbinet/npyio is the maintained Go library for .npy and .npz,
// and the tests use it to check that its files and ours interoperate both
// ways. The reading and writing paths do not use it, for what testing
// v0.14.0 showed: its writer drops zero-length dimensions (a [0, 6] targets
// array, an image batch without labels, comes out with shape () and dtype
// V48) and cannot write an N-d array from a flat slice; its header reader
// allocates whatever header length a file declares and can panic on a
// malformed header, while this package must treat files as untrusted.
package batchfile
