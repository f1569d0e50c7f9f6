// Package experiment runs the comparison of docs/experiment.md: one training
// run per hyp file of a runs file, all with the same model, data, seed and
// schedule, and a Markdown report of each run's final metrics, run time and
// curves.
//
// A runs file lists hyp files, one per line; the first is the baseline. The
// runs may differ from it only in the keys of Compared (the criteria, their
// placement, the class targets and the box loss), so that editing the
// schedule in one file alone is caught instead of measured.
package experiment
