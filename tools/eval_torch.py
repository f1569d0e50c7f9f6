"""YOLOv5's evaluation in PyTorch, for the speed comparison with package nms and metrics.

Written for this project after YOLOv5's val.py and utils (commit 6a048c5f): non_max_suppression with
torchvision's nms, process_batch with box_iou, ap_per_class with compute_ap and the box-filter smooth, wired
as val.py's loop wires them. One deliberate difference: no wall-clock limit in NMS (YOLOv5's drops the rest
of a batch when it is hit, which would change the mAP being compared). YOLOv5's utils/metrics.py imports a
package that cannot be installed here, hence this file.

usage:
  /usr/bin/python3 tools/eval_torch.py bench BATCH.npz [--repeats N] [--threads 1]
      time NMS + matching + ap_per_class on the batch (float32, val.py's settings); prints a JSON line
  /usr/bin/python3 tools/eval_torch.py golden [testdata/golden-eval]
      run every golden case in float64 and compare with its expect.npz and expect.json

Needs Debian's python3-torch, python3-torchvision and python3-numpy; never run by CI.
"""
import argparse
import json
import pathlib
import statistics
import sys
import time

import numpy as np
import torch
import torchvision

MAX_WH = 7680  # class offset of the boxes, pixels per class
MAX_NMS = 30000  # most (box, class) pairs entering nms


def corners(b):
    """(cx, cy, w, h) -> (x1, y1, x2, y2), as xywh2xyxy."""
    out = b.clone()
    out[:, 0] = b[:, 0] - b[:, 2] / 2
    out[:, 1] = b[:, 1] - b[:, 3] / 2
    out[:, 2] = b[:, 0] + b[:, 2] / 2
    out[:, 3] = b[:, 1] + b[:, 3] / 2
    return out


def nms_image(x, nc, conf_thres, iou_thres, multi_label, agnostic, max_det):
    """One image of non_max_suppression: x is [n, 5+nc]; returns [k, 6] (x1, y1, x2, y2, conf, class)."""
    x = x[x[:, 4] > conf_thres]
    if not x.shape[0]:
        return x.new_zeros((0, 6))
    x = x.clone()
    x[:, 5:] *= x[:, 4:5]
    box = corners(x[:, :4])
    if multi_label and nc > 1:
        row, cls = (x[:, 5:] > conf_thres).nonzero(as_tuple=False).T
        d = torch.cat((box[row], x[row, 5 + cls, None], cls[:, None].to(x.dtype)), 1)
    else:
        conf, cls = x[:, 5:].max(1, keepdim=True)
        d = torch.cat((box, conf, cls.to(x.dtype)), 1)[conf.view(-1) > conf_thres]
    if not d.shape[0]:
        return d
    d = d[d[:, 4].argsort(descending=True)[:MAX_NMS]]
    offset = d[:, 5:6] * (0 if agnostic else MAX_WH)
    keep = torchvision.ops.nms(d[:, :4] + offset, d[:, 4], iou_thres)
    return d[keep[:max_det]]


def box_iou(a, b, eps=1e-7):
    """IoU of every box of a [N, 4] with every box of b [M, 4], both xyxy: [N, M]."""
    (a1, a2), (b1, b2) = a[:, None].chunk(2, 2), b[None].chunk(2, 2)
    inter = (torch.min(a2, b2) - torch.max(a1, b1)).clamp(0).prod(2)
    return inter / ((a2 - a1).prod(2) + (b2 - b1).prod(2) - inter + eps)


def match(dets, labels, iouv):
    """process_batch: dets [N, 6], labels [M, 5] (class, xyxy) -> correct [N, 10] bool."""
    iou = box_iou(labels[:, 1:], dets[:, :4])
    same = labels[:, 0:1] == dets[:, 5]
    correct = np.zeros((dets.shape[0], iouv.shape[0]), dtype=bool)
    for t in range(len(iouv)):
        li, di = torch.where((iou >= iouv[t]) & same)
        if not li.shape[0]:
            continue
        m = torch.stack((li, di), 1).numpy()
        v = iou[li, di].numpy()
        if m.shape[0] > 1:
            order = v.argsort()[::-1]
            m = m[order]
            m = m[np.unique(m[:, 1], return_index=True)[1]]  # each detection: its best label
            m = m[np.unique(m[:, 0], return_index=True)[1]]  # each label: its first detection
        correct[m[:, 1], t] = True
    return torch.from_numpy(correct)


def smooth(y, f):
    nf = round(len(y) * f * 2) // 2 + 1
    pad = np.ones(nf // 2)
    return np.convolve(np.concatenate((pad * y[0], y, pad * y[-1])), np.ones(nf) / nf, mode="valid")


def average_precision(recall, precision):
    mrec = np.concatenate(([0.0], recall, [1.0]))
    mpre = np.flip(np.maximum.accumulate(np.flip(np.concatenate(([1.0], precision, [0.0])))))
    x = np.linspace(0, 1, 101)
    trapz = np.trapezoid if hasattr(np, "trapezoid") else np.trapz
    return trapz(np.interp(x, mrec, mpre), x)


def per_class(tp, conf, pred_cls, target_cls, eps=1e-16):
    """ap_per_class: returns tp, fp, p, r, f1, ap [classes, 10] and the classes that have labels."""
    order = np.argsort(-conf)
    tp, conf, pred_cls = tp[order], conf[order], pred_cls[order]
    classes, counts = np.unique(target_cls, return_counts=True)
    px = np.linspace(0, 1, 1000)
    ap, p, r = np.zeros((len(classes), tp.shape[1])), np.zeros((len(classes), 1000)), np.zeros((len(classes), 1000))
    for k, c in enumerate(classes):
        sel = pred_cls == c
        if sel.sum() == 0:
            continue
        tpc, fpc = tp[sel].cumsum(0), (1 - tp[sel]).cumsum(0)
        recall = tpc / (counts[k] + eps)
        precision = tpc / (tpc + fpc)
        r[k] = np.interp(-px, -conf[sel], recall[:, 0], left=0)
        p[k] = np.interp(-px, -conf[sel], precision[:, 0], left=1)
        for t in range(tp.shape[1]):
            ap[k, t] = average_precision(recall[:, t], precision[:, t])
    f1 = 2 * p * r / (p + r + eps)
    i = smooth(f1.mean(0), 0.1).argmax()
    p, r, f1 = p[:, i], r[:, i], f1[:, i]
    tp = (r * counts).round()
    fp = (tp / (p + eps) - tp).round()
    return tp, fp, p, r, f1, ap, classes.astype(int)


def evaluate(pred, targets, nc, conf_thres=0.001, iou_thres=0.6, multi_label=True, agnostic=False, max_det=300, parts=None):
    """val.py's loop over one batch: returns the detections, the correct matrix and the metrics. With a dict
    parts, adds the seconds spent in NMS, in matching and in ap_per_class to it."""
    clock = [time.perf_counter()]

    def lap(name):
        now = time.perf_counter()
        if parts is not None:
            parts[name] = parts.get(name, 0.0) + now - clock[0]
        clock[0] = now

    iouv = torch.linspace(0.5, 0.95, 10)  # float32, as val.py makes it
    dets = [nms_image(x, nc, conf_thres, iou_thres, multi_label, agnostic, max_det) for x in pred]
    lap("nms")
    stats = []
    for b, d in enumerate(dets):
        labels = targets[targets[:, 0] == b, 1:]
        correct = torch.zeros(d.shape[0], 10, dtype=torch.bool)
        if d.shape[0] == 0:
            if labels.shape[0]:
                stats.append((correct, torch.zeros(0), torch.zeros(0), labels[:, 0]))
            continue
        if labels.shape[0]:
            boxes = corners(labels[:, 1:5])
            correct = match(d, torch.cat((labels[:, 0:1], boxes), 1), iouv)
        stats.append((correct, d[:, 4], d[:, 5], labels[:, 0]))
    stats = [torch.cat(s, 0).numpy() for s in zip(*stats)]
    lap("match")
    m = dict(nt=np.bincount(stats[3].astype(int), minlength=nc).tolist(), mp=0.0, mr=0.0, map50=0.0, map=0.0)
    if len(stats) and stats[0].any():
        tp, fp, p, r, f1, ap, cls = per_class(*stats)
        ap50, ap = ap[:, 0], ap.mean(1)
        m.update(mp=p.mean(), mr=r.mean(), map50=ap50.mean(), map=ap.mean(),
                 tp=tp.tolist(), fp=fp.tolist(), p=p.tolist(), r=r.tolist(), f1=f1.tolist(), ap50=ap50.tolist(), ap=ap.tolist(), ap_class=cls.tolist())
    lap("metrics")
    return dets, stats[0] if len(stats) else np.zeros((0, 10), bool), m


def bench(args):
    torch.set_num_threads(args.threads)
    z = np.load(args.batch)
    pred, targets = torch.from_numpy(z["pred"]), torch.from_numpy(z["targets"])
    nc = pred.shape[2] - 5
    times, parts = [], {}
    for k in range(args.warmup + args.repeats):
        t0 = time.perf_counter()
        dets, correct, m = evaluate(pred, targets, nc, parts=parts if k >= args.warmup else None)
        if k >= args.warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    out = dict(impl="torch", threads=torch.get_num_threads(), torch=torch.__version__, torchvision=torchvision.__version__,
               median_ms=statistics.median(times), times_ms=times, dets=int(correct.shape[0]),
               mean_parts_ms={k: v * 1e3 / args.repeats for k, v in parts.items()},
               map=float(m["map"]), map50=float(m["map50"]), mp=float(m["mp"]), mr=float(m["mr"]))
    print("JSON " + json.dumps(out))


def golden(args):
    worst, ok = 0.0, True
    for case in sorted(pathlib.Path(args.dir).iterdir()):
        if not (case / "config.json").exists():
            continue
        cfg = json.loads((case / "config.json").read_text())
        want = json.loads((case / "expect.json").read_text())
        z, e = np.load(case / "input.npz"), np.load(case / "expect.npz")
        dets, correct, m = evaluate(torch.from_numpy(z["pred"]), torch.from_numpy(z["targets"]), cfg["nc"], cfg["conf_thres"],
                                    cfg["iou_thres"], cfg["multi_label"], cfg["agnostic"], cfg["max_det"])
        same = all(np.array_equal(d.numpy(), e["det%d" % b]) for b, d in enumerate(dets)) and np.array_equal(correct, e["correct"])
        errs = [abs(np.asarray(m[k], float) - np.asarray(want[k], float)).max() / max(1e-300, abs(np.asarray(want[k], float)).max())
                for k in want if k != "ap_class" and np.size(want[k])]
        case_worst = max(errs)
        worst = max(worst, case_worst)
        ok &= same and case_worst <= 1e-9
        print("%-16s detections and correct %s, metrics worst relative error %.2g" % (case.name, "exact" if same else "DIFFER", case_worst))
    print("all cases reproduce" if ok else "MISMATCH", "(worst %.2g)" % worst)
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("batch")
    b.add_argument("--repeats", type=int, default=3)
    b.add_argument("--warmup", type=int, default=1)
    b.add_argument("--threads", type=int, default=1)
    g = sub.add_parser("golden")
    g.add_argument("dir", nargs="?", default="testdata/golden-eval")
    args = ap.parse_args()
    if args.cmd == "bench":
        bench(args)
        return 0
    return golden(args)


if __name__ == "__main__":
    sys.exit(main())
