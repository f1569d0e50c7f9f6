// Package tensor holds the dense arrays that the rest of yololoss shares:
// Tensor[T], whose element type is a type parameter, for code that
// computes (the engine, decoding, NMS), and Array, whose element type is
// known only at run time, for code that reads and writes files.
//
// # Layout
//
// Both are dense and in C order (row-major): the element at multi-index
// (i₀, …, i_{r−1}) of a tensor of shape (d₀, …, d_{r−1}) is at the flat
// index
//
//	((i₀·d₁ + i₁)·d₂ + i₂)·… + i_{r−1}.
//
// A Detect-head output layer, the engine's input, has shape
// [bs, na, ny, nx, 5+nc]; Detect's decoded inference output, NMS's input,
// [bs, n, 5+nc].
//
// # Conversions
//
// View and As convert between the two without copying when the element
// types agree (float32 with float32, float64 with float64), and Convert
// copies when they do not: a float32 file can feed a float32 engine
// directly.
package tensor
