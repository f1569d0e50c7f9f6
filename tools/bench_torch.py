#!/usr/bin/python3
"""Benchmarks the YOLOv5 loss in PyTorch on a deterministic COCO-like workload.

Workload (numpy default_rng(seed), seed 0 by default): bs 16, 640x640, 80 classes, 3 layers
(80x80, 40x40, 20x20 cells; strides 8/16/32), 3 anchors per layer (YOLOv5's default P5
anchors in grid units), 4..12 labels per image (about 8; w, h in ~0.02..0.6), float32
predictions resembling a partly trained model (objectness logits around -5, higher on and
around objects; box logits N(0,1); class logits around -4, higher for the true class near
objects).  `--save tools/work/coco_bs16.npz` writes it (p0, p1, p2 float32; targets,
anchors, strides float64) so the Go side can run the very same input; `--load` reads one.

Timed, for every criterion, with torch.set_num_threads(N) (`--threads 1,2` for several):
  fwd+bwd  loss forward and loss.backward() w.r.t. the three prediction tensors (leaf
           tensors with requires_grad)
  fwd      the forward alone (autograd graph recorded, as in training)
after `--warmup` untimed calls, `--repeats` timed rounds; each round calls every
(implementation, criterion, fwd/fwd+bwd) job once, so load changes on a shared machine hit
all of them alike.  Median (and min) reported, in ms, with the load average.

  (a) tools/torch_loss.py: BCE (fl_gamma 0), focal (g 1.5, a 0.25), varifocal (g 1.5, a 0.25)
  (b) YOLOv5's own utils/loss.py ComputeLoss at the pinned commit, extracted from the local
      mirror into a temporary folder (outside the repository) and imported with a minimal
      stand-in model; its heavy unrelated imports (the `ultralytics` pip package,
      matplotlib, utils.torch_utils) are stubbed in sys.modules: loss.py and bbox_iou in
      metrics.py are YOLOv5's real code.  YOLOv5 itself only has focal via fl_gamma, so
      (b) runs BCE and focal.

It also prints the loss numbers of (a) and (b) on the workload (float32 as timed, and a
float64 rerun) and their relative differences.  Ends with a table and one JSON line.

Optional tooling for humans; not used by CI or the Go tests.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import torch_loss  # noqa: E402

YOLOV5_COMMIT = "6a048c5fa5bbde3f077f0a0fa0662582cdf29d32"
YOLOV5_MIRROR = "/work/.mirror/ultralytics+yolov5/repo"

P5_ANCHORS_PX = [[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119], [116, 90, 156, 198, 373, 326]]
STRIDES = [8, 16, 32]

# hyp.scratch-low.yaml loss keys (unchanged by train.py's rescaling for nl 3, nc 80, 640 px)
BASE_HYP = dict(box=0.05, cls=0.5, cls_pw=1.0, obj=1.0, obj_pw=1.0, iou_t=0.2, anchor_t=4.0,
                fl_gamma=0.0)
CRITERIA = {
    "bce": dict(fl_gamma=0.0),
    "focal": dict(fl_gamma=1.5, fl_alpha=0.25, fl_type="focal"),
    "varifocal": dict(fl_gamma=1.5, fl_alpha=0.25, fl_type="varifocal"),
}
YOLOV5_CRITERIA = ("bce", "focal")


# ----------------------------------------------------------------------------- workload

def make_workload(seed=0, bs=16, img=640, nc=80, labels=(4, 12)):
    rng = np.random.default_rng(seed)
    anchors = np.array(P5_ANCHORS_PX, dtype=np.float64).reshape(3, 3, 2) / \
        np.array(STRIDES, dtype=np.float64)[:, None, None]

    # labels: image, class, x, y, w, h (normalised), sorted by image like YOLOv5's collate
    rows = []
    for b in range(bs):
        n = int(rng.integers(labels[0], labels[1] + 1))
        size = np.exp(rng.uniform(np.log(0.03), np.log(0.5), n))       # geometric mean side
        aspect = np.exp(rng.normal(0.0, 0.4, n))                          # w / h
        w = np.clip(size * np.sqrt(aspect), 0.02, 0.6)
        h = np.clip(size / np.sqrt(aspect), 0.02, 0.6)
        x = rng.uniform(w / 2, 1 - w / 2)
        y = rng.uniform(h / 2, 1 - h / 2)
        c = rng.integers(0, nc, n)
        rows.append(np.stack([np.full(n, b), c, x, y, w, h], 1))
    targets = np.concatenate(rows).astype(np.float64)

    preds = []
    for s in STRIDES:
        g = img // s
        p = np.empty((bs, 3, g, g, 5 + nc), dtype=np.float32)
        p[..., 0:4] = rng.standard_normal((bs, 3, g, g, 4), dtype=np.float32)
        p[..., 4] = -5.0 + 0.5 * rng.standard_normal((bs, 3, g, g), dtype=np.float32)
        p[..., 5:] = -4.0 + 0.7 * rng.standard_normal((bs, 3, g, g, nc), dtype=np.float32)
        # near objects: objectness up in the 3x3 cells around each centre (most at the centre),
        # the true class up there too
        for t in targets:
            b, c = int(t[0]), int(t[1])
            cx, cy = min(int(t[2] * g), g - 1), min(int(t[3] * g), g - 1)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    yy, xx = cy + dy, cx + dx
                    if 0 <= yy < g and 0 <= xx < g:
                        mu = 0.5 if dx == 0 and dy == 0 else -2.0
                        p[b, :, yy, xx, 4] = mu + rng.standard_normal(3).astype(np.float32)
                        p[b, :, yy, xx, 5 + c] = 0.5 * rng.standard_normal(3).astype(np.float32)
        preds.append(p)
    return dict(preds=preds, targets=targets, anchors=anchors,
                strides=np.array(STRIDES, dtype=np.float64), nc=nc)


def save_workload(w, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    np.savez(path, **{"p%d" % i: p for i, p in enumerate(w["preds"])},
             targets=w["targets"], anchors=w["anchors"], strides=w["strides"])


def load_workload(path):
    z = np.load(path)
    nl = len([k for k in z.files if k.startswith("p") and k[1:].isdigit()])
    preds = [z["p%d" % i].astype(np.float32) for i in range(nl)]
    return dict(preds=preds, targets=z["targets"], anchors=z["anchors"], strides=z["strides"],
                nc=preds[0].shape[-1] - 5)


# ----------------------------------------------------------------------------- YOLOv5

def import_yolov5(src_dir):
    """Imports YOLOv5's utils.loss from src_dir with stubs for unrelated heavy imports."""
    if not os.path.isfile(os.path.join(src_dir, "utils", "loss.py")):
        os.makedirs(src_dir, exist_ok=True)
        arch = subprocess.Popen(["git", "-C", YOLOV5_MIRROR, "archive", YOLOV5_COMMIT], stdout=subprocess.PIPE)
        subprocess.check_call(["tar", "-x", "-C", src_dir], stdin=arch.stdout)
        if arch.wait() != 0:
            raise RuntimeError("git archive failed")

    def stub(name, **attrs):
        if name in sys.modules:
            return sys.modules[name]
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    identity = lambda f: f  # noqa: E731
    # the `ultralytics` pip package (not installed): only names used at import time
    stub("ultralytics", __path__=[])
    stub("ultralytics.utils", __path__=[], emojis=lambda s="": s, threaded=identity)
    stub("ultralytics.utils.metrics", smooth=lambda y, f=0.05: y)
    # matplotlib is used by metrics.py plotting only
    try:
        import matplotlib.pyplot  # noqa: F401
    except ImportError:
        stub("matplotlib", __path__=[])
        stub("matplotlib.pyplot")
    # utils.torch_utils drags in utils.general (cv2, torchvision, pandas, ...); the loss only
    # needs de_parallel, which for a non-parallel model is the model itself
    stub("utils.torch_utils", de_parallel=lambda m: getattr(m, "module", m))

    sys.path.insert(0, src_dir)
    try:
        import utils.loss as yl  # real utils/__init__.py, utils/metrics.py, utils/loss.py
    finally:
        sys.path.remove(src_dir)
    assert os.path.abspath(yl.__file__).startswith(os.path.abspath(src_dir)), yl.__file__
    return yl


class _Detect:
    def __init__(self, anchors, strides, nc):
        self.anchors = anchors                                # [nl,na,2] grid units
        self.stride = torch.tensor(strides, dtype=torch.float32)
        self.nl, self.na = anchors.shape[0], anchors.shape[1]
        self.nc = nc


class _StandInModel:
    """What ComputeLoss reads: parameters() (for the device), hyp, model[-1] (Detect)."""

    def __init__(self, hyp, anchors, strides, nc):
        self.hyp = hyp
        self.model = [_Detect(anchors, strides, nc)]
        self._p = torch.zeros(1)

    def parameters(self):
        return iter([self._p])


# ----------------------------------------------------------------------------- timing

def time_round_robin(jobs, warmup, repeats):
    """jobs: {key: fn}.  Warms each up, then times them interleaved (one call of each per round,
    so load changes on a shared machine hit all of them alike).  -> {key: (median ms, min ms)}."""
    for fn in jobs.values():
        for _ in range(warmup):
            fn()
    ts = {k: [] for k in jobs}
    for _ in range(repeats):
        for k, fn in jobs.items():
            t0 = time.perf_counter()
            fn()
            ts[k].append((time.perf_counter() - t0) * 1e3)
    return {k: (statistics.median(v), min(v)) for k, v in ts.items()}


def make_runners(w, dtype):
    preds = [torch.tensor(p, dtype=dtype).requires_grad_() for p in w["preds"]]
    targets = torch.tensor(w["targets"], dtype=dtype)
    anchors = torch.tensor(w["anchors"], dtype=dtype)
    return preds, targets, anchors


def run_a(preds, targets, anchors, hyp, nc, criteria):
    total, lbox, lobj, lcls, _ = torch_loss.compute(preds, targets, anchors, hyp, nc, criteria=criteria)
    return total, [lbox.item(), lobj.item(), lcls.item()]


def run_b(cl, preds, targets):
    total, items = cl(preds, targets)
    return total, [float(x) for x in items]


def bench(w, threads, warmup, repeats, yl, criteria=tuple(CRITERIA), ours=True):
    torch.set_num_threads(threads)
    preds, targets, anchors = make_runners(w, torch.float32)
    nc = w["nc"]
    strides = [float(s) for s in w["strides"]]

    def zero():
        for p in preds:
            p.grad = None

    def a_jobs(hyp, crit):
        def fb():
            zero()
            run_a(preds, targets, anchors, hyp, nc, crit)[0].backward()

        def f():
            run_a(preds, targets, anchors, hyp, nc, crit)
        return fb, f

    def b_jobs(cl):
        def fb():
            zero()
            run_b(cl, preds, targets)[0].backward()

        def f():
            run_b(cl, preds, targets)
        return fb, f

    jobs = {}
    for name in criteria:
        hyp = dict(BASE_HYP, **CRITERIA[name])
        if ours:
            crit = (torch_loss.make_criterion(hyp, "cls", torch.float32),
                    torch_loss.make_criterion(hyp, "obj", torch.float32))
            jobs[("a", name, "fwd_bwd")], jobs[("a", name, "fwd")] = a_jobs(hyp, crit)
        if yl is not None and name in YOLOV5_CRITERIA:
            cl = yl.ComputeLoss(_StandInModel(dict(hyp), anchors.clone(), strides, nc))
            jobs[("b", name, "fwd_bwd")], jobs[("b", name, "fwd")] = b_jobs(cl)
    t = time_round_robin(jobs, warmup, repeats)
    res = {}
    for (impl, name, kind), (med, mn) in t.items():
        r = res.setdefault((impl, name), {})
        r[kind], r[kind + "_min"] = med, mn
    return res


def agreement(w, yl):
    """Loss numbers of (a) and (b) on the workload, float32 and float64."""
    out = {}
    nc = w["nc"]
    strides = [float(s) for s in w["strides"]]
    for dtype in (torch.float32, torch.float64):
        old = torch.get_default_dtype()
        torch.set_default_dtype(dtype)  # YOLOv5 accumulates into torch.zeros(1) of the default dtype
        try:
            for name, extra in CRITERIA.items():
                hyp = dict(BASE_HYP, **extra)
                preds, targets, anchors = make_runners(w, dtype)
                ta, ia = run_a(preds, targets, anchors, hyp, nc, None)
                ta.backward()
                ga = [p.grad.clone() for p in preds]
                row = dict(a=[ta.item()] + ia)
                if yl is not None and name in YOLOV5_CRITERIA:
                    for p in preds:
                        p.grad = None
                    cl = yl.ComputeLoss(_StandInModel(dict(hyp), anchors.clone(), strides, nc))
                    tb, ib = run_b(cl, preds, targets)
                    tb.backward()
                    row["b"] = [tb.item()] + ib
                    row["rel_items"] = max(abs(x - y) / abs(y) if y else abs(x - y)
                                           for x, y in zip(row["a"], row["b"]))
                    row["rel_grad"] = max(((g - p.grad).abs().max() / p.grad.abs().max()).item()
                                          for g, p in zip(ga, preds))
                out[(str(dtype).replace("torch.", ""), name)] = row
        finally:
            torch.set_default_dtype(old)
    return out


def _loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", help="write the workload npz here (e.g. tools/work/coco_bs16.npz)")
    ap.add_argument("--load", help="read the workload from this npz instead of generating it")
    ap.add_argument("--threads", default="1", help="torch threads, comma-separated list (e.g. 1,2)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--yolov5-dir", default=os.path.join(tempfile.gettempdir(), "yolov5_" + YOLOV5_COMMIT[:7]),
                    help="where YOLOv5 is (or gets) extracted; must be outside the repository")
    ap.add_argument("--no-yolov5", action="store_true", help="skip (b)")
    ap.add_argument("--no-ours", action="store_true", help="time only (b), YOLOv5's ComputeLoss")
    ap.add_argument("--criteria", default=",".join(CRITERIA), help="comma-separated subset of " + ", ".join(CRITERIA))
    ap.add_argument("--no-agreement", action="store_true", help="skip the loss-number cross-check")
    args = ap.parse_args()
    criteria = args.criteria.split(",")
    for c in criteria:
        if c not in CRITERIA:
            sys.exit("--criteria: unknown criterion %r" % c)

    w = load_workload(args.load) if args.load else make_workload(args.seed)
    if args.save:
        save_workload(w, args.save)
        print("saved workload to %s" % args.save)
    nt = w["targets"].shape[0]
    print("workload: bs %d, %d labels, layers %s, nc %d, torch %s" % (
        w["preds"][0].shape[0], nt, [tuple(p.shape[2:4]) for p in w["preds"]], w["nc"], torch.__version__))

    yl = None
    if not args.no_yolov5:
        d = os.path.abspath(args.yolov5_dir)
        if d == REPO_ROOT or d.startswith(REPO_ROOT + os.sep):
            sys.exit("--yolov5-dir must be outside the repository")
        yl = import_yolov5(d)
        print("YOLOv5 ComputeLoss from %s (commit %s)" % (yl.__file__, YOLOV5_COMMIT[:12]))

    agr = {} if args.no_agreement else agreement(w, yl)
    if agr:
        print("\nloss numbers on the workload [total, lbox, lobj, lcls]:")
    for (dt, name), row in agr.items():
        print("  %-7s %-9s a: %s" % (dt, name, ", ".join("%.10g" % x for x in row["a"])))
        if "b" in row:
            print("  %-7s %-9s b: %s" % (dt, name, ", ".join("%.10g" % x for x in row["b"])))
            print("  %-7s %-9s max rel diff items %.2e, grad (normwise) %.2e" % (
                dt, name, row["rel_items"], row["rel_grad"]))

    results = []
    for th in [int(x) for x in args.threads.split(",")]:
        res = bench(w, th, args.warmup, args.repeats, yl, criteria, not args.no_ours)
        for (impl, name), v in res.items():
            results.append(dict(impl="torch_loss" if impl == "a" else "yolov5", criterion=name, threads=th,
                                fwd_bwd_ms=round(v["fwd_bwd"], 3), fwd_ms=round(v["fwd"], 3),
                                fwd_bwd_min_ms=round(v["fwd_bwd_min"], 3), fwd_min_ms=round(v["fwd_min"], 3)))

    print("\nmedian (and min) ms over %d interleaved repeats (after %d warm-up), float32 CPU, load avg %s"
          % (args.repeats, args.warmup, _loadavg()))
    print("%-8s %-10s %-11s %10s %10s %10s %10s" % ("threads", "criterion", "impl", "fwd+bwd", "(min)",
                                                    "fwd", "(min)"))
    for r in results:
        print("%-8d %-10s %-11s %10.2f %10.2f %10.2f %10.2f" % (
            r["threads"], r["criterion"], r["impl"], r["fwd_bwd_ms"], r["fwd_bwd_min_ms"], r["fwd_ms"],
            r["fwd_min_ms"]))
    summary = dict(torch=torch.__version__, cpus=os.cpu_count(), loadavg=_loadavg(), workload=dict(seed=args.seed, load=args.load, labels=nt),
                   repeats=args.repeats, warmup=args.warmup, results=results,
                   agreement=[dict(dtype=dt, criterion=n, a=r["a"], b=r.get("b"), rel_items=r.get("rel_items"),
                                   rel_grad=r.get("rel_grad")) for (dt, n), r in agr.items()])
    print("JSON " + json.dumps(summary))


if __name__ == "__main__":
    main()
