#!/usr/bin/python3
"""Checks tools/torch_loss.py against every golden case in testdata/golden (float64).

For each case it calls torch_loss.compute `iters` times (chaining the balance, so
autobalance_5 checks all 5 calls), compares loss, lbox, lobj, lcls and the balance list of
every call with expect.json, takes d(total)/d(p_i) of the last call with autograd and
compares it with grad.npz.

Error measure: scalars |got - want| / |want| (absolute when want == 0); gradient tensors
max|got - want| / max|want| over the tensor (absolute when the tensor is all zero).  Also
printed: the element-wise worst relative error over gradient entries with |want| > 1e-12 *
max|want|.  Exit status 1 when any case exceeds --tol (default 1e-9).

Optional tooling for humans; not used by CI or the Go tests.
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_loss  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_GOLDEN = os.path.join(HERE, "..", "testdata", "golden")


def rel(got, want):
    got, want = float(got), float(want)
    d = abs(got - want)
    return d / abs(want) if want != 0 else d


def check_case(case_dir):
    c = torch_loss.load_case(case_dir, dtype=torch.float64, requires_grad=True)
    e = c["expect"]
    hist = e["history"]
    iters = int(e.get("iters", len(hist)))
    worst = {"items": 0.0, "balance": 0.0, "grad": 0.0, "grad_elem": 0.0}
    where = {k: "" for k in worst}

    def bump(kind, val, what):
        if val > worst[kind] or not np.isfinite(val):
            worst[kind], where[kind] = val, what

    balance = None
    total = None
    for it in range(iters):
        for p in c["preds"]:
            p.grad = None
        total, lbox, lobj, lcls, balance = torch_loss.compute(
            c["preds"], c["targets"], c["anchors"], c["hyp"], e["nc"],
            autobalance=e.get("autobalance", False), sort_obj_iou=e.get("sort_obj_iou", False),
            gr=e.get("gr", 1.0), balance=balance, strides=c["strides"])
        h = hist[it]
        for name, v in (("loss", total), ("lbox", lbox), ("lobj", lobj), ("lcls", lcls)):
            bump("items", rel(v.item(), h[name]), "call %d %s" % (it + 1, name))
        if len(balance) < len(h["balance"]):
            raise AssertionError("balance length %d < %d" % (len(balance), len(h["balance"])))
        for k, want in enumerate(h["balance"]):
            bump("balance", rel(balance[k], want), "call %d balance[%d]" % (it + 1, k))

    total.backward()
    g = np.load(os.path.join(case_dir, "grad.npz"))
    for i, p in enumerate(c["preds"]):
        want = g["p%d" % i]
        got = p.grad.numpy() if p.grad is not None else np.zeros_like(want)
        if got.shape != want.shape:
            raise AssertionError("grad p%d shape %s != %s" % (i, got.shape, want.shape))
        diff = np.abs(got - want)
        scale = np.abs(want).max()
        bump("grad", diff.max() / scale if scale > 0 else diff.max(), "p%d" % i)
        if scale > 0:
            m = np.abs(want) > 1e-12 * scale
            if m.any():
                bump("grad_elem", (diff[m] / np.abs(want[m])).max(), "p%d" % i)
    return worst, where, iters


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--golden", default=DEFAULT_GOLDEN, help="golden cases folder")
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(1)

    names = args.cases or sorted(d for d in os.listdir(args.golden)
                                 if os.path.isfile(os.path.join(args.golden, d, "expect.json")))
    print("%-22s %5s %10s %10s %10s %10s %10s  %s" % ("case", "calls", "items", "balance", "grad",
                                                     "grad_elem", "WORST", "status"))
    failed = []
    overall = 0.0
    for n in names:
        try:
            worst, where, iters = check_case(os.path.join(args.golden, n))
        except Exception as ex:  # report and continue
            print("%-22s ERROR %s" % (n, ex))
            failed.append(n)
            continue
        w = max(worst["items"], worst["balance"], worst["grad"])
        overall = max(overall, w)
        ok = np.isfinite(w) and w <= args.tol
        if not ok:
            failed.append(n)
        print("%-22s %5d %10.2e %10.2e %10.2e %10.2e %10.2e  %s" % (
            n, iters, worst["items"], worst["balance"], worst["grad"], worst["grad_elem"], w,
            "ok" if ok else "FAIL (%s)" % ", ".join("%s@%s" % (k, where[k]) for k in where)))
    print("overall worst (items, balance, grad-normwise): %.3e  tol %.0e  %s" % (
        overall, args.tol, "PASS" if not failed else "FAIL: " + " ".join(failed)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
