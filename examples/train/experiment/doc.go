// Package experiment runs the comparison of docs/experiment.md: training
// runs read from a runs file, each trained once per seed, and a Markdown
// report of their final metrics over the seeds, with intervals, and their
// curves.
//
// # Runs, groups and seeds
//
// A runs file lists runs, one per line: a hyp file and options (data=, a
// synth spec or a data.yaml; model=; name=; gains=matched; see ReadRuns).
// Runs sharing a dataset and a model form a group, whose first run is its
// baseline; a run may differ from its baseline only in the keys of Compared
// (the criteria, their placement, the class targets and the box loss), so
// that editing the schedule in one file alone is caught instead of
// measured. Each run is trained with seeds s, s+1, …, s+N−1: seed k sets the
// network's initial weights and the order of the images; the dataset is the
// same for every seed. A run directory, Dir/<data>/<model>/<run>/seed-<k>,
// keeps its checkpoints, so a stopped experiment resumes where it stopped.
//
// A model is YOLOv5's (a model file of its format, Setup.Models' V5) or the
// anchor-free head of YOLOv8 and YOLO11 (an ultralytics model file, V8, such
// as models/synth-v8.yaml): its runs take ultralytics configs
// (hyps/v8-*.yaml) and train with package v8loss (see package trainer).
// gains=matched is YOLOv5's only (it scales the objectness gain).
//
// # The report
//
// Per run, over its seeds, of the last epoch's mAP@0.5 and mAP@0.5:0.95:
// the mean x̄ = Σ x_k / n, the sample standard deviation
// s = √(Σ (x_k − x̄)² / (n − 1)), each seed's value, and against the group's
// baseline the paired difference d_k = x_k − b_k (same seed k) with its 95%
// interval
//
//	d̄ ± t(0.975; n−1) · s_d / √n
//
// from Student's t with n − 1 degrees of freedom (gonum's distuv). A
// difference whose interval contains 0 is not a finding.
//
// # Matched gains
//
// A gains=matched run tests whether a criterion's deficit is the scale of
// its gradient: its cls and obj gains are multiplied by
//
//	m = ‖∂L_BCE/∂x‖₁ / ‖∂L/∂x‖₁
//
// over that criterion's outputs (the class columns; the objectness column)
// of every cell, positives and negatives together, where L_BCE is the run's
// loss with fl_gamma 0 and L its own, on the first training batch of the
// first seed at initialisation (trainer.FirstBatchGradient). The
// measurement is deterministic, so a resumed run finds the same gains in
// its checkpoint.
//
// The report's section on the gradient-scale test pairs each matched run,
// seed by seed, with the run of its group that has the same hyp file and its
// own gains, beside that run's gap to the baseline: if the deficit were the
// scale, the matched − unmatched difference would be about minus the gap.
//
// # Notes
//
// Report.Notes (yolotrain experiment -notes FILE) is Markdown written by hand
// from an earlier report of the same runs, the verdicts, inserted before the
// tables and marked as hand-written with its file named; everything else in
// the report is generated.
package experiment
