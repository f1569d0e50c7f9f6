// Package compare runs the classification criteria and the box losses side
// by side on the same predictions, for lossdemo -compare. Each row is a
// call of an engine of its own, on a copy of the hyp that differs in the
// row's keys only.
//
// Criteria: BCE, then each row of package criterion's table (focal,
// quality focal, varifocal), with the hyp's γ (DefaultGamma where the hyp
// has 0, plain BCE), α and placement. Placements: the hyp's fl_type placed
// on both criteria, on the class loss only and on the objectness loss only
// (fl_apply), then varifocal with constant class targets and with IoU class
// targets (cls_iou_target), which it was designed for.
//
// Besides the loss and its terms, a criteria row says where the
// objectness gradient goes: the sums of |∂loss/∂objectness logit| over the
// cells that some match assigns to (the positives) and over the rest, and
// the positives' share,
//
//	share = Σ_pos |g_obj| / (Σ_pos |g_obj| + Σ_neg |g_obj|),
//
// which the focal family raises by down-weighting the many easy negatives;
// and the sum of |∂loss/∂class logit| over the matched cells.
//
// Box losses: a row per entry of package iou's table (iou.Variants), each
// with its default parameters. Beside the loss and its terms, a row gives
// the mean over the matches of the variant's value (iou.Term.Value, its
// IoU-like value; clamped at 0, the objectness target), computed from the
// matches' boxes decoded as the engine decodes them (iou.PredFromLogits)
// with the variant's Eval, and where the box gradient goes:
//
//	box grad = Σ_cells Σ_{x,y,w,h} |∂loss/∂logit|,  share_i = layer i's part of it.
//
// The table's heading gives the plain IoU of the same decoded boxes with
// their targets, averaged over the matches (iou.IoU).
//
// The anchor-free head (package v8loss) has no objectness and no
// placements: V8Criteria gives BCE and each criterion of the table on the
// class logits (at the hyp's γ, DefaultGamma where it has 0), V8BoxLosses
// each box loss with its default parameters, every row one call of an
// engine of its own at a given epoch, with lbox, lcls, ldfl, the
// foreground count and
//
//	cls grad = Σ |∂loss/∂class logit|,  box grad = Σ |∂loss/∂box distribution logit|
//
// over every anchor. The hyp's own criterion, or box loss with the same
// parameters, is marked in each table.
package compare
