"""Alignment at scale (a benchmark, not a test): time and peak memory against document size.

A synthetic but realistic document pair: the source is a sequence of random unit "concept"
vectors; the target is a noisy monotone rendering of it with 1-2 splits, 2-1 merges, a few
insertions and deletions. Sentences are short synthetic strings (``句000123中中中…`` and
``t000123 xxx…``, lengths about 1:3 as Chinese to English) and a lookup encoder returns the
precomputed vectors (a window of several sentences gets the normalized sum of its members, as
real encoders' windows resemble their members), so no model runs and the measurement is of
paralign's own search. Each size runs in a fresh process; the table gives seconds, peak RSS
(VmHWM), the time ratio to the previous size and strict/lax F1 against the synthetic gold.

    python bench/scale.py                                # 25,000 x ~30,000 and 50,000 x ~60,000
    python bench/scale.py --sizes 5000 10000 --profile   # cProfile top entries of each run

Pass criteria of the issue: the largest pair under 4 GB peak RSS, and at most 2.2x the time
of the pair half its size (linear, not quadratic).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import time

import numpy as np

DIM = 256
NOISE = 0.8          # norm of the noise added to each target vector (relative to 1)
P_SPLIT = 0.22       # source sentence rendered as two target sentences (1-2)
P_MERGE = 0.03       # two source sentences rendered as one (2-1)
P_INSERT = 0.01      # a target sentence with no source (0-1)
P_DELETE = 0.005     # a source sentence left out of the translation (1-0)


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def make_pair(n: int, seed: int = 0):
    """Source and target sentences, their vectors, and the gold beads."""
    rng = np.random.default_rng(seed)
    src_vec = _unit(rng.standard_normal((n, DIM)))
    src_len = rng.integers(6, 40, n)
    src = [f"句{i:06d}" + "中" * int(src_len[i]) for i in range(n)]
    tgt_vecs: list[np.ndarray] = []
    tgt_lens: list[int] = []
    gold: list[tuple[tuple[int, ...], tuple[int, ...]]] = []

    def noisy(v: np.ndarray) -> np.ndarray:
        return v + NOISE * rng.standard_normal(DIM) / np.sqrt(DIM)

    i = 0
    while i < n:
        if rng.random() < P_INSERT:
            gold.append(((), (len(tgt_vecs),)))
            tgt_vecs.append(rng.standard_normal(DIM))
            tgt_lens.append(int(rng.integers(15, 120)))
        r = rng.random()
        j = len(tgt_vecs)
        if r < P_DELETE:
            gold.append(((i,), ()))
            i += 1
        elif r < P_DELETE + P_MERGE and i + 1 < n:
            tgt_vecs.append(noisy(src_vec[i] + src_vec[i + 1]))
            tgt_lens.append(int(3 * (src_len[i] + src_len[i + 1])))
            gold.append(((i, i + 1), (j,)))
            i += 2
        elif r < P_DELETE + P_MERGE + P_SPLIT:
            # each half resembles the whole partly; together they resemble it closely
            a, b = rng.standard_normal(DIM), rng.standard_normal(DIM)
            a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
            tgt_vecs += [noisy(src_vec[i] + 0.7 * a), noisy(src_vec[i] + 0.7 * b)]
            k = int(rng.integers(1, 3 * src_len[i]))
            tgt_lens += [max(3, k), max(3, int(3 * src_len[i]) - k)]
            gold.append(((i,), (j, j + 1)))
            i += 1
        else:
            tgt_vecs.append(noisy(src_vec[i]))
            tgt_lens.append(int(3 * src_len[i] * rng.uniform(0.8, 1.25)))
            gold.append(((i,), (j,)))
            i += 1
    tgt_vec = _unit(np.array(tgt_vecs))
    tgt = [f"t{j:06d} " + "x" * int(tgt_lens[j]) for j in range(len(tgt_vecs))]
    return src, tgt, src_vec, tgt_vec, gold


class LookupEncoder:
    """Returns precomputed vectors by sentence id; a window is the sum of its members."""

    name = "lookup"
    _IDS = re.compile(r"([句t])(\d{6})")

    def __init__(self, src_vec: np.ndarray, tgt_vec: np.ndarray) -> None:
        self.vec = {"句": src_vec, "t": tgt_vec}
        self.dim = DIM
        self.signature = f"lookup:{DIM}"
        self.texts = 0

    def encode(self, texts) -> np.ndarray:
        out = np.zeros((len(texts), DIM), np.float32)
        for r, t in enumerate(texts):
            for side, num in self._IDS.findall(t):
                out[r] += self.vec[side][int(num)]
        self.texts += len(texts)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def _vmhwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_one(n: int, profile: bool) -> dict:
    from paralign import AlignConfig, Aligner, evaluate

    logging.basicConfig(level=logging.ERROR)
    src, tgt, sv, tv, gold = make_pair(n)
    enc = LookupEncoder(sv, tv)
    aligner = Aligner(AlignConfig(cache=False, progress=False), encoder=enc)
    rss_before = _vmhwm_mb()
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    al = aligner.align(src, tgt)
    seconds = time.perf_counter() - t0
    if prof is not None:
        import io
        import pstats

        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(18)
        print(buf.getvalue(), file=sys.stderr)
    scores = evaluate(gold, [(b.src, b.tgt) for b in al.beads])
    return {"n": len(src), "m": len(tgt), "seconds": round(seconds, 2),
            "seconds_search": al.stats.get("seconds_search"),
            "seconds_embed": al.stats.get("seconds_embed"),
            "windows": al.stats.get("windows_embedded"), "texts_encoded": enc.texts,
            "peak_rss_mb": round(_vmhwm_mb(), 1), "rss_after_data_mb": round(rss_before, 1),
            "f1_strict": round(scores["f1_strict"], 4), "f1_lax": round(scores["f1_lax"], 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[25_000, 50_000],
                    help="source sentence counts (the target is about 1.2x)")
    ap.add_argument("--profile", action="store_true", help="print cProfile top entries")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=int, default=1800, help="seconds allowed per size")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.one:
        print(json.dumps(run_one(args.one, args.profile)))
        return 0
    rows = []
    for n in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--profile"] if args.profile else [])
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            rows.append({"n": n, "error": f"timeout after {args.timeout}s"})
            continue
        if args.profile or r.returncode:
            sys.stderr.write(r.stderr[-6000:])
        if r.returncode:
            last = (r.stderr.strip().splitlines() or ["?"])[-1]
            rows.append({"n": n, "error": last[:100]})
            continue
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
    print(f"{'src':>7} {'tgt':>7} {'seconds':>8} {'search s':>8} {'windows':>8} "
          f"{'peak RSS MB':>11} {'time ratio':>10} {'F1 strict':>9} {'F1 lax':>7}")
    prev = None
    ok = True
    for r in rows:
        if "error" in r:
            print(f"{r['n']:>7} {'':>7} error: {r['error']}")
            ok = False
            prev = None
            continue
        ratio = f"{r['seconds'] / prev['seconds']:.2f}x" if prev else ""
        if prev and r["n"] >= 1.9 * prev["n"] and r["seconds"] > 2.2 * prev["seconds"]:
            ok = False
        if r["n"] >= 50_000 and r["peak_rss_mb"] > 4096:
            ok = False
        print(f"{r['n']:>7} {r['m']:>7} {r['seconds']:>8.2f} {r['seconds_search']:>8} "
              f"{r['windows']:>8} {r['peak_rss_mb']:>11.0f} {ratio:>10} {r['f1_strict']:>9.4f} "
              f"{r['f1_lax']:>7.4f}")
        prev = r
    print("PASS" if ok else "FAIL", "(largest pair under 4 GB; each doubling within 2.2x time)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
