#!/usr/bin/python3
"""The box-loss family on corner boxes (x1, y1, x2, y2), as the anchor-free head uses it.

Optional tooling for humans; CI and the Go tests never run it.  It transcribes each
variant's public reference in PyTorch on corner boxes, with the conventions of
testdata/golden-v8/README.md ("Keys beyond ultralytics' own"), and writes

  iou_xyxy_reference.py [--out testdata/iou-pairs-xyxy]

<iou_type>.json: box pairs (prediction and target as corners, in an anchor's stride units)
with each configuration's value, per-anchor loss and the autograd gradient of that loss
with respect to the prediction's corners, in float64; for wiou also the weights and the
running mean after each call (one update per call over all its anchors).  package iou's
TestXYXYReference reproduces them with NewXYXY.

The references (read, not copied):
  iou, giou, diou, ciou        ultralytics 8.4 utils/metrics.py bbox_iou(xywh=False):
                               w = x2 - x1, h = y2 - y1 + eps, union + eps
  + alpha, focal, eiou, siou   z1069614715/objectdetection_script yolo-improve/iou.py
                               bbox_iou(xywh=False): h = (y2 - y1).clamp(eps)
  inner ciou, inner siou       malagoutou/Inner-IoU on the boxes converted to xywh
  wiou                         Instinct323/wiou iou.py IouLoss(ltype='WIoU'), x1y1x2y2
  mpdiou                       yolov7-MPDiou.py bbox_mpdiou, over diag2 = (W/s)^2 + (H/s)^2
  shape_iou                    malagoutou/Shape-IoU on the boxes converted to xywh
"""

import argparse
import json
import math
import os

import numpy as np
import torch

EPS = 1e-7
K_ASPECT = 4 / math.pi ** 2

DEFAULTS = dict(iou_type="ciou", iou_alpha=1.0, iou_focal_gamma=0.0, iou_inner_ratio=1.0,
                wiou_version=3, wiou_alpha=1.9, wiou_delta=3.0, wiou_momentum=0.01,
                shape_iou_scale=0.0)


def split(b):
    return b.unbind(-1)


def overlap(p1, p2, t1, t2):
    return (torch.minimum(p2, t2) - torch.maximum(p1, t1)).clamp(0)


def enclosing(p1, p2, t1, t2):
    return torch.maximum(p2, t2) - torch.minimum(p1, t1)


def v84(p, t, kind):
    """ultralytics 8.4's bbox_iou on corners."""
    px1, py1, px2, py2 = split(p)
    tx1, ty1, tx2, ty2 = split(t)
    w1, h1 = px2 - px1, py2 - py1 + EPS
    w2, h2 = tx2 - tx1, ty2 - ty1 + EPS
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    union = w1 * h1 + w2 * h2 - inter + EPS
    iou = inter / union
    if kind == "iou":
        return iou
    cw, ch = enclosing(px1, px2, tx1, tx2), enclosing(py1, py2, ty1, ty2)
    if kind == "giou":
        c_area = cw * ch + EPS
        return iou - (c_area - union) / c_area
    c2 = cw.pow(2) + ch.pow(2) + EPS
    rho2 = ((tx1 + tx2 - px1 - px2).pow(2) + (ty1 + ty2 - py1 - py2).pow(2)) / 4
    if kind == "diou":
        return iou - rho2 / c2
    v = K_ASPECT * (torch.atan(w2 / h2) - torch.atan(w1 / h1)).pow(2)
    with torch.no_grad():
        a = v / (v - iou + (1 + EPS))
    return iou - (rho2 / c2 + v * a)


def siou_cost(s_cw, s_ch, cw, ch, w1, h1, w2, h2):
    """0.5 * (distance cost + shape cost) of SIoU, s_* the centre offsets plus eps."""
    sigma = torch.pow(s_cw ** 2 + s_ch ** 2, 0.5)
    sin1, sin2 = torch.abs(s_cw) / sigma, torch.abs(s_ch) / sigma
    sin_a = torch.where(sin1 > pow(2, 0.5) / 2, sin2, sin1)
    g = torch.cos(torch.arcsin(sin_a) * 2 - math.pi / 2) - 2
    dist = 2 - torch.exp(g * (s_cw / cw) ** 2) - torch.exp(g * (s_ch / ch) ** 2)
    om_w = torch.abs(w1 - w2) / torch.max(w1, w2)
    om_h = torch.abs(h1 - h2) / torch.max(h1, h2)
    shape = torch.pow(1 - torch.exp(-1 * om_w), 4) + torch.pow(1 - torch.exp(-1 * om_h), 4)
    return 0.5 * (dist + shape)


def iou_py(p, t, kind, alpha, gamma):
    """yolo-improve iou.py's bbox_iou on corners; returns (value, focal weight or None)."""
    px1, py1, px2, py2 = split(p)
    tx1, ty1, tx2, ty2 = split(t)
    w1, h1 = px2 - px1, (py2 - py1).clamp(EPS)
    w2, h2 = tx2 - tx1, (ty2 - ty1).clamp(EPS)
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
        v = K_ASPECT * (torch.atan(w2 / h2) - torch.atan(w1 / h1)).pow(2)
        with torch.no_grad():
            a = v / (v - iou + (1 + EPS))
        return iou - (rho2 / c2 + torch.pow(v * a + EPS, alpha)), focal
    if kind == "eiou":
        rho_w2 = ((tx2 - tx1) - (px2 - px1)) ** 2
        rho_h2 = ((ty2 - ty1) - (py2 - py1)) ** 2
        cw2, ch2 = torch.pow(cw ** 2 + EPS, alpha), torch.pow(ch ** 2 + EPS, alpha)
        return iou - (rho2 / c2 + rho_w2 / cw2 + rho_h2 / ch2), focal
    if kind == "siou":
        s_cw = (tx1 + tx2 - px1 - px2) * 0.5 + EPS
        s_ch = (ty1 + ty2 - py1 - py2) * 0.5 + EPS
        return iou - torch.pow(siou_cost(s_cw, s_ch, cw, ch, w1, h1, w2, h2) + EPS, alpha), focal
    raise ValueError(kind)


def xywh(b):
    """ultralytics' xyxy2xywh, differentiable."""
    x1, y1, x2, y2 = split(b)
    return (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1


def xywh_corners(x, y, w, h, r=1.0):
    return x - w / 2 * r, x + w / 2 * r, y - h / 2 * r, y + h / 2 * r


def inner(p, t, kind, ratio):
    """malagoutou's inner_ciou / inner_siou on the boxes converted to xywh."""
    x1, y1, w1, h1 = xywh(p)
    x2, y2, w2, h2 = xywh(t)
    px1, px2, py1, py2 = xywh_corners(x1, y1, w1, h1)
    tx1, tx2, ty1, ty2 = xywh_corners(x2, y2, w2, h2)
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    union = w1 * h1 + w2 * h2 - inter + EPS
    iou = inter / union
    ip1, ip2, jp1, jp2 = xywh_corners(x1, y1, w1, h1, ratio)
    it1, it2, jt1, jt2 = xywh_corners(x2, y2, w2, h2, ratio)
    i_inter = overlap(ip1, ip2, it1, it2) * overlap(jp1, jp2, jt1, jt2)
    i_union = w1 * ratio * h1 * ratio + w2 * ratio * h2 * ratio - i_inter + EPS
    i_iou = i_inter / i_union
    cw, ch = enclosing(px1, px2, tx1, tx2), enclosing(py1, py2, ty1, ty2)
    if kind == "siou":
        s_cw = (tx1 + tx2 - px1 - px2) * 0.5 + EPS
        s_ch = (ty1 + ty2 - py1 - py2) * 0.5 + EPS
        return i_iou - siou_cost(s_cw, s_ch, cw, ch, w1, h1, w2, h2)
    c2 = cw ** 2 + ch ** 2 + EPS
    rho2 = ((tx1 + tx2 - px1 - px2) ** 2 + (ty1 + ty2 - py1 - py2) ** 2) / 4
    v = K_ASPECT * torch.pow(torch.atan(w2 / h2) - torch.atan(w1 / h1), 2)
    with torch.no_grad():
        a = v / (v - iou + (1 + EPS))
    return i_iou - (rho2 / c2 + v * a)


def wiou(p, t):
    """Instinct323's WIoU on x1y1x2y2: (L_IoU, exp(rho2 / c2) * L_IoU), c2 detached, no eps."""
    px1, py1, px2, py2 = split(p)
    tx1, ty1, tx2, ty2 = split(t)
    s_inter = (torch.relu(torch.minimum(px2, tx2) - torch.maximum(px1, tx1)) *
               torch.relu(torch.minimum(py2, ty2) - torch.maximum(py1, ty1)))
    s_union = (px2 - px1) * (py2 - py1) + (tx2 - tx1) * (ty2 - ty1) - s_inter
    l_iou = 1 - s_inter / s_union
    l2_box = enclosing(px1, px2, tx1, tx2) ** 2 + enclosing(py1, py2, ty1, ty2) ** 2
    dx = (px1 + px2) / 2 - (tx1 + tx2) / 2
    dy = (py1 + py2) / 2 - (ty1 + ty2) / 2
    return l_iou, torch.exp((dx ** 2 + dy ** 2) / l2_box.detach()) * l_iou


def wiou_weights(l_iou, mean, hp):
    v = hp["wiou_version"]
    if v == 1:
        return torch.ones_like(l_iou)
    beta = l_iou.detach() / mean
    if v == 2:
        return beta.sqrt()
    return beta / (hp["wiou_delta"] * torch.pow(hp["wiou_alpha"], beta - hp["wiou_delta"]))


def mpdiou(p, t, diag2):
    """yolov7-MPDiou.py's bbox_mpdiou on corners over diag2."""
    px1, py1, px2, py2 = split(p)
    tx1, ty1, tx2, ty2 = split(t)
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    w1, h1 = px2 - px1, py2 - py1 + EPS
    w2, h2 = tx2 - tx1, ty2 - ty1 + EPS
    union = w1 * h1 + w2 * h2 - inter + EPS
    d1 = (tx1 - px1) ** 2 + (ty1 - py1) ** 2
    d2 = (tx2 - px2) ** 2 + (ty2 - py2) ** 2
    return inter / union - d1 / diag2 - d2 / diag2


def shape_iou(p, t, scale):
    """malagoutou's shape_iou on the boxes converted to xywh."""
    x1, y1, w1, h1 = xywh(p)
    x2, y2, w2, h2 = xywh(t)
    px1, px2, py1, py2 = xywh_corners(x1, y1, w1, h1)
    tx1, tx2, ty1, ty2 = xywh_corners(x2, y2, w2, h2)
    inter = overlap(px1, px2, tx1, tx2) * overlap(py1, py2, ty1, ty2)
    union = w1 * h1 + w2 * h2 - inter + EPS
    iou = inter / union
    ww = 2 * torch.pow(w2, scale) / (torch.pow(w2, scale) + torch.pow(h2, scale))
    hh = 2 * torch.pow(h2, scale) / (torch.pow(w2, scale) + torch.pow(h2, scale))
    cw, ch = enclosing(px1, px2, tx1, tx2), enclosing(py1, py2, ty1, ty2)
    c2 = cw ** 2 + ch ** 2 + EPS
    cdx, cdy = ((tx1 + tx2 - px1 - px2) ** 2) / 4, ((ty1 + ty2 - py1 - py2) ** 2) / 4
    dist = (hh * cdx + ww * cdy) / c2
    om_w = hh * torch.abs(w1 - w2) / torch.max(w1, w2)
    om_h = ww * torch.abs(h1 - h2) / torch.max(h1, h2)
    shape = torch.pow(1 - torch.exp(-1 * om_w), 4) + torch.pow(1 - torch.exp(-1 * om_h), 4)
    return iou - dist - 0.5 * shape


def term(hp, p, t, diag2):
    """(value, loss, base) per anchor of the variant hp selects; value detached."""
    kind = hp["iou_type"]
    a, g, r = hp["iou_alpha"], hp["iou_focal_gamma"], hp["iou_inner_ratio"]
    if kind == "wiou":
        l_iou, loss = wiou(p, t)
        return (1 - l_iou).detach(), loss, l_iou.detach()
    if kind == "mpdiou":
        v = mpdiou(p, t, diag2)
    elif kind == "shape_iou":
        v = shape_iou(p, t, hp["shape_iou_scale"])
    elif r != 1:
        v = inner(p, t, kind, r)
    elif kind in ("iou", "giou", "diou", "ciou") and a == 1 and g == 0:
        v = v84(p, t, kind)
    else:
        v, focal = iou_py(p, t, kind, a, g)
        if focal is not None:
            return v.detach(), (1 - v) * focal, None
    return v.detach(), 1 - v, None


CONFIGS = {
    "iou": [{}, {"iou_alpha": 3.0}, {"iou_alpha": 0.7}, {"iou_focal_gamma": 0.5}],
    "giou": [{}, {"iou_alpha": 2.0}, {"iou_focal_gamma": 1.5}],
    "diou": [{}, {"iou_alpha": 3.0}, {"iou_focal_gamma": 0.5}],
    "ciou": [{}, {"iou_alpha": 3.0}, {"iou_alpha": 0.75}, {"iou_focal_gamma": 0.5},
             {"iou_inner_ratio": 0.8}, {"iou_inner_ratio": 1.3}],
    "eiou": [{}, {"iou_alpha": 2.5}, {"iou_focal_gamma": 0.5}],
    "siou": [{}, {"iou_alpha": 3.0}, {"iou_focal_gamma": 1.0}, {"iou_inner_ratio": 1.2}],
    "wiou": [{"wiou_version": 1}, {"wiou_version": 2, "wiou_momentum": 0.05},
             {"wiou_version": 3}, {"wiou_version": 3, "wiou_alpha": 0.8, "wiou_delta": 1.5,
                                   "wiou_momentum": 0.3}],
    "mpdiou": [{"diag2": 2500.0}, {"diag2": 6400.0 + 3600.0}],
    "shape_iou": [{}, {"shape_iou_scale": 1.5}, {"shape_iou_scale": 0.4}],
}

# Hand-checkable pairs (prediction, target) as corners, in stride units.
NAMED = [
    ("identical", [-0.5, -1.0, 1.5, 2.0], [-0.5, -1.0, 1.5, 2.0]),
    ("disjoint", [-1.0, -1.0, 1.0, 1.0], [2.0, -0.5, 4.0, 1.5]),
    ("nested", [0.0, 0.0, 1.0, 1.0], [-0.5, -0.5, 1.5, 1.5]),
    ("nested_offset", [0.1, 0.15, 1.1, 0.65], [-1.0, -0.5, 2.0, 1.5]),
    ("crossed", [0.0, -1.0, 1.0, 2.0], [-1.0, 0.0, 2.0, 1.0]),
    ("same_right_edge", [0.0, 0.0, 2.0, 2.0], [1.0, 0.0, 2.0, 2.0]),
    ("elongated", [-1.5, 0.35, 2.5, 0.65], [0.45, -1.6, 0.75, 2.4]),
    ("tiny_pred", [0.3995, 0.599, 0.4005, 0.601], [-0.1, 0.1, 1.1, 0.9]),
    ("large_pred", [-5.5, -4.0, 6.5, 5.0], [0.2, -0.45, 1.2, 1.05]),
]


def random_pairs(rng, n):
    """Targets about the anchor point (0.5, 0.5), predictions the anchor point less and
    plus distances in (0.05, 6), as reg_max 16's expectation gives them."""
    out = []
    for k in range(n):
        cx, cy = rng.uniform(-1, 2), rng.uniform(-1, 2)
        w, h = math.exp(rng.uniform(-2, 2.5)), math.exp(rng.uniform(-2, 2.5))
        t = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]
        d = [rng.uniform(0.05, 6) for _ in range(4)]
        p = [0.5 - d[0], 0.5 - d[1], 0.5 + d[2], 0.5 + d[3]]
        out.append(("random_%d" % k, p, t))
    return out


def eval_pairs(hp, pairs, diag2):
    x = torch.tensor([p for _, p, _ in pairs], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([q for _, _, q in pairs], dtype=torch.float64)
    value, loss, base = term(hp, x, t, diag2)
    loss.sum().backward()
    rows = []
    for k, (name, p, q) in enumerate(pairs):
        row = dict(name=name, pred=p, target=q, value=value[k].item(), loss=loss[k].item(),
                   grad=x.grad[k].tolist())
        if base is not None:
            row["base"] = base[k].item()
        rows.append(row)
    return rows, base


def finite(row):
    return all(math.isfinite(v) for v in [row["value"], row["loss"]] + row["grad"])


def dumps(doc):
    """JSON with one pair a line."""
    one = lambda v: json.dumps(v, separators=(",", ":"))
    out = ['{"iou_type":%s,"configs":[' % one(doc["iou_type"])]
    for i, c in enumerate(doc["configs"]):
        out.append(' {"params":%s,"diag2":%s,"dropped":%s,"calls":[' % (
            one(c["params"]), one(c["diag2"]), one(c["dropped"])))
        for j, call in enumerate(c["calls"]):
            extra = "".join(',%s:%s' % (one(k), one(call[k])) for k in ("mean_after", "weights") if k in call)
            out.append('  {"pairs":[')
            out.append(",\n".join("   " + one(p) for p in call["pairs"]))
            out.append('  ]%s}%s' % (extra, "," if j + 1 < len(c["calls"]) else ""))
        out.append(' ]}%s' % ("," if i + 1 < len(doc["configs"]) else ""))
    out.append("]}")
    return "\n".join(out) + "\n"


def write_pairs(out_dir, n_random):
    rng = np.random.default_rng(2)
    for kind, configs in CONFIGS.items():
        doc = dict(iou_type=kind, configs=[])
        for cfg in configs:
            cfg = dict(cfg)
            diag2 = cfg.pop("diag2", 2500.0)
            hp = dict(DEFAULTS, iou_type=kind, **cfg)
            pairs = NAMED + random_pairs(rng, n_random)
            calls = [pairs] if kind != "wiou" else [pairs[:len(pairs) // 2], pairs[len(pairs) // 2:]]
            entry = dict(params=dict(cfg), diag2=diag2, calls=[], dropped=[])
            mean = 1.0
            for call in calls:
                rows, base = eval_pairs(hp, call, diag2)
                keep = [r for r in rows if finite(r)]
                entry["dropped"] += [r["name"] for r in rows if not finite(r)]
                c = dict(pairs=keep)
                if base is not None:
                    assert len(keep) == len(rows)  # one update over all of a call's anchors
                    m = hp["wiou_momentum"]
                    mean = (1 - m) * mean + m * base.mean().item()
                    c["mean_after"] = mean
                    c["weights"] = wiou_weights(base, mean, hp).tolist()
                entry["calls"].append(c)
            doc["configs"].append(entry)
        path = os.path.join(out_dir, kind + ".json")
        with open(path + ".tmp", "w") as f:
            f.write(dumps(doc))
        os.replace(path + ".tmp", path)
        print(path, sum(len(c["pairs"]) for e in doc["configs"] for c in e["calls"]), "pairs",
              [e["dropped"] for e in doc["configs"]])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="testdata/iou-pairs-xyxy")
    ap.add_argument("--random", type=int, default=24)
    a = ap.parse_args()
    torch.set_default_dtype(torch.float64)
    os.makedirs(a.out, exist_ok=True)
    write_pairs(a.out, a.random)


if __name__ == "__main__":
    main()
