// Package criterion is the table of classification criteria that a hyp
// file selects: fl_type names a row (Types), fl_gamma and fl_alpha are its
// parameters, and fl_apply says which of YOLOv5's two BCE criteria, the
// class loss's and the objectness loss's, the row wraps (Placement).
//
// Hyp validation, the engine, lossdemo's -compare and its curves all read
// this one table; a name that is not in it is an error, never a silent
// fallback.
//
// # Selection
//
// With BCE_cls = BCE(pos_weight cls_pw) and BCE_obj = BCE(pos_weight
// obj_pw), as YOLOv5's ComputeLoss builds them, and F = the fl_type row
// with γ = fl_gamma and α = fl_alpha:
//
//	fl_gamma = 0:          ℓ_cls = BCE_cls,     ℓ_obj = BCE_obj
//	fl_apply both (YOLOv5): ℓ_cls = F(BCE_cls),  ℓ_obj = F(BCE_obj)
//	fl_apply cls:          ℓ_cls = F(BCE_cls),  ℓ_obj = BCE_obj
//	fl_apply obj:          ℓ_cls = BCE_cls,     ℓ_obj = F(BCE_obj)
//
// Each row's loss and derivative are in its package's documentation
// (focal, varifocal); all are finite for every finite logit and every γ in
// [0, 10], where PyTorch's float32 evaluation of YOLOv5's criteria is not
// for γ < 1 at saturated logits.
package criterion
