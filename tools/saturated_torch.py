"""YOLOv5's own ComputeLoss on a golden case in float64 and in float32: the loss and how many
gradient elements are not finite. For the README's "When focal or varifocal does worse".

usage: /usr/bin/python3 tools/saturated_torch.py [CASE_DIR]   (default: testdata/golden-cls/focal_g05_saturated)

Optional, never in CI: needs Debian's python3-torch and the YOLOv5 mirror bench_torch.py uses.
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_torch  # noqa: E402
import torch_loss  # noqa: E402


def run(yl, case, dtype):
    z = np.load(os.path.join(case, "input.npz"))
    nl = len([k for k in z.files if k.startswith("p") and k[1:].isdigit()])
    preds = [torch.tensor(z["p%d" % i], dtype=dtype).requires_grad_() for i in range(nl)]
    targets = torch.tensor(z["targets"], dtype=dtype)
    anchors = torch.tensor(z["anchors"], dtype=dtype)
    nc = preds[0].shape[-1] - 5
    hyp = torch_loss.load_hyp(os.path.join(case, "hyp.yaml"))
    cl = yl.ComputeLoss(bench_torch._StandInModel(dict(hyp), anchors, z["strides"].tolist(), nc))
    total, items = cl(preds, targets)
    total.sum().backward()
    bad = sum(int((~torch.isfinite(p.grad)).sum()) for p in preds)
    n = sum(p.grad.numel() for p in preds)
    big = max(float(p.grad.abs().nan_to_num(0, 0, 0).max()) for p in preds)
    return float(total.sum()), [float(x) for x in items], bad, n, big


def main():
    case = sys.argv[1] if len(sys.argv) > 1 else "testdata/golden-cls/focal_g05_saturated"
    d = os.path.join("/tmp", "yolov5_" + bench_torch.YOLOV5_COMMIT[:7])
    yl = bench_torch.import_yolov5(d)
    for dtype in (torch.float64, torch.float32):
        loss, items, bad, n, big = run(yl, case, dtype)
        print("%s: loss %.9g (lbox %.6g lobj %.6g lcls %.6g); gradient: %d elements, %d not finite, largest finite |g| %.4g"
              % (str(dtype).replace("torch.", ""), loss, *items, n, bad, big))


if __name__ == "__main__":
    main()
