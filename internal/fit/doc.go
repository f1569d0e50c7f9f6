// Package fit minimises YOLOv5's loss over the raw predictions themselves,
// with the engine's gradient: it finds the Detect-head outputs that a
// perfectly trained network would give for a batch's labels. lossdemo fit
// uses it to show that the loss and its gradient lead where they should
// (the boxes onto the labels, the objectness and classes to their targets),
// and a test of a new criterion or box loss can use it the same way.
//
// It is internal: it optimises outputs, not a network's weights, so a
// trainer has no use for it, and its API follows the engine's, which is
// still moving.
//
// # Free parameters
//
// Only the prediction elements whose gradient is not structurally zero take
// part: the objectness logit of every cell, and every channel of the cells
// that some label is assigned to (package target). The box and class logits
// of the other cells stay as they are.
//
// # Rounds
//
// The engine's gradient is YOLOv5's, which treats the objectness targets
// (the IoUs) and the CIoU aspect weight α as constants although they move
// with the boxes. Fit works in rounds: it refreshes those terms at the
// current point, freezes them (computeloss.Engine.SetFrozen), takes up to
// Settings.RoundIterations steps on the loss that is then a fixed smooth
// function, and goes again. It stops when the loss after a refresh differs
// from the previous round's by at most Settings.Tolerance of it (the boxes,
// the targets and the logits have settled), when Settings.Iterations steps
// are spent, or at Settings.Timeout.
//
// # The method: iRprop+ in a bounded box of logits
//
// With its detached terms frozen, the loss is a sum of small independent
// problems: each objectness logit and each class logit is a one-dimensional
// problem of its own (its criterion against a fixed target), and the four
// box logits of a matched cell are a problem of their own (CIoU against its
// labels' boxes). Their curvatures differ by many orders of magnitude, and
// a box logit that a large step has thrown into the sigmoid's flat tail has
// a vanishing gradient. A method with one step length for all of them
// (a line search along LBFGS's direction) trades them off against each
// other: the step that helps the objectness logits throws boxes away, where
// their gradient fades and they stay lost.
//
// Each parameter k therefore gets its own step Δ_k, which depends on the
// sign of ∂loss/∂z_k only (iRprop+, Igel and Hüsken 2000; rprop.go):
//
//	Δ_k ← min(1.2·Δ_k, 1) while the sign holds, Δ_k ← Δ_k/2 when it flips
//	z_k ← z_k − sign(∂loss/∂z_k)·Δ_k, taken back after a flip if the loss rose
//	z_k ← clamp(z_k, −16, 16)
//
// No step is longer than 1 in logit units, a trust region per parameter;
// the sign moves a parameter as far in the sigmoid's tail, where the
// derivative is 1e-7, as near 0; and the bound ±16 keeps every logit where
// σ is below 1 even in float32, so that the derivative never underflows to
// 0 and the fitted file is one a float32 consumer can differentiate.
// Where the infimum lies at infinite logits (hard targets 0 and 1), the
// fit stops at the bound, where a BCE term is e^{−16} ≈ 1.1e-7.
//
// # What it reaches
//
// BENCHMARKS.md ("lossdemo fit") has the measurements. On the golden cases
// with random logits (bce_basic, varifocal_g2_a075, p6_four_layers), the
// built-in samples and generated cases like them, the fit converges within
// 200–300 steps to at most 3e-6 of its starting loss, every box on its
// label (IoU 1.000). On the cases with random logits the LBFGS fit that
// came before stopped at 1.7–7.6% of the start with the box term where it
// started; on all of them Adam (lr 0.05, 4000 steps, in the same rounds or
// on YOLOv5's gradient) reached 0.05–2.8%.
//
// Where two labels claim the same cell (the same image, anchor and grid
// cell), one box cannot fit both: the box loss of those matches, and the
// objectness loss of the cell, have a floor above 0 (Result.Shared counts
// them). The fit converges there to that floor, every other box onto its
// label.
//
// # Engine calls
//
// A fit calls the engine once at the start, once per refresh (one per
// round and one at the end) and once per step.
package fit
