// Package compare runs the classification criteria side by side on the
// same predictions, for lossdemo -compare: BCE, focal, quality focal and
// varifocal, with the hyp's γ (1.5 where the hyp has 0, plain BCE) and α.
//
// Besides the loss and its terms, a row says where each criterion sends the
// objectness gradient: the sums of |∂loss/∂objectness logit| over the cells
// that some match assigns to (the positives) and over the rest, and the
// positives' share,
//
//	share = Σ_pos |g_obj| / (Σ_pos |g_obj| + Σ_neg |g_obj|),
//
// which the focal family raises by down-weighting the many easy negatives;
// and the sum of |∂loss/∂class logit| over the matched cells.
package compare
