// Package gradcheck compares analytic derivatives with central finite
// differences (gonum.org/v1/gonum/diff/fd), for the tests of the criteria,
// the box loss and the engine.
package gradcheck
