// Package curves draws what the classification criteria do to one logit:
// the loss ℓ and |∂ℓ/∂x| of BCE, focal, quality focal and varifocal loss
// against the predicted probability p = σ(x), for a positive target (y = 1,
// and varifocal's soft q = 0.5) and a negative one (y = 0), with the γ, α
// and obj_pw of a hyp. lossdemo curves writes the figure; the README shows
// it.
//
// # The figure
//
// Four panels in a 2×2 grid: positives on top, negatives below; the loss
// on the left (linear axis), |∂ℓ/∂x| on the right (log axis, which shows
// how fast each criterion's gradient fades as p nears its target). The
// logits are sampled evenly from logit(0.001) to logit(0.999), so the
// sampling is densest where p is near 0 and 1. Curves that the formulas
// make equal are drawn on top of each other, with their labels saying so:
// for a hard target |y − p|^γ = (1 − p_t)^γ, so qfocal is focal, and
// varifocal weighs a positive by its target q, 1 for a hard one, so it is
// BCE there.
//
// A hyp with fl_gamma 0 (plain BCE in training) is drawn with γ = 1.5, and
// the title says so; otherwise the focal-family curves would coincide with
// BCE.
//
// # Layout
//
// Colours are Okabe and Ito's, distinguishable with the common colour
// vision deficiencies, and each criterion has its own dash pattern as
// well. Each panel's legend goes in the corner of its data area that the
// fewest line points fall in. Panel titles are drawn above data areas that
// gonum/plot's Align has aligned, so they stand level across a row.
//
// PNG is 1200×800 pixels (12×8 inches at 100 dpi); SVG and PDF have the
// same size in inches.
package curves
