#!/usr/bin/python3
"""Independent PyTorch implementation of YOLOv5's training loss (ComputeLoss semantics).

Optional tooling for humans (cross-checking and benchmarking the Go library); nothing in
CI or in the Go tests uses it.  Written from the loss description in
testdata/golden/README.md, vectorised the way YOLOv5 is, so its speed is representative.

Entry point:

    total, lbox, lobj, lcls, balance = compute(preds, targets, anchors, hyp, nc,
                                               autobalance=False, sort_obj_iou=False, gr=1.0)

  preds    list of tensors [bs, na, ny, nx, 5+nc] (raw logits: x, y, w, h, obj, classes)
  targets  tensor [nt, 6]: image, class, x, y, w, h (normalised, box centre)
  anchors  tensor [nl, na, 2]: anchor w, h in grid units of each layer
  hyp      dict (see load_hyp): box, obj, cls, cls_pw, obj_pw, anchor_t, fl_gamma and the
           optional fl_alpha (0.25), fl_type (focal|qfocal|varifocal), label_smoothing (0)
  total    scalar tensor (lbox + lobj + lcls) * bs, differentiable w.r.t. preds
  lbox, lobj, lcls  detached scalar tensors, after the gains
  balance  the per-layer objectness balance list after the call (changes only with
           autobalance; pass it back in through `balance=` to chain calls)

Extra keyword arguments: balance (starting balance list; default [4, 1, 0.4] for 3 layers,
else [4, 1, 0.25, 0.06, 0.02]), strides (per-layer strides, used by autobalance to find the
stride-16 layer; default 8 * 2**i).

Loaders: load_hyp(path) -> dict, load_case(dir) -> dict with preds, targets, anchors,
strides, hyp, expect (golden case layout), load_npz(path) -> preds, targets, anchors, strides.
"""

import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["compute", "build_targets", "ciou", "make_criterion", "load_hyp", "load_npz",
           "load_case", "default_balance"]

_FOUR_OVER_PI2 = 4.0 / (math.pi ** 2)


# ----------------------------------------------------------------------------- criteria

def _bce(x, q, pos_weight):
    """Element-wise BCE-with-logits, positive term weighted by pos_weight (a 1-element tensor)."""
    return F.binary_cross_entropy_with_logits(x, q, pos_weight=pos_weight, reduction="none")


def make_criterion(hyp, which, dtype, device=None):
    """Returns f(logits, target) -> mean loss for the 'cls' or 'obj' criterion of hyp."""
    pw = float(hyp["cls_pw"] if which == "cls" else hyp["obj_pw"])
    pos_weight = torch.tensor([pw], dtype=dtype, device=device)
    gamma = float(hyp.get("fl_gamma", 0.0) or 0.0)
    alpha = float(hyp.get("fl_alpha", 0.25))
    kind = hyp.get("fl_type", "focal") or "focal"

    if gamma <= 0:
        return lambda x, q: F.binary_cross_entropy_with_logits(x, q, pos_weight=pos_weight)

    if kind == "focal":
        def focal(x, q):
            s = torch.sigmoid(x)
            # probability of the true outcome and the class-balance weight
            pt = q * s + (1.0 - q) * (1.0 - s)
            w = (q * alpha + (1.0 - q) * (1.0 - alpha)) * (1.0 - pt) ** gamma
            return (_bce(x, q, pos_weight) * w).mean()
        return focal

    if kind == "qfocal":
        def qfocal(x, q):
            s = torch.sigmoid(x)
            w = (q * alpha + (1.0 - q) * (1.0 - alpha)) * (q - s).abs() ** gamma
            return (_bce(x, q, pos_weight) * w).mean()
        return qfocal

    if kind == "varifocal":
        def varifocal(x, q):
            s = torch.sigmoid(x)
            pos = q > 0
            # weight is part of the graph (not detached)
            w = torch.where(pos, q, alpha * (s - q).abs() ** gamma)
            return (_bce(x, q, pos_weight) * w).mean()
        return varifocal

    raise ValueError("unknown fl_type %r" % (kind,))


# ----------------------------------------------------------------------------- CIoU

def ciou(pbox, tbox, eps=1e-7):
    """Complete IoU of xywh boxes [n,4] x [n,4] -> [n]; the aspect weight alpha has no gradient."""
    px, py, pw, ph = pbox.unbind(1)
    tx, ty, tw, th = tbox.unbind(1)
    p_l, p_r, p_t, p_b = px - pw / 2, px + pw / 2, py - ph / 2, py + ph / 2
    t_l, t_r, t_t, t_b = tx - tw / 2, tx + tw / 2, ty - th / 2, ty + th / 2

    iw = (torch.minimum(p_r, t_r) - torch.maximum(p_l, t_l)).clamp(min=0)
    ih = (torch.minimum(p_b, t_b) - torch.maximum(p_t, t_t)).clamp(min=0)
    inter = iw * ih
    union = pw * ph + tw * th - inter + eps
    iou = inter / union

    # smallest enclosing box: squared diagonal
    ew = torch.maximum(p_r, t_r) - torch.minimum(p_l, t_l)
    eh = torch.maximum(p_b, t_b) - torch.minimum(p_t, t_t)
    diag2 = ew ** 2 + eh ** 2 + eps
    # squared distance between centres (from the edge sums, as the reference does)
    dist2 = ((t_l + t_r - p_l - p_r) ** 2 + (t_t + t_b - p_t - p_b) ** 2) / 4

    v = _FOUR_OVER_PI2 * (torch.atan(tw / th) - torch.atan(pw / ph)) ** 2
    with torch.no_grad():
        a = v / (v - iou + (1 + eps))
    return iou - (dist2 / diag2 + v * a)


# ----------------------------------------------------------------------------- targets

def build_targets(shapes, targets, anchors, anchor_t):
    """Assigns targets to (layer, anchor, cell).

    shapes: list of prediction shapes [bs, na, ny, nx, no].  Returns, per layer, a dict with
    b, a, gj, gi (long, indices clamped into the grid), tbox ([n,4]: xy offset from the
    UNCLAMPED cell, wh in grid units), anc ([n,2] matched anchor wh) and cls (long).

    Order of the assignments (it decides which write wins on a shared objectness cell):
    offset-major (none, left, up, right, down), then anchor, then target.
    """
    out = []
    nt = targets.shape[0]
    dt = targets.dtype
    dev = targets.device
    half = 0.5
    # cell shift subtracted from the grid position for: none, left, up, right, down
    shifts = torch.tensor([[0.0, 0.0], [half, 0.0], [0.0, half], [-half, 0.0], [0.0, -half]],
                          dtype=dt, device=dev)
    img = targets[:, 0]
    cls = targets[:, 1]
    for i, shape in enumerate(shapes):
        ny, nx = int(shape[2]), int(shape[3])
        anc_i = anchors[i].to(dt)                                   # [na,2]
        na = anc_i.shape[0]
        if nt == 0:
            e = torch.zeros(0, dtype=torch.long, device=dev)
            out.append(dict(b=e, a=e, gj=e, gi=e, tbox=torch.zeros(0, 4, dtype=dt, device=dev),
                            anc=torch.zeros(0, 2, dtype=dt, device=dev), cls=e))
            continue
        scale = torch.tensor([nx, ny], dtype=dt, device=dev)
        gxy = targets[:, 2:4] * scale                               # [nt,2] grid position
        gwh = targets[:, 4:6] * scale                               # [nt,2] grid size
        # anchor shape filter: worst side ratio below anchor_t
        ratio = gwh[None, :, :] / anc_i[:, None, :]                 # [na,nt,2]
        worst = torch.maximum(ratio, 1.0 / ratio).amax(dim=2)
        keep_a = worst < anchor_t                                   # [na,nt]

        # neighbour cells: the nearer half of a cell, not at the image border
        inv = scale - gxy
        near_lo = (torch.remainder(gxy, 1.0) < half) & (gxy > 1.0)  # [nt,2] x->left, y->up
        near_hi = (torch.remainder(inv, 1.0) < half) & (inv > 1.0)  # [nt,2] x->right, y->down
        keep_o = torch.stack((torch.ones_like(near_lo[:, 0]), near_lo[:, 0], near_lo[:, 1],
                              near_hi[:, 0], near_hi[:, 1]))        # [5,nt]

        keep = keep_o[:, None, :] & keep_a[None, :, :]              # [5,na,nt]
        o_idx, a_idx, t_idx = keep.nonzero(as_tuple=True)           # row-major order

        pos = gxy[t_idx]
        cell = (pos - shifts[o_idx]).long()                         # truncation
        gi, gj = cell[:, 0], cell[:, 1]
        tb = torch.cat((pos - cell, gwh[t_idx]), 1)                 # unclamped cell
        out.append(dict(b=img[t_idx].long(), a=a_idx, gj=gj.clamp(0, ny - 1), gi=gi.clamp(0, nx - 1),
                        tbox=tb, anc=anc_i[a_idx], cls=cls[t_idx].long()))
    return out


# ----------------------------------------------------------------------------- loss

def default_balance(nl):
    return [4.0, 1.0, 0.4] if nl == 3 else [4.0, 1.0, 0.25, 0.06, 0.02]


def compute(preds, targets, anchors, hyp, nc, autobalance=False, sort_obj_iou=False, gr=1.0,
            balance=None, strides=None, criteria=None):
    """YOLOv5 loss; returns (total, lbox, lobj, lcls, balance).  See the module docstring."""
    nl = len(preds)
    dt = preds[0].dtype
    dev = preds[0].device
    if balance is None:
        balance = default_balance(nl)
    balance = list(balance)
    if criteria is None:
        criteria = (make_criterion(hyp, "cls", dt, dev), make_criterion(hyp, "obj", dt, dev))
    crit_cls, crit_obj = criteria
    eps_ls = float(hyp.get("label_smoothing", 0.0) or 0.0)
    cp, cn = 1.0 - 0.5 * eps_ls, 0.5 * eps_ls

    targets = torch.as_tensor(targets, device=dev)
    anchors = torch.as_tensor(anchors, device=dev)
    assign = build_targets([p.shape for p in preds], targets.to(dt), anchors, float(hyp["anchor_t"]))

    zero = torch.zeros((), dtype=dt, device=dev)
    lbox, lobj, lcls = zero, zero, zero
    for i, p in enumerate(preds):
        s = assign[i]
        b, a, gj, gi = s["b"], s["a"], s["gj"], s["gi"]
        tobj = torch.zeros(p.shape[:4], dtype=dt, device=dev)
        n = b.shape[0]
        if n:
            ps = p[b, a, gj, gi]                                    # [n, 5+nc]
            pxy = torch.sigmoid(ps[:, 0:2]) * 2.0 - 0.5
            pwh = (torch.sigmoid(ps[:, 2:4]) * 2.0) ** 2 * s["anc"]
            iou = ciou(torch.cat((pxy, pwh), 1), s["tbox"])
            lbox = lbox + (1.0 - iou).mean()

            q = iou.detach().clamp(min=0)
            if sort_obj_iou:
                order = torch.argsort(q)
                b, a, gj, gi, q = b[order], a[order], gj[order], gi[order], q[order]
            if gr < 1:
                q = (1.0 - gr) + gr * q
            tobj[b, a, gj, gi] = q                                  # last write wins (CPU)

            if nc > 1:
                logits = ps[:, 5:]
                tc = torch.full_like(logits, cn)
                tc[torch.arange(n, device=dev), s["cls"]] = cp
                lcls = lcls + crit_cls(logits, tc)

        obj_i = crit_obj(p[..., 4], tobj)
        lobj = lobj + obj_i * balance[i]
        if autobalance:
            balance[i] = balance[i] * 0.9999 + 0.0001 / obj_i.detach().item()

    if autobalance:
        if strides is None:
            strides = [8 * 2 ** k for k in range(nl)]
        ref = balance[[float(x) for x in strides].index(16.0)]
        balance = [x / ref for x in balance]

    lbox = lbox * float(hyp["box"])
    lobj = lobj * float(hyp["obj"])
    lcls = lcls * float(hyp["cls"])
    bs = preds[0].shape[0]
    total = (lbox + lobj + lcls) * bs
    return total, lbox.detach(), lobj.detach(), lcls.detach(), balance


# ----------------------------------------------------------------------------- loaders

def load_hyp(path):
    """Reads a YOLOv5 hyp yaml into a dict (PyYAML if present, else a flat key: value parser)."""
    try:
        import yaml
        with open(path) as f:
            return yaml.safe_load(f) or {}
    except ImportError:
        pass
    hyp = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line or ":" not in line:
                continue
            k, v = (x.strip() for x in line.split(":", 1))
            try:
                hyp[k] = float(v)
            except ValueError:
                hyp[k] = v.strip("'\"")
    return hyp


def load_npz(path, dtype=torch.float64, requires_grad=False):
    """Loads p0.., targets, anchors, strides from an npz -> (preds, targets, anchors, strides)."""
    z = np.load(path)
    nl = len([k for k in z.files if k.startswith("p") and k[1:].isdigit()])
    preds = [torch.tensor(z["p%d" % i], dtype=dtype).requires_grad_(requires_grad) for i in range(nl)]
    targets = torch.tensor(z["targets"], dtype=dtype).reshape(-1, 6)
    anchors = torch.tensor(z["anchors"], dtype=dtype)
    strides = [float(s) for s in z["strides"]] if "strides" in z.files else None
    return preds, targets, anchors, strides


def load_case(case_dir, dtype=torch.float64, requires_grad=True):
    """Loads a golden case folder (input.npz, hyp.yaml, expect.json)."""
    preds, targets, anchors, strides = load_npz(os.path.join(case_dir, "input.npz"), dtype, requires_grad)
    hyp = load_hyp(os.path.join(case_dir, "hyp.yaml"))
    with open(os.path.join(case_dir, "expect.json")) as f:
        expect = json.load(f)
    return dict(preds=preds, targets=targets, anchors=anchors, strides=strides, hyp=hyp, expect=expect)


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 2:
        sys.exit("usage: torch_loss.py <golden case dir>")
    c = load_case(sys.argv[1])
    e = c["expect"]
    tot, lb, lo, lc, bal = compute(c["preds"], c["targets"], c["anchors"], c["hyp"], e["nc"],
                                   e.get("autobalance", False), e.get("sort_obj_iou", False),
                                   e.get("gr", 1.0), strides=c["strides"])
    print(json.dumps(dict(loss=tot.item(), lbox=lb.item(), lobj=lo.item(), lcls=lc.item(), balance=bal)))
