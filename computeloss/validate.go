package computeloss

import (
	"fmt"
	"slices"

	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// validate is the first phase: it checks a call's inputs against the
// model, each other and, when frozen, the record of the last unfrozen
// call, and writes nothing but e.plan.next, the call's shapes. Every error
// a call can return comes from here, so a call that passes always
// completes.
func (e *Engine[T]) validate(p []tensor.Tensor[T], labels []target.Label, grad []tensor.Tensor[T]) error {
	shapes, err := e.checkPreds(p)
	if err != nil {
		return err
	}
	if err := target.CheckLabels(labels, shapes[0][0], e.cfg.nc); err != nil {
		return fmt.Errorf("computeloss: %w", err)
	}
	if grad != nil {
		if err := checkGrads(p, grad); err != nil {
			return err
		}
	}
	if e.frozen.on {
		return e.frozen.check(labels, shapes)
	}
	return nil
}

// checkPreds checks the predictions' shapes, one [bs, na, ny, nx, 5+nc]
// tensor per layer whose grids fit one image size (model.Detect.CheckGrids),
// and returns them, in e.plan.next.
func (e *Engine[T]) checkPreds(p []tensor.Tensor[T]) ([][5]int, error) {
	m := &e.cfg.m
	nl, na, no := m.NL(), m.NA(), e.cfg.no
	if len(p) != nl {
		return nil, fmt.Errorf("computeloss: %d prediction layers, the model has %d", len(p), nl)
	}
	shapes := e.plan.next[:0]
	grids := e.plan.grids[:0]
	for i, t := range p {
		if len(t.Shape) != 5 {
			return nil, fmt.Errorf("computeloss: p%d has shape %v, want rank 5 [bs, na, ny, nx, 5+nc]", i, t.Shape)
		}
		sh := [5]int(t.Shape)
		n, ok := tensor.Size(t.Shape)
		switch {
		case sh[0] < 1 || sh[2] < 1 || sh[3] < 1:
			return nil, fmt.Errorf("computeloss: p%d has shape %v: bs, ny and nx must be ≥ 1", i, sh)
		case i > 0 && sh[0] != shapes[0][0]:
			return nil, fmt.Errorf("computeloss: p%d has batch size %d, p0 has %d", i, sh[0], shapes[0][0])
		case sh[1] != na:
			return nil, fmt.Errorf("computeloss: p%d has %d anchors, the model has %d", i, sh[1], na)
		case sh[4] != no:
			return nil, m.CheckChannels(i, sh[4])
		case !ok || len(t.Data) != n:
			return nil, fmt.Errorf("computeloss: p%d has %d elements, its shape %v needs %d", i, len(t.Data), sh, n)
		}
		shapes = append(shapes, sh)
		grids = append(grids, [2]int{sh[2], sh[3]})
	}
	e.plan.next, e.plan.grids = shapes, grids
	if err := m.CheckGrids(grids); err != nil {
		return nil, err
	}
	return shapes, nil
}

// checkGrads reports unless grad holds one tensor of p's shape per layer.
func checkGrads[T tensor.Float](p, grad []tensor.Tensor[T]) error {
	if len(grad) != len(p) {
		return fmt.Errorf("computeloss: %d gradient tensors for %d prediction layers", len(grad), len(p))
	}
	for i := range grad {
		if !slices.Equal(grad[i].Shape, p[i].Shape) || len(grad[i].Data) != len(p[i].Data) {
			return fmt.Errorf("computeloss: gradient %d has shape %v (%d elements), prediction p%d has %v; "+
				"size the gradients with grad = tensor.Like(grad, p)",
				i, grad[i].Shape, len(grad[i].Data), i, p[i].Shape)
		}
	}
	return nil
}
