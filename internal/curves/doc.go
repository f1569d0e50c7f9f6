// Package curves draws two figures. The first (New) shows what the
// classification criteria do to one logit: the loss ℓ and |∂ℓ/∂x| of BCE
// and of each row of package criterion's table (focal, quality focal,
// varifocal) against the predicted probability p = σ(x), for a positive
// target (y = 1, and varifocal's soft q = 0.5) and a negative one (y = 0),
// with the γ, α and obj_pw of a hyp. The second (NewBox) shows what each
// box loss of package iou's table does around a fixed target. lossdemo
// curves writes them (-box for the second); the README shows both.
//
// # The criteria figure
//
// Four panels in a 2×2 grid: positives on top, negatives below; the loss
// on the left (linear axis), |∂ℓ/∂x| on the right (log axis, which shows
// how fast each criterion's gradient fades as p nears its target). The
// logits are sampled evenly from logit(0.001) to logit(0.999), so the
// sampling is densest where p is near 0 and 1. Curves that the formulas
// make equal are drawn on top of each other, with their labels saying so:
// for a hard target |y − p|^γ = (1 − p_t)^γ, so qfocal is focal, and
// varifocal weighs a positive by its target q, 1 for a hard one, so it is
// BCE there. Those labels, and the styles, are kept for the criteria this
// package knows by name; a row added to criterion's table is drawn too,
// labelled with its fl_type, in a style of its own.
//
// A hyp with fl_gamma 0 (plain BCE in training) is drawn with γ = 1.5, and
// the title says so; otherwise the focal-family curves would coincide with
// BCE.
//
// # The box-loss figure
//
// Each variant of iou.Variants with its default parameters, and the hyp's
// own box loss where its parameters differ, around a target of 4 × 2 grid
// cells in a 20 × 20 grid: the loss ℓ and the
// Euclidean norm of ∂ℓ/∂(x, y, log w, log h), the gradient the engine
// chains to the box logits, against (a) the centre offset Δx of a box of
// the target's size moved along x, from 0 to 2.5 target widths, and (b)
// the aspect ratio w/h of a box of the target's area and centre, from 1/16
// to 16 times the target's (log axis). Each point is the only match of a
// layer of a call that starts from a running mean of 0.5: WIoU v2 and v3 weigh it by
// their layer weight against that running mean. The boxes are sampled at
// the midpoints of equal steps, so that none falls on the kink at the
// target itself. Under each panel's title, a note names the lines that
// coincide there (within 0.1% of the panel's largest value). One legend,
// right of the panels, serves all four.
//
// # Layout
//
// Colours are Okabe and Ito's, distinguishable with the common colour
// vision deficiencies, and each criterion has its own dash pattern as
// well; in the box figure, lines drawn earlier are wider, so that an
// equal line drawn over one leaves its edges visible. Each panel's legend
// in the criteria figure goes in the corner of its data area that the
// fewest line points fall in. Panel titles are drawn above data areas that
// gonum/plot's Align has aligned, so they stand level across a row.
//
// PNG is 1200×800 pixels (12×8 inches at 100 dpi); SVG and PDF have the
// same size in inches.
package curves
