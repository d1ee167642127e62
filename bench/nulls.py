#!/usr/bin/env python3
"""Null beads (1-0, 0-1) priced by each sentence's own evidence: the weight, out of sample.

    python bench/nulls.py DATA_DIR [--weights 0,0.3,0.5,0.7,0.9] [--sets mac_dev]
    python bench/nulls.py DATA_DIR --sets bible_en_zh --limit 5000 --weights 0,0.7 --no-loo

Every document of each set is aligned with each ``null_weight``
(:mod:`paralign.alignment.nulls`) in three variants: unmodified, and with 2% (``--omit``) of
the target or of the source sentences deleted at random, seed 0 (their partners become null
beads in the gold: :func:`paralign.evaluation.omit_sentences`). Printed per weight: strict F1
of each variant and null-bead precision and recall (1-0 and 0-1 together) on each omission
variant. Then, unless ``--no-loo``, the weight chosen leaving one document out: for each
document, the weight with the best mean strict F1 of the three variants on the *other*
documents is applied to it, and the held-out documents' beads are scored together (what a
setting fitted on mac_dev does on a text it has not seen).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import doc_beads  # noqa: E402  (bench/accuracy.py, same folder)

VARIANTS = (("plain", 0.0, "tgt"), ("omit tgt", None, "tgt"), ("omit src", None, "src"))


def null_counts(gold_docs, test_docs) -> tuple[int, int, int]:
    """Gold 1-0 / 0-1 beads, test 1-0 / 0-1 beads, and test ones equal to a gold one (the
    1-0 and 0-1 rows of ``bench/accuracy.py``'s per-type table, summed; a gold 0-2 left by
    deleting the partner of a 2-1 bead is not counted: no test bead can equal it)."""
    g = t = hit = 0
    for gold, test in zip(gold_docs, test_docs):
        gn = {(tuple(s), tuple(x)) for s, x in gold if len(s) + len(x) == 1}
        tn = [(tuple(s), tuple(x)) for s, x in test if len(s) + len(x) == 1]
        g += len(gn)
        t += len(tn)
        hit += sum(1 for b in tn if b in gn)
    return g, t, hit


def scores(runs, docs) -> dict:
    """Strict F1 per variant and null P/R per omission variant, over ``docs``."""
    from paralign import evaluate

    out = {}
    for name, _, _ in VARIANTS:
        gold = [runs[name][d][0] for d in docs]
        test = [runs[name][d][1] for d in docs]
        out[name] = evaluate(gold, test)["f1_strict"]
        g, t, hit = null_counts(gold, test)
        out[name + " null"] = (hit / t if t else 0.0, hit / g if g else 0.0, hit, g, t)
    out["mean F1"] = statistics.mean(out[n] for n, _, _ in VARIANTS)
    return out


def align_all(data: Path, name: str, weight: float, args) -> tuple[dict, float]:
    """``runs[variant][doc] = (gold, test)`` with one weight, and the seconds it took."""
    from paralign import AlignConfig, Aligner

    d = data / name
    docs = sorted(p.name for p in (d / "src").iterdir())
    aligner = Aligner(AlignConfig(progress=False, null_weight=weight,
                                  **json.loads(args.config)))
    runs: dict = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for var, share, side in VARIANTS:
            a = argparse.Namespace(limit=args.limit, omit=args.omit if share is None else share,
                                   omit_side=side, seed=args.seed, encoder="use-m3")
            runs[var] = {doc: doc_beads(d, doc, aligner, a, Path(tmp))[:2] for doc in docs}
    return runs, time.perf_counter() - t0


def row(label: str, s: dict, secs: str) -> str:
    cells = [f"{s[n]:.4f}" for n, _, _ in VARIANTS]
    for n in ("omit tgt null", "omit src null"):
        p, r, hit, g, t = s[n]
        cells.append(f"{p:.3f} / {r:.3f} ({hit} of {g}; {t} found)")
    return f"| {label} | " + " | ".join(cells) + f" | {s['mean F1']:.4f} | {secs} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--sets", default="mac_dev")
    ap.add_argument("--weights", default="0,0.3,0.5,0.7,0.9")
    ap.add_argument("--omit", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0, help="only the first N source sentences")
    ap.add_argument("--config", default="{}", help="JSON of other AlignConfig overrides")
    ap.add_argument("--no-loo", action="store_true", help="no leave-one-document-out choice")
    args = ap.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    for name in args.sets.split(","):
        runs = {}
        secs = {}
        for w in weights:
            runs[w], secs[w] = align_all(args.data, name, w, args)
        docs = sorted(runs[weights[0]]["plain"])
        print(f"\n{name}: null_weight against strict F1 (unmodified, {args.omit:g} of the target "
              f"/ of the source sentences deleted, seed {args.seed}) and null-bead "
              f"precision / recall" + (f"; first {args.limit} source sentences" if args.limit else ""))
        print("| null_weight | F1 unmodified | F1 omit tgt | F1 omit src | nulls omit tgt P / R "
              "| nulls omit src P / R | mean F1 | seconds (3 variants) |")
        print("|---|---|---|---|---|---|---|---|")
        for w in weights:
            print(row(f"{w:g}", scores(runs[w], docs), f"{secs[w]:.0f}"))
        if args.no_loo or len(docs) < 2:
            continue
        chosen = {}
        held: dict = {n: {} for n, _, _ in VARIANTS}
        for doc in docs:
            rest = [x for x in docs if x != doc]
            best = max(weights, key=lambda w: (scores(runs[w], rest)["mean F1"], -w))
            chosen[doc] = best
            for n, _, _ in VARIANTS:
                held[n][doc] = runs[best][n][doc]
        label = "leave one out (" + ", ".join(f"{d}: {w:g}" for d, w in chosen.items()) + ")"
        print(row(label, scores(held, docs), "—"))


if __name__ == "__main__":
    main()
