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

__all__ = ["compiled", "dp_rows", "numba_enabled", "warm"]

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
    (float32 scores), so that the first long document does not pay it; False without numba."""
    kernel = compiled("dp_rows")
    if kernel is None:
        return False
    z = np.zeros((1, 1), np.float64)
    kernel(z, np.zeros((1, 1), np.int16), np.zeros((1, 1), np.int32),
           np.zeros((1, 1, 1), np.float32), np.ones(1, np.int64), np.zeros(1, np.int64),
           np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros((1, 1), np.float32),
           np.zeros(1, np.float32))
    return True
