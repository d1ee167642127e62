"""Compiled inner loops of the search (numba), with their plain-Python twins.

Why: the band search is a loop over lattice rows; in numpy each row costs a few dozen array
operations on arrays of a few dozen cells, so on long documents (the Bible: 30,000 rows a pass,
three passes a chunk) the interpreter's per-operation overhead is most of the search time.
The loops here do the same arithmetic cell by cell, in the same order and the same floating
point types as the numpy code they replace, so they give bit-identical tables and beads
(tested, against the numpy code and against the plain-Python run of the same function,
``kernel.py_func``).

numba is imported on first use only (importing it costs about a third of a second, more than
the whole search of a short document): :func:`compiled` returns ``None`` when numba is missing
or ``PARALIGN_NO_NUMBA`` is set, and callers then run their numpy code. Compiled machine code
is cached on disk by numba (``cache=True``), so only the first process compiles.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["compiled", "dp_rows", "ibm1_em", "ibm1_pairs", "lex_counts", "lex_fscore_band",
           "lex_fscores", "numba_enabled", "warm"]

log = logging.getLogger("paralign.alignment")

NEG = -1e30


def numba_enabled() -> bool:
    """Whether compiled kernels may be used (numba installed, ``PARALIGN_NO_NUMBA`` unset)."""
    if os.environ.get("PARALIGN_NO_NUMBA", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    return _numba() is not None


@functools.cache
def _numba() -> Any:
    try:
        import numba
    except ImportError:  # pragma: no cover - numba is a core dependency
        log.info("numba is not installed: the search runs in numpy")
        return None
    return numba


@functools.cache
def _jit(fn: Callable) -> Callable:
    return _numba().njit(cache=True, nogil=True)(fn)


def compiled(name: str) -> Callable | None:
    """The compiled kernel ``name`` of this module, or ``None`` (see :func:`numba_enabled`)."""
    if not numba_enabled():
        return None
    return _jit(globals()[name])


def dp_rows(D: np.ndarray, arg: np.ndarray, kk: np.ndarray, stacked: np.ndarray,
            A: np.ndarray, B: np.ndarray, lo: np.ndarray, span: np.ndarray,
            skip: np.ndarray, C: np.ndarray) -> None:
    """Fill the best-prefix table ``D`` row by row (see :func:`paralign.alignment.dp.search`).

    ``D`` (n + 1, W) float64, ``arg`` (n + 1, W) int16 (bead type that reached a cell before
    0-1 moves, -1 for none), ``kk`` (n + 1, W) int32 (column the 0-1 chain started from),
    ``stacked`` (n + 1, T, W) scores of the bead types ``(A[t], B[t])`` ending at each cell,
    ``skip`` (n + 1, W) scores of 0-1 beads, ``C`` a (W,) scratch row of ``skip``'s dtype (the
    0-1 prefix sums are accumulated in that type, as ``np.cumsum`` does).
    """
    n1, W = D.shape
    T = len(A)
    best = np.empty(W, np.float64)
    barg = np.empty(W, np.int64)
    for i in range(n1):
        width_i = span[i] + 1
        # type by type over the row (the same sums and comparisons as cell by cell, each
        # cell seeing the types in order: the first maximum, as argmax), so that the inner
        # loops run over contiguous columns without a test per cell: the bead of type t
        # ending at column c starts at column c + off of row p, inside the band for c in
        # c0 .. c1 - 1; outside it, it counts as NEG + its score.
        # A type with no score above NEG / 2 in the row is left out: each of its sums is a
        # table value (NEG, or a path's total, far above NEG / 2) plus a score at most NEG / 2,
        # so at most NEG / 2 (0-1 scores are finite or NEG: no NaN in the table): it can only
        # win a cell that no bead reaches, which becomes NEG (-1) below whichever type won
        # it. Why: the exact search's merges are pruned, most merge types have no bead in
        # most rows.
        first = True
        for t in range(T):
            dead = True
            for c in range(W):
                if not stacked[i, t, c] <= NEG / 2:   # (a NaN counts as a score)
                    dead = False
                    break
            if dead:
                continue
            p = i - A[t]
            off = 0
            c0 = 0
            c1 = 0
            if p >= 0:
                off = lo[i] - B[t] - lo[p]
                c0 = min(max(0, -off), W)
                c1 = max(min(width_i, span[p] - off + 1), c0)
            for c in range(c0):
                v = NEG + np.float64(stacked[i, t, c])
                if first or v > best[c]:
                    best[c] = v
                    barg[c] = t
            for c in range(c0, c1):
                v = D[p, c + off] + np.float64(stacked[i, t, c])
                if first or v > best[c]:
                    best[c] = v
                    barg[c] = t
            for c in range(c1, W):
                v = NEG + np.float64(stacked[i, t, c])
                if first or v > best[c]:
                    best[c] = v
                    barg[c] = t
            first = False
        for c in range(W):
            if first or not best[c] > NEG / 2:      # (first: no type left in the row)
                best[c] = NEG
                barg[c] = -1
        if i == 0:
            best[0] = 0.0
            barg[0] = -1
        # 0-1 beads within the row: D[j] = max_k best[k] + sum(skip[k+1..j])
        for c in range(W):
            C[c] = skip[i, c] if c < width_i else NEG
        C[0] = 0.0
        for c in range(1, W):
            C[c] = C[c - 1] + C[c]
        run = NEG
        rec = 0
        for c in range(W):
            val = best[c] - np.float64(C[c])
            if c == 0 or val > run:
                run = val
            if val >= run:
                rec = c
            if c < width_i:
                D[i, c] = np.float64(C[c]) + run
            else:
                D[i, c] = NEG
            arg[i, c] = barg[c]
            kk[i, c] = rec



def dp_backtrace(arg: np.ndarray, kk: np.ndarray, A: np.ndarray, B: np.ndarray,
                 lo: np.ndarray, c: int, out: np.ndarray) -> int:
    """The backtrace of :func:`paralign.alignment.dp.search` from node ``(n, lo[n] + c)``
    over the tables :func:`dp_rows` filled: the beads ``(i0, i1, j0, j1)`` from the last to
    the first into ``out`` (k, 4), room for every bead (n + m at most); returns how many,
    or -1 for a broken backtrace. Why compiled: a long document's path has one bead per
    sentence or so, and the Python loop cost more than the search's own rows."""
    i = len(lo) - 1
    k = 0
    while i > 0 or lo[i] + c > 0:
        stop = kk[i, c]
        while c > stop:  # 0-1 beads
            j = lo[i] + c
            out[k, 0] = i
            out[k, 1] = i
            out[k, 2] = j - 1
            out[k, 3] = j
            k += 1
            c -= 1
        t = arg[i, c]
        if t < 0:
            if i == 0 and lo[i] + c == 0:
                break
            return -1
        j = lo[i] + c
        out[k, 0] = i - A[t]
        out[k, 1] = i
        out[k, 2] = j - B[t]
        out[k, 3] = j
        k += 1
        i = i - A[t]
        c = j - B[t] - lo[i]
    return k

def warm() -> bool:
    """Import numba and load the compiled kernels for the argument types the search uses
    (float32 scores; the dictionary evidence's int64 lists and float64 counts), so that the
    first long document does not pay it; False without numba. (The lexicon's kernels compile
    on the first lexicon learned: a realign pass follows a long first alignment anyway.)"""
    kernel = compiled("dp_rows")
    if kernel is None:
        return False
    z = np.zeros((1, 1), np.float64)
    kernel(z, np.zeros((1, 1), np.int16), np.zeros((1, 1), np.int32),
           np.zeros((1, 1, 1), np.float32), np.ones(1, np.int64), np.zeros(1, np.int64),
           np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros((1, 1), np.float32),
           np.zeros(1, np.float32))
    compiled("dp_backtrace")(np.full((1, 1), -1, np.int16), np.zeros((1, 1), np.int32),
                             np.ones(1, np.int64), np.zeros(1, np.int64),
                             np.zeros(1, np.int64), 0, np.zeros((1, 4), np.int64))
    i0, i1 = np.zeros(0, np.int64), np.zeros(1, np.int64)
    compiled("lex_counts")(i0, i0, i0, i1, i0, i1, i0, 1, i0, i0, np.zeros((0, 1, 1)),
                           np.zeros((0, 1, 1)))
    compiled("lex_fscores")(np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), i1, i1, np.zeros(1),
                            np.zeros(1), 1, 1, i0, i0, np.zeros(0))
    compiled("lex_fscore_band")(np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), i1, i1, np.zeros(1),
                                np.zeros(1), np.zeros((1, 1), np.int64), i0, i0, True,
                                np.zeros((0, 0, 0)))
    return True


def lex_fscores(per: np.ndarray, expl: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                tc: np.ndarray, ec: np.ndarray, a: int, b: int, P: np.ndarray, Q: np.ndarray,
                out: np.ndarray) -> bool:
    """Dictionary F-scores of the beads pairing Chinese windows ``(P[c], a)`` with English
    windows ``(Q[c], b)``, from the banded counts of :func:`lex_counts` (``tc``, ``ec``:
    prefix sums of the Chinese tokens and English words of each sentence).

    The counts of a window are sums of its sentences' counts (exact: they are integers), and
    the F-score takes the float64 operations of
    :class:`paralign.alignment.lexical.LexicalEvidence`'s whole-matrix formula in the same
    order, so each score is bit-identical to that matrix's cell. Returns False, leaving
    ``out`` incomplete, when a cell needs counts outside the rows' ranges ``lo``, ``hi``.
    """
    for c in range(len(P)):
        p = P[c]
        q = Q[c]
        hits = 0.0
        for z in range(p, p + a):
            if q < lo[z] or q >= hi[z]:
                return False
            hits += per[z, q - lo[z], b - 1]
        if q < lo[p] or q + b > hi[p]:
            return False
        known = 0.0
        for j in range(q - lo[p], q - lo[p] + b):
            known += expl[p, j, a - 1]
        rec = hits / max(tc[p + a] - tc[p], 1.0)
        prec = min(known / (ec[q + b] - ec[q]), 1.0)
        out[c] = 2 * rec * prec / max(rec + prec, 1e-9)
    return True


def lex_fscore_band(per: np.ndarray, expl: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                    tc: np.ndarray, ec: np.ndarray, key: np.ndarray, blo: np.ndarray,
                    bhi: np.ndarray, zh_rows: bool, out: np.ndarray) -> bool:
    """:func:`lex_fscores` of the beads ending at every cell of a band, for every pair of
    window sizes at once, in the band's own layout: ``out[k, r, c]`` scores the bead of the
    sizes keyed ``k`` ending at band row ``r``, lattice column ``blo[r] + c`` (what the band
    scorer reads cell by cell; NaN where that bead does not exist or ``c`` is past the row's
    end ``bhi[r]``). Why this layout: a long block's whole (windows x windows) matrices cost
    ten times the band's cells, most of it filling them with NaN.

    ``key[a - 1, b - 1]``: the slice ``k`` of ``out`` of Chinese window size a, English size
    b (``-1``: not wanted, left NaN); wanted sizes are closed downwards (with (a, b), every
    smaller pair), as the bead types are. Rows count Chinese sentences when ``zh_rows``,
    English ones otherwise. A bead ending at Chinese count ``i`` and English count ``j``
    takes the windows ending there. Along a row one side's count is fixed, so that its
    window sum slides along the row: taken as the difference of two prefix sums over the
    row (exact: the counts are integers), and the other side's sums are grown one sentence
    at a time; then each pair of sizes is scored along the row's cells in turn, with the
    float64 operations of :func:`lex_fscores`. Returns False (``out`` incomplete) when a
    bead needs counts outside the rows' ranges ``lo``, ``hi``.
    """
    kz, ke = key.shape
    n = len(tc) - 1
    m = len(ec) - 1
    K, R, W = out.shape
    nan = np.nan
    L = W + kz + ke + 2
    slide = np.empty((kz + ke + 1, L))      # prefix sums of the sliding side, per size
    sbad = np.empty((kz + ke + 1, L), np.int64)   # prefix counts of its sentences out of range
    grow = np.empty((kz + 1, ke + 1, L))    # the other side's sums, grown size by size
    for r in range(R):
        for k in range(K):
            for c in range(W):
                out[k, r, c] = nan
        c0 = blo[r]
        c1 = bhi[r]
        if c1 < c0:
            continue
        if not zh_rows:
            # English count j fixed; Chinese count i = col. Recall: per[z] for the English
            # window (j - b, b), summed over Chinese sentences z = i - a .. i - 1 (slides).
            j = r
            z0 = c0 - kz if c0 - kz > 0 else 0
            nzs = c1 - z0                      # sentences z0 .. c1 - 1
            for b in range(1, ke + 1):
                q = j - b
                slide[b, 0] = 0.0
                sbad[b, 0] = 0
                for t in range(nzs):
                    z = z0 + t
                    if q >= 0 and q >= lo[z] and q < hi[z]:
                        slide[b, t + 1] = slide[b, t] + per[z, q - lo[z], b - 1]
                        sbad[b, t + 1] = sbad[b, t]
                    else:
                        slide[b, t + 1] = slide[b, t]
                        sbad[b, t + 1] = sbad[b, t] + 1
            # precision: expl[p] of English sentences j - b .. j - 1, grown along b, every
            # a at once (expl's last axis: each a's sums are the same additions in turn)
            for t in range(nzs):
                p = z0 + t
                for a in range(1, kz + 1):
                    grow[a, 0, t] = 0.0
                for b in range(1, ke + 1):
                    x = j - b
                    if x >= lo[p] and x < hi[p]:
                        row = expl[p, x - lo[p]]
                        for a in range(1, kz + 1):
                            grow[a, b, t] = grow[a, b - 1, t] + row[a - 1]
                    else:
                        for a in range(1, kz + 1):
                            grow[a, b, t] = grow[a, b - 1, t]
            for a in range(1, kz + 1):
                i0 = c0 if c0 > a else a                 # p = i - a >= 0
                i1 = c1 if c1 < n else n                 # p <= n - a
                if i1 < i0:
                    continue
                # the precision's counts of English sentences j - b .. j - 1 of every p
                top_lo = 0
                low_hi = m
                for p in range(i0 - a, i1 - a + 1):
                    top_lo = lo[p] if lo[p] > top_lo else top_lo
                    low_hi = hi[p] if hi[p] < low_hi else low_hi
                for b in range(1, ke + 1):
                    k = key[a - 1, b - 1]
                    q = j - b
                    if k < 0 or q < 0 or q > m - b:
                        continue
                    # counted: the recall's for every z of the windows, the precision's
                    if (sbad[b, i1 - z0] - sbad[b, i0 - a - z0] > 0 or q < top_lo
                            or j > low_hi):
                        return False
                    ne = ec[q + b] - ec[q]
                    # over views from index 0: no negative-index fix-ups, so vectorized
                    ni = i1 - i0 + 1
                    t0 = i0 - a - z0
                    s_hi = slide[b, t0 + a:t0 + a + ni]
                    s_lo = slide[b, t0:t0 + ni]
                    c_hi = tc[i0:i0 + ni]
                    c_lo = tc[i0 - a:i0 - a + ni]
                    g = grow[a, b, t0:t0 + ni]
                    o = out[k, r, i0 - c0:i0 - c0 + ni]
                    for u in range(ni):
                        rc = (s_hi[u] - s_lo[u]) / max(c_hi[u] - c_lo[u], 1.0)
                        pr = min(g[u] / ne, 1.0)
                        o[u] = 2 * rc * pr / max(rc + pr, 1e-9)
        else:
            # Chinese count i fixed; English count j = col. Precision: expl[p] of English
            # sentences x = j - b .. j - 1 (slides), p = i - a.
            i = r
            x0 = c0 - ke if c0 - ke > 0 else 0
            nxs = c1 - x0                      # sentences x0 .. c1 - 1
            for a in range(1, kz + 1):
                p = i - a
                slide[a, 0] = 0.0
                sbad[a, 0] = 0
                for t in range(nxs):
                    x = x0 + t
                    if p >= 0 and x >= lo[p] and x < hi[p]:
                        slide[a, t + 1] = slide[a, t] + expl[p, x - lo[p], a - 1]
                        sbad[a, t + 1] = sbad[a, t]
                    else:
                        slide[a, t + 1] = slide[a, t]
                        sbad[a, t + 1] = sbad[a, t] + 1
            # recall: per[z] of the English window (q, b), grown along a (z = i - a)
            for b in range(1, ke + 1):
                for t in range(nxs):
                    q = x0 + t
                    acc = 0.0
                    for a in range(1, kz + 1):
                        z = i - a
                        if z >= 0 and q >= lo[z] and q < hi[z]:
                            acc += per[z, q - lo[z], b - 1]
                        grow[a, b, t] = acc
            top_lo = 0
            low_hi = m
            for a in range(1, kz + 1):
                p = i - a
                if p < 0 or p > n - a:
                    continue
                top_lo = lo[p] if lo[p] > top_lo else top_lo     # over z = p .. i - 1
                low_hi = hi[p] if hi[p] < low_hi else low_hi
                tz = max(tc[p + a] - tc[p], 1.0)
                for b in range(1, ke + 1):
                    k = key[a - 1, b - 1]
                    if k < 0:
                        continue
                    j0 = c0 if c0 > b else b               # q = j - b >= 0
                    j1 = c1 if c1 < m else m               # q <= m - b
                    if j1 < j0:
                        continue
                    # counted: the recall's of q = j0 - b .. j1 - b for every z, the
                    # precision's of English sentences j0 - b .. j1 - 1 for p
                    if (j0 - b < top_lo or j1 - b >= low_hi
                            or sbad[a, j1 - x0] - sbad[a, j0 - b - x0] > 0):
                        return False
                    for j in range(j0, j1 + 1):
                        q = j - b
                        t = q - x0
                        rc = grow[a, b, t] / tz
                        pr = min((slide[a, t + b] - slide[a, t]) / (ec[q + b] - ec[q]), 1.0)
                        out[k, r, j - c0] = 2 * rc * pr / max(rc + pr, 1e-9)
    return True


def ibm1_pairs(src_ptr: np.ndarray, src_ids: np.ndarray, tgt_ptr: np.ndarray,
               tgt_ids: np.ndarray, ns: int, nt: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The word pairs of IBM model 1 (:func:`paralign.alignment.lexicon._ibm1`) without
    sorting every token pair: bead ``d`` has source words ``src_ids[src_ptr[d]:src_ptr[d + 1]]``
    and target words ``tgt_ids[tgt_ptr[d]:tgt_ptr[d + 1]]``; source ``ns`` is NULL.

    An *occurrence* is one (target token, source token or NULL) of a bead, numbered bead by
    bead, target token by target token, source by source, NULL last (the numpy code's
    order): bead ``d``'s start at the sum of the earlier beads' ``lt * (ls + 1)``, so the
    number of each is arithmetic. Returns the distinct pairs sorted by (source, target)
    (``us``, ``ut``), in how many beads each occurs, and the pair of each occurrence
    (``inv``): the pairs of ``np.unique`` of the pair keys, in linear time. All int32 (the
    caller checks that the occurrences fit; there are fewer pairs, words and beads).

    Why this way: the occurrences are the one big list (the Bible's 7 million a direction);
    ``inv`` is the only array of that length made. Each source word's occurrences are
    enumerated in occurrence order from the positions of that word (a counting sort of the
    source tokens, a tenth of the occurrences' length), three times: to count the pairs,
    to list the word's distinct targets (ascending), and to number its occurrences.
    """
    nb = len(src_ptr) - 1
    obase = np.zeros(nb + 1, np.int64)      # first occurrence of each bead
    wcnt = np.zeros(ns + 1, np.int64)       # source positions of each word, counted
    for d in range(nb):
        lt = tgt_ptr[d + 1] - tgt_ptr[d]
        obase[d + 1] = obase[d] + lt * (src_ptr[d + 1] - src_ptr[d] + 1)
        for x in range(src_ptr[d], src_ptr[d + 1]):
            wcnt[src_ids[x] + 1] += 1
    for s in range(ns):
        wcnt[s + 1] += wcnt[s]
    wpos = np.empty(wcnt[ns], np.int64)     # ... listed by word, ascending (bead by bead)
    wbead = np.empty(wcnt[ns], np.int64)
    fill = wcnt[:ns].copy()
    for d in range(nb):
        for x in range(src_ptr[d], src_ptr[d + 1]):
            f = fill[src_ids[x]]
            wpos[f] = x
            wbead[f] = d
            fill[src_ids[x]] = f + 1
    N = obase[nb]
    stamp = np.full(nt + 1, -1, np.int64)
    local = np.empty(nt + 1, np.int64)
    buf = np.empty(nt + 1, np.int64)
    last = np.empty(nt + 1, np.int64)
    U = 0
    us = np.empty(0, np.int32)
    ut = np.empty(0, np.int32)
    beads = np.empty(0, np.int32)
    inv = np.empty(N, np.int32)
    base = 0
    # step 0 counts the pairs (phase 0); step 1 lists each word's targets (phase 1), then
    # numbers its occurrences (phase 2)
    for step in range(2):
        if step == 1:
            us = np.empty(U, np.int32)
            ut = np.empty(U, np.int32)
            beads = np.zeros(U, np.int32)
        for s in range(ns + 1):
            nd = 0
            for phase in range(step, 2 * step + 1):
                if phase == 2:
                    srt = np.sort(buf[:nd])
                    for q in range(nd):
                        local[srt[q]] = q
                        us[base + q] = s
                        ut[base + q] = srt[q]
                        last[q] = -1
                # the word's occurrences, in occurrence order: bead by bead (the word's
                # positions in one bead are a run of its list), target token by target
                # token, position by position
                r0, r1 = (wcnt[s], wcnt[s + 1]) if s < ns else (0, nb)
                r = r0
                while r < r1:
                    if s < ns:
                        d = wbead[r]
                        g = r + 1
                        while g < r1 and wbead[g] == d:
                            g += 1
                    else:                   # NULL: once in every bead, after its words
                        d = r
                        g = r + 1
                    ls = src_ptr[d + 1] - src_ptr[d] + 1
                    for y in range(tgt_ptr[d], tgt_ptr[d + 1]):
                        tw = tgt_ids[y]
                        o0 = obase[d] + (y - tgt_ptr[d]) * ls
                        for h in range(r, g):
                            if phase == 0:
                                if stamp[tw] != s:
                                    stamp[tw] = s
                                    U += 1
                            elif phase == 1:
                                if stamp[tw] != ns + 1 + s:
                                    stamp[tw] = ns + 1 + s
                                    buf[nd] = tw
                                    nd += 1
                            else:
                                q = local[tw]
                                xo = wpos[h] - src_ptr[d] if s < ns else ls - 1
                                inv[o0 + xo] = base + q
                                if last[q] != d:    # beads come in order: count changes
                                    last[q] = d
                                    beads[base + q] += 1
                    r = g
            base += nd
    return us, ut, beads, inv


def ibm1_em(src_ptr: np.ndarray, tgt_ptr: np.ndarray, inv: np.ndarray, us: np.ndarray,
            ppos: np.ndarray, pval: np.ndarray, ns: int, iterations: int) -> np.ndarray:
    """EM of IBM model 1 over the occurrences of :func:`ibm1_pairs`: t(target | source) of
    each pair, starting uniform, prior pseudo-counts added to each pair's expected count
    (``pval`` to pairs ``ppos``, ascending; 0.0 to the others, as the numpy code's dense
    array adds).

    Every sum runs over the same terms in the same order as the ``np.bincount`` calls of the
    numpy code, so the probabilities are bit-identical to it: a target token's normalizer
    over its sources, then at once each of those occurrences' posterior added to its pair's
    expected count (so each pair's count sums its occurrences in occurrence order, from
    0.0, as ``bincount`` does); a source's total over its pairs by ascending target (the
    pairs' own order). One pass over ``inv`` an iteration and no other array of the
    occurrences' length: the memory is two float arrays of the pairs' length.
    """
    U = len(us)
    nb = len(src_ptr) - 1
    t = np.ones(U)
    counts = np.empty(U)
    for _ in range(iterations):
        counts[:] = 0.0
        o = 0
        for d in range(nb):
            lt = tgt_ptr[d + 1] - tgt_ptr[d]
            if lt == 0:
                continue
            ls = src_ptr[d + 1] - src_ptr[d] + 1
            for _y in range(lt):
                z = 0.0
                for x in range(ls):
                    z += t[inv[o + x]]
                if z < 1e-300:
                    z = 1e-300
                for x in range(ls):
                    u = inv[o + x]
                    counts[u] += t[u] / z
                o += ls
        u = 0
        p = 0
        while u < U:               # one source at a time: its total, then its pairs' t
            s = us[u]
            tot = 0.0
            v = u
            while v < U and us[v] == s:
                pv = 0.0
                if p < len(ppos) and ppos[p] == v:
                    pv = pval[p]
                    p += 1
                counts[v] = counts[v] + pv
                tot += counts[v]
                v += 1
            if tot < 1e-300:
                tot = 1e-300
            for w in range(u, v):
                t[w] = counts[w] / tot
            u = v
    return t


def lex_counts(tok_sent: np.ndarray, tok_type: np.ndarray, tok_mult: np.ndarray,
               type_ptr: np.ndarray, type_ids: np.ndarray, en_ptr: np.ndarray,
               en_ids: np.ndarray, V: int, lo: np.ndarray, hi: np.ndarray, per: np.ndarray,
               expl: np.ndarray) -> None:
    """The two word counts of :class:`paralign.alignment.lexical.LexicalEvidence`, for the
    English sentences near each Chinese sentence only (the band the search looks at), from
    sparse lists instead of dense token x sentence matrices.

    Chinese tokens ``t`` (ascending sentence ``tok_sent[t]``, ``tok_mult[t]`` equal tokens of
    that sentence) are of type ``tok_type[t]``, which offers the vocabulary words
    ``type_ids[type_ptr[g]:type_ptr[g + 1]]`` (ids below ``V``); English sentence ``j`` has the
    distinct vocabulary words ``en_ids[en_ptr[j]:en_ptr[j + 1]]``. Chinese sentence ``z``
    is counted against English positions ``lo[z] <= x < hi[z]`` (``x - lo[z]`` indexes the
    second axis). Filled (both zeroed by the caller, float64):

    * ``per[z, x - lo[z], b - 1]``: tokens of Chinese sentence ``z`` with a word in English
      sentences ``x .. x + b - 1`` (windows ``x <= m - b``);
    * ``expl[p, x - lo[p], a - 1]``: words of English sentence ``x`` explained by Chinese
      sentences ``p .. p + a - 1`` (windows ``p <= n - a``).

    A token's hits (English sentences holding one of its words, found by binary search in
    each word's postings) mark the windows holding one: window ``x`` of size ``b`` does
    when the first hit at or after ``x`` is closer than ``b``. The same of Chinese windows,
    word by word of each English sentence: the Chinese sentences offering the word (its
    Chinese postings, from the nearest window start holding ``x`` on) are the nearest
    explaining it for the window starts just before them. (Going up every Chinese sentence
    and looking at every word of its English range, as first written, costs ten times the
    words that any nearby window explains.) Counts are exact in any order of summation, so
    they equal the numpy code's (:func:`paralign.alignment.lexical._counts_numpy`).
    """
    n, _, ke = per.shape
    kz = expl.shape[2]
    m = len(en_ptr) - 1
    T = len(tok_sent)
    # postings: the English sentences of each vocabulary word, ascending
    eptr = np.zeros(V + 1, np.int64)
    for q in range(len(en_ids)):
        eptr[en_ids[q] + 1] += 1
    for k in range(V):
        eptr[k + 1] += eptr[k]
    fill = eptr[:V].copy()
    epost = np.empty(len(en_ids), np.int64)
    for j in range(m):
        for q in range(en_ptr[j], en_ptr[j + 1]):
            k = en_ids[q]
            epost[fill[k]] = j
            fill[k] += 1
    # tokens of each Chinese sentence
    tptr = np.zeros(n + 1, np.int64)
    for t in range(T):
        tptr[tok_sent[t] + 1] += 1
    for z in range(n):
        tptr[z + 1] += tptr[z]
    stamp = np.full(m, -1, np.int64)
    buf = np.empty(m, np.int64)
    for t in range(T):
        z = tok_sent[t]
        x0, x1 = lo[z], hi[z]
        if x1 <= x0:
            continue
        last = x1 + ke - 1 if x1 + ke - 1 < m else m      # hits beyond cannot be in a window
        nh = 0
        for q in range(type_ptr[tok_type[t]], type_ptr[tok_type[t] + 1]):
            k = type_ids[q]
            r0, r1 = eptr[k], eptr[k + 1]
            r = r0
            rr = r1
            while r < rr:                       # the first hit at or after x0
                mid = (r + rr) >> 1
                if epost[mid] < x0:
                    r = mid + 1
                else:
                    rr = mid
            while r < r1 and epost[r] < last:
                h = epost[r]
                if stamp[h] != t:
                    stamp[h] = t
                    buf[nh] = h
                    nh += 1
                r += 1
        if nh == 0:
            continue
        for y in range(1, nh):      # a few runs, each ascending: insertion sort, in place
            h = buf[y]
            x = y - 1
            while x >= 0 and buf[x] > h:
                buf[x + 1] = buf[x]
                x -= 1
            buf[x + 1] = h
        c = tok_mult[t]
        prev = x0 - 1
        for y in range(nh):
            h = buf[y]
            w0 = h - ke + 1
            if w0 <= prev:
                w0 = prev + 1
            w1 = h if h < x1 else x1 - 1
            for w in range(w0, w1 + 1):
                top = ke if ke < m - w else m - w
                for b in range(h - w, top):
                    per[z, w - x0, b] += c
            prev = h
    # Chinese windows, word by word of each English sentence x: the Chinese sentences s
    # offering the word (its postings, near the windows holding x) make the windows (p, a)
    # that explain it, p = s - a + 1 .. s for the first such s at or after p
    cptr = np.zeros(V + 1, np.int64)
    for t in range(T):
        g = tok_type[t]
        for q in range(type_ptr[g], type_ptr[g + 1]):
            cptr[type_ids[q] + 1] += 1
    for k in range(V):
        cptr[k + 1] += cptr[k]
    cend = cptr[:V].copy()
    cpost = np.empty(max(cptr[V], 1), np.int64)
    last = np.full(V, -1, np.int64)
    for t in range(T):                          # ascending sentences: each once a word
        z = tok_sent[t]
        g = tok_type[t]
        for q in range(type_ptr[g], type_ptr[g + 1]):
            k = type_ids[q]
            if last[k] != z:
                last[k] = z
                cpost[cend[k]] = z
                cend[k] += 1
    pmin = np.full(m, n, np.int64)              # the Chinese windows' starts counting x
    pmax = np.full(m, -1, np.int64)
    for p in range(n):
        for x in range(lo[p], hi[p]):
            if p < pmin[x]:
                pmin[x] = p
            if p > pmax[x]:
                pmax[x] = p
    for x in range(m):
        p0 = pmin[x]
        p1 = pmax[x]
        if p1 < 0:
            continue
        for q in range(en_ptr[x], en_ptr[x + 1]):
            k = en_ids[q]
            r0 = cptr[k]
            r1 = cend[k]
            while r0 < r1:                      # the first s >= p0
                mid = (r0 + r1) >> 1
                if cpost[mid] < p0:
                    r0 = mid + 1
                else:
                    r1 = mid
            r1 = cend[k]
            prev = p0 - 1
            while r0 < r1 and cpost[r0] <= p1 + kz - 1:
                s = cpost[r0]
                pa = s - kz + 1 if s - kz + 1 > prev + 1 else prev + 1
                pb = s if s < p1 else p1
                for p in range(pa, pb + 1):
                    if x >= lo[p] and x < hi[p]:
                        top = kz if kz < n - p else n - p
                        for a in range(s - p, top):
                            expl[p, x - lo[p], a] += 1.0
                prev = s
                r0 += 1


# -- the pruning's backward pass (search.plausible_merges) -------------------------------------
def dp_suffix(E: np.ndarray, stacked: np.ndarray, A: np.ndarray, B: np.ndarray,
              lo: np.ndarray, span: np.ndarray, skip: np.ndarray, C: np.ndarray) -> None:
    """Fill ``E[i, c]``, the best score of a path from node ``(i, lo[i] + c)`` to the end,
    in the forward band layout; NEG outside the band.

    Why: :func:`paralign.alignment.search.plausible_merges` took these from :func:`dp_rows`
    run on the mirrored problem (both sides read backwards), whose scores
    :func:`paralign.alignment.search.mirror_scores` gathered type by type into the reversed
    band: a copy of every score array, stacked again for the search. This is that search
    done in place on the forward arrays: mirrored row ``n - i`` is row ``i`` read from its last
    column, the mirrored bead of type ``(a, b)`` ending at mirrored column ``c'`` is the forward
    one ending at row ``i + a``, column ``hi[i] - c' + b``. Every cell sees the same sums, the
    same comparisons in the same order (types in order, NEG plus the mirror's NEG where the
    bead lies outside the band), the scores rounded to float32 and the 0-1 prefix sums
    accumulated in float32 as the mirrored arrays had them: the mirrored table's values bit
    for bit. ``stacked`` (n + 1, T, W) and ``skip`` (n + 1, W) as :func:`dp_rows` takes them
    (the forward ones), ``C`` a (W,) float32 scratch row.
    """
    n1, W = E.shape
    n = n1 - 1
    T = len(A)
    best = np.empty(W, np.float64)                # indexed by the forward column
    vneg = NEG + np.float64(np.float32(NEG))      # a bead outside the band, as mirrored
    for i in range(n, -1, -1):
        w = span[i] + 1
        # type by type, the cells in forward order (each cell still sees the types in order):
        # the bead of type t starting at column c ends at column c + off of row r, inside
        # the band for c in c0 .. c1 - 1
        for t in range(T):
            r = i + A[t]
            c0 = w
            c1 = w
            off = 0
            if r <= n:
                off = lo[i] + B[t] - lo[r]
                c0 = min(max(0, -off), w)
                c1 = max(min(w, span[r] - off + 1), c0)
            if t == 0:
                for c in range(c0):
                    best[c] = vneg
                for c in range(c0, c1):
                    best[c] = E[r, c + off] + np.float64(np.float32(stacked[r, t, c + off]))
                for c in range(c1, w):
                    best[c] = vneg
            else:
                for c in range(c0):
                    bv = best[c]
                    best[c] = vneg if vneg > bv else bv
                for c in range(c0, c1):
                    v = E[r, c + off] + np.float64(np.float32(stacked[r, t, c + off]))
                    bv = best[c]
                    best[c] = v if v > bv else bv
                for c in range(c1, w):
                    bv = best[c]
                    best[c] = vneg if vneg > bv else bv
        for c in range(w):
            if T == 0 or not best[c] > NEG / 2:
                best[c] = NEG
        if i == n:
            best[w - 1] = 0.0                     # the end node
        # 0-1 beads, from the row's last column back: the mirrored prefix sums (k: the
        # mirrored column, s - k the forward one)
        s = span[i]
        C[0] = 0.0
        for k in range(1, w):
            C[k] = C[k - 1] + np.float32(skip[i, s - k + 1])
        run = NEG
        for k in range(w):
            val = best[s - k] - np.float64(C[k])
            if k == 0 or val > run:
                run = val
            E[i, s - k] = np.float64(C[k]) + run
        for c in range(w, W):
            E[i, c] = NEG
