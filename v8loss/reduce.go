package v8loss

// reduce is the third phase, on the caller's goroutine: per branch,
// target_scores_sum, the box loss's weights (WIoU's running mean moves
// here, once per unfrozen call with foreground anchors), the box and DFL
// sums in image and anchor order, and the gradient scales the class phase
// needs:
//
//	tss  = max(Σ target scores, 1)
//	lbox = box·Σ_fg ℓ_box·w_WIoU·score / tss
//	ldfl = dfl·Σ_fg mean_sides(DFL)·score / tss
//	∂Loss/∂(…) scale: bs·weight·gain/tss
func (e *Engine[T]) reduce() {
	o2m, o2o := e.Weights()
	for k := range e.branches {
		br := &e.branches[k]
		wb := o2m
		if k == 1 {
			wb = o2o
		}
		var sum float64
		n := 0
		for b := range e.call.bs {
			ia := &br.imgs[b]
			ia.w0 = n
			n += len(ia.fg)
			for _, t := range ia.terms {
				sum += t.score
			}
		}
		br.fg, br.tss = n, max(sum, 1)
		e.weigh(br)
		var box, dfl float64
		for b := range e.call.bs {
			ia := &br.imgs[b]
			for i, t := range ia.terms {
				box += t.box * br.weights[ia.w0+i] * t.score
				dfl += t.dfl * t.score
			}
		}
		br.box0, br.dfl0 = box, dfl
		s := float64(e.call.bs) * wb / br.tss
		set := &e.cfg.set
		br.gBox, br.gCls, br.gDfl = s*set.box, s*set.cls, s*set.dfl
	}
}

// weigh sets the branch's box-loss weights: WIoU's, from all the
// foreground anchors' bases (its running mean moving first), or 1. A
// frozen call keeps the last unfrozen call's.
func (e *Engine[T]) weigh(br *branch) {
	if e.frozen.on {
		return
	}
	br.bases, br.weights = grow(br.bases, br.fg), grow(br.weights, br.fg)
	for b := range e.call.bs {
		ia := &br.imgs[b]
		for i, t := range ia.terms {
			br.bases[ia.w0+i] = t.base
		}
	}
	if br.fg == 0 || !br.box.Weigh(br.weights, br.bases) {
		for i := range br.weights {
			br.weights[i] = 1
		}
	}
}

// finish is the last phase: the items, the Result and the record of the
// call for frozen calls.
func (e *Engine[T]) finish() {
	o2m, o2o := e.Weights()
	set := &e.cfg.set
	bs := float64(e.call.bs)
	r := &e.res
	r.Loss = 0
	for k := range e.branches {
		br := &e.branches[k]
		var cls float64
		for _, v := range br.cls0 {
			cls += v
		}
		lbox, lcls, ldfl := br.box0/br.tss*set.box, cls/br.tss*set.cls, br.dfl0/br.tss*set.dfl
		w := o2m
		if k == 1 {
			w = o2o
		}
		r.Branches[k] = BranchResult{LBox: lbox, LCls: lcls, LDfl: ldfl, FG: br.fg, TSS: br.tss, Weight: w, Box: br.box.State()}
		r.Loss += (lbox + lcls + ldfl) * bs * w
	}
	last := r.Branches[e.cfg.nb-1]
	r.LBox, r.LCls, r.LDfl = last.LBox, last.LCls, last.LDfl
	r.FG, r.TSS, r.Box = r.Branches[0].FG, r.Branches[0].TSS, r.Branches[0].Box
	r.O2M, r.O2O = o2m, o2o
	if !e.frozen.on {
		e.frozen.record(e.call.labels, e.grid.next)
	}
}
