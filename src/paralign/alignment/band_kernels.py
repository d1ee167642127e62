"""Compiled loops of the band scoring (numba), cell by cell, with the numpy code as fallback.

Why: scoring a band of a long document in numpy is dozens of fancy-index passes per bead
type (one per member pair of a window, per encoder, for the similarity and again for the
merge bonus), each over every cell of the band; on the Bible (two passes of 74 chunks, 20
bead types) that was a quarter of the search. The loops here visit each cell once and do the
arithmetic of :mod:`paralign.alignment.scoring` and :mod:`paralign.alignment.similarity` on
it, in the same order and the same floating point types, so the score arrays are the same bit
for bit (tested against the numpy code, and against the plain-Python run of each kernel,
``kernel.py_func``).

Only what is exactly reproducible cell by cell is compiled: sums taken in a fixed order, the
comparisons of maxima, casts. Reductions whose order numpy chooses (``np.linalg.norm``'s
pairwise sums, ``einsum``'s inner products, ``np.partition``) stay in numpy.

As in :mod:`paralign.alignment.kernels`, numba is imported on first use and
:func:`compiled` returns ``None`` when it is missing or ``PARALIGN_NO_NUMBA`` is set; callers
then run their numpy code.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .kernels import _jit, numba_enabled

__all__ = ["compiled", "band_type_scores", "row_prefix_sums"]

NEG = -1e30


def compiled(name: str) -> Callable | None:
    """The compiled kernel ``name`` of this module, or ``None`` (see
    :func:`paralign.alignment.kernels.numba_enabled`)."""
    if not numba_enabled():
        return None
    return _jit(globals()[name])


def row_prefix_sums(x: np.ndarray, carry: np.ndarray, out: np.ndarray) -> None:
    """``out[0] = carry``, ``out[r + 1] = out[r] + x[r]`` in float64: ``np.cumsum`` along
    the rows of ``x`` (which sums sequentially in the output's type) continued from
    ``carry``, without numpy's strided, buffered casting pass (0.4 s on the Bible's 42,687
    sentence vectors; this takes 20 ms)."""
    n, d = x.shape
    for k in range(d):
        out[0, k] = carry[k]
    for r in range(n):
        for k in range(d):
            out[r + 1, k] = out[r, k] + np.float64(x[r, k])


def band_type_scores(a: int, b: int, lo: np.ndarray, span: np.ndarray, m: int,
                     strips: np.ndarray, strip_lo: np.ndarray,
                     ns: np.ndarray, nt: np.ndarray,
                     margin_on: bool, ms: np.ndarray, mt: np.ndarray, mwh: float,
                     scales: np.ndarray, w: np.ndarray, wsum: float,
                     exact: bool, sims_ex: np.ndarray, mask_on: bool, mask: np.ndarray,
                     lex_mode: int, lex: np.ndarray, lw: float,
                     bonus_on: bool, s11: np.ndarray, sw: float,
                     len_on: bool, lls: np.ndarray, llt: np.ndarray, lenw: float,
                     S: np.ndarray) -> None:
    """Scores of the a-b beads (``b >= 1``) ending at every cell of a band, into ``S``.

    The bead ending at ``(i, lo[i] + c)`` pairs source window ``(P, a)``, ``P = i - a``,
    with target window ``(Q, b)``, ``Q = lo[i] + c - b``; cells outside the band
    (``c > span[i]``), whose windows do not exist, or not in ``mask`` (when ``mask_on``) get
    ``NEG``. Per encoder ``e`` (see :func:`paralign.alignment.scoring.bead_score`):

    * the cosine: ``sims_ex[e, i, c]`` when ``exact``, else the approximate window's (as
      :meth:`BandSimilarities.approx`): the members' single similarities from the strip
      ``strips[e]`` (row ``p`` holds target columns ``strip_lo[p] ..``; ``-inf`` off it),
      summed source member by source member, over ``ns[e, P] * nt[e, Q]``;
    * minus ``mwh`` times the windows' kNN means ``ms[e, P] + mt[e, Q]`` (``margin_on``);
    * times ``w[e]`` over ``scales[e]``, summed over encoders, over ``wsum``;

    then plus ``lw`` times the dictionary F-score (``lex_mode`` 1: ``lex[P, Q]``, 2:
    ``lex[Q, P]``, 3: a missing table, 0.0; 0: no term), plus ``sw`` times the merge bonus
    from the strip ``s11`` of combined 1-1 scores (``bonus_on``; as ``_merge_bonus``), minus
    ``lenw`` times the squared log length ratio ``llt[Q] - lls[P]`` (``len_on``). Non-finite
    scores become ``NEG``; the float64 score is rounded to ``S``'s float32 as numpy does.
    """
    n1, W = S.shape
    n = n1 - 1
    E = strips.shape[0]
    Ws = strips.shape[2]
    Ws1 = s11.shape[1]
    negf = np.float32(NEG)
    ninf = -np.inf
    for i in range(n1):
        P = i - a
        for c in range(W):
            S[i, c] = negf
            if c > span[i]:
                continue
            Q = lo[i] + c - b
            if P < 0 or Q < 0 or P > n - a or Q > m - b:
                continue
            if mask_on and not mask[i, c]:
                continue
            tot = 0.0
            for e in range(E):
                if exact:
                    s = sims_ex[e, i, c]
                else:
                    acc = 0.0
                    for ii in range(a):
                        r = P + ii
                        base = Q - strip_lo[r]
                        for jj in range(b):
                            cc = base + jj
                            if cc >= 0 and cc < Ws:
                                acc += np.float64(strips[e, r, cc])
                            else:
                                acc += ninf
                    s = acc / (ns[e, P] * nt[e, Q])
                if margin_on:
                    s = s - mwh * (ms[e, P] + mt[e, Q])
                term = w[e] * s / scales[e]
                if e == 0:
                    tot = term
                else:
                    tot = tot + term
            v = tot / wsum
            if lex_mode == 1:
                v = v + lw * lex[P, Q]
            elif lex_mode == 2:
                v = v + lw * lex[Q, P]
            elif lex_mode == 3:
                v = v + lw * 0.0
            if bonus_on:
                best = ninf
                if b >= 2:
                    for ii in range(a):
                        r = P + ii
                        m1 = ninf
                        m2 = ninf
                        for jj in range(b):
                            cc = Q + jj - strip_lo[r]
                            x = s11[r, cc] if cc >= 0 and cc < Ws1 else ninf
                            lo2 = m1 if m1 < x else x       # np.minimum(m1, x)
                            m2 = m2 if m2 > lo2 else lo2    # np.maximum(m2, .)
                            m1 = m1 if m1 > x else x
                        best = best if best > m2 else m2
                if a >= 2:
                    for jj in range(b):
                        m1 = ninf
                        m2 = ninf
                        for ii in range(a):
                            r = P + ii
                            cc = Q + jj - strip_lo[r]
                            x = s11[r, cc] if cc >= 0 and cc < Ws1 else ninf
                            lo2 = m1 if m1 < x else x
                            m2 = m2 if m2 > lo2 else lo2
                            m1 = m1 if m1 > x else x
                        best = best if best > m2 else m2
                if np.isfinite(best):
                    bon = best if best > 0.0 else 0.0
                else:
                    bon = 0.0
                v = v + sw * bon
            if len_on:
                d = llt[Q] - lls[P]
                v = v - lenw * (d * d)
            if np.isfinite(v):
                S[i, c] = v


def margin_rows(strip: np.ndarray, strip_lo: np.ndarray, source_side: bool, k: int,
                starts: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray, norms: np.ndarray,
                M: np.ndarray) -> None:
    """Similarities of approximate windows to their neighbourhood, the rows whose kNN mean
    :meth:`BandSimilarities._margins_side` takes (``np.partition`` stays in numpy).

    Row ``r`` is the window of size ``k`` starting at sentence ``starts[r]`` of one side
    (the source side when ``source_side``); column ``c`` the other side's sentence
    ``w_lo[r] + c``, ``-inf`` from ``w_hi[r]`` on. The value is the sum, member by member,
    of the members' single similarities (the strip, ``-inf`` off it) over the window's
    norm, ``-inf`` when not finite.
    """
    R, Wn = M.shape
    Ws = strip.shape[1]
    ninf = -np.inf
    for r in range(R):
        for c in range(Wn):
            col = w_lo[r] + c
            if col >= w_hi[r]:
                M[r, c] = ninf
                continue
            acc = 0.0
            for i in range(k):
                if source_side:
                    p = starts[r] + i
                    q = col
                else:
                    p = col
                    q = starts[r] + i
                cc = q - strip_lo[p]
                if cc >= 0 and cc < Ws:
                    acc += np.float64(strip[p, cc])
                else:
                    acc += ninf
            v = acc / norms[r]
            M[r, c] = v if np.isfinite(v) else ninf
