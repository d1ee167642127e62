"""Dynamic programming over a band of the alignment lattice.

The lattice node ``(i, j)`` means "the first ``i`` source and ``j`` target sentences are
aligned". A bead of type ``(a, b)`` moves from ``(i - a, j - b)`` to ``(i, j)``. The search keeps,
for every row ``i``, only the columns ``lo[i] .. hi[i]`` (a band around a first-pass path), so
time and memory grow with ``n * width`` rather than ``n * m``: linear in document length for a
fixed band width.

Rows are processed one at a time: on long documents by a compiled loop over cells
(:func:`paralign.alignment.kernels.dp_rows`, numba), else in numpy with all bead types of a
row in one gather over a (types x width) array, so that the Python loop runs ``n`` times;
the 0-1 bead, which links cells of the same row, is folded in with a running maximum. Both
give the same tables bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .kernels import compiled

__all__ = ["Band", "band_from_path", "full_band", "reverse_band", "search"]

NEG = -1e30
# Rows from which the compiled kernel runs the search (below, numpy's per-row cost is less
# than importing numba: short documents never load it).
KERNEL_ROWS = 256


@dataclass(frozen=True)
class Band:
    """Column bounds ``lo[i] <= j <= hi[i]`` of the searched cells of row ``i`` (0..n)."""

    lo: np.ndarray
    hi: np.ndarray

    @property
    def width(self) -> int:
        return int((self.hi - self.lo).max()) + 1

    @property
    def n(self) -> int:
        return len(self.lo) - 1

    @property
    def m(self) -> int:
        return int(self.hi[-1])

    def cells(self) -> int:
        return int((self.hi - self.lo + 1).sum())


def full_band(n: int, m: int) -> Band:
    """Every cell: exact search, quadratic; for short documents."""
    return Band(np.zeros(n + 1, np.int64), np.full(n + 1, m, np.int64))


def band_from_path(path: Sequence[tuple[int, int]], n: int, m: int, width: int) -> Band:
    """A band of half-width ``width`` around a monotone path of lattice nodes.

    ``path`` lists nodes ``(i, j)`` from ``(0, 0)`` to ``(n, m)``; each row gets the columns the
    path visits in it, widened by ``width`` on both sides (and by the same in rows, so that
    the band also covers beads that cross the path diagonally).
    """
    lo = np.full(n + 1, m, np.int64)
    hi = np.zeros(n + 1, np.int64)
    # each row's first and last column on the path (at once: a document's coarse path has a
    # node per sentence or so)
    nodes = np.asarray(path, np.int64).reshape(-1, 2)
    np.minimum.at(lo, nodes[:, 0], nodes[:, 1])
    np.maximum.at(hi, nodes[:, 0], nodes[:, 1])
    # rows the path jumps over take the last column of the last row it visits before them
    # (0 before the first)
    seen = hi >= lo
    last = np.maximum.accumulate(np.where(seen, np.arange(n + 1), -1))
    last_hi = np.where(last >= 0, hi[np.maximum(last, 0)], 0)
    lo = np.where(seen, lo, last_hi)
    hi = np.where(seen, hi, last_hi)
    # widen along both axes: a cell within `width` rows or columns of the path
    lo_w = lo.copy()
    hi_w = hi.copy()
    for d in range(1, width + 1):
        lo_w[d:] = np.minimum(lo_w[d:], lo[:-d])
        hi_w[:-d] = np.maximum(hi_w[:-d], hi[d:])
    lo_w = np.maximum(lo_w - width, 0)
    hi_w = np.minimum(hi_w + width, m)
    # keep bounds monotone so that every cell has a predecessor in the band
    lo_w = np.minimum.accumulate(lo_w[::-1])[::-1]
    hi_w = np.maximum.accumulate(hi_w)
    lo_w[0] = 0
    hi_w[-1] = m
    return Band(lo_w, hi_w)


def reverse_band(band: Band) -> Band:
    """The band of the mirrored problem (both sequences reversed)."""
    m = band.m
    return Band((m - band.hi[::-1]).copy(), (m - band.lo[::-1]).copy())


def search(band: Band, types: Sequence[tuple[int, int]], scores: Sequence[np.ndarray],
           skip_tgt: np.ndarray, *, return_table: bool = False, path: bool = True,
           stacked: np.ndarray | None = None, as_array: bool = False):
    """Best-scoring monotone path through the band.

    Args:
        band: the cells to search.
        types: bead types ``(a, b)`` other than ``(0, 1)``; ``a >= 1``.
        scores: for each type, an array of shape ``(n + 1, width)``: ``scores[t][i, c]`` is the
            score of the bead of type ``t`` that *ends* at node ``(i, band.lo[i] + c)``
            (``NEG`` where impossible).
        skip_tgt: shape ``(n + 1, width)``: score of the 0-1 bead ending at each cell.

    Returns:
        The beads as ``(i0, i1, j0, j1)`` half-open index ranges, in order, and the total score;
        with ``return_table`` also the table of best prefix scores (band layout). Without
        ``path`` no backtrace is made and the beads are an empty list (a caller that wants
        only the table and the total: the pruning's two passes). ``stacked``: the scores
        already stacked as the search stacks them, ``(n + 1, T, W)`` (a caller that needs
        them so too: the pruning's backward pass), else stacked here. With ``as_array`` the
        beads come as one ``(k, 4)`` int64 array (the coarse path of a long document: no
        tuple per bead: those cost half as much as its rows' search).
    """
    n = band.n
    W = band.width
    lo, hi = band.lo, band.hi
    A = np.array([a for a, _ in types], np.int64)
    B = np.array([b for _, b in types], np.int64)
    # scores of all types of a row side by side, so each row is a few array operations
    if stacked is None:
        stacked = np.stack([np.asarray(s) for s in scores], axis=1)  # (n + 1, T, W)
    sentinel = (n + 1) * W                                           # index of a NEG cell
    Dflat = np.full(sentinel + 1, NEG, np.float64)
    D = Dflat[:sentinel].reshape(n + 1, W)
    arg = np.full((n + 1, W), -1, np.int16)       # type that reached the cell before 0-1 moves
    kk = np.zeros((n + 1, W), np.int32)           # column the 0-1 chain started from
    span = hi - lo
    kernel = compiled("dp_rows") if n + 1 >= KERNEL_ROWS else None
    if kernel is not None:
        skip = np.ascontiguousarray(skip_tgt)
        kernel(D, arg, kk, stacked, A, B, lo.astype(np.int64), span.astype(np.int64), skip,
               np.empty(W, skip.dtype))
    else:
        _rows_numpy(D, Dflat, arg, kk, stacked, A, B, lo, span, skip_tgt, sentinel)
    # backtrace from (n, m)
    beads: list[tuple[int, int, int, int]] = []
    i, c = n, int(hi[n] - lo[n])
    total = float(D[n, c])
    if total <= NEG / 2:
        raise RuntimeError("no path through the band")  # cannot happen with a valid band
    if not path:
        return ([], total, D) if return_table else ([], total)
    backtrace = compiled("dp_backtrace") if kernel is not None else None
    if backtrace is not None:  # compiled: one bead a sentence or so was most of the time
        out = np.empty((n + band.m + 1, 4), np.int64)
        k = backtrace(arg, kk, A, B, lo.astype(np.int64), c, out)
        if k < 0:
            raise RuntimeError("broken backtrace")  # pragma: no cover
        if as_array:
            beads = out[k - 1::-1].copy() if k else np.zeros((0, 4), np.int64)
        else:
            beads = list(map(tuple, out[k - 1::-1].tolist())) if k else []
        return (beads, total, D) if return_table else (beads, total)
    while i > 0 or lo[i] + c > 0:
        k = int(kk[i, c])
        while c > k:  # 0-1 beads
            j = int(lo[i] + c)
            beads.append((i, i, j - 1, j))
            c -= 1
        t = int(arg[i, c])
        if t < 0:
            if i == 0 and lo[i] + c == 0:
                break
            raise RuntimeError("broken backtrace")  # pragma: no cover
        a, b = types[t]
        j = int(lo[i] + c)
        beads.append((i - a, i, j - b, j))
        i, j = i - a, j - b
        c = int(j - lo[i])
    beads.reverse()
    if as_array:
        beads = np.array(beads, np.int64).reshape(-1, 4)
    if return_table:
        return beads, total, D
    return beads, total


def _rows_numpy(D: np.ndarray, Dflat: np.ndarray, arg: np.ndarray, kk: np.ndarray,
                stacked: np.ndarray, A: np.ndarray, B: np.ndarray, lo: np.ndarray,
                span: np.ndarray, skip_tgt: np.ndarray, sentinel: int) -> None:
    """:func:`paralign.alignment.kernels.dp_rows` in numpy: all bead types of a row in one
    gather over a (types x width) array, the 0-1 chain by a running maximum; ``Dflat`` is
    ``D`` flattened with one more cell, ``NEG``, at index ``sentinel``."""
    n = len(D) - 1
    W = D.shape[1]
    idx = np.arange(W)
    for i in range(n + 1):
        width_i = int(span[i]) + 1
        p = i - A
        has_p = p >= 0
        pc = np.where(has_p, p, 0)
        c_prev = (lo[i] + idx)[None, :] - B[:, None] - lo[pc][:, None]
        ok = (has_p[:, None] & (c_prev >= 0) & (c_prev <= span[pc][:, None])
              & (idx < width_i)[None, :])
        cand = Dflat[np.where(ok, pc[:, None] * W + c_prev, sentinel)] + stacked[i]
        barg = cand.argmax(axis=0).astype(np.int16)
        best = cand[barg, idx]
        valid = best > NEG / 2
        best = np.where(valid, best, NEG)
        barg = np.where(valid, barg, np.int16(-1))
        if i == 0:
            best[0] = 0.0  # lo[0] == 0: the start node
            barg[0] = -1
        # 0-1 beads within the row: D[j] = max_k best[k] + sum(skip[k+1..j])
        s01 = np.where(idx < width_i, skip_tgt[i], NEG)
        s01[0] = 0.0
        C = np.cumsum(s01)
        val = best - C
        run = np.maximum.accumulate(val)
        rec = np.maximum.accumulate(np.where(val >= run, idx, 0))
        row = C + run
        row[width_i:] = NEG
        D[i] = row
        arg[i] = barg
        kk[i] = rec
