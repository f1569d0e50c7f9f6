"""Ultralytics' own v8DetectionLoss (8.4.35) under PyTorch on the anchor-free speed batch, for package v8loss.

The reference side of BENCHMARKS.md's "Anchor-free loss": times ultralytics' v8DetectionLoss forward and backward
on the batch that tools/make_v8_batch.py writes, and optionally writes the loss, its items, the foreground count
and the gradient, so that the Go engine can be checked on the same batch (the `compare` command).

Ultralytics' source is not part of this repository. Point the script at a checkout of 8.4.35 (the public copy
FireFlyZjy/YOLO26dual holds it in yolo26/ultralytics) with --ultralytics DIR or ULTRALYTICS_DIR; DIR is the
`ultralytics` package folder or the folder holding it. The script then builds, in a temporary folder, a package
`ultralytics` of the checkout's own utils/loss.py, tal.py, metrics.py, ops.py and nms.py (linked, not copied) and
small stand-ins for what those import and the loss does not use: the package's __init__, utils/__init__ (LOGGER,
SimpleClass, DataExportMixin, TryExcept, plt_settings, NOT_MACOS14, WINDOWS), utils/checks.check_version,
utils/torch_utils (autocast, TORCH_1_11) and an empty cv2. The timed code is ultralytics' own.

usage:
  /usr/bin/python3 tools/v8_torch_loss.py bench BATCH.npz [--ultralytics DIR] [--threads 1] [--warmup 2]
        [--repeats 5] [--dtype float32|float64] [--dump OUT.npz]
      median ms of forward+backward calls; a `JSON {...}` line last. --dump writes loss, lbox, lcls, ldfl, fg and
      the gradient g0, g1, ... in the batch's layout [bs, 4*reg_max + nc, ny, nx].
  /usr/bin/python3 tools/v8_torch_loss.py compare DUMP.npz GO.json GO_GRAD.npz [--tol 1e-5] [--grad-tol 1e-4]
      checks lossdemo's -json report and -grad file against a dump: the loss and items relative, each gradient
      array relative to its largest element; exit status 1 when one is above its tolerance.

What is timed. The head's output as ultralytics' Detect.forward_head returns it in training: a dict of `boxes`
[bs, 4*reg_max, A] and `scores` [bs, nc, A] (the layers' outputs flattened and concatenated over the layers; here
two leaf tensors made from the batch once, untimed) and `feats` (the layers, for their shapes). A call is
v8DetectionLoss(preds, batch) -- target preprocessing, decoding, the assigner, BCE, CIoU and DFL -- then
backward() of the returned loss sum, with the leaves' .grad set to None before it, so that each call allocates
its gradient as training does. Hyperparameters: default.yaml's box 7.5, cls 0.5, dfl 1.5; the assigner as
v8DetectionLoss builds it (top-k 10, alpha 0.5, beta 6).

Memory. Before the first call the script writes 5 to /proc/self/clear_refs, which resets the process's peak
resident set (VmHWM) to its current size; the VmHWM after the warm-up and timed calls is the peak of a process
holding the batch and running the loss, reported beside the bytes of predictions plus gradient.

Needs Debian's python3-torch and python3-numpy; never run by CI or the Go tests.
"""
import argparse
import atexit
import json
import os
import pathlib
import re
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

STUB_UTILS = '''"""Stand-ins for what ultralytics' loss, tal, metrics, ops and nms modules import and the loss never runs."""
import contextlib
import logging

LOGGER = logging.getLogger("ultralytics")
NOT_MACOS14 = True
WINDOWS = False


class SimpleClass:
    pass


class DataExportMixin:
    pass


class TryExcept(contextlib.ContextDecorator):
    def __init__(self, msg="", verbose=True):
        self.msg = msg

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


def plt_settings(rcparams=None, backend="Agg"):
    def wrap(func):
        return func

    return wrap
'''

STUB_CHECKS = '''"""Stand-in for ultralytics.utils.checks: check_version for plain dotted versions and >=, >, <=, <, ==."""
import re


def _parse(v):
    return tuple(int(x) for x in re.findall(r"\\d+", str(v))[:3])


def check_version(current="0.0.0", required="0.0.0", name="version", hard=False, verbose=False, msg=""):
    ok = True
    for part in str(required).split(","):
        m = re.match(r"\\s*(>=|<=|==|>|<)?\\s*([\\d.]+)", part)
        if not m:
            continue
        op, v = m.group(1) or ">=", _parse(m.group(2))
        c = _parse(current)
        ok &= {">=": c >= v, "<=": c <= v, "==": c == v, ">": c > v, "<": c < v}[op]
    return ok
'''

STUB_TORCH_UTILS = '''"""Stand-in for ultralytics.utils.torch_utils: autocast (a no-op on CPU) and TORCH_1_11."""
import contextlib

import torch

TORCH_1_11 = tuple(int(x) for x in torch.__version__.split("+")[0].split(".")[:2]) >= (1, 11)


@contextlib.contextmanager
def autocast(enabled=True, device="cuda"):
    yield
'''

MODULES = ("loss", "tal", "metrics", "ops", "nms")


def ultralytics_dir(arg):
    """Returns the checkout's `ultralytics` package folder from --ultralytics or ULTRALYTICS_DIR."""
    d = arg or os.environ.get("ULTRALYTICS_DIR")
    if not d:
        sys.exit("v8_torch_loss.py: give --ultralytics DIR or set ULTRALYTICS_DIR to ultralytics 8.4.35's source "
                 "(the `ultralytics` package folder, or the folder holding it; see tools/README.md)")
    d = pathlib.Path(d).resolve()
    if (d / "ultralytics" / "utils" / "loss.py").is_file():
        d = d / "ultralytics"
    for m in MODULES:
        if not (d / "utils" / (m + ".py")).is_file():
            sys.exit("v8_torch_loss.py: %s has no utils/%s.py: not ultralytics' package folder" % (d, m))
    return d


def import_ultralytics(src):
    """Builds the stubbed package in a temporary folder and imports ultralytics.utils.loss from it."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="v8_torch_loss_"))
    atexit.register(shutil.rmtree, tmp, True)
    pkg = tmp / "ultralytics"
    (pkg / "utils").mkdir(parents=True)
    version = "unknown"
    m = re.search(r'__version__\s*=\s*"([^"]+)"', (src / "__init__.py").read_text())
    if m:
        version = m.group(1)
    (pkg / "__init__.py").write_text('__version__ = "%s"\n' % version)
    (pkg / "utils" / "__init__.py").write_text(STUB_UTILS)
    (pkg / "utils" / "checks.py").write_text(STUB_CHECKS)
    (pkg / "utils" / "torch_utils.py").write_text(STUB_TORCH_UTILS)
    for name in MODULES:
        (pkg / "utils" / (name + ".py")).symlink_to(src / "utils" / (name + ".py"))
    (tmp / "cv2.py").write_text("")
    sys.path.insert(0, str(tmp))
    import ultralytics
    from ultralytics.utils import loss

    return loss, ultralytics.__version__, tmp


def load_batch(path):
    z = np.load(path)
    nl = 0
    while "p%d" % nl in z:
        nl += 1
    preds = [z["p%d" % i] for i in range(nl)]
    reg_max = int(z["reg_max"])
    strides = [float(s) for s in z["strides"]] if "strides" in z else [8.0 * 2**i for i in range(nl)]
    return preds, z["targets"], reg_max, strides


class Head:
    """What v8DetectionLoss reads of Detect: stride, nc, reg_max."""

    def __init__(self, stride, nc, reg_max):
        self.stride, self.nc, self.reg_max = stride, nc, reg_max


class Model:
    """What v8DetectionLoss reads of the model: parameters() (for the device), args (the hyp), model[-1]."""

    def __init__(self, torch, head, box, cls, dfl):
        self.args = argparse.Namespace(box=box, cls=cls, dfl=dfl)
        self.model = [head]
        self._p = torch.zeros(1)

    def parameters(self):
        return iter([self._p])


def vm_hwm():
    """The process's peak resident set in bytes (VmHWM), or None."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def cmd_bench(args):
    src = ultralytics_dir(args.ultralytics)
    import torch

    torch.set_num_threads(args.threads)
    loss_mod, version, tmp = import_ultralytics(src)
    dtype = dict(float32=torch.float32, float64=torch.float64)[args.dtype]
    preds, targets, reg_max, strides = load_batch(args.batch)
    bs, no = preds[0].shape[:2]
    nc = no - 4 * reg_max
    feats = [torch.from_numpy(p).to(dtype) for p in preds]
    boxes = torch.cat([f[:, : 4 * reg_max].reshape(bs, 4 * reg_max, -1) for f in feats], -1).contiguous()
    scores = torch.cat([f[:, 4 * reg_max:].reshape(bs, nc, -1) for f in feats], -1).contiguous()
    boxes.requires_grad_(True)
    scores.requires_grad_(True)
    out = dict(boxes=boxes, scores=scores, feats=feats)
    t = torch.from_numpy(targets)
    batch = dict(batch_idx=t[:, 0].clone(), cls=t[:, 1:2].clone(), bboxes=t[:, 2:6].clone())
    head = Head(torch.tensor(strides, dtype=torch.float32), nc, reg_max)
    crit = loss_mod.v8DetectionLoss(Model(torch, head, args.box, args.cls, args.dfl))

    def call():
        boxes.grad = None
        scores.grad = None
        total, items = crit(out, batch)
        total.sum().backward()
        return total, items

    pg = 2 * sum(p.size for p in preds) * feats[0].element_size()
    reset = reset_hwm()
    for _ in range(args.warmup):
        call()
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        total, items = call()
        times.append((time.perf_counter() - t0) * 1e3)
    hwm = vm_hwm()
    loss = float(total.sum())
    lbox, lcls, ldfl = (float(x) for x in items)
    with torch.no_grad():
        fg = int(crit.get_assigned_targets_and_loss(out, batch)[0][0].sum())
    res = dict(impl="ultralytics v8DetectionLoss", ultralytics=version, torch=torch.__version__,
               threads=torch.get_num_threads(), dtype=args.dtype, warmup=args.warmup, repeats=args.repeats,
               median_ms=statistics.median(times), min_ms=min(times), times_ms=times,
               loss=loss, lbox=lbox, lcls=lcls, ldfl=ldfl, fg=fg, bs=bs, nc=nc, reg_max=reg_max,
               labels=int(targets.shape[0]), pred_grad_bytes=pg,
               peak_rss_bytes=hwm, peak_rss_reset=reset, peak_over_pg=(hwm / pg if hwm else None))
    if args.dump:
        g = {}
        off = 0
        for i, f in enumerate(feats):
            ny, nx = f.shape[2:]
            n = ny * nx
            gb = boxes.grad[:, :, off:off + n].reshape(bs, 4 * reg_max, ny, nx)
            gs = scores.grad[:, :, off:off + n].reshape(bs, nc, ny, nx)
            g["g%d" % i] = torch.cat((gb, gs), 1).numpy()
            off += n
        np.savez(args.dump, loss=np.float64(loss), lbox=np.float64(lbox), lcls=np.float64(lcls),
                 ldfl=np.float64(ldfl), fg=np.int64(fg), **g)
        res["dump"] = args.dump
    print("ultralytics %s v8DetectionLoss, torch %s, %d thread(s), %s: fwd+bwd median %.1f ms (min %.1f, %d calls); "
          "loss %.9g (lbox %.6g lcls %.6g ldfl %.6g) fg %d; peak RSS %s"
          % (version, torch.__version__, torch.get_num_threads(), args.dtype, res["median_ms"], res["min_ms"],
             args.repeats, loss, lbox, lcls, ldfl, fg,
             "%.0f MB = %.2f x predictions+gradient" % (hwm / 1e6, hwm / pg) if hwm else "unknown"))
    print("JSON " + json.dumps(res))


def cmd_compare(args):
    d = np.load(args.dump)
    go = json.load(open(args.go_json))
    gg = np.load(args.go_grad)
    ok = True
    print("%-5s %20s %20s %10s" % ("item", "ultralytics", "Go", "rel. diff"))
    for k in ("loss", "lbox", "lcls", "ldfl"):
        t, g = float(d[k]), float(go[k])
        rel = abs(g - t) / max(abs(t), 1e-300)
        bad = rel > args.tol
        ok &= not bad
        print("%-5s %20.12g %20.12g %10.2e%s" % (k, t, g, rel, "  > %g" % args.tol if bad else ""))
    print("fg    %20d %20d %10s" % (int(d["fg"]), int(go["fg"]), "same" if int(d["fg"]) == int(go["fg"]) else "DIFFERENT"))
    i = 0
    while "g%d" % i in d:
        t = d["g%d" % i].astype(np.float64)
        g = gg["p%d" % i].astype(np.float64)
        if t.shape != g.shape:
            print("gradient p%d: shapes %s (ultralytics) and %s (Go)" % (i, t.shape, g.shape))
            ok = False
        else:
            scale = np.abs(t).max()
            err = np.abs(g - t).max() / scale
            bad = not np.isfinite(err) or err > args.grad_tol or not np.isfinite(g).all()
            ok &= not bad
            print("gradient p%d %s: largest |difference| / largest |element| %.2e%s" % (
                i, "x".join(map(str, t.shape)), err, "  > %g" % args.grad_tol if bad else ""))
        i += 1
    print("== Go %s ultralytics on this batch (loss and items within %g relative, gradients within %g)" % (
        "matches" if ok else "does NOT match", args.tol, args.grad_tol))
    sys.exit(0 if ok else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench", help="time v8DetectionLoss forward+backward on a batch")
    b.add_argument("batch")
    b.add_argument("--ultralytics", help="ultralytics 8.4.35's source (else $ULTRALYTICS_DIR)")
    b.add_argument("--threads", type=int, default=1)
    b.add_argument("--warmup", type=int, default=2)
    b.add_argument("--repeats", type=int, default=5)
    b.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    b.add_argument("--box", type=float, default=7.5)
    b.add_argument("--cls", type=float, default=0.5)
    b.add_argument("--dfl", type=float, default=1.5)
    b.add_argument("--dump", help="write loss, items, fg and the gradient to this .npz")
    c = sub.add_parser("compare", help="check lossdemo's -json and -grad against a dump")
    c.add_argument("dump")
    c.add_argument("go_json")
    c.add_argument("go_grad")
    c.add_argument("--tol", type=float, default=1e-5)
    c.add_argument("--grad-tol", type=float, default=1e-4)
    args = ap.parse_args()
    if args.cmd == "bench":
        if args.repeats < 1 or args.warmup < 0 or args.threads < 1:
            ap.error("--repeats and --threads must be at least 1, --warmup at least 0")
        cmd_bench(args)
    else:
        cmd_compare(args)


if __name__ == "__main__":
    main()
