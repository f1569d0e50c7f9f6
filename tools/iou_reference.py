#!/usr/bin/python3
"""The box-loss family in PyTorch, transcribed from each variant's public reference.

Optional tooling for humans; CI and the Go tests never run it.  It pins package iou's
formulas independently of the engine in two ways:

  iou_reference.py golden [CASE ...]
      wires every variant into YOLOv5's loss (tools/torch_loss.py's targets and criteria)
      the way testdata/golden-iou/README.md says and checks each golden-iou case: every
      call's items and wiou_means, and the last call's gradient, to --tol (1e-9).
  iou_reference.py pairs [--out testdata/iou-pairs]
      writes <iou_type>.json: box pairs with each configuration's value, per-match loss
      and autograd gradient with respect to (x, y, log w, log h) of the prediction, in
      float64; for wiou also the layer weights and the running mean after each layer.
      package iou's TestPairs reproduces them.

The references (read, not copied; see testdata/golden-iou/README.md):
  iou, giou, diou, ciou    YOLOv5 utils/metrics.py bbox_iou (iou_alpha 1, iou_focal_gamma 0)
  + alpha, focal, eiou, siou   z1069614715/objectdetection_script yolo-improve/iou.py bbox_iou
  inner ciou, inner siou   malagoutou/Inner-IoU inner_ciou, inner_siou
  wiou                     Instinct323/wiou iou.py IouLoss(ltype='WIoU')
  mpdiou                   z1069614715/objectdetection_script yolo-improve/yolov7-MPDiou.py
  shape_iou                malagoutou/Shape-IoU shapeiou.py

Per match every variant gives (value, loss, base): value is the objectness target
(detached), loss the match's loss l, base WIoU's L_IoU (None elsewhere); a layer's box
loss is mean(w * l), with w = 1 but for WIoU v2/v3.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_loss  # noqa: E402  (build_targets, make_criterion, load_case)

EPS = 1e-7
K_ASPECT = 4 / math.pi ** 2

DEFAULTS = dict(iou_type="ciou", iou_alpha=1.0, iou_focal_gamma=0.0, iou_inner_ratio=1.0,
                wiou_version=3, wiou_alpha=1.9, wiou_delta=3.0, wiou_momentum=0.01,
                shape_iou_scale=0.0)


def params(hyp):
    """The box-loss keys of a hyp dict, defaults filled in."""
    return {k: type(v)(hyp.get(k, v)) for k, v in DEFAULTS.items()}


def corners(b):
    x, y, w, h = b.unbind(-1)
    return x - w / 2, x + w / 2, y - h / 2, y + h / 2


def overlap(p1, p2, t1, t2):
    return (torch.minimum(p2, t2) - torch.maximum(p1, t1)).clamp(0)


def enclosing(p1, p2, t1, t2):
    return torch.maximum(p2, t2) - torch.minimum(p1, t1)


# ------------------------------------------------------------------ YOLOv5's bbox_iou

def yolov5(p, t, kind):
    """IoU, GIoU, DIoU or CIoU as YOLOv5's bbox_iou (one eps in the union)."""
    w1, h1, w2, h2 = p[:, 2], p[:, 3], t[:, 2], t[:, 3]
    px1, px2, py1, py2 = corners(p)
    tx1, tx2, ty1, ty2 = corners(t)
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    union = w1 * h1 + w2 * h2 - inter + EPS
    iou = inter / union
    if kind == "iou":
        return iou
    cw, ch = enclosing(px1, px2, tx1, tx2), enclosing(py1, py2, ty1, ty2)
    if kind == "giou":
        c_area = cw * ch + EPS
        return iou - (c_area - union) / c_area
    c2 = cw ** 2 + ch ** 2 + EPS
    rho2 = ((tx1 + tx2 - px1 - px2) ** 2 + (ty1 + ty2 - py1 - py2) ** 2) / 4
    if kind == "diou":
        return iou - rho2 / c2
    v = K_ASPECT * (torch.atan(w2 / h2) - torch.atan(w1 / h1)) ** 2
    with torch.no_grad():
        a = v / (v - iou + (1 + EPS))
    return iou - (rho2 / c2 + v * a)


# ------------------------------------------------------------------ yolo-improve iou.py

def siou_penalty(p, t, cw, ch):
    """0.5 * (distance cost + shape cost) of SIoU as iou.py and inner_siou write it."""
    w1, h1, w2, h2 = p[:, 2], p[:, 3], t[:, 2], t[:, 3]
    px1, px2, py1, py2 = corners(p)
    tx1, tx2, ty1, ty2 = corners(t)
    s_cw = (tx1 + tx2 - px1 - px2) * 0.5 + EPS
    s_ch = (ty1 + ty2 - py1 - py2) * 0.5 + EPS
    sigma = torch.pow(s_cw ** 2 + s_ch ** 2, 0.5)
    sin1, sin2 = torch.abs(s_cw) / sigma, torch.abs(s_ch) / sigma
    sin_a = torch.where(sin1 > pow(2, 0.5) / 2, sin2, sin1)
    angle = torch.cos(torch.arcsin(sin_a) * 2 - math.pi / 2)
    g = angle - 2  # the angle's factor; iou.py names it gamma, and so shadows Focal's
    dist = 2 - torch.exp(g * (s_cw / cw) ** 2) - torch.exp(g * (s_ch / ch) ** 2)
    om_w = torch.abs(w1 - w2) / torch.maximum(w1, w2)
    om_h = torch.abs(h1 - h2) / torch.maximum(h1, h2)
    shape = torch.pow(1 - torch.exp(-om_w), 4) + torch.pow(1 - torch.exp(-om_h), 4)
    return 0.5 * (dist + shape)


def iou_py(p, t, kind, alpha, gamma):
    """iou.py's bbox_iou: IoU = (I / (U + eps))^alpha with U = A1 + A2 - I + eps, the
    penalties to the power alpha per variant; returns (value, focal weight or None)."""
    w1, h1, w2, h2 = p[:, 2], p[:, 3], t[:, 2], t[:, 3]
    px1, px2, py1, py2 = corners(p)
    tx1, tx2, ty1, ty2 = corners(t)
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    union = w1 * h1 + w2 * h2 - inter + EPS
    iou = torch.pow(inter / (union + EPS), alpha)
    focal = torch.pow(inter / (union + EPS), gamma).detach() if gamma > 0 else None
    if kind == "iou":
        return iou, focal
    cw, ch = enclosing(px1, px2, tx1, tx2), enclosing(py1, py2, ty1, ty2)
    if kind == "giou":
        c_area = cw * ch + EPS
        return iou - torch.pow((c_area - union) / c_area + EPS, alpha), focal
    c2 = (cw ** 2 + ch ** 2) ** alpha + EPS
    rho2 = (((tx1 + tx2 - px1 - px2) ** 2 + (ty1 + ty2 - py1 - py2) ** 2) / 4) ** alpha
    if kind == "diou":
        return iou - rho2 / c2, focal
    if kind == "ciou":
        v = K_ASPECT * (torch.atan(w2 / h2) - torch.atan(w1 / h1)) ** 2
        with torch.no_grad():
            a = v / (v - iou + (1 + EPS))
        return iou - (rho2 / c2 + torch.pow(v * a + EPS, alpha)), focal
    if kind == "eiou":
        rho_w2 = ((tx2 - tx1) - (px2 - px1)) ** 2
        rho_h2 = ((ty2 - ty1) - (py2 - py1)) ** 2
        cw2, ch2 = torch.pow(cw ** 2 + EPS, alpha), torch.pow(ch ** 2 + EPS, alpha)
        return iou - (rho2 / c2 + rho_w2 / cw2 + rho_h2 / ch2), focal
    if kind == "siou":
        return iou - torch.pow(siou_penalty(p, t, cw, ch) + EPS, alpha), focal
    raise ValueError(kind)


# ------------------------------------------------------------------ Inner-IoU

def inner(p, t, kind, ratio):
    """malagoutou's inner_ciou / inner_siou: the IoU term on boxes scaled by ratio about
    their centres; penalties and CIoU's alpha on the original boxes."""
    (x1, y1, w1, h1), (x2, y2, w2, h2) = p.unbind(-1), t.unbind(-1)
    px1, px2, py1, py2 = corners(p)
    tx1, tx2, ty1, ty2 = corners(t)
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    union = w1 * h1 + w2 * h2 - inter + EPS
    iou = inter / union
    w1_, h1_, w2_, h2_ = w1 / 2, h1 / 2, w2 / 2, h2 / 2
    ip1, ip2, jp1, jp2 = x1 - w1_ * ratio, x1 + w1_ * ratio, y1 - h1_ * ratio, y1 + h1_ * ratio
    it1, it2, jt1, jt2 = x2 - w2_ * ratio, x2 + w2_ * ratio, y2 - h2_ * ratio, y2 + h2_ * ratio
    i_inter = overlap(ip1, ip2, it1, it2) * overlap(jp1, jp2, jt1, jt2)
    i_union = w1 * ratio * h1 * ratio + w2 * ratio * h2 * ratio - i_inter + EPS
    i_iou = i_inter / i_union
    cw, ch = enclosing(px1, px2, tx1, tx2), enclosing(py1, py2, ty1, ty2)
    if kind == "siou":
        return i_iou - siou_penalty(p, t, cw, ch)
    c2 = cw ** 2 + ch ** 2 + EPS
    rho2 = ((tx1 + tx2 - px1 - px2) ** 2 + (ty1 + ty2 - py1 - py2) ** 2) / 4
    v = K_ASPECT * torch.pow(torch.atan(w2 / h2) - torch.atan(w1 / h1), 2)
    with torch.no_grad():
        a = v / (v - iou + (1 + EPS))
    return i_iou - (rho2 / c2 + v * a)


# ------------------------------------------------------------------ WIoU, MPDIoU, Shape-IoU

def wiou(p, t):
    """Instinct323's WIoU on x1y1x2y2 boxes: returns (L_IoU, v1 loss exp(rho2/c2) * L_IoU
    with c2 detached).  No eps anywhere."""
    px1, px2, py1, py2 = corners(p)
    tx1, tx2, ty1, ty2 = corners(t)
    pw, ph, tw, th = px2 - px1, py2 - py1, tx2 - tx1, ty2 - ty1
    # torch.relu, not clamp(0): no gradient where the boxes just touch
    s_inter = (torch.relu(torch.minimum(px2, tx2) - torch.maximum(px1, tx1)) *
               torch.relu(torch.minimum(py2, ty2) - torch.maximum(py1, ty1)))
    s_union = pw * ph + tw * th - s_inter
    l_iou = 1 - s_inter / s_union
    l2_box = enclosing(px1, px2, tx1, tx2) ** 2 + enclosing(py1, py2, ty1, ty2) ** 2
    dx = (px1 + px2) / 2 - (tx1 + tx2) / 2
    dy = (py1 + py2) / 2 - (ty1 + ty2) / 2
    return l_iou, torch.exp((dx ** 2 + dy ** 2) / l2_box.detach()) * l_iou


def wiou_weights(l_iou, mean, hp):
    """WIoU's layer weights from the detached L_IoU and the updated mean."""
    v = hp["wiou_version"]
    if v == 1:
        return torch.ones_like(l_iou)
    beta = l_iou.detach() / mean
    if v == 2:
        return beta.sqrt()
    return beta / (hp["wiou_delta"] * torch.pow(hp["wiou_alpha"], beta - hp["wiou_delta"]))


def mpdiou(p, t, ny, nx):
    """yolov7-MPDiou.py's bbox_mpdiou (heights + eps, one eps in the union), N = ny^2 + nx^2."""
    px1, px2, py1, py2 = corners(p)
    tx1, tx2, ty1, ty2 = corners(t)
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    w1, h1 = px2 - px1, py2 - py1 + EPS
    w2, h2 = tx2 - tx1, ty2 - ty1 + EPS
    union = w1 * h1 + w2 * h2 - inter + EPS
    d1 = (tx1 - px1) ** 2 + (ty1 - py1) ** 2
    d2 = (tx2 - px2) ** 2 + (ty2 - py2) ** 2
    n = ny ** 2 + nx ** 2
    return inter / union - d1 / n - d2 / n


def shape_iou(p, t, scale):
    """malagoutou's shape_iou."""
    w1, h1, w2, h2 = p[:, 2], p[:, 3], t[:, 2], t[:, 3]
    px1, px2, py1, py2 = corners(p)
    tx1, tx2, ty1, ty2 = corners(t)
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    union = w1 * h1 + w2 * h2 - inter + EPS
    iou = inter / union
    ww = 2 * torch.pow(w2, scale) / (torch.pow(w2, scale) + torch.pow(h2, scale))
    hh = 2 * torch.pow(h2, scale) / (torch.pow(w2, scale) + torch.pow(h2, scale))
    cw, ch = enclosing(px1, px2, tx1, tx2), enclosing(py1, py2, ty1, ty2)
    c2 = cw ** 2 + ch ** 2 + EPS
    cdx, cdy = ((tx1 + tx2 - px1 - px2) ** 2) / 4, ((ty1 + ty2 - py1 - py2) ** 2) / 4
    dist = (hh * cdx + ww * cdy) / c2
    om_w = hh * torch.abs(w1 - w2) / torch.maximum(w1, w2)
    om_h = ww * torch.abs(h1 - h2) / torch.maximum(h1, h2)
    shape = torch.pow(1 - torch.exp(-1 * om_w), 4) + torch.pow(1 - torch.exp(-1 * om_h), 4)
    return iou - dist - 0.5 * shape


# ------------------------------------------------------------------ one selection

def term(hp, p, t, ny, nx):
    """(value, loss, base) per match of the variant hp selects; value detached."""
    kind = hp["iou_type"]
    a, g, r = hp["iou_alpha"], hp["iou_focal_gamma"], hp["iou_inner_ratio"]
    if kind == "wiou":
        l_iou, loss = wiou(p, t)
        return (1 - l_iou).detach(), loss, l_iou.detach()
    if kind == "mpdiou":
        v = mpdiou(p, t, ny, nx)
    elif kind == "shape_iou":
        v = shape_iou(p, t, hp["shape_iou_scale"])
    elif r != 1:
        v = inner(p, t, kind, r)
    elif kind in ("iou", "giou", "diou", "ciou") and a == 1 and g == 0:
        v = yolov5(p, t, kind)
    else:
        v, focal = iou_py(p, t, kind, a, g)
        if focal is not None:
            return v.detach(), focal * (1 - v), None
    return v.detach(), 1 - v, None


# ------------------------------------------------------------------ golden check

def loss_call(case, hp, mean):
    """One call of YOLOv5's loss with the box term of hp; returns (total, items, means)."""
    preds, hyp, e = case["preds"], case["hyp"], case["expect"]
    nc, gr, sort = e["nc"], e.get("gr", 1.0), e.get("sort_obj_iou", False)
    dt = preds[0].dtype
    crit_cls = torch_loss.make_criterion(hyp, "cls", dt)
    crit_obj = torch_loss.make_criterion(hyp, "obj", dt)
    eps_ls = float(hyp.get("label_smoothing", 0.0) or 0.0)
    cp, cn = 1.0 - 0.5 * eps_ls, 0.5 * eps_ls
    assign = torch_loss.build_targets([p.shape for p in preds], case["targets"].to(dt),
                                      case["anchors"], float(hyp["anchor_t"]))
    balance = torch_loss.default_balance(len(preds))
    lbox = lobj = lcls = torch.zeros((), dtype=dt)
    means = []
    for i, p in enumerate(preds):
        s = assign[i]
        b, a, gj, gi = s["b"], s["a"], s["gj"], s["gi"]
        tobj = torch.zeros(p.shape[:4], dtype=dt)
        n = b.shape[0]
        if n:
            ps = p[b, a, gj, gi]
            pxy = torch.sigmoid(ps[:, 0:2]) * 2 - 0.5
            pwh = (torch.sigmoid(ps[:, 2:4]) * 2) ** 2 * s["anc"]
            value, loss, base = term(hp, torch.cat((pxy, pwh), 1), s["tbox"], p.shape[2], p.shape[3])
            w = 1
            if base is not None:
                m = hp["wiou_momentum"]
                mean = (1 - m) * mean + m * base.mean().item()
                means.append(mean)
                w = wiou_weights(base, mean, hp)
            lbox = lbox + (w * loss).mean()
            q = value.clamp(min=0)
            if sort:
                o = torch.argsort(q)
                b, a, gj, gi, q = b[o], a[o], gj[o], gi[o], q[o]
            if gr < 1:
                q = (1.0 - gr) + gr * q
            tobj[b, a, gj, gi] = q
            if nc > 1:
                tc = torch.full_like(ps[:, 5:], cn)
                tc[torch.arange(n), s["cls"]] = cp
                lcls = lcls + crit_cls(ps[:, 5:], tc)
        lobj = lobj + crit_obj(p[..., 4], tobj) * balance[i]
    lbox, lobj, lcls = lbox * float(hyp["box"]), lobj * float(hyp["obj"]), lcls * float(hyp["cls"])
    total = (lbox + lobj + lcls) * preds[0].shape[0]
    items = dict(loss=total.item(), lbox=lbox.item(), lobj=lobj.item(), lcls=lcls.item())
    return total, items, means, mean


def rel(got, want):
    return abs(got - want) / max(abs(want), 1e-300)


def check_case(path):
    case = torch_loss.load_case(path)
    hp, e = params(case["hyp"]), case["expect"]
    mean, worst = 1.0, 0.0
    for it in range(e["iters"]):
        for p in case["preds"]:
            p.grad = None
        total, items, means, mean = loss_call(case, hp, mean)
        want = e["history"][it]
        for k, v in items.items():
            worst = max(worst, rel(v, want[k]))
        if len(means) != len(want.get("wiou_means", [])):
            return float("inf")
        for got, w in zip(means, want.get("wiou_means", [])):
            worst = max(worst, rel(got, w))
    total.backward()
    g = np.load(os.path.join(path, "grad.npz"))
    for i, p in enumerate(case["preds"]):
        want = g["p%d" % i]
        scale = max(np.abs(want).max(), 1e-300)
        worst = max(worst, float(np.abs(p.grad.numpy() - want).max() / scale))
    return worst


# ------------------------------------------------------------------ pairs

CONFIGS = {
    "iou": [{}, {"iou_alpha": 3.0}, {"iou_alpha": 0.7}, {"iou_focal_gamma": 0.5},
            {"iou_alpha": 2.0, "iou_focal_gamma": 1.0}],
    "giou": [{}, {"iou_alpha": 2.0}, {"iou_alpha": 0.6}, {"iou_focal_gamma": 1.5}],
    "diou": [{}, {"iou_alpha": 3.0}, {"iou_alpha": 0.8}, {"iou_focal_gamma": 0.5}],
    "ciou": [{}, {"iou_alpha": 3.0}, {"iou_alpha": 0.75}, {"iou_focal_gamma": 0.5},
             {"iou_inner_ratio": 0.8}, {"iou_inner_ratio": 1.3}],
    "eiou": [{}, {"iou_alpha": 2.5}, {"iou_alpha": 0.9}, {"iou_focal_gamma": 0.5}],
    "siou": [{}, {"iou_alpha": 3.0}, {"iou_alpha": 0.8}, {"iou_focal_gamma": 1.0},
             {"iou_inner_ratio": 1.2}, {"iou_inner_ratio": 0.7}],
    "wiou": [{"wiou_version": 1}, {"wiou_version": 2, "wiou_momentum": 0.05},
             {"wiou_version": 3}, {"wiou_version": 3, "wiou_alpha": 0.8, "wiou_delta": 1.5,
                                   "wiou_momentum": 0.3}],
    "mpdiou": [{"grid": [20, 20]}, {"grid": [40, 24]}],
    "shape_iou": [{}, {"shape_iou_scale": 1.5}, {"shape_iou_scale": 0.4}],
}

# Hand-checkable pairs (prediction, target), x y w h in grid units.
NAMED = [
    ("identical", [0.5, 0.5, 2.0, 3.0], [0.5, 0.5, 2.0, 3.0]),
    ("disjoint", [0.0, 0.0, 2.0, 2.0], [3.0, 0.5, 2.0, 2.0]),
    ("nested", [0.5, 0.5, 1.0, 1.0], [0.5, 0.5, 2.0, 2.0]),
    ("nested_offset", [0.6, 0.4, 1.0, 0.5], [0.5, 0.5, 3.0, 2.0]),
    ("shared_edge", [0.0, 0.5, 2.0, 2.0], [2.0, 0.5, 2.0, 2.0]),
    ("same_centre", [0.5, 0.5, 1.0, 3.0], [0.5, 0.5, 3.0, 1.0]),
    ("same_right_edge", [1.0, 1.0, 2.0, 2.0], [1.5, 1.0, 1.0, 2.0]),
    ("same_size_shifted", [0.3, 0.7, 1.5, 1.5], [0.5, 0.5, 1.5, 1.5]),
    ("elongated", [0.5, 0.5, 4.0, 0.3], [0.6, 0.4, 0.3, 4.0]),
    ("diagonal_45", [0.0, 0.0, 1.0, 1.0], [0.25, 0.25, 1.0, 1.0]),
    ("tiny_pred", [0.4, 0.6, 1e-3, 2e-3], [0.5, 0.5, 1.2, 0.8]),
    ("large_pred", [0.5, 0.5, 12.0, 9.0], [0.7, 0.3, 1.0, 1.5]),
]


def random_pairs(rng, n):
    out = []
    for k in range(n):
        p = [rng.uniform(-0.5, 1.5), rng.uniform(-0.5, 1.5),
             math.exp(rng.uniform(-2.5, 2.2)), math.exp(rng.uniform(-2.5, 2.2))]
        t = [rng.uniform(-0.5, 1.5), rng.uniform(-0.5, 1.5),
             math.exp(rng.uniform(-2, 2)), math.exp(rng.uniform(-2, 2))]
        out.append(("random_%d" % k, p, t))
    return out


def eval_pairs(hp, pairs, ny, nx):
    """Value, loss, base and the gradient of the loss w.r.t. (x, y, log w, log h)."""
    x = torch.tensor([[p[0], p[1], math.log(p[2]), math.log(p[3])] for _, p, _ in pairs],
                     dtype=torch.float64, requires_grad=True)
    pb = torch.stack((x[:, 0], x[:, 1], x[:, 2].exp(), x[:, 3].exp()), 1)
    t = torch.tensor([q for _, _, q in pairs], dtype=torch.float64)
    value, loss, base = term(hp, pb, t, ny, nx)
    loss.sum().backward()
    rows = []
    for k, (name, _, q) in enumerate(pairs):
        row = dict(name=name, pred=pb[k].tolist(), log_wh=x[k, 2:].tolist(), target=q,
                   value=value[k].item(), loss=loss[k].item(), grad=x.grad[k].tolist())
        if base is not None:
            row["base"] = base[k].item()
        rows.append(row)
    return rows, base


def finite(row):
    return all(math.isfinite(v) for v in [row["value"], row["loss"]] + row["grad"])


def dumps(doc):
    """JSON with one pair a line: short diffs when a formula changes."""
    one = lambda v: json.dumps(v, separators=(",", ":"))
    out = ['{"iou_type":%s,"configs":[' % one(doc["iou_type"])]
    for i, c in enumerate(doc["configs"]):
        out.append(' {"params":%s,"grid":%s,"dropped":%s,"layers":[' % (
            one(c["params"]), one(c["grid"]), one(c["dropped"])))
        for j, lay in enumerate(c["layers"]):
            extra = "".join(',%s:%s' % (one(k), one(lay[k])) for k in ("mean_after", "weights") if k in lay)
            out.append('  {"pairs":[')
            out.append(",\n".join("   " + one(p) for p in lay["pairs"]))
            out.append('  ]%s}%s' % (extra, "," if j + 1 < len(c["layers"]) else ""))
        out.append(' ]}%s' % ("," if i + 1 < len(doc["configs"]) else ""))
    out.append("]}")
    return "\n".join(out) + "\n"


def write_pairs(out_dir, n_random):
    rng = np.random.default_rng(1)
    for kind, configs in CONFIGS.items():
        doc = dict(iou_type=kind, configs=[])
        for cfg in configs:
            cfg = dict(cfg)
            ny, nx = cfg.pop("grid", [20, 20])
            hp = dict(DEFAULTS, iou_type=kind, **cfg)
            rows, dropped = [], []
            pairs = NAMED + random_pairs(rng, n_random)
            layers = [pairs] if kind != "wiou" else [pairs[:len(pairs) // 2], pairs[len(pairs) // 2:]]
            entry = dict(params=dict(cfg), grid=[ny, nx], layers=[])
            mean = 1.0
            for layer in layers:
                rows, base = eval_pairs(hp, layer, ny, nx)
                keep = [r for r in rows if finite(r)]
                dropped += [r["name"] for r in rows if not finite(r)]
                lay = dict(pairs=keep)
                if base is not None:
                    # every pair of a wiou layer is finite: the layer's mean is over all of them
                    assert len(keep) == len(rows)
                    m = hp["wiou_momentum"]
                    mean = (1 - m) * mean + m * base.mean().item()
                    lay["mean_after"] = mean
                    lay["weights"] = wiou_weights(base, mean, hp).tolist()
                entry["layers"].append(lay)
            entry["dropped"] = dropped  # pairs where the reference is not finite
            doc["configs"].append(entry)
        path = os.path.join(out_dir, kind + ".json")
        with open(path + ".tmp", "w") as f:
            f.write(dumps(doc))
        os.replace(path + ".tmp", path)
        print(path, sum(len(l["pairs"]) for c in doc["configs"] for l in c["layers"]), "pairs",
              [c["dropped"] for c in doc["configs"]])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("golden")
    g.add_argument("cases", nargs="*")
    g.add_argument("--dir", default="testdata/golden-iou")
    g.add_argument("--tol", type=float, default=1e-9)
    pr = sub.add_parser("pairs")
    pr.add_argument("--out", default="testdata/iou-pairs")
    pr.add_argument("--random", type=int, default=24)
    a = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    if a.cmd == "pairs":
        os.makedirs(a.out, exist_ok=True)
        write_pairs(a.out, a.random)
        return
    cases = a.cases or sorted(d for d in os.listdir(a.dir) if os.path.isdir(os.path.join(a.dir, d)))
    bad = 0
    for c in cases:
        w = check_case(os.path.join(a.dir, c))
        bad += not (w <= a.tol)
        print("%-22s worst relative error %.3g %s" % (c, w, "ok" if w <= a.tol else "FAIL"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
