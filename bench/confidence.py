#!/usr/bin/env python3
"""How well the bead confidence finds the wrong beads, out of sample.

    python bench/confidence.py DATA_DIR [--sets mac_dev,bible_en_zh] [--limit N] [--no-parallelism]
    python bench/confidence.py DATA_DIR --only-parallelism

Aligns every document of each set (layout as in bench/accuracy.py) and keeps, for every bead,
the evidence the confidence is computed from (:func:`paralign.alignment.calibration.bead_evidence`)
and whether the bead is right (strict: equal to a gold bead; on ``bible_en_zh`` the bead's
verse-merged bead, as bench/accuracy.py scores it). Then:

* every figure out of sample: mac_dev leaving one document out (the calibration refitted on
  the other five, by the library's :func:`fit_logistic`), the Bible with the calibration
  fitted on mac_dev, mac_dev with the one fitted on the Bible;
* the shipped calibration (``SHIPPED``, fitted on mac_dev) on each set;
* per evaluation: beads, share right, AUC (right vs wrong), expected calibration error (10
  bins), the share of the wrong beads among the lowest 5 / 10 / 20 % of beads, and a
  reliability table; per single feature, its AUC (which evidence carries the signal; the
  bead's own score is what the confidence was before);
* ``--fit``: the calibration fitted on all of mac_dev (what ships);
* the document-level parallelism score on translation pairs against shuffled pairs (mac_dev
  documents paired with another document's translation, parts of the Bible paired with
  another part's, the sample corpora paired crosswise, the seed abstract against an
  unrelated text): how far apart they are.
"""

from __future__ import annotations

import argparse
import tempfile
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


class Recorder:
    """Wraps ``calibration.bead_evidence`` to keep what the aligner computed, block by block,
    for the last pass of each alignment (a realigned pair is aligned twice)."""

    def __init__(self) -> None:
        from paralign.alignment import calibration
        from paralign.alignment.aligner import Aligner

        self.module = calibration
        self.original = calibration.bead_evidence
        self.cls = Aligner
        self.original_pass = Aligner._align_pass
        self.rows: list[np.ndarray] = []

    def __enter__(self) -> Recorder:
        def wrapped(*args, **kwargs):
            ev = self.original(*args, **kwargs)
            self.rows.append(ev)
            return ev

        def one_pass(aligner, *args, **kwargs):
            self.rows = []
            return self.original_pass(aligner, *args, **kwargs)

        self.module.bead_evidence = wrapped
        self.cls._align_pass = one_pass
        return self

    def __exit__(self, *exc) -> None:
        self.module.bead_evidence = self.original
        self.cls._align_pass = self.original_pass

    def take(self) -> np.ndarray:
        out = np.vstack(self.rows) if self.rows else np.zeros((0, 3))
        self.rows = []
        return out


def verse_groups(beads, src_verse, tgt_verse) -> list[int]:
    """Index of the verse-merged bead each bead belongs to (bench/accuracy.py's merge)."""
    out, g, cur_v = [], -1, None
    for s, t in beads:
        vs = {src_verse[i] for i in s} | {tgt_verse[j] for j in t}
        if cur_v is not None and len(vs) == 1 and vs == cur_v:
            out.append(g)
            continue
        g += 1
        out.append(g)
        cur_v = vs if len(vs) == 1 else None
    return out


def labels(d: Path, doc: str, al) -> np.ndarray:
    from paralign.corpus.formats import read_vecalign

    gold = set(read_vecalign(d / "gold" / f"{doc}.align"))
    pairs = [(b.src, b.tgt) for b in al.beads]
    if not (d / "src.verse").exists():
        return np.array([p in gold for p in pairs])
    sv = (d / "src.verse").read_text().splitlines()
    tv = (d / "tgt.verse").read_text().splitlines()
    groups = verse_groups(pairs, sv, tv)
    merged: dict[int, tuple[list[int], list[int]]] = {}
    for g, (ps, pt) in zip(groups, pairs):
        m = merged.setdefault(g, ([], []))
        m[0].extend(ps)
        m[1].extend(pt)
    return np.array([(tuple(merged[g][0]), tuple(merged[g][1])) in gold for g in groups])


def collect(data: Path, name: str, aligner, limit: int = 0) -> dict:
    """Evidence and labels of every bead of every document of one set."""
    from paralign.pipeline import read_side

    d = data / name
    docs = sorted(p.name for p in (d / "src").iterdir())
    X, y, doc_of = [], [], []
    t0 = time.perf_counter()
    with Recorder() as rec, tempfile.TemporaryDirectory() as tmp:
        for doc in docs:
            src, tgt = d / "src" / doc, d / "tgt" / doc
            if limit:
                from accuracy import _truncate

                src, tgt = _truncate(d, doc, limit, Path(tmp))
            al = aligner.align(read_side(src, presplit=True), read_side(tgt, presplit=True))
            ev = rec.take()
            if len(ev) != len(al.beads):
                raise SystemExit(f"{name}/{doc}: {len(al.beads)} beads but evidence for {len(ev)}"
                                 " (beads outside any lattice)")
            X.append(ev)
            y.append(labels(d, doc, al))
            doc_of += [doc] * len(ev)
    print(f"[{name}: {len(docs)} documents aligned in {time.perf_counter() - t0:.1f} s]",
          file=sys.stderr)
    return {"X": np.vstack(X), "y": np.concatenate(y).astype(bool), "doc": np.array(doc_of),
            "docs": docs}


def figures(conf: np.ndarray, right: np.ndarray) -> dict:
    from paralign.alignment import calibration as C

    return {"n": len(conf), "right": float(right.mean()), "auc": C.auc(conf, right),
            "ece": C.expected_calibration_error(conf, right),
            **{f"low{int(q * 100)}": C.low_share(conf, right, q) for q in (0.05, 0.1, 0.2)}}


def print_table(rows: list[tuple[str, dict]]) -> None:
    print("| evaluation | beads | right | **AUC** | **ECE** | wrong in lowest 5% | 10% | 20% |")
    print("|---|---|---|---|---|---|---|---|")
    for tag, f in rows:
        print(f"| {tag} | {f['n']:,} | {f['right']:.3f} | **{f['auc']:.3f}** | **{f['ece']:.3f}** "
              f"| {f['low5']:.2f} | {f['low10']:.2f} | {f['low20']:.2f} |")


def print_reliability(tag: str, conf: np.ndarray, right: np.ndarray) -> None:
    from paralign.alignment.calibration import reliability

    print(f"\nreliability, {tag}:")
    print("| confidence | beads | mean confidence | share right |")
    print("|---|---|---|---|")
    for lo, hi, n, mc, acc in reliability(conf, right):
        print(f"| {lo:.1f}-{hi:.1f} | {n:,} | {mc:.3f} | {acc:.3f} |")


def out_of_sample(sets: dict[str, dict]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    from paralign.alignment.calibration import fit_logistic

    out = []
    if "mac_dev" in sets:
        s = sets["mac_dev"]
        conf = np.zeros(len(s["y"]))
        for doc in s["docs"]:
            held = s["doc"] == doc
            cal = fit_logistic(s["X"][~held], s["y"][~held])
            conf[held] = cal.predict(s["X"][held])
        out.append(("mac_dev, leave one document out", conf, s["y"]))
    names = list(sets)
    for a in names:
        for b in names:
            if a != b:
                cal = fit_logistic(sets[a]["X"], sets[a]["y"])
                out.append((f"{b}, fitted on {a}", cal.predict(sets[b]["X"]), sets[b]["y"]))
    return out


# -- parallelism: translations against shuffled pairs ----------------------------------------
def bible_parts(d: Path, parts: int, size: int):
    """``parts`` slices of about ``size`` source sentences, cut at gold bead boundaries, with
    the target sentences gold pairs with them."""
    from paralign.corpus.formats import read_vecalign

    gold = read_vecalign(d / "gold" / "006.align")
    src = (d / "src" / "006").read_text().splitlines()
    tgt = (d / "tgt" / "006").read_text().splitlines()
    stride = len(src) // parts
    out = []
    for k in range(parts):
        start = k * stride
        beads = [(s, t) for s, t in gold if s and t and start <= s[0] < start + size]
        s0, s1 = beads[0][0][0], beads[-1][0][-1] + 1
        t0, t1 = beads[0][1][0], beads[-1][1][-1] + 1
        out.append((src[s0:s1], tgt[t0:t1]))
    return out


# Genealogies of the Bible (source lines of bible_en_zh/src/006, 0-based, end excluded): all
# names and numbers, the hardest translations to recognize for a sentence encoder.
GENEALOGIES = {"Genesis 5": (120, 153), "Genesis 11:10-32": (292, 315),
               "1 Chronicles 1": (11342, 11407), "1 Chronicles 2": (11407, 11472),
               "Matthew 1:1-17": (24973, 24990)}


def bible_range(d: Path, s0: int, s1: int):
    """Source lines ``s0:s1`` and the target lines gold pairs with them."""
    from paralign.corpus.formats import read_vecalign

    gold = read_vecalign(d / "gold" / "006.align")
    src = (d / "src" / "006").read_text().splitlines()
    tgt = (d / "tgt" / "006").read_text().splitlines()
    t = [j for a, b in gold if a and s0 <= a[0] < s1 for j in b]
    return src[s0:s1], tgt[min(t):max(t) + 1]


def parallelism(data: Path, aligner) -> None:
    """Translations against shuffled pairs (a text against another's translation): the
    parallelism score and the verdict (``stats["parallel"]``, which also needs a low median
    bead confidence to say "no")."""
    from paralign import text
    from paralign.alignment.confidence import median_confidence
    from paralign.pipeline import read_side

    def judge(a, b) -> tuple[float, float, str]:
        al = aligner.align(a, b)
        return al.parallelism, median_confidence(al.beads), al.stats["parallel"]

    rows: list[tuple[str, list, list]] = []
    if (data / "mac_dev").exists():
        d = data / "mac_dev"
        docs = sorted(p.name for p in (d / "src").iterdir())
        side = {(k, n): read_side(d / k / n, presplit=True) for n in docs for k in ("src", "tgt")}
        rows.append(("mac_dev documents", [judge(side["src", a], side["tgt", a]) for a in docs],
                     [judge(side["src", a], side["tgt", b])
                      for a, b in zip(docs, docs[1:] + docs[:1])]))
    if (data / "bible_en_zh").exists():
        d = data / "bible_en_zh"
        parts = bible_parts(d, 6, 600)
        rows.append(("bible_en_zh, 6 parts of 600 verses", [judge(s, t) for s, t in parts],
                     [judge(s, t2) for (s, _), (_, t2) in zip(parts, parts[1:] + parts[:1])]))
        gen = [bible_range(d, *r) for r in GENEALOGIES.values()]
        rows.append((f"bible_en_zh genealogies ({', '.join(GENEALOGIES)})",
                     [judge(t, s) for s, t in gen],
                     [judge(t, s2) for (_, t), (s2, _) in zip(gen, gen[1:] + gen[:1])]))
    root = Path(__file__).resolve().parents[1] / "corpora"
    zh_paths = sorted((root / "bible").glob("*.zh.txt"))
    en_paths = [p.with_name(p.name.replace(".zh.txt", ".en.txt")) for p in zh_paths]
    zh = [read_side(p) for p in zh_paths]
    en = [read_side(p) for p in en_paths]
    seed = root / "abstracts" / "000_7eb851c0e62b889d.txt"
    sz, se = text.split_bilingual(text.read_file(seed), source=str(seed))
    other = read_side(root / "abstracts" / "002_204a74689fd07471.txt")
    rows.append(("samples (corpora/: 3 Bible books, the seed abstract)",
                 [judge(a, b) for a, b in zip(zh, en)] + [judge(sz, se)],
                 [judge(a, b) for a, b in zip(zh, en[1:] + en[:1])] + [judge(sz, other)]))
    from paralign.alignment.calibration import auc
    from paralign.alignment.confidence import CONFIDENT_PATH, PARALLELISM_WARN

    print(f"\nparallelism: translation pairs against shuffled pairs (verdict 'no' below "
          f"{PARALLELISM_WARN} parallelism with a median bead confidence below "
          f"{CONFIDENT_PATH}):")
    print("| pairs | translations: parallelism min / median | median confidence min | "
          "shuffled: parallelism median / max | median confidence max | translations said "
          "'no' | shuffled not said 'no' |")
    print("|---|---|---|---|---|---|---|")
    all_t, all_s = [], []
    for tag, t, s in rows:
        all_t += [x[0] for x in t]
        all_s += [x[0] for x in s]
        print(f"| {tag} | {min(x[0] for x in t):.2f} / {np.median([x[0] for x in t]):.2f} "
              f"| {min(x[1] for x in t):.2f} "
              f"| {np.median([x[0] for x in s]):.2f} / {max(x[0] for x in s):.2f} "
              f"| {max(x[1] for x in s):.2f} "
              f"| {sum(x[2] == 'no' for x in t)}/{len(t)} "
              f"| {sum(x[2] != 'no' for x in s)}/{len(s)} |")
    lab = np.r_[np.ones(len(all_t)), np.zeros(len(all_s))].astype(bool)
    print(f"all {len(all_t)} translation and {len(all_s)} shuffled pairs: parallelism AUC "
          f"{auc(np.r_[all_t, all_s], lab):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--sets", default="mac_dev,bible_en_zh")
    ap.add_argument("--encoder", default="use-m3")
    ap.add_argument("--limit", type=int, default=0,
                    help="only the first N source sentences of each document but mac_dev's")
    ap.add_argument("--fit", action="store_true", help="print the calibration to ship")
    ap.add_argument("--no-parallelism", action="store_true")
    ap.add_argument("--only-parallelism", action="store_true",
                    help="only the translations-against-shuffled-pairs table")
    ap.add_argument("--save", type=Path, help="keep the evidence in this .npz")
    ap.add_argument("--load", type=Path, help="evidence from an earlier --save, not aligned again")
    args = ap.parse_args()
    logging.getLogger("paralign").setLevel(logging.ERROR)  # shuffled pairs warn by design
    from paralign import AlignConfig, Aligner
    from paralign.alignment import calibration as C

    aligner = Aligner(AlignConfig(encoder=args.encoder, progress=False))
    if args.only_parallelism:
        parallelism(args.data, aligner)
        return
    names = args.sets.split(",")
    if args.load:  # evidence kept by an earlier run (--save) of the same code
        z = np.load(args.load)
        sets = {n: {k: z[f"{k}_{n}"] for k in ("X", "y", "doc")} for n in names}
        for s in sets.values():
            s["docs"] = sorted(set(s["doc"].tolist()))
    else:
        sets = {n: collect(args.data, n, aligner, args.limit if n != "mac_dev" else 0)
                for n in names}
    if args.save:
        np.savez(args.save, **{f"{k}_{n}": v for n, s in sets.items() for k, v in s.items()
                               if k in ("X", "y", "doc")})
    print(f"bead confidence, encoder {args.encoder}, out of sample:\n")
    oos = out_of_sample(sets)
    print_table([(tag, figures(c, y)) for tag, c, y in oos])
    print(f"\nshipped calibration (fitted on {C.SHIPPED_FROM}):\n")
    print_table([(f"{n}, shipped ({'in' if n == C.SHIPPED_FROM else 'out of'} sample)",
                  figures(C.SHIPPED.predict(s["X"]), s["y"])) for n, s in sets.items()])
    print("\nAUC of each piece of evidence alone (the bead's score is the old confidence):")
    print("| set | " + " | ".join(C.FEATURES) + " |")
    print("|---|" + "---|" * len(C.FEATURES))
    for n, s in sets.items():
        print(f"| {n} | " + " | ".join(f"{C.auc(s['X'][:, k], s['y']):.3f}"
                                        for k in range(len(C.FEATURES))) + " |")
    for tag, c, y in oos:
        print_reliability(tag, c, y)
    if args.fit:
        s = sets[C.SHIPPED_FROM]
        cal = C.fit_logistic(s["X"], s["y"])
        print(f"\nto ship (fitted on all of {C.SHIPPED_FROM}): "
              f"coef {tuple(round(c, 3) for c in cal.coef)}, intercept {cal.intercept:.3f}")
    if not args.no_parallelism:
        parallelism(args.data, aligner)


if __name__ == "__main__":
    main()
