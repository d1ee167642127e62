#!/usr/bin/env python3
"""Fit the bead-confidence calibration on a gold set: python bench/calibrate.py DATA/mac_dev.

Aligns every document with the logistic turned into the identity, fits A and B of
conf = sigmoid(A * (score - B)) to strict correctness by Newton steps, and prints the
reliability table and the expected calibration error.
"""
import sys, numpy as np, os
os.environ["HF_HUB_OFFLINE"] = "1"
import paralign.alignment.confidence as AL
AL.CONF_A, AL.CONF_B = 1.0, 0.0
from paralign import Aligner, AlignConfig
from paralign.pipeline import read_side
from paralign.corpus.formats import read_vecalign
D = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/mac_dev"
al_ = Aligner(AlignConfig(progress=False))
X, Y, NULL = [], [], []
for f in sorted(os.listdir(D + "/src")):
    al = al_.align(read_side(f"{D}/src/{f}", presplit=True), read_side(f"{D}/tgt/{f}", presplit=True))
    gold = set(read_vecalign(f"{D}/gold/{f}.align"))
    for b in al.beads:
        ok = (b.src, b.tgt) in gold
        if b.is_null: NULL.append(ok); continue
        p = min(max(b.score, 1e-6), 1 - 1e-6)
        X.append(np.log(p / (1 - p))); Y.append(ok)
X, Y = np.array(X), np.array(Y, float)
a, c = 1.0, 0.0
for _ in range(50):
    z = a * X + c; p = 1 / (1 + np.exp(-z))
    g = np.array([((p - Y) * X).sum(), (p - Y).sum()])
    H = np.array([[(p * (1 - p) * X * X).sum(), (p * (1 - p) * X).sum()], [(p * (1 - p) * X).sum(), (p * (1 - p)).sum()]])
    a, c = np.array([a, c]) - np.linalg.solve(H + 1e-9 * np.eye(2), g)
print("A =", a, "B =", -c / a, "n", len(X), "acc", Y.mean(), "null correct", np.mean(NULL) if NULL else None, len(NULL))
p = 1 / (1 + np.exp(-(a * X + c)))
bins = np.linspace(0, 1, 11); idx = np.digitize(p, bins) - 1
ece = sum(abs(p[idx == k].mean() - Y[idx == k].mean()) * (idx == k).sum() for k in range(10) if (idx == k).any()) / len(p)
print("ECE", ece)
for k in range(10):
    if (idx == k).any(): print(f"  {bins[k]:.1f}-{bins[k+1]:.1f}: n={int((idx==k).sum())} mean p={p[idx==k].mean():.2f} acc={Y[idx==k].mean():.2f}")
