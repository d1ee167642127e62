#!/usr/bin/env python3
"""Accuracy and speed of paralign on gold sentence alignments.

    python bench/accuracy.py DATA_DIR [--encoder NAME] [--sets mac_dev,mac_dev_trad] [--fit]

DATA_DIR holds sets laid out like ../shared/data: ``<set>/src/NNN``, ``<set>/tgt/NNN`` (one
sentence per line) and ``<set>/gold/NNN.align`` (Vecalign format). Every document is aligned
through the same code the CLI's ``paralign align --presplit`` runs (``--via-cli`` runs the CLI
itself, one process per document); beads are scored with Vecalign's strict and lax metrics.
``bible_en_zh`` is scored at verse level: consecutive output beads inside one verse are merged
first, as the set's README prescribes. ``--omit 0.02`` makes a synthetic omission test: 2% of
one side's sentences (``--omit-side``, default the target) deleted at random with a fixed seed,
the gold renumbered so that their partners become 1-0 beads
(:func:`paralign.evaluation.omit_sentences`). ``--fit`` first learns one lexicon from every
document of the set (:meth:`paralign.Aligner.fit`, from their first alignments, no gold) and
aligns each document with it: the corpus-wide lexicon, measured as one batch. Each set runs in its own process so that its peak
memory is its own.

Printed: a table per set (P/R/F1 strict and lax, seconds embedding and searching, peak RSS),
a table of strict hits per bead type (gold count and recall, test count and precision for
1-1, 1-2, ..., 1-0, 0-1, other: where a change gains and loses; the 1-0 / 0-1 rows are the
null-bead recall and precision), and with ``--speed`` the end-to-end time on a cold cache next to the time the encoder needs to
embed every sentence of both sides once, from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def merge_verses(beads, src_verse, tgt_verse):
    """Merge consecutive beads whose sentences all lie in one verse (both sides)."""
    out = []
    cur_s, cur_t, cur_v = [], [], None
    for s, t in beads:
        vs = {src_verse[i] for i in s} | {tgt_verse[j] for j in t}
        if cur_v is not None and len(vs) == 1 and vs == cur_v:
            cur_s += list(s)
            cur_t += list(t)
            continue
        if cur_v is not None or cur_s or cur_t:
            out.append((tuple(cur_s), tuple(cur_t)))
        cur_s, cur_t = list(s), list(t)
        cur_v = vs if len(vs) == 1 else None
    if cur_s or cur_t:
        out.append((tuple(cur_s), tuple(cur_t)))
    return out


def run_set(data: Path, name: str, args) -> dict:
    from paralign import AlignConfig, Aligner, evaluate
    from paralign.evaluation import evaluate_by_type

    d = data / name
    docs = sorted(p.name for p in (d / "src").iterdir())
    cfg = AlignConfig(encoder=args.encoder, cache_dir=args.cache_dir, progress=False,
                      **json.loads(args.config))
    aligner = Aligner(cfg)
    gold_all, test_all = [], []
    t_embed = t_search = 0.0
    windows = 0
    t0 = time.perf_counter()
    t_fit = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        if getattr(args, "fit", False):
            t_fit = fit_corpus(d, docs, aligner, args, Path(tmp))
        for doc in docs:
            gold, test, stats = doc_beads(d, doc, aligner, args, Path(tmp))
            if stats:
                t_embed += stats["seconds_embed"]
                t_search += stats["seconds_search"]
                windows += stats["windows_embedded"]
            gold_all.append(gold)
            test_all.append(test)
    total = time.perf_counter() - t0
    r = evaluate(gold_all, test_all)
    r["by_type"] = evaluate_by_type(gold_all, test_all)
    r.update(set=name, docs=len(docs), seconds=round(total, 2), seconds_embed=round(t_embed, 2),
             seconds_search=round(t_search, 2), seconds_fit=round(t_fit, 2), windows=windows, peak_mb=round(peak_rss_mb()),
             encoder=args.encoder, signature=aligner.signature if not args.via_cli else "")
    return r


def prepare(d: Path, doc: str, args, tmp: Path):
    """The source and target files of one document as the run reads them (first
    ``args.limit`` source sentences, synthetic omissions as ``args.omit`` asks), its gold,
    and the kept sentence numbers of an omission run (``None`` otherwise)."""
    from paralign.corpus.formats import read_vecalign

    src, tgt = d / "src" / doc, d / "tgt" / doc
    gold = read_vecalign(d / "gold" / f"{doc}.align")
    limit = getattr(args, "limit", 0)
    if limit:
        src, tgt = _truncate(d, doc, limit, tmp)
        gold = _gold_prefix(d, doc, limit)
    kept = None
    if args.omit:
        src, tgt, gold, kept = _omit(src, tgt, gold, doc, args, tmp)
    return src, tgt, gold, kept


def doc_beads(d: Path, doc: str, aligner, args, tmp: Path):
    """Gold and test beads of one document of set folder ``d`` (:func:`prepare`; test beads
    verse-merged where the set has verses), and the alignment's stats (``None`` with
    ``--via-cli``)."""
    from paralign.corpus.formats import read_vecalign
    from paralign.pipeline import align_files

    src, tgt, gold, kept = prepare(d, doc, args, tmp)
    out = tmp / f"{doc}.align"
    stats = None
    if getattr(args, "via_cli", False):
        cmd = [sys.executable, "-m", "paralign", "-q", "align", str(src), str(tgt), "-o",
               str(out), "--presplit", "--encoder", args.encoder]
        subprocess.run(cmd, check=True)
    else:
        stats = align_files(src, tgt, out, presplit=True, aligner=aligner).stats
    test = read_vecalign(out)
    if (d / "src.verse").exists():
        sv = (d / "src.verse").read_text().splitlines()
        tv = (d / "tgt.verse").read_text().splitlines()
        if kept is not None:
            sv, tv = [sv[i] for i in kept[0]], [tv[j] for j in kept[1]]
        test = merge_verses(test, sv, tv)
    return gold, test, stats


def fit_corpus(d: Path, docs: list[str], aligner, args, tmp: Path) -> float:
    """``--fit``: one lexicon learned from every document of the set as the run reads them
    (:meth:`paralign.Aligner.fit`: their first alignments, no gold); returns the seconds."""
    t0 = time.perf_counter()
    pairs = []
    for doc in docs:
        src, tgt, _, _ = prepare(d, doc, args, tmp)
        pairs.append((src.read_text("utf-8").splitlines(), tgt.read_text("utf-8").splitlines()))
    aligner.fit(pairs)
    return time.perf_counter() - t0


def _truncate(d: Path, doc: str, limit: int, tmp: Path):
    """The first `limit` source sentences and the target sentences gold pairs with them."""
    from paralign.corpus.formats import read_vecalign

    gold = read_vecalign(d / "gold" / f"{doc}.align")
    src_end = tgt_end = 0
    for s, t in gold:
        if s and s[-1] >= limit:
            break
        src_end = max(src_end, (s[-1] + 1) if s else src_end)
        tgt_end = max(tgt_end, (t[-1] + 1) if t else tgt_end)
    src_lines = (d / "src" / doc).read_text().splitlines()[:src_end]
    tgt_lines = (d / "tgt" / doc).read_text().splitlines()[:tgt_end]
    (tmp / f"{doc}.s").write_text("\n".join(src_lines) + "\n")
    (tmp / f"{doc}.t").write_text("\n".join(tgt_lines) + "\n")
    return tmp / f"{doc}.s", tmp / f"{doc}.t"


def _omit(src: Path, tgt: Path, gold, doc: str, args, tmp: Path):
    """Files and gold of the synthetic omission test (verse files follow the deletions)."""
    from paralign.evaluation import omit_sentences

    s_lines = src.read_text().splitlines()
    t_lines = tgt.read_text().splitlines()
    # sentence numbers go through the deletion, so that the verse lists can follow
    s_kept, t_kept, gold = omit_sentences([str(i) for i in range(len(s_lines))],
                                          [str(j) for j in range(len(t_lines))], gold, args.omit,
                                          args.omit_side, seed=args.seed)
    (tmp / f"{doc}.omit.src").write_text("\n".join(s_lines[int(i)] for i in s_kept) + "\n")
    (tmp / f"{doc}.omit.tgt").write_text("\n".join(t_lines[int(j)] for j in t_kept) + "\n")
    kept = ([int(i) for i in s_kept], [int(j) for j in t_kept])
    return tmp / f"{doc}.omit.src", tmp / f"{doc}.omit.tgt", gold, kept


def _gold_prefix(d: Path, doc: str, limit: int):
    from paralign.corpus.formats import read_vecalign

    out = []
    for s, t in read_vecalign(d / "gold" / f"{doc}.align"):
        if s and s[-1] >= limit:
            break
        out.append((s, t))
    return out


def speed(data: Path, args) -> dict:
    """Cold-cache end-to-end time vs embedding each sentence of both sides once."""
    from paralign import AlignConfig, Aligner
    from paralign.pipeline import align_files
    from paralign.embed import get_encoder

    d = data / "mac_dev"
    docs = sorted(p.name for p in (d / "src").iterdir())
    names = args.encoder.split("+")
    sents = []
    for doc in docs:
        sents += (d / "src" / doc).read_text().splitlines()
        sents += (d / "tgt" / doc).read_text().splitlines()
    encs = [get_encoder(n, cache=False, progress=False) for n in names]
    for e in encs:
        e.encode(["warm up"])  # load the model outside the timing
    aligner = Aligner(AlignConfig(encoder=args.encoder, progress=False, **json.loads(args.config)))
    aligner.load()  # models (encoder, jieba, CC-CEDICT) load outside the timing, as above
    once, e2e = [], []
    windows = 0
    for _ in range(max(1, args.repeat)):  # alternated, so that both see the same machine
        _forget_composed()
        t0 = time.perf_counter()
        for e in encs:
            e.encode(sents)
        once.append(time.perf_counter() - t0)
        _forget_composed()
        with tempfile.TemporaryDirectory() as cache, tempfile.TemporaryDirectory() as tmp:
            run = Aligner(aligner.config.replace(cache_dir=cache))
            run.load()
            t0 = time.perf_counter()
            windows = 0
            for doc in docs:
                al = align_files(d / "src" / doc, d / "tgt" / doc, Path(tmp) / f"{doc}.align",
                                 presplit=True, aligner=run)
                windows += al.stats["windows_embedded"]
            e2e.append(time.perf_counter() - t0)
    t_once, t_e2e = statistics.median(once), statistics.median(e2e)
    return {"sentences": len(sents), "embed_once_s": round(t_once, 2),
            "end_to_end_cold_s": round(t_e2e, 2), "ratio": round(t_e2e / t_once, 2),
            "windows_embedded": windows, "runs": len(once),
            "ratios": [round(b / a, 2) for a, b in zip(once, e2e)]}


def _forget_composed() -> None:
    """Drop what the use-m3 composer and the dictionary remember in memory, so each timed run
    starts cold."""
    from paralign.alignment.lexical import _token_glosses
    from paralign.embed.bundled import _engines

    comp = _engines.get("usem3-composer")
    if comp is not None:
        comp.clear()
    _token_glosses.cache_clear()


def print_by_type(rows: list[dict]) -> None:
    """Strict hits per bead type, one column group per set."""
    from paralign.evaluation import BEAD_TYPES

    print("\nper bead type (strict): gold count, recall | test count, precision")
    print("| type | " + " | ".join(f"{r['set']} gold | R | test | P" for r in rows) + " |")
    print("|---|" + "---|---|---|---|" * len(rows))
    for k in BEAD_TYPES:
        cells = []
        for r in rows:
            t = r["by_type"][k]
            cells.append(f"{t['gold']} | {t['recall']:.3f} | {t['test']} | {t['precision']:.3f}")
        print(f"| {k} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--encoder", default="use-m3")
    ap.add_argument("--sets", default=None, help="comma-separated set names (default: all)")
    ap.add_argument("--config", default="{}", help="JSON of AlignConfig overrides")
    ap.add_argument("--cache-dir", default=None, help="embedding cache (default: the user cache)")
    ap.add_argument("--via-cli", action="store_true", help="run the CLI, one process per document")
    ap.add_argument("--limit", type=int, default=0, help="only the first N source sentences")
    ap.add_argument("--omit", type=float, default=0.0,
                    help="synthetic omissions: delete this share of one side's sentences")
    ap.add_argument("--omit-side", default="tgt", choices=("src", "tgt"))
    ap.add_argument("--seed", type=int, default=0, help="seed of the deleted sentences")
    ap.add_argument("--fit", action="store_true",
                    help="first learn one lexicon from every document of the set (Aligner.fit)")
    ap.add_argument("--speed", action="store_true", help="also the cold-cache speed comparison")
    ap.add_argument("--repeat", type=int, default=3, help="speed: timed runs (medians printed)")
    ap.add_argument("--one-set", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true", help="print JSON lines, not a table")
    args = ap.parse_args()
    if args.one_set:
        print(json.dumps(run_set(args.data, args.one_set, args)))
        return
    if args.sets:
        sets = args.sets.split(",")
    else:
        sets = sorted(p.name for p in args.data.iterdir() if (p / "gold").is_dir())
    rows = []
    for name in sets:
        cmd = [sys.executable, __file__, str(args.data), "--one-set", name, "--encoder", args.encoder,
               "--config", args.config] + (["--cache-dir", args.cache_dir] if args.cache_dir else []) \
            + (["--via-cli"] if args.via_cli else []) + (["--fit"] if args.fit else []) + (["--limit", str(args.limit)] if args.limit else []) \
            + (["--omit", str(args.omit), "--omit-side", args.omit_side, "--seed", str(args.seed)]
               if args.omit else [])
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        if args.json:
            print(json.dumps(rows[-1]), flush=True)
    if not args.json:
        print(f"encoder: {args.encoder}   config: {args.config}")
        print("| set | docs | P strict | R strict | F1 strict | P lax | R lax | F1 lax | embed s | search s | windows | peak MB |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['set']} | {r['docs']} | {r['precision_strict']:.4f} | {r['recall_strict']:.4f} | "
                  f"**{r['f1_strict']:.4f}** | {r['precision_lax']:.4f} | {r['recall_lax']:.4f} | "
                  f"{r['f1_lax']:.4f} | {r['seconds_embed']:.1f} | {r['seconds_search']:.1f} | "
                  f"{r['windows']} | {r['peak_mb']} |")
        if rows and rows[0].get("signature"):
            print(f"signature: {rows[0]['signature']}")
        if args.fit:
            print("one lexicon fitted on every document of each set first (Aligner.fit): "
                  + ", ".join(f"{r['set']} {r['seconds_fit']:.1f} s" for r in rows))
        if args.omit:
            print(f"synthetic omissions: {args.omit:g} of the {args.omit_side} sentences deleted "
                  f"(seed {args.seed})")
        print_by_type(rows)
    if args.speed:
        s = speed(args.data, args)
        print(f"\nspeed, mac_dev, cold cache ({s['sentences']} sentences, medians of {s['runs']} "
              f"alternated runs): embedding each sentence once {s['embed_once_s']} s; end to end "
              f"{s['end_to_end_cold_s']} s ({s['windows_embedded']} windows embedded); ratio "
              f"{s['ratio']}x (per run: {', '.join(map(str, s['ratios']))})")


if __name__ == "__main__":
    main()
