"""Writes the anchor-free loss speed batch: a COCO-sized batch of raw head outputs for the YOLOv8/YOLO11 loss.

usage: python3 make_v8_batch.py OUT.npz      (numpy only)
p0, p1, p2 float32 [16, 144, 80|40|20, 80|40|20]: 64 box-distribution logits (reg_max 16) and 80 class logits per
cell, channels first, standard normal (class logits shifted by -4); targets float32 [nt, 6]: image, class, x, y, w, h
normalised (1 to 15 per image); strides float32 [8, 16, 32]; reg_max int64 16. 8400 anchors per image.
The same seed gives the same file on every machine.

A copy of the project's /work/shared/bench/make_v8_batch.py (the issue's speed batch), kept here so that
tools/bench_v8.sh does not need the shared folder.
"""
import sys
import numpy as np

if __name__ == "__main__":
    out = sys.argv[1]
    bs, img, nc, per, reg_max = 16, 640, 80, 8, 16
    rng = np.random.default_rng(7)
    strides = [8, 16, 32]
    no = 4 * reg_max + nc
    preds = {}
    for i, s in enumerate(strides):
        p = rng.standard_normal((bs, no, img // s, img // s), dtype=np.float32)
        p[:, 4 * reg_max:] -= 4.0
        preds[f"p{i}"] = p
    rows = []
    for b in range(bs):
        for _ in range(int(rng.integers(1, 2 * per))):
            w, h = np.exp(rng.uniform(np.log(0.02), np.log(0.8), 2))
            rows.append([b, rng.integers(0, nc), rng.uniform(w / 2, 1 - w / 2), rng.uniform(h / 2, 1 - h / 2), w, h])
    np.savez(out, **preds, targets=np.array(rows, dtype=np.float32), strides=np.array(strides, dtype=np.float32),
             reg_max=np.array(reg_max, dtype=np.int64))
