package v8loss

import (
	"errors"
	"fmt"
	"slices"

	"github.com/yolo-loss/yololoss/target"
	"github.com/yolo-loss/yololoss/tensor"
)

// validate is the first phase: it checks a call's inputs against the
// head, each other and, when frozen, the record of the last unfrozen
// call. It writes nothing but e.grid.next, the call's shapes. Every error
// a call can return comes from here, so a call that passes completes.
func (e *Engine[T]) validate(p []tensor.Tensor[T], labels []target.Label, grad []tensor.Tensor[T]) error {
	bs, err := e.checkPreds(p)
	if err != nil {
		return err
	}
	if err := target.CheckLabels(labels, bs, e.cfg.nc); err != nil {
		return fmt.Errorf("v8loss: %w", err)
	}
	if grad != nil {
		if err := checkGrads(p, grad); err != nil {
			return err
		}
	}
	if e.frozen.on {
		return e.frozen.check(labels, e.grid.next)
	}
	return nil
}

// checkPreds checks the predictions' shapes: nb·nl tensors
// [bs, 4·reg_max + nc, ny, nx] of one batch size whose grids times their
// strides give one image size, the one-to-one branch's of the
// one-to-many's shapes. It returns the batch size and keeps the shapes in
// e.grid.next.
func (e *Engine[T]) checkPreds(p []tensor.Tensor[T]) (int, error) {
	c := &e.cfg
	if want := c.nb * c.nl; len(p) != want {
		if c.nb == 2 {
			return 0, fmt.Errorf("v8loss: %d prediction tensors, the end-to-end head needs %d (%d one-to-many layers, then %d one-to-one)", len(p), want, c.nl, c.nl)
		}
		return 0, fmt.Errorf("v8loss: %d prediction tensors, the head has %d layers", len(p), want)
	}
	next := e.grid.next[:0]
	for i, t := range p {
		if len(t.Shape) != 4 {
			return 0, fmt.Errorf("v8loss: %s has shape %v, want rank 4 [bs, 4·reg_max + nc, ny, nx]", e.name(i), t.Shape)
		}
		sh := [4]int(t.Shape)
		n, ok := tensor.Size(t.Shape)
		switch {
		case sh[0] < 1 || sh[2] < 1 || sh[3] < 1:
			return 0, fmt.Errorf("v8loss: %s has shape %v: bs, ny and nx must be ≥ 1", e.name(i), sh)
		case sh[1] != c.c:
			return 0, fmt.Errorf("v8loss: %s has %d channels, want 4·reg_max + nc = %d", e.name(i), sh[1], c.c)
		case !ok || len(t.Data) != n:
			return 0, fmt.Errorf("v8loss: %s has %d elements, its shape %v needs %d", e.name(i), len(t.Data), sh, n)
		case i > 0 && sh[0] != next[0][0]:
			return 0, fmt.Errorf("v8loss: %s has batch size %d, %s has %d", e.name(i), sh[0], e.name(0), next[0][0])
		case i >= c.nl && sh != next[i-c.nl]:
			return 0, fmt.Errorf("v8loss: %s has shape %v, %s has %v", e.name(i), sh, e.name(i-c.nl), next[i-c.nl])
		}
		next = append(next, sh)
	}
	e.grid.next = next
	s := c.m.Strides
	h, w := float64(next[0][2])*s[0], float64(next[0][3])*s[0]
	for l := 1; l < c.nl; l++ {
		if float64(next[l][2])*s[l] != h || float64(next[l][3])*s[l] != w {
			return 0, fmt.Errorf("v8loss: %s has grid %d×%d, which at stride %v is not the image size %v×%v of %s",
				e.name(l), next[l][2], next[l][3], s[l], h, w, e.name(0))
		}
	}
	return next[0][0], nil
}

// name names prediction tensor i as lossdemo's files do: p0… for the
// one-to-many (or only) branch, q0… for the one-to-one branch.
func (e *Engine[T]) name(i int) string {
	if i >= e.cfg.nl {
		return fmt.Sprintf("q%d", i-e.cfg.nl)
	}
	return fmt.Sprintf("p%d", i)
}

// checkGrads reports a gradient list that does not hold one tensor of p's
// shape per tensor of p.
func checkGrads[T tensor.Float](p, grad []tensor.Tensor[T]) error {
	if len(grad) != len(p) {
		return fmt.Errorf("v8loss: %d gradient tensors for %d prediction tensors", len(grad), len(p))
	}
	for i := range grad {
		if !slices.Equal(grad[i].Shape, p[i].Shape) || len(grad[i].Data) != len(p[i].Data) {
			return fmt.Errorf("v8loss: gradient %d has shape %v (%d elements), its prediction %v",
				i, grad[i].Shape, len(grad[i].Data), p[i].Shape)
		}
	}
	return nil
}

// frozenRecord is what the detached terms depend on, as of the last
// unfrozen call that succeeded: its labels and shapes.
type frozenRecord struct {
	on     bool
	have   bool
	labels []target.Label
	shapes [][4]int
}

// record keeps the labels and shapes of a successful unfrozen call.
func (r *frozenRecord) record(labels []target.Label, shapes [][4]int) {
	r.have = true
	r.labels = append(r.labels[:0], labels...)
	r.shapes = append(r.shapes[:0], shapes...)
}

// check reports whether a frozen call with these labels and shapes may
// reuse the recorded assignment.
func (r *frozenRecord) check(labels []target.Label, shapes [][4]int) error {
	if !r.have {
		return errors.New("v8loss: frozen call before any unfrozen one: nothing to reuse")
	}
	if !slices.Equal(shapes, r.shapes) {
		return fmt.Errorf("v8loss: frozen call with shapes %v, the last unfrozen call had %v", shapes, r.shapes)
	}
	if !slices.Equal(labels, r.labels) {
		return errors.New("v8loss: frozen call with labels other than the last unfrozen call's")
	}
	return nil
}
