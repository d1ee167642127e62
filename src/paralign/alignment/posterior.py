"""Posterior probabilities and max-marginals of beads in the alignment lattice.

The search (:func:`paralign.alignment.dp.search`) keeps the best path; it says nothing about
how much better that path is than its rivals. Treating ``exp(score / temperature)`` as the
weight of a bead and the weight of a path as the product of its beads' weights, the
*posterior* of a bead is the total weight of the paths through it over the weight of all
paths: forward-backward (log-sum-exp) over the same band and the same bead scores the search
used, two more passes of the same shape as the search, no new scoring. A bead that every
good path takes gets about 1; two equally good ways to cut the same sentences get about 0.5
each. With ``temperature -> 0`` the sums become maxima (*max-marginals*: the best total of
a path through each bead), which give the margin between a bead and the best path that
avoids it.

Why a path that avoids bead X is one that uses another bead covering X's first sentence:
every path covers every sentence by exactly one bead, so a path avoids X exactly when the
bead covering X's first source sentence (first target sentence for a 0-1 bead) is not X.
The best rival of X is therefore the best max-marginal among the other beads that cover
that sentence (:func:`rival_margins`).

Scores are in the band layout of :mod:`paralign.alignment.dp`: ``scores[t][i, c]`` is the
bead of type ``types[t]`` that ends at node ``(i, band.lo[i] + c)``; ``NEG`` marks beads that
do not exist.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .dp import KERNEL_ROWS, NEG, Band
from . import lattice_kernels
from .lattice_kernels import ufunc_loops

__all__ = ["Lattice", "lattice_marginals", "lattice_pair", "bead_posteriors", "rival_margins"]

log = logging.getLogger("paralign.alignment")

_NEG_INF = -np.inf
# A 0-1 bead the scorer forbids inside a row (never happens with the scorer's bands) counts
# as this bad, finite so that the running sums along the row stay exact.
_FLOOR = -1e4


def compiled(name: str) -> Callable | None:
    """The compiled kernel ``name`` (:mod:`paralign.alignment.lattice_kernels`), or ``None``:
    numba unavailable, or the compiled passes not giving :func:`_passes`'s tables bit for bit
    here (checked once per process, on a small lattice)."""
    kernel = lattice_kernels.compiled(name)
    return kernel if kernel is not None and _kernels_match() else None


@functools.cache
def _kernels_match() -> bool:
    ok = lattice_kernels.matches(_passes)
    if not ok:
        log.info("compiled confidence passes differ from numpy's here: numpy runs them")
    return ok


def _reduce(x: np.ndarray, soft: bool) -> np.ndarray:
    """log-sum-exp (soft) or max over the first axis; -inf where every term is -inf.
    (Called under ``np.errstate(divide="ignore")``: log(0) is the -inf wanted.)"""
    top = x.max(axis=0)
    if not soft:
        return top
    safe = np.where(top > _NEG_INF, top, 0.0)
    return safe + np.log(np.exp(x - safe[None, :]).sum(axis=0))


def _accumulate(x: np.ndarray, soft: bool) -> np.ndarray:
    return np.logaddexp.accumulate(x) if soft else np.maximum.accumulate(x)


@dataclass
class Lattice:
    """Forward and backward tables of one band (``alpha[i, c]``: paths from the start to node
    ``(i, lo[i] + c)``; ``beta``: from that node to the end), in log units of
    ``score / temperature``, or best scores when ``soft`` is False (temperature 1)."""

    band: Band
    types: list[tuple[int, int]]
    scores: list[np.ndarray]      # per type, already divided by the temperature, -inf for NEG
    skip: np.ndarray              # 0-1 beads, the same
    alpha: np.ndarray
    beta: np.ndarray
    soft: bool
    stacked: np.ndarray | None = None   # the scores as one (n + 1, T, W) array, if at hand

    @property
    def log_z(self) -> float:
        """log of the total weight of all paths (the best total when not soft)."""
        b = self.band
        return float(self.alpha[b.n, int(b.hi[b.n] - b.lo[b.n])])

    def bead_log_weight(self, t: int) -> np.ndarray:
        """alpha(start) + score + beta(end) of every bead of type t, band layout: the log
        weight of the paths through it (max-marginal when not soft)."""
        band = self.band
        n = band.n
        a, b = self.types[t]
        W = band.width
        lo, span = band.lo, band.hi - band.lo
        rows = np.arange(n + 1)[:, None]
        J = lo[:, None] + np.arange(W)[None, :]
        pi = rows - a
        pic = np.clip(pi, 0, n)
        pc = J - b - lo[pic]
        ok = (pi >= 0) & (pc >= 0) & (pc <= span[pic]) & (np.arange(W)[None, :] <= span[:, None])
        before = np.where(ok, self.alpha[pic, np.clip(pc, 0, W - 1)], _NEG_INF)
        return before + self.scores[t] + self.beta

    def skip_log_weight(self) -> np.ndarray:
        """The same for the 0-1 beads (they end at column c, start at c - 1 of the row)."""
        before = np.full_like(self.alpha, _NEG_INF)
        before[:, 1:] = self.alpha[:, :-1]
        return before + self.skip + self.beta


def lattice_marginals(band: Band, types: Sequence[tuple[int, int]], scores: Sequence[np.ndarray],
                      skip: np.ndarray, *, temperature: float = 1.0, soft: bool = True) -> Lattice:
    """Forward and backward passes over the band, with log-sum-exp (``soft``) or max.

    Same arguments as :func:`paralign.alignment.dp.search`. The soft tables weigh each bead
    by ``exp(score / temperature)``: a low temperature trusts score differences more.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    T = float(temperature) if soft else 1.0
    if _long(band, types):
        return _compiled_lattices(band, types, scores, skip, [(T, soft)])[0]
    return _numpy_lattice(band, types, scores, skip, T, soft)


def lattice_pair(band: Band, types: Sequence[tuple[int, int]], scores: Sequence[np.ndarray],
                 skip: np.ndarray, temperature: float) -> tuple[Lattice, Lattice]:
    """The soft lattice at ``temperature`` and the max lattice of the same band and scores
    (what the confidences read): as two :func:`lattice_marginals`, in one compiled pass over
    the band for long blocks."""
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    if _long(band, types):
        soft, hard = _compiled_lattices(band, types, scores, skip,
                                        [(float(temperature), True), (1.0, False)])
        return soft, hard
    return (_numpy_lattice(band, types, scores, skip, float(temperature), True),
            _numpy_lattice(band, types, scores, skip, 1.0, False))


def _long(band: Band, types: Sequence[tuple[int, int]]) -> bool:
    """Whether the compiled passes run: long blocks (below, numpy's per-row cost is less
    than loading numba), numba available and matching numpy here."""
    return band.n + 1 >= KERNEL_ROWS and len(types) > 0 and compiled("lattice_rows") is not None


def _numpy_lattice(band: Band, types: Sequence[tuple[int, int]], scores: Sequence[np.ndarray],
                   skip: np.ndarray, T: float, soft: bool) -> Lattice:
    span = band.hi - band.lo
    A = np.array([a for a, _ in types], np.int64)
    B = np.array([b for _, b in types], np.int64)
    sc = [np.where(np.asarray(s) > NEG / 2, np.asarray(s, np.float64) / T, _NEG_INF) for s in scores]
    sk = np.where(np.asarray(skip) > NEG / 2, np.asarray(skip, np.float64) / T, _NEG_INF)
    in_row = np.arange(band.width)[None, :] <= span[:, None]
    sc = [np.where(in_row, s, _NEG_INF) for s in sc]
    sk = np.where(in_row, sk, _NEG_INF)
    stacked = np.stack(sc, axis=1)                                   # (n + 1, T, W)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha, beta = _passes(band, A, B, stacked, sk, soft)
    return Lattice(band, list(types), sc, sk, alpha, beta, soft, stacked)


def _index(x: np.ndarray) -> np.ndarray:
    """A band's bounds as the kernels are compiled for (contiguous int64): a chunk's band is
    often a slice, and another array layout would load a second compiled version."""
    return np.ascontiguousarray(x, np.int64)


def _compiled_lattices(band: Band, types: Sequence[tuple[int, int]],
                       scores: Sequence[np.ndarray], skip: np.ndarray,
                       runs: list[tuple[float, bool]]) -> list[Lattice]:
    """:func:`_numpy_lattice` for each ``(temperature, soft)`` of ``runs``, compiled
    (:func:`paralign.alignment.lattice_kernels.lattice_rows`: bit-identical tables)."""
    A = np.array([a for a, _ in types], np.int64)
    B = np.array([b for _, b in types], np.int64)
    raw = np.stack([np.asarray(s) for s in scores])                   # (T, n + 1, W)
    raw_skip = np.ascontiguousarray(skip)
    L, n1, W = len(runs), band.n + 1, band.width
    stacked = np.empty((L, n1, len(types), W))
    sk, alpha, beta = np.empty((L, n1, W)), np.empty((L, n1, W)), np.empty((L, n1, W))
    compiled("lattice_rows")(
        _index(band.lo), _index(band.hi - band.lo), A, B, raw, raw.dtype.type(NEG / 2), raw_skip,
        raw_skip.dtype.type(NEG / 2), np.array([T for T, _ in runs]),
        np.array([soft for _, soft in runs]), ufunc_loops(), stacked, sk, alpha, beta)
    return [Lattice(band, list(types), [stacked[q][:, t] for t in range(len(types))], sk[q],
                    alpha[q], beta[q], soft, stacked[q]) for q, (_, soft) in enumerate(runs)]


def _passes(band: Band, A: np.ndarray, B: np.ndarray, stacked: np.ndarray, sk: np.ndarray,
            soft: bool) -> tuple[np.ndarray, np.ndarray]:
    """The forward and the backward tables (see :func:`lattice_marginals`).

    Where each bead starts and ends depends on the band only: the flat indices of the
    neighbouring nodes are gathered once for the whole band, so that each row of each pass
    is a gather, a reduction over bead types and a running reduction along the row (the
    0-1 beads).
    """
    n = band.n
    W = band.width
    lo, span = band.lo, band.hi - band.lo
    idx = np.arange(W)
    sentinel = (n + 1) * W                      # index of a -inf cell
    rows = np.arange(n + 1)[:, None]
    J = lo[:, None] + idx[None, :]              # target node of each cell
    in_row = idx[None, :] <= span[:, None]
    prev = np.empty(stacked.shape, np.int64)    # node where the bead ending here starts
    nxt = np.empty(stacked.shape, np.int64)     # node where the bead starting here ends
    outgoing = np.full_like(stacked, _NEG_INF)  # score of the bead starting here
    for t, (a, b) in enumerate(zip(A.tolist(), B.tolist())):
        for sign, out in ((-1, prev), (1, nxt)):
            r = rows + sign * a
            rc = np.clip(r, 0, n)
            c = J + sign * b - lo[rc]
            ok = in_row & (r >= 0) & (r <= n) & (c >= 0) & (c <= span[rc])
            out[:, t] = np.where(ok, rc * W + c, sentinel)
            if sign > 0:
                outgoing[:, t] = np.where(ok, stacked[rc, t, np.clip(c, 0, W - 1)], _NEG_INF)
    skip_rows = np.where(in_row, np.maximum(sk, _FLOOR), 0.0)
    skip_rows[:, 0] = 0.0
    prefix = np.cumsum(skip_rows, axis=1)       # sum of 0-1 scores along each row
    width = span + 1
    # forward: alpha[i, j] = R_k<=j best[k] + sum(skip[k+1..j])
    aflat = np.full(sentinel + 1, _NEG_INF)
    alpha = aflat[:sentinel].reshape(n + 1, W)
    for i in range(n + 1):
        best = _reduce(aflat[prev[i]] + stacked[i], soft)
        if i == 0:
            best[0] = 0.0
        C = prefix[i]
        row = C + _accumulate(best - C, soft)
        row[width[i]:] = _NEG_INF
        alpha[i] = row
    # backward: beta[i, j] = R_k>=j g[k] + sum(skip[j+1..k])
    bflat = np.full(sentinel + 1, _NEG_INF)
    beta = bflat[:sentinel].reshape(n + 1, W)
    for i in range(n, -1, -1):
        g = _reduce(bflat[nxt[i]] + outgoing[i], soft)
        w = int(width[i])
        if i == n:
            g[w - 1] = 0.0
        D = prefix[i, :w]
        beta[i, :w] = _accumulate((g[:w] + D)[::-1], soft)[::-1] - D
    return alpha, beta


def bead_posteriors(lat: Lattice, path: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """Posterior probability of each bead of ``path`` (``(i0, i1, j0, j1)`` as the search
    returns them) in a soft lattice."""
    if not lat.soft:
        raise ValueError("posteriors need a soft lattice")
    return np.exp(np.minimum(_path_log_weights(lat, path) - lat.log_z, 0.0))


def _path_log_weights(lat: Lattice, path: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """:meth:`Lattice.bead_log_weight` (:meth:`Lattice.skip_log_weight` for 0-1 beads) at
    the beads of ``path`` only: the same sums, gathered for the path's cells."""
    band = lat.band
    P = np.asarray(path, np.int64).reshape(-1, 4)
    i0, i1, j0, j1 = P.T
    lo, span, W = band.lo, band.hi - band.lo, band.width
    c = j1 - lo[i1]
    out = np.full(len(P), _NEG_INF)
    inside = (c >= 0) & (c < W)
    nul = i1 == i0
    # 0-1 beads: alpha one column to the left in the same row
    k = np.flatnonzero(inside & nul)
    before = np.full(len(k), _NEG_INF)
    left = c[k] >= 1
    before[left] = lat.alpha[i1[k][left], c[k][left] - 1]
    out[k] = before + lat.skip[i1[k], c[k]] + lat.beta[i1[k], c[k]]
    # other beads: alpha at the bead's start node
    k = np.flatnonzero(inside & ~nul)
    if len(k):
        index = {ab: t for t, ab in enumerate(lat.types)}
        t = np.array([index[ab] for ab in zip((i1[k] - i0[k]).tolist(),
                                              (j1[k] - j0[k]).tolist())], np.int64)
        pc = j0[k] - lo[i0[k]]
        ok = (pc >= 0) & (pc <= span[i0[k]]) & (c[k] <= span[i1[k]])
        before = np.full(len(k), _NEG_INF)
        before[ok] = lat.alpha[i0[k][ok], pc[ok]]
        if lat.stacked is not None:
            sc = lat.stacked[i1[k], t, c[k]]
        else:
            sc = np.array([lat.scores[tt][ii, cc] for tt, ii, cc in
                           zip(t.tolist(), i1[k].tolist(), c[k].tolist())], np.float64)
        out[k] = before + sc + lat.beta[i1[k], c[k]]
    return out


def _all_log_weights(lat: Lattice) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`Lattice.bead_log_weight` of every type, (T, n + 1, W), and
    :meth:`Lattice.skip_log_weight`."""
    return (np.stack([lat.bead_log_weight(t) for t in range(len(lat.types))]),
            lat.skip_log_weight())


def rival_margins(lat: Lattice, path: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """For each bead of ``path``: the best total of a path through it minus the best total of
    a path that avoids it (score units; +inf when no path avoids it). Positive for the beads
    of the best path; it falls when the bead's own score falls and never depends on it
    otherwise. Needs a max lattice (soft=False).

    ``path`` must be a path of the lattice (its beads are masked as rivals of one another:
    no two beads of one path cover the same sentence). The rivals of a bead are the other beads covering its first source sentence (its first
    target sentence for a 0-1 bead), see the module docstring.
    """
    if lat.soft:
        raise ValueError("margins need a max lattice (soft=False)")
    band = lat.band
    n, W = band.n, band.width
    lo = band.lo
    if lat.stacked is not None and _long(band, lat.types):
        return _compiled_margins(lat, path)
    mm, mm_skip = _all_log_weights(lat)
    own = _path_log_weights(lat, path)
    # the path's own beads are not rivals of anything they share a sentence with
    index = {ab: t for t, ab in enumerate(lat.types)}
    for i0, i1, j0, j1 in path:
        a, b = i1 - i0, j1 - j0
        c = j1 - int(lo[i1])
        if a == 0:
            mm_skip[i1, c] = _NEG_INF
        else:
            mm[index[(a, b)], i1, c] = _NEG_INF
    # best rival covering source sentence p: beads of type (a, b) ending at rows p+1 .. p+a
    row_best = mm.max(axis=2)                                       # (T, n + 1)
    src_best = np.full(n, _NEG_INF)
    for t, (a, _) in enumerate(lat.types):
        for d in range(1, a + 1):  # bead ends at row p + d
            if d <= n:
                src_best[: n + 1 - d] = np.maximum(src_best[: n + 1 - d], row_best[t, d:])
    # targets: the rivals of a 0-1 bead covering target sentence q (column q + 1 in the
    # lattice) are beads whose column range covers q: other 0-1 beads ending at q + 1 in
    # other rows, and beads of any type with b >= 1 ending at j1 in q+1 .. q+b
    P = np.asarray(path, np.int64).reshape(-1, 4)
    rival = np.empty(len(P))
    src = P[:, 1] > P[:, 0]
    rival[src] = src_best[P[src, 0]]
    for k in np.flatnonzero(~src):
        rival[k] = _best_covering_target(mm, mm_skip, lat.types, band, int(P[k, 2]))
    return own - rival


def _compiled_margins(lat: Lattice, path: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """:func:`rival_margins` by :func:`paralign.alignment.lattice_kernels.path_rivals`: the
    same maxima of the same sums, without the full tables of bead weights."""
    band = lat.band
    P = np.asarray(path, np.int64).reshape(-1, 4)
    tix = _type_index(lat.types, P)
    own, rival = np.empty(len(P)), np.empty(len(P))
    compiled("path_rivals")(
        _index(band.lo), _index(band.hi - band.lo), np.array([a for a, _ in lat.types], np.int64),
        np.array([b for _, b in lat.types], np.int64), lat.stacked, lat.skip, lat.alpha,
        lat.beta, P, tix, own, rival)
    return own - rival


def _type_index(types: Sequence[tuple[int, int]], P: np.ndarray) -> np.ndarray:
    """Index in ``types`` of each bead of the path ``P`` (k, 4); -1 for 0-1 beads."""
    index = {ab: t for t, ab in enumerate(types)}
    a, b = (P[:, 1] - P[:, 0]).tolist(), (P[:, 3] - P[:, 2]).tolist()
    try:
        return np.array([index[ab] if ab[0] else -1 for ab in zip(a, b)], np.int64)
    except KeyError as exc:
        raise ValueError(f"bead type {exc.args[0]} is not in the lattice's types") from None


def _best_covering_target(mm: np.ndarray, mm_skip: np.ndarray, types: list[tuple[int, int]],
                          band: Band, q: int) -> float:
    """Best max-marginal among beads that cover target sentence q."""
    lo, W = band.lo, band.width
    best = _NEG_INF
    cols = lambda j: j - lo  # noqa: E731 - column of target node j in every row
    c = cols(q + 1)
    ok = (c >= 0) & (c < W)
    if ok.any():
        best = max(best, float(mm_skip[np.flatnonzero(ok), c[ok]].max()))
    for t, (_, b) in enumerate(types):
        for d in range(1, b + 1):
            c = cols(q + d)
            ok = (c >= 0) & (c < W)
            if ok.any():
                best = max(best, float(mm[t][np.flatnonzero(ok), c[ok]].max()))
    return best
