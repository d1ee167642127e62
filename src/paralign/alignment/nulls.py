"""What leaving a sentence unaligned costs: a null cost from the sentence's own evidence.

A constant skip cost treats every sentence alike, yet a translator's omission leaves a
sentence that matches *nothing* on the other side, and the search absorbs it into a
neighbour's merge (a window that holds one extra sentence still resembles its translation),
because the merge loses less than the constant skip costs. Here each sentence's null bead is
priced by its best 1-1 score against any sentence within the band (the same scores the
search uses: similarity, margin, dictionary, length): a sentence whose best partner is as
good as a typical sentence's best pays the full ``skip``; one whose best partner is no better
than a typical unrelated pair pays ``(1 - weight) * skip``; in between, linearly.

Only the side with fewer sentences (both when they are as many) is priced so. On the side
with more, a sentence is often one part of a 1-2 or 1-3 bead, and a part of a translation has
a weak best 1-1 partner as an orphan does (on mac_dev the two are not told apart by it); on
the side with fewer, a sentence usually has a whole counterpart, and a weak best partner
means that it has none. (Measured on mac_dev: pricing both sides makes false 0-1 beads of
English parts of 1-2 beads; README, issue 13.)

"Typical best" is the median over the side's sentences of their best score, "typical pair"
the median over every 1-1 cell of the band (in a band around the path most cells pair
unrelated sentences). Both come from the block itself, so the rule needs no per-corpus level.
"""

from __future__ import annotations

import numpy as np

from . import band_kernels
from .dp import KERNEL_ROWS, NEG
from .medians import median

__all__ = ["best_partner_scores", "evidence_nulls", "null_sides"]


def null_sides(n: int, m: int) -> tuple[bool, bool]:
    """Which sides of an n x m block get evidence-priced nulls: the side with fewer
    sentences, or both when they are as many (see the module docstring)."""
    return n <= m, m <= n


def best_partner_scores(s11: np.ndarray, lo: np.ndarray, m: int,
                        sides: tuple[bool, bool] = (True, True)
                        ) -> tuple[tuple[np.ndarray, np.ndarray] | None,
                                   tuple[np.ndarray, np.ndarray] | None]:
    """Each source and each target sentence's best and second-best 1-1 score in the band.

    ``s11`` is the 1-1 score array in band layout (``s11[i, c]`` pairs source ``i - 1`` with
    target ``lo[i] + c - 1``; values at or below ``NEG / 2`` do not exist): the dense layout
    is the band layout with ``lo = 0``. Missing scores are ``-inf``. Returns
    ``((best_src, second_src), (best_tgt, second_tgt))``, ``None`` for a side that
    ``sides`` does not ask for.
    """
    n = s11.shape[0] - 1
    W = s11.shape[1]
    kernel = band_kernels.compiled("partner_top2") if n + 1 >= KERNEL_ROWS else None
    if kernel is not None:  # the same values, without the dense n x m matrix
        top = [np.full(n, -np.inf), np.full(n, -np.inf), np.full(m, -np.inf),
               np.full(m, -np.inf)]
        kernel(s11, lo, m, *top)
        return ((top[0], top[1]) if sides[0] else None), ((top[2], top[3]) if sides[1] else None)
    J = lo[: n + 1, None] + np.arange(W)[None, :]
    ok = (s11 > NEG / 2) & np.isfinite(s11) & (J >= 1) & (J <= m)
    ok[0] = False
    rows = np.broadcast_to(np.arange(n + 1)[:, None], s11.shape)
    M = np.full((n, m), -np.inf)
    M[rows[ok] - 1, J[ok] - 1] = s11[ok]
    return (_top2(M) if sides[0] else None), (_top2(M.T) if sides[1] else None)


def _top2(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest and second largest value of each row (``-inf`` where missing)."""
    if M.shape[1] < 2:
        return (M.max(axis=1) if M.shape[1] else np.full(len(M), -np.inf)), np.full(len(M), -np.inf)
    part = -np.partition(-M, 1, axis=1)[:, :2]
    return part[:, 0], part[:, 1]


def evidence_nulls(best: np.ndarray, second: np.ndarray, skip: float, weight: float
                   ) -> np.ndarray:
    """The null-bead score of each sentence of one side, from its best 1-1 scores.

    ``skip * (1 - weight * d)`` (never above 0), where ``d`` in [0, 1] is how far the
    sentence's best score falls below the side's median best, as a share of the gap between
    that median and the side's median *second-best* score (what the best of unrelated
    candidates typically reaches). ``weight = 0`` gives the constant ``skip`` everywhere.
    """
    out = np.full(len(best), float(skip))
    fin = np.isfinite(best)
    fin2 = np.isfinite(second)
    if not weight or not fin.any() or not fin2.any():
        return out
    top = float(median(best[fin]))
    floor = float(median(second[fin2]))
    gap = max(top - floor, 1e-6)
    d = np.clip((top - np.where(fin, best, floor)) / gap, 0.0, 1.0)
    return np.minimum(skip * (1.0 - weight * d), 0.0)
