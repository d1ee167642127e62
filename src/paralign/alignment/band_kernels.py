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

import functools
from collections.abc import Callable

import numpy as np

from .kernels import _jit, _numba, numba_enabled

__all__ = ["compiled", "band_type_scores", "row_prefix_sums"]

NEG = -1e30


def compiled(name: str) -> Callable | None:
    """The compiled kernel ``name`` of this module, or ``None`` (see
    :func:`paralign.alignment.kernels.numba_enabled`)."""
    if not numba_enabled():
        return None
    fn = globals()[name]
    return _jit_numpy_errors(fn) if name in _NUMPY_ERRORS else _jit(fn)


# Kernels compiled with numba's numpy error model: a float division by zero gives inf or
# nan instead of raising ZeroDivisionError. Why: under the Python model every division is
# preceded by a test of its divisor, which keeps LLVM from vectorizing the loops that
# divide (band_chain_scores' cosines and scale: two divisions a cell). Their divisors are
# never zero (window norms floored at 1e-9, scales at 1e-3, encoder weights positive), so
# the values are those of the Python model, bit for bit.
_NUMPY_ERRORS = frozenset({"band_chain_scores"})


@functools.cache
def _jit_numpy_errors(fn: Callable) -> Callable:
    return _numba().njit(cache=True, nogil=True, error_model="numpy")(fn)


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
                     lex_on: bool, lex: np.ndarray, lw: float,
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

    then plus ``lw`` times the dictionary F-score ``lex[i, c]`` (``lex_on``; in band layout,
    :meth:`paralign.alignment.lexical.LexicalEvidence.band_scores`), plus ``sw`` times the merge bonus
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
            if lex_on:
                v = v + lw * lex[i, c]
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

    On the source side a member's similarities to the columns lie along one strip row: there
    the row's sums are accumulated member by member over the run of columns (the same
    additions, from 0.0 in member order, per cell), contiguous and branch-free, so
    vectorized; on the target side they lie down a diagonal and are summed cell by cell.
    """
    R, Wn = M.shape
    Ws = strip.shape[1]
    ninf = -np.inf
    if source_side:
        acc = np.empty(Wn)
        for r in range(R):
            wr = min(max(w_hi[r] - w_lo[r], 0), Wn)
            for c in range(wr):
                acc[c] = 0.0
            for i in range(k):
                p = starts[r] + i
                off = w_lo[r] - strip_lo[p]          # strip column of column 0
                v0 = min(max(0, -off), wr)
                v1 = max(min(wr, Ws - off), v0)
                for c in range(v0):
                    acc[c] += ninf
                for c in range(v0, v1):
                    acc[c] += np.float64(strip[p, off + c])
                for c in range(v1, wr):
                    acc[c] += ninf
            nr = norms[r]
            for c in range(wr):
                v = acc[c] / nr
                M[r, c] = v if np.isfinite(v) else ninf
            for c in range(wr, Wn):
                M[r, c] = ninf
        return
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


def s11_strip(strips: np.ndarray, strip_lo: np.ndarray, strip_hi: np.ndarray,
              ns: np.ndarray, nt: np.ndarray, margin_on: bool, ms: np.ndarray, mt: np.ndarray,
              mwh: float, scales: np.ndarray, w: np.ndarray, wsum: float,
              out: np.ndarray) -> None:
    """The combined, scaled 1-1 similarities of every strip cell (``BandScorer._s11_strip``,
    banded layout): cell ``(p, k)`` pairs source ``p`` with target ``strip_lo[p] + k``,
    ``-inf`` from ``strip_hi[p]`` on; the arithmetic of :func:`band_type_scores` for a 1-1
    bead without its dictionary and length terms."""
    n, Wd = out.shape
    E = strips.shape[0]
    ninf = -np.inf
    for p in range(n):
        for k in range(Wd):
            q = strip_lo[p] + k
            if q >= strip_hi[p]:
                out[p, k] = ninf
                continue
            tot = 0.0
            for e in range(E):
                acc = 0.0
                acc += np.float64(strips[e, p, k])
                s = acc / (ns[e, p] * nt[e, q])
                if margin_on:
                    s = s - mwh * (ms[e, p] + mt[e, q])
                term = w[e] * s / scales[e]
                if e == 0:
                    tot = term
                else:
                    tot = tot + term
            out[p, k] = tot / wsum


def calibration_cells(strip: np.ndarray, strip_lo: np.ndarray, lo: np.ndarray,
                      span: np.ndarray, m: int, margin_on: bool, ms: np.ndarray,
                      mt: np.ndarray, mwh: float, c: np.ndarray, best: np.ndarray) -> int:
    """The margin-adjusted single similarities of the band's 1-1 cells, for
    :meth:`BandScorer.calibrate`: into ``c`` in row-major cell order (as numpy's boolean
    indexing lists them; ``-inf`` off the strip), and each source sentence's largest finite
    one into ``best`` (as ``np.maximum.at``, preset to ``-inf``); returns the cell count.

    The 1-1 bead ending at ``(i, lo[i] + col)`` pairs source ``i - 1`` with target
    ``lo[i] + col - 1``.
    """
    n1 = len(lo)
    n = n1 - 1
    Ws = strip.shape[1]
    ninf = -np.inf
    t = 0
    for i in range(1, n1):
        P = i - 1
        for col in range(span[i] + 1):
            Q = lo[i] + col - 1
            if Q < 0 or Q >= m or P >= n:
                continue
            cc = Q - strip_lo[P]
            v = np.float64(strip[P, cc]) if cc >= 0 and cc < Ws else ninf
            if margin_on:
                v = v - mwh * (ms[P] + mt[Q])
            c[t] = v
            t += 1
            if np.isfinite(v):
                b = best[P]
                best[P] = b if b > v else v
    return t


def strip_rows(D: np.ndarray, a_lo: np.ndarray, a_hi: np.ndarray, c0: int,
               out: np.ndarray) -> None:
    """Rows of a band's strip from a block's similarity matrix ``D`` (target columns from
    ``c0``): ``out[r, k] = D[r, a_lo[r] + k - c0]`` while ``a_lo[r] + k < a_hi[r]``, else
    ``-inf`` (as ``np.take_along_axis`` and ``np.where`` in ``BandSimilarities._strips``)."""
    R, Ws = out.shape
    ninf = np.float32(-np.inf)
    for r in range(R):
        for k in range(Ws):
            q = a_lo[r] + k
            out[r, k] = D[r, q - c0] if q < a_hi[r] else ninf


def mirror_gather(arr: np.ndarray, a: int, b: int, lo: np.ndarray, span: np.ndarray, m: int,
                  rlo: np.ndarray, rspan: np.ndarray, out: np.ndarray) -> None:
    """The scores of the mirrored problem read off the forward ones
    (:func:`paralign.alignment.search.mirror_scores`): the a-b bead ending at mirrored node
    ``(ri, rlo[ri] + c)`` is the forward one ending at ``(n - ri + a, m - rlo[ri] - c + b)``;
    ``NEG`` where that lies outside the forward band or ``c`` outside the mirrored one."""
    n1, rW = out.shape
    n = n1 - 1
    negf = np.float32(NEG)
    for ri in range(n1):
        for c in range(rW):
            out[ri, c] = negf
            if c > rspan[ri]:
                continue
            fi = n - ri + a
            fj = m - (rlo[ri] + c) + b
            if fi > n or fj > m:
                continue
            fc = fj - lo[fi]
            if fc < 0 or fc > span[fi]:
                continue
            out[ri, c] = arr[fi, fc]


def plausible_cells(a: int, b: int, lo: np.ndarray, span: np.ndarray, Df: np.ndarray,
                    after: np.ndarray, scores: np.ndarray, thresh: float,
                    out: np.ndarray) -> None:
    """Which a-b beads lie on a path within reach of the optimum
    (:func:`paralign.alignment.search.plausible_merges`): the best prefix to the bead's
    start (``Df``, ``NEG`` where that is outside the band) plus its score plus the best
    suffix from its end (``after``) at least ``thresh``, and the bead possible."""
    n1, W = out.shape
    negf2 = np.float32(NEG / 2)
    for i in range(n1):
        pi = i - a
        for c in range(W):
            ok = c <= span[i] and pi >= 0
            before = NEG
            if ok:
                pc = lo[i] + c - b - lo[pi]
                ok = pc >= 0 and pc <= span[pi]
                if ok:
                    before = Df[pi, pc]
            sc = scores[i, c]
            out[i, c] = ok and (before + np.float64(sc) + after[i, c] >= thresh) and sc > negf2


def band_chain_scores(b: int, amax: int, T: np.ndarray, lo: np.ndarray, span: np.ndarray,
                      m: int, strips: np.ndarray, strip_lo: np.ndarray,
                      ns: np.ndarray, nt: np.ndarray,
                      margin_on: bool, ms: np.ndarray, mt: np.ndarray, mwh: float,
                      scales: np.ndarray, w: np.ndarray, wsum: float,
                      lex_on: bool, lex: np.ndarray, lw: float,
                      bonus_on: np.ndarray, any_bonus: bool, s11: np.ndarray, sw: float,
                      len_on: bool, lls: np.ndarray, llt: np.ndarray, lenw: float,
                      out: np.ndarray) -> None:
    """The approximate-window scores of the a-b beads, ``a = 1 .. amax``, for one ``b``:
    :func:`band_type_scores` for each type (the same arithmetic per bead, so the same
    values), but a window pair's sums shared along ``a``.

    Why: the similarity of windows (P, a) and (Q, b) sums the members' single similarities
    source member by source member, from 0.0; the sum for (P, a + 1) is that for (P, a)
    followed by the members of row ``P + a``: the very additions, in the same order. So each
    start pair (P, Q) is visited once per ``b`` and its beads of every ``a`` come out of one
    chain, with half the strip reads. The merge bonus is a largest second-best (comparisons
    only, so the order of the rows does not change it) and is chained the same way.

    ``T[a]``: the slice of ``out`` (types, n + 1, W) of the a-b type (-1 for none: the chain
    still runs through it); ``ns[e, a]``, ``ms[e, a]``, ``lls[a]`` the per-size window
    arrays padded to a common length (and ``nt``, ``mt``, ``llt`` for size ``b``);
    ``lex[T[a]]`` the dictionary F-scores of the a-b beads in band layout (``lex_on``; as
    :func:`band_type_scores` reads them); ``bonus_on[a]`` (``any_bonus``: for some ``a``). Cells of a type that no chain reaches are
    left as they were (the caller fills ``out`` with ``NEG``).

    The loops run over one-dimensional views from index 0, and the cells' terms are added
    in one pass per term: with a signed index that may be negative numba fixes it up
    (Python's wrap-around) and LLVM then gathers instead of loading a run, or does not
    vectorize at all; the views make the same operations on the same values vectorizable
    (the Bible's chunks: 0.053 -> 0.033 s per ten chunk passes).
    """
    n1 = len(lo)
    n = n1 - 1
    E = strips.shape[0]
    Ws = strips.shape[2]
    Ws1 = s11.shape[1]
    negf = np.float32(NEG)
    ninf = -np.inf
    if m - b < 0:
        return
    L = m + 1
    acc = np.empty((E, L))
    m1 = np.empty((max(b, 1), L))
    m2 = np.empty((max(b, 1), L))
    r1 = np.empty(L)
    r2 = np.empty(L)
    rowbest = np.empty(L)
    v = np.empty(L)
    div_w = wsum != 1.0              # x / 1.0 is x, bit for bit
    for P in range(n):
        top = min(amax, n - P)
        if top < 1:
            continue
        qlo = lo[P + 1]
        qhi = lo[P + 1] + span[P + 1]
        for a in range(2, top + 1):
            if lo[P + a] < qlo:
                qlo = lo[P + a]
            if lo[P + a] + span[P + a] > qhi:
                qhi = lo[P + a] + span[P + a]
        qlo -= b
        qhi -= b
        if qlo < 0:
            qlo = 0
        if qhi > m - b:
            qhi = m - b
        nq = qhi - qlo + 1
        if nq <= 0:
            continue
        # loops run over 1-d views from index 0 (no negative-index fix-ups: vectorized)
        for e in range(E):
            ae = acc[e, :nq]
            for k in range(nq):
                ae[k] = 0.0
        if any_bonus:
            for jj in range(b):
                m1j = m1[jj, :nq]
                m2j = m2[jj, :nq]
                for k in range(nq):
                    m1j[k] = ninf
                    m2j[k] = ninf
            rb = rowbest[:nq]
            for k in range(nq):
                rb[k] = ninf
        for a in range(1, top + 1):
            r = P + a - 1
            for e in range(E):
                for jj in range(b):
                    off = qlo + jj - strip_lo[r]        # strip column of start qlo
                    v0 = min(max(0, -off), nq)
                    v1 = max(min(nq, Ws - off), v0)
                    ae = acc[e, :v0]
                    for k in range(v0):
                        ae[k] += ninf
                    if v1 > v0:
                        ae = acc[e, v0:v1]
                        srow = strips[e, r, off + v0:off + v1]
                        for k in range(v1 - v0):
                            ae[k] += np.float64(srow[k])
                    ae = acc[e, v1:nq]
                    for k in range(nq - v1):
                        ae[k] += ninf
            if any_bonus:
                r1v = r1[:nq]
                r2v = r2[:nq]
                for k in range(nq):
                    r1v[k] = ninf
                    r2v[k] = ninf
                for jj in range(b):
                    off = qlo + jj - strip_lo[r]
                    v0 = min(max(0, -off), nq)
                    v1 = max(min(nq, Ws1 - off), v0)
                    for seg in range(3):
                        s0 = 0 if seg == 0 else (v0 if seg == 1 else v1)
                        s1 = v0 if seg == 0 else (v1 if seg == 1 else nq)
                        if s1 <= s0:
                            continue
                        r1s = r1[s0:s1]
                        r2s = r2[s0:s1]
                        m1s = m1[jj, s0:s1]
                        m2s = m2[jj, s0:s1]
                        if seg == 1:
                            srow1 = s11[r, off + s0:off + s1]
                            for k in range(s1 - s0):
                                x = srow1[k]
                                lo2 = r1s[k] if r1s[k] < x else x      # np.minimum(m1, x)
                                r2s[k] = r2s[k] if r2s[k] > lo2 else lo2   # np.maximum(m2, .)
                                r1s[k] = r1s[k] if r1s[k] > x else x
                                lo2 = m1s[k] if m1s[k] < x else x
                                m2s[k] = m2s[k] if m2s[k] > lo2 else lo2
                                m1s[k] = m1s[k] if m1s[k] > x else x
                        else:
                            for k in range(s1 - s0):
                                x = ninf
                                lo2 = r1s[k] if r1s[k] < x else x
                                r2s[k] = r2s[k] if r2s[k] > lo2 else lo2
                                r1s[k] = r1s[k] if r1s[k] > x else x
                                lo2 = m1s[k] if m1s[k] < x else x
                                m2s[k] = m2s[k] if m2s[k] > lo2 else lo2
                                m1s[k] = m1s[k] if m1s[k] > x else x
                rb = rowbest[:nq]
                for k in range(nq):
                    rb[k] = rb[k] if rb[k] > r2v[k] else r2v[k]
            t = T[a]
            if t < 0:
                continue
            i = P + a
            q0 = max(lo[i] - b, qlo)                   # the starts whose bead ends in band
            q1 = min(lo[i] + span[i] - b, qhi)
            if q1 < q0:
                continue
            k0 = q0 - qlo
            k1 = q1 - qlo + 1
            nk = k1 - k0
            base = qlo + b - lo[i]
            vv = v[k0:k1]
            for e in range(E):
                nse = ns[e, a, P]
                mse = ms[e, a, P] if margin_on else 0.0
                we = w[e]
                sce = scales[e]
                ae = acc[e, k0:k1]
                nte = nt[e, b, q0:q0 + nk]
                if margin_on:
                    mte = mt[e, b, q0:q0 + nk]
                    for k in range(nk):
                        sv = ae[k] / (nse * nte[k])
                        sv = sv - mwh * (mse + mte[k])
                        term = we * sv / sce
                        vv[k] = term if e == 0 else vv[k] + term
                else:
                    for k in range(nk):
                        sv = ae[k] / (nse * nte[k])
                        term = we * sv / sce
                        vv[k] = term if e == 0 else vv[k] + term
            if div_w:
                for k in range(nk):
                    vv[k] = vv[k] / wsum
            if lex_on:
                lx = lex[t, i, base + k0:base + k1]
                for k in range(nk):
                    vv[k] = vv[k] + lw * lx[k]
            if bonus_on[a]:
                bb = rowbest[k0:k1]
                if b >= 2 and a >= 2:
                    for k in range(nk):
                        best = bb[k]
                        for jj in range(b):
                            mj = m2[jj, k0 + k]
                            best = best if best > mj else mj
                        bon = best if best > 0.0 and best < np.inf else 0.0   # np.where(isfinite)
                        vv[k] = vv[k] + sw * bon
                elif b >= 2:
                    for k in range(nk):
                        best = bb[k]
                        bon = best if best > 0.0 and best < np.inf else 0.0
                        vv[k] = vv[k] + sw * bon
                elif a >= 2:
                    for k in range(nk):
                        best = ninf
                        for jj in range(b):
                            mj = m2[jj, k0 + k]
                            best = best if best > mj else mj
                        bon = best if best > 0.0 and best < np.inf else 0.0
                        vv[k] = vv[k] + sw * bon
                else:
                    for k in range(nk):
                        best = ninf
                        bon = best if best > 0.0 and best < np.inf else 0.0
                        vv[k] = vv[k] + sw * bon
            if len_on:
                lp = lls[a, P]
                lt = llt[b, q0:q0 + nk]
                for k in range(nk):
                    d = lt[k] - lp
                    vv[k] = vv[k] - lenw * (d * d)
            o = out[t, i, base + k0:base + k1]
            for k in range(nk):
                x = vv[k]
                o[k] = x if np.isfinite(x) else negf


# -- the exact pass's listed cells ---------------------------------------------------------------
def band_cell_scores(a: int, b: int, rows: np.ndarray, cols: np.ndarray, P: np.ndarray,
                     Q: np.ndarray, strip_lo: np.ndarray, sims: np.ndarray,
                     margin_on: bool, ms: np.ndarray, mt: np.ndarray, mwh: float,
                     scales: np.ndarray, w: np.ndarray, wsum: float,
                     lex_on: bool, lex: np.ndarray, lw: float,
                     bonus_on: bool, s11: np.ndarray, sw: float,
                     len_on: bool, lls: np.ndarray, llt: np.ndarray, lenw: float,
                     S: np.ndarray) -> None:
    """:func:`band_type_scores` of the exact pass (``exact``, ``mask_on``) at the listed
    cells only: cell ``t`` is ``(rows[t], cols[t])`` of ``S``, pairing source window
    ``(P[t], a)`` with target window ``(Q[t], b)``, whose cosine under encoder ``e`` is
    ``sims[e, t]``; the same arithmetic, in the same order, as that kernel's for the cell.
    Cells not listed are left as they are (the caller fills ``S`` with ``NEG``).

    Why: the exact pass scores the merges the first search found plausible, a few per
    thousand of the band's cells (none at all for most large types); building the band's
    dense mask and cosine arrays for :func:`band_type_scores` cost ten times its loop
    (2,072 calls on the Bible, 0.6 s).
    """
    E = sims.shape[0]
    Ws1 = s11.shape[1]
    ninf = -np.inf
    for t in range(len(rows)):
        i = rows[t]
        c = cols[t]
        Pt = P[t]
        Qt = Q[t]
        tot = 0.0
        for e in range(E):
            s = sims[e, t]
            if margin_on:
                s = s - mwh * (ms[e, Pt] + mt[e, Qt])
            term = w[e] * s / scales[e]
            if e == 0:
                tot = term
            else:
                tot = tot + term
        v = tot / wsum
        if lex_on:
            v = v + lw * lex[i, c]
        if bonus_on:
            best = ninf
            if b >= 2:
                for ii in range(a):
                    r = Pt + ii
                    m1 = ninf
                    m2 = ninf
                    for jj in range(b):
                        cc = Qt + jj - strip_lo[r]
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
                        r = Pt + ii
                        cc = Qt + jj - strip_lo[r]
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
            d = llt[Qt] - lls[Pt]
            v = v - lenw * (d * d)
        if np.isfinite(v):
            S[i, c] = v


def partner_top2(s11: np.ndarray, lo: np.ndarray, m: int, best_s: np.ndarray,
                 second_s: np.ndarray, best_t: np.ndarray, second_t: np.ndarray) -> None:
    """Each source and target sentence's largest and second largest 1-1 score in a band
    (:func:`paralign.alignment.nulls.best_partner_scores`, without its dense n x m matrix):
    ``s11[i, c]`` pairs source ``i - 1`` with target ``lo[i] + c - 1``; scores at or below
    ``NEG / 2`` (compared in float32, as numpy compares a float32 array with a Python
    float) or not finite do not count. The outputs are preset to ``-inf``; a repeated value
    is its own second (as ``np.partition`` selects)."""
    n1, W = s11.shape
    negf2 = np.float32(NEG / 2)
    for i in range(1, n1):
        p = i - 1
        for c in range(W):
            j = lo[i] + c
            if j < 1 or j > m:
                continue
            v = s11[i, c]
            if not (v > negf2) or not np.isfinite(v):
                continue
            x = np.float64(v)
            if x > best_s[p]:
                second_s[p] = best_s[p]
                best_s[p] = x
            elif x > second_s[p]:
                second_s[p] = x
            q = j - 1
            if x > best_t[q]:
                second_t[q] = best_t[q]
                best_t[q] = x
            elif x > second_t[q]:
                second_t[q] = x


def row_norms(x: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
    """``np.linalg.norm(x - y, axis=1)``, or ``np.linalg.norm(x, axis=1)`` when ``y`` has no
    rows, in ``x``'s type, for the first ``len(out)`` rows: the square root of each row's sum of
    squares, summed as numpy's ``add.reduce`` sums a contiguous row (pairwise: halves split
    at multiples of 8 down to blocks of at most 128, each summed in 8 interleaved partial
    sums combined as ``((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))``, the rest added in
    turn; below 8 values, in turn from 0). The same tree gives the same sum; the tests check
    it against numpy for many lengths in float32 and float64.

    With ``y``, each row's difference is formed in the scratch row, as numpy's subtraction
    forms it (a window's vector sum from two rows of the prefix sums, without the whole
    array of differences: see ``SideVectors._window_sums``).
    """
    R = len(out)
    d = x.shape[1]
    diff = len(y) > 0
    sq = np.empty(d, x.dtype)
    zero = np.zeros(1, x.dtype)[0]
    st_lo = np.empty(96, np.int64)
    st_n = np.empty(96, np.int64)
    st_ph = np.empty(96, np.int64)
    vals = np.empty(96, x.dtype)
    for r in range(R):
        if diff:
            for k in range(d):
                v = x[r, k] - y[r, k]
                sq[k] = v * v
        else:
            for k in range(d):
                sq[k] = x[r, k] * x[r, k]
        top = 0
        nv = 0
        st_lo[0] = 0
        st_n[0] = d
        st_ph[0] = 0
        top = 1
        while top > 0:
            top -= 1
            lo = st_lo[top]
            n = st_n[top]
            ph = st_ph[top]
            if ph == 1:                      # both halves summed: combine them
                right = vals[nv - 1]
                left = vals[nv - 2]
                nv -= 2
                vals[nv] = left + right
                nv += 1
            elif n < 8:
                res = zero
                for i in range(n):
                    res += sq[lo + i]
                vals[nv] = res
                nv += 1
            elif n <= 128:
                r0 = sq[lo]
                r1 = sq[lo + 1]
                r2 = sq[lo + 2]
                r3 = sq[lo + 3]
                r4 = sq[lo + 4]
                r5 = sq[lo + 5]
                r6 = sq[lo + 6]
                r7 = sq[lo + 7]
                i = 8
                while i < n - (n % 8):
                    r0 += sq[lo + i]
                    r1 += sq[lo + i + 1]
                    r2 += sq[lo + i + 2]
                    r3 += sq[lo + i + 3]
                    r4 += sq[lo + i + 4]
                    r5 += sq[lo + i + 5]
                    r6 += sq[lo + i + 6]
                    r7 += sq[lo + i + 7]
                    i += 8
                res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
                while i < n:
                    res += sq[lo + i]
                    i += 1
                vals[nv] = res
                nv += 1
            else:
                n2 = n // 2
                n2 -= n2 % 8
                st_lo[top] = lo                  # combine after both halves
                st_n[top] = n
                st_ph[top] = 1
                st_lo[top + 1] = lo + n2
                st_n[top + 1] = n - n2
                st_ph[top + 1] = 0
                st_lo[top + 2] = lo
                st_n[top + 2] = n2
                st_ph[top + 2] = 0
                top += 3
        out[r] = np.sqrt(vals[0])



# -- exact-window margins (BandSimilarities._exact_margins) ------------------------------------

def einsum_dot_rows(single_t: np.ndarray, wv: np.ndarray, rows: np.ndarray, w_lo: np.ndarray,
                    w_hi: np.ndarray, M: np.ndarray) -> None:
    """``M[r, :w_hi[r] - w_lo[r]] = np.einsum("cd,d->c", single[w_lo[r]:w_hi[r]],
    wv[rows[r]], dtype=np.float64)`` for every row ``r``, ``single_t`` being ``single.T``
    (float32, contiguous); the rest of ``M`` is left as it is. Einsum's own summation order,
    so the same bits:

    numpy's ``double_sum_of_products_contig_contig_outstride0_two`` on the float64-cast
    buffers, in two-lane vectors: lane ``l`` (0, 1) starts at 0.0 and, for each run of 8
    elements from ``j``, adds ``p[j+6+l]``, then ``p[j+4+l]``, ``p[j+2+l]``, ``p[j+l]``
    (``p`` the float64 products, exact: two float32 values' product fits a float64); past
    the last whole run, ``p[j+l]`` pair by pair (0.0 beyond the end); the result is
    ``0.0 + (lane0 + lane1)``. That holds while a row fits einsum's buffer (``dim <=
    np.getbufsize()``); the caller checks that, and this order against einsum's once.

    Why: one einsum call per window (64k on the Bible) summed each cell in one dependent
    chain per lane, latency bound; here the cells of a window's neighbourhood run side by
    side (vectorized across the other side's sentences, hence its transposed vectors), each
    summed in the same order.
    """
    R = len(rows)
    d = single_t.shape[0]
    W = 0
    for r in range(R):
        if w_hi[r] - w_lo[r] > W:
            W = w_hi[r] - w_lo[r]
    if W <= 0:
        return
    acc0 = np.empty(W)
    acc1 = np.empty(W)
    b = np.empty(d)
    full = d - d % 8
    for r in range(R):
        w = w_hi[r] - w_lo[r]
        if w <= 0:
            continue
        c0 = w_lo[r]
        src = wv[rows[r]]
        for j in range(d):
            b[j] = np.float64(src[j])
        a0 = acc0[:w]
        a1 = acc1[:w]
        a0[:] = 0.0
        a1[:] = 0.0
        for j in range(0, full, 8):
            for i in (6, 4, 2, 0):
                x0 = b[j + i]
                t0 = single_t[j + i, c0:c0 + w]
                for c in range(w):
                    a0[c] = np.float64(t0[c]) * x0 + a0[c]
                x1 = b[j + i + 1]
                t1 = single_t[j + i + 1, c0:c0 + w]
                for c in range(w):
                    a1[c] = np.float64(t1[c]) * x1 + a1[c]
        for j in range(full, d, 2):
            x0 = b[j]
            t0 = single_t[j, c0:c0 + w]
            for c in range(w):
                a0[c] = np.float64(t0[c]) * x0 + a0[c]
            if j + 1 < d:
                x1 = b[j + 1]
                t1 = single_t[j + 1, c0:c0 + w]
                for c in range(w):
                    a1[c] = np.float64(t1[c]) * x1 + a1[c]
            else:
                for c in range(w):
                    a1[c] = 0.0 + a1[c]
        out = M[r]
        for c in range(w):
            out[c] = 0.0 + (a0[c] + a1[c])


def window_unit_rows(C: np.ndarray, k: int, norms: np.ndarray, out: np.ndarray) -> None:
    """``out[r] = (C[r + k] - C[r]) / norms[r]`` in float64, rounded to ``out``'s type (as
    numpy assigns the quotient), for ``r < len(out)``: the approximate vectors of windows of
    size ``k`` from the prefix sums ``C`` of a side's vectors (``SideVectors._window_vectors``),
    without numpy's two temporary arrays of a block's differences and quotients."""
    R, d = out.shape
    for r in range(R):
        nr = norms[r]
        for j in range(d):
            out[r, j] = (C[r + k, j] - C[r, j]) / nr
