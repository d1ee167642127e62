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

__all__ = ["compiled", "dp_rows", "lex_counts", "numba_enabled", "warm"]

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
        for c in range(W):
            top = NEG
            targ = -1
            first = True
            for t in range(T):
                p = i - A[t]
                v = NEG
                ok = False
                if p >= 0 and c < width_i:
                    cp = lo[i] + c - B[t] - lo[p]
                    if cp >= 0 and cp <= span[p]:
                        ok = True
                        v = D[p, cp] + np.float64(stacked[i, t, c])
                if not ok:
                    v = NEG + np.float64(stacked[i, t, c])
                if first or v > top:  # the first maximum, as argmax
                    top = v
                    targ = t
                    first = False
            if top > NEG / 2:
                best[c] = top
                barg[c] = targ
            else:
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


def warm() -> bool:
    """Import numba and load the compiled kernels for the argument types the search uses
    (float32 scores; the dictionary evidence's int64 lists), so that the first long document does not pay it; False without numba."""
    kernel = compiled("dp_rows")
    if kernel is None:
        return False
    z = np.zeros((1, 1), np.float64)
    kernel(z, np.zeros((1, 1), np.int16), np.zeros((1, 1), np.int32),
           np.zeros((1, 1, 1), np.float32), np.ones(1, np.int64), np.zeros(1, np.int64),
           np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros((1, 1), np.float32),
           np.zeros(1, np.float32))
    i0, i1 = np.zeros(0, np.int64), np.zeros(1, np.int64)
    compiled("lex_counts")(i0, i1, i0, np.zeros(2, np.int64), i0, np.zeros(2, np.int64), i0,
                           np.zeros((1, 1), np.uint8), np.zeros((1, 1, 1)), np.zeros((1, 1, 1)))
    return True


def lex_counts(tok_sent: np.ndarray, tok_ptr: np.ndarray, tok_ids: np.ndarray,
               post_ptr: np.ndarray, post_sent: np.ndarray, en_ptr: np.ndarray,
               en_ids: np.ndarray, U: np.ndarray, per: np.ndarray, expl: np.ndarray) -> None:
    """The two word counts of :class:`paralign.alignment.lexical.LexicalEvidence`, from
    sparse lists instead of dense token x sentence matrices.

    Chinese tokens ``t`` (of sentence ``tok_sent[t]``) offer the vocabulary words
    ``tok_ids[tok_ptr[t]:tok_ptr[t + 1]]``; vocabulary word ``k`` occurs in the English
    sentences ``post_sent[post_ptr[k]:post_ptr[k + 1]]`` (ascending); English sentence ``j``
    has the vocabulary words ``en_ids[en_ptr[j]:en_ptr[j + 1]]``; ``U`` (n, V) uint8 marks the
    words each Chinese sentence explains. Filled (both zeroed by the caller, float64):

    * ``per[b - 1, i, w]``: tokens of Chinese sentence ``i`` with a word in English
      sentences ``w .. w + b - 1`` (windows ``w <= m - b``);
    * ``expl[a - 1, p, j]``: words of English sentence ``j`` explained by Chinese sentences
      ``p .. p + a - 1`` (windows ``p <= n - a``).

    Both are counts (exact in any order of summation), so they equal the numpy code's.
    """
    ke, n, m = per.shape
    kz = expl.shape[0]
    V = U.shape[1]
    row = np.zeros(m, np.uint8)
    pre = np.zeros(m + 1, np.int64)
    for t in range(len(tok_sent)):
        lo_t, hi_t = tok_ptr[t], tok_ptr[t + 1]
        if hi_t == lo_t:
            continue
        for j in range(m):
            row[j] = 0
        for q in range(lo_t, hi_t):
            k = tok_ids[q]
            for r in range(post_ptr[k], post_ptr[k + 1]):
                row[post_sent[r]] = 1
        for j in range(m):
            pre[j + 1] = pre[j] + row[j]
        i = tok_sent[t]
        for b in range(1, ke + 1):
            for w in range(m - b + 1):
                if pre[w + b] - pre[w] > 0:
                    per[b - 1, i, w] += 1.0
    ua = np.zeros(V, np.uint8)
    for p in range(n):
        for k in range(V):
            ua[k] = 0
        for a in range(1, kz + 1):
            if p + a > n:
                break
            for k in range(V):
                if U[p + a - 1, k]:
                    ua[k] = 1
            for j in range(m):
                c = 0
                for q in range(en_ptr[j], en_ptr[j + 1]):
                    c += ua[en_ids[q]]
                expl[a - 1, p, j] = c
