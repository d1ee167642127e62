"""Strict and lax precision, recall and F1 of sentence alignments.

The definitions are those of Vecalign's ``score.py`` (after Sennrich & Volk 2011), so that
figures are comparable with published ones:

* a test bead is a *strict* hit when it equals a gold bead exactly;
* it is a *lax* hit when it shares a source sentence and a target sentence with a gold bead;
* precision is counted over all test beads (null beads included), recall over the gold beads
  that are not null, matched against the test beads that are not null;
* counts are summed over documents before dividing (micro-average).

Gold and test files are in Vecalign's ``.align`` format, read by
:func:`paralign.corpus.formats.read_vecalign`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .corpus.formats import read_vecalign
from .errors import FormatError, InputError

__all__ = ["evaluate", "evaluate_by_type", "bead_type", "omit_sentences", "evaluate_files",
           "format_scores"]

BeadLike = Any  # a Bead, or a (src indices, tgt indices) pair
_Pair = tuple[tuple[int, ...], tuple[int, ...]]


def _as_pair(b: BeadLike) -> _Pair:
    if hasattr(b, "src") and hasattr(b, "tgt"):
        return tuple(b.src), tuple(b.tgt)
    try:
        s, t = b
        if isinstance(s, (str, bytes)) or isinstance(t, (str, bytes)):
            raise TypeError
        return _indices(s), _indices(t)
    except (TypeError, ValueError):
        raise TypeError(f"a bead must be a Bead or a (source indices, target indices) pair "
                        f"such as ([0], [1, 2]); got {b!r:.80}") from None


def _pairs(doc: Any, name: str) -> list[_Pair]:
    try:
        return [_as_pair(b) for b in doc]
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None


def _indices(side: Any) -> tuple[int, ...]:
    out = []
    for i in side:
        if isinstance(i, bool) or not hasattr(i, "__index__"):  # ints and numpy ints only
            raise TypeError
        out.append(int(i))
    return tuple(out)


def _counts(gold: Iterable[_Pair], test: Iterable[_Pair]) -> list[int]:
    """[tp_strict, fp_strict, tp_lax, fp_lax] of ``test`` measured against ``gold``."""
    test_set = {p for p in test if p[0] or p[1]}
    gold_set = {p for p in gold if p[0] or p[1]}
    src_to_gold_tgt: dict[int, set[int]] = defaultdict(set)
    for gs, gt in gold_set:
        for s in gs:
            src_to_gold_tgt[s].update(gt)
    tps = fps = tpl = fpl = 0
    for ts, tt in test_set:
        if (ts, tt) in gold_set:
            tps += 1
            tpl += 1
            continue
        fps += 1
        targets: set[int] = set()
        for s in ts:
            targets |= src_to_gold_tgt.get(s, set())
        if targets.intersection(tt):
            tpl += 1
        else:
            fpl += 1
    return [tps, fps, tpl, fpl]


def _ratio(num: int, den: int) -> float:
    return num / den if den else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(gold: Sequence[BeadLike] | Sequence[Sequence[BeadLike]],
             test: Sequence[BeadLike] | Sequence[Sequence[BeadLike]]) -> dict[str, float]:
    """Score test beads against gold beads.

    Args:
        gold, test: beads of one document (``Bead`` objects or ``(src, tgt)`` index pairs),
            or lists of such lists, one per document (micro-averaged).

    Returns:
        ``{"precision_strict", "recall_strict", "f1_strict", "precision_lax", "recall_lax",
        "f1_lax"}``.

    >>> gold = [([0], [0]), ([1], [1, 2]), ([2], [3])]
    >>> test = [([0], [0]), ([1], [1]), ([], [2]), ([2], [3])]
    >>> s = evaluate(gold, test)
    >>> round(s["precision_strict"], 3), round(s["recall_strict"], 3), round(s["f1_lax"], 3)
    (0.5, 0.667, 0.857)
    """
    gold_docs = _as_documents(gold, "gold")
    test_docs = _as_documents(test, "test")
    if len(gold_docs) != len(test_docs):
        raise ValueError(f"{len(gold_docs)} gold documents but {len(test_docs)} test documents")
    p = [0, 0, 0, 0]
    r = [0, 0, 0, 0]
    for g, t in zip(gold_docs, test_docs):
        g_pairs, t_pairs = _pairs(g, "gold"), _pairs(t, "test")
        for k, v in enumerate(_counts(g_pairs, t_pairs)):
            p[k] += v
        g_full = [x for x in g_pairs if x[0] and x[1]]
        t_full = [x for x in t_pairs if x[0] and x[1]]
        # recall is precision with the roles swapped and null beads ignored
        for k, v in enumerate(_counts(t_full, g_full)):
            r[k] += v
    ps, pl = _ratio(p[0], p[0] + p[1]), _ratio(p[2], p[2] + p[3])
    rs, rl = _ratio(r[0], r[0] + r[1]), _ratio(r[2], r[2] + r[3])
    return {
        "precision_strict": ps,
        "recall_strict": rs,
        "f1_strict": _f1(ps, rs),
        "precision_lax": pl,
        "recall_lax": rl,
        "f1_lax": _f1(pl, rl),
    }


BEAD_TYPES = ("1-1", "1-2", "2-1", "1-3", "3-1", "2-2", "2-3", "3-2", "1-0", "0-1", "other")


def bead_type(b: BeadLike) -> str:
    """The row of the per-type table a bead falls in: ``"1-2"``, ..., or ``"other"``.

    >>> bead_type(([0], [1, 2])), bead_type(([], [3])), bead_type(([0, 1, 2, 3], [4]))
    ('1-2', '0-1', 'other')
    """
    s, t = _as_pair(b)
    k = f"{len(s)}-{len(t)}"
    return k if k in BEAD_TYPES else "other"


def evaluate_by_type(gold: Sequence[BeadLike] | Sequence[Sequence[BeadLike]],
                     test: Sequence[BeadLike] | Sequence[Sequence[BeadLike]]
                     ) -> dict[str, dict[str, float]]:
    """Strict hits per bead type: where an aligner gains and loses.

    For each type (see :data:`BEAD_TYPES`): ``gold`` beads of that type and the share found
    exactly (``recall``), ``test`` beads of that type and the share that are gold beads
    (``precision``). Null types (1-0, 0-1) are counted like the others, so their rows are the
    null-bead precision and recall. Counts are summed over documents.

    >>> r = evaluate_by_type([([0], [0]), ([1], [1, 2]), ([2], [])], [([0], [0]), ([1], [1]),
    ...                      ([], [2]), ([2], [])])
    >>> r["1-1"]["gold"], r["1-1"]["test"], r["1-1"]["precision"], r["1-2"]["recall"]
    (1, 2, 0.5, 0.0)
    >>> r["1-0"]["recall"], r["0-1"]["precision"]
    (1.0, 0.0)
    """
    gold_docs = _as_documents(gold, "gold")
    test_docs = _as_documents(test, "test")
    if len(gold_docs) != len(test_docs):
        raise ValueError(f"{len(gold_docs)} gold documents but {len(test_docs)} test documents")
    c = {k: [0, 0, 0, 0] for k in BEAD_TYPES}  # gold, gold found, test, test right
    for g, t in zip(gold_docs, test_docs):
        gs = {_as_pair(b) for b in g}
        ts = {_as_pair(b) for b in t}
        for b in gs:
            row = c[bead_type(b)]
            row[0] += 1
            row[1] += b in ts
        for b in ts:
            row = c[bead_type(b)]
            row[2] += 1
            row[3] += b in gs
    return {k: {"gold": v[0], "recall": _ratio(v[1], v[0]), "test": v[2],
                "precision": _ratio(v[3], v[2])} for k, v in c.items()}


def omit_sentences(src: Sequence[str], tgt: Sequence[str], gold: Sequence[BeadLike],
                   share: float, side: str = "tgt", seed: int = 0
                   ) -> tuple[list[str], list[str], list[_Pair]]:
    """A synthetic omission test: ``share`` of one side's sentences deleted at random.

    Translators drop sentences; an aligner should then leave the partners unaligned rather
    than fold them into a neighbour's bead. The deleted sentences are drawn with a fixed
    ``seed`` (at least one); the gold beads lose them and are renumbered, so a 1-1 bead whose
    target is deleted becomes a 1-0 bead and a 1-2 bead a 1-1. Returns the new source and
    target sentences and gold beads.

    >>> omit_sentences(["a", "b"], ["A", "B"], [([0], [0]), ([1], [1])], 0.5, seed=1)[1:]
    (['B'], [((0,), ()), ((1,), (0,))])
    """
    import random

    if side not in ("src", "tgt"):
        raise ValueError(f"side must be 'src' or 'tgt', got {side!r}")
    lines = list(tgt if side == "tgt" else src)
    k = max(1, round(share * len(lines)))
    gone = set(random.Random(seed).sample(range(len(lines)), min(k, len(lines))))
    new_index = {}
    for i in range(len(lines)):
        if i not in gone:
            new_index[i] = len(new_index)
    kept = [x for i, x in enumerate(lines) if i not in gone]
    beads: list[_Pair] = []
    for b in gold:
        s, t = _as_pair(b)
        own = t if side == "tgt" else s
        own = tuple(new_index[i] for i in own if i not in gone)
        pair = (s, own) if side == "tgt" else (own, t)
        if pair[0] or pair[1]:
            beads.append(pair)
    if side == "tgt":
        return list(src), kept, beads
    return kept, list(tgt), beads


def _as_documents(x: Any, name: str) -> list[Sequence[Any]]:
    """Tell one document's beads from a list of documents' beads (TypeError naming the
    argument for anything else: a string, a number, a file name)."""
    if isinstance(x, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be beads (a list of Bead or (src, tgt) index pairs), "
                        f"not {type(x).__name__} {x!r:.60}; for .align files use "
                        "evaluate_files() or read_vecalign()")
    if not isinstance(x, Sequence) and hasattr(x, "__iter__"):
        x = list(x)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} must be a list of beads, got {type(x).__name__}: {x!r:.60}")
    if not x:
        return [x]
    first = x[0]
    if hasattr(first, "src"):
        return [x]
    if isinstance(first, (str, bytes)) or not isinstance(first, Sequence):
        raise TypeError(f"{name} must be a list of beads (Bead or (src, tgt) index pairs); "
                        f"its first item is {type(first).__name__}: {first!r:.60}")
    # a bead pair is (seq of int, seq of int); a document is a seq of bead pairs
    if len(first) == 2 and all(isinstance(side, Sequence) and not isinstance(side, str)
                               for side in first) and \
            all(isinstance(i, int) for i in list(first[0]) + list(first[1])):
        return [x]
    return list(x)


def evaluate_files(gold_paths: Sequence[str], test_paths: Sequence[str]) -> dict[str, float]:
    """Micro-averaged scores of test ``.align`` files against gold ones (same order).

    A gold file without a bead is refused (there would be nothing to score against: every
    figure would be a meaningless 0), and so is standard input (``-``) named more than once
    (it can be read once). A test file without a bead is scored: an aligner may find none.
    """
    if len(gold_paths) != len(test_paths):
        raise FormatError(f"{len(gold_paths)} gold files but {len(test_paths)} test files")
    if [os.fspath(p) for p in (*gold_paths, *test_paths)].count("-") > 1:
        raise InputError("- (standard input) is named more than once among the gold and "
                         "test files: it can be read once")
    gold = [read_vecalign(p) for p in gold_paths]
    for path, beads in zip(gold_paths, gold):
        if not beads:
            raise FormatError(f"{os.fspath(path)}: gold file has no beads: nothing to score "
                              "against")
    return evaluate(gold, [read_vecalign(p) for p in test_paths])


def format_scores(scores: dict[str, float]) -> str:
    """Two lines, strict and lax, as a small table."""
    lines = ["        precision  recall  F1"]
    for kind in ("strict", "lax"):
        lines.append(f"{kind:<8}{scores['precision_' + kind]:9.4f}{scores['recall_' + kind]:8.4f}"
                     f"{scores['f1_' + kind]:7.4f}")
    return "\n".join(lines)
