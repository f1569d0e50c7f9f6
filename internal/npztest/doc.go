// Package npztest makes hostile .npz files for the commands' tests: files
// that are small on disk but whose headers declare arrays far larger than
// a reader should allocate. Only tests import it.
//
// Declaring's array declares float32 data of n = ∏ shape elements, 4·n
// bytes, in both its .npy header and its zip entry's uncompressed size,
// while its deflated stream holds only the header and a few zeros: a
// reader that checks the header against its cap refuses the file before
// reading or allocating; one that trusts the header allocates 4·n bytes.
package npztest
