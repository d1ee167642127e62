"""Compiled forward-backward of the confidence lattice (numba), bit-identical to numpy's.

Why: :func:`paralign.alignment.posterior.lattice_marginals` runs four passes of the search's
shape per chunk (a soft and a max lattice, forward and backward); in numpy each row costs a
dozen array operations on arrays of a few hundred cells, so on the Bible (30,000 rows a pass,
two alignment passes) the interpreter's overhead was most of the 8 s the confidences took.
The loops here do the same arithmetic cell by cell, in the same order.

Why numpy's own ``exp`` and ``log``: on CPUs with AVX-512 numpy evaluates ``exp`` and
``log`` of float64 arrays with its own SIMD code, which differs from the C library's (what
numba calls) in the last bit for a few per cent of inputs. Confidences are rounded to four
decimals and must not move, so the kernel calls numpy's inner loops themselves: their
function pointers are read from the ufunc objects (the documented ``PyUFuncObject`` layout
of ``numpy/ufuncobject.h``) and called through a small numba intrinsic. ``logaddexp`` is
scalar C code in numpy (the C library's exp and log1p), so the kernel's twin of it gives the
same bits. At first use the compiled passes are run on a test lattice and compared bit for
bit with the numpy passes, and the twin with ``np.logaddexp``; any difference (another numpy
whose layout changed, another C library) and the numpy passes are used instead, with an info
line in the log.

Like :mod:`paralign.alignment.kernels`: numba is imported on first use only, the kernels are
plain Python functions (their ``py_func`` runs them uncompiled, for the tests), and
``PARALIGN_NO_NUMBA`` turns them off.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import math
from typing import Any

import numpy as np

from .kernels import _jit, numba_enabled

__all__ = ["compiled", "matches", "warm", "ufunc_loops", "lattice_rows", "path_rivals"]

log = logging.getLogger("paralign.alignment")

_NEG_INF = -np.inf
# the 0-1 floor of paralign.alignment.posterior (a forbidden 0-1 bead inside a row)
_FLOOR = -1e4
_LOGE2 = math.log(2.0)
# numpy's exp is exactly 0 below this (its float64 code returns 0 under about -745.13)
_EXP_ZERO = -746.0


# -- numpy's inner loops -------------------------------------------------------------------
class _UFuncHead(ctypes.Structure):
    """The head of ``PyUFuncObject`` (numpy/ufuncobject.h), up to the loops' type codes."""

    _fields_ = [("ob_refcnt", ctypes.c_ssize_t), ("ob_type", ctypes.c_void_p),
                ("nin", ctypes.c_int), ("nout", ctypes.c_int), ("nargs", ctypes.c_int),
                ("identity", ctypes.c_int),
                ("functions", ctypes.POINTER(ctypes.c_void_p)),
                ("data", ctypes.POINTER(ctypes.c_void_p)),
                ("ntypes", ctypes.c_int), ("reserved1", ctypes.c_int),
                ("name", ctypes.c_char_p), ("types", ctypes.POINTER(ctypes.c_char))]


def _loop(ufunc: np.ufunc) -> tuple[int, int]:
    """Address and data pointer of the float64 inner loop numpy picks for ``ufunc`` (the
    first loop of its type list whose arguments are all float64, as numpy's type resolution
    does); ValueError when the object does not look like the documented struct."""
    head = _UFuncHead.from_address(id(ufunc))
    if (head.name != ufunc.__name__.encode() or head.nin != ufunc.nin or head.nout != ufunc.nout
            or head.nargs != ufunc.nargs or head.ntypes != ufunc.ntypes):
        raise ValueError(f"numpy.{ufunc.__name__}: unexpected ufunc layout")
    sig = "d" * ufunc.nin + "->" + "d" * ufunc.nout
    k = ufunc.types.index(sig)
    double = np.dtype(np.float64).num
    codes = [head.types[k * head.nargs + q][0] for q in range(head.nargs)]
    if codes != [double] * head.nargs or not head.functions[k]:
        raise ValueError(f"numpy.{ufunc.__name__}: unexpected loop table")
    return int(head.functions[k]), int(head.data[k] or 0)


@functools.cache
def ufunc_loops() -> np.ndarray:
    """``[exp, its data, log, its data]`` as int64 addresses."""
    out = []
    for uf in (np.exp, np.log):
        out.extend(_loop(uf))
    return np.array(out, np.int64)


_LOOP_TYPE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_void_p)


def call_loop(fn: int, data: int, args: int, dims: int, steps: int) -> None:
    """Call a numpy inner loop ``fn(char **args, npy_intp *dims, npy_intp *steps, data)``
    (addresses as integers). Uncompiled through ctypes; compiled through an intrinsic."""
    _LOOP_TYPE(int(fn))(int(args), int(dims), int(steps), int(data) or None)


@functools.cache
def _register() -> None:
    """Teach numba :func:`call_loop` (once, before the first kernel is compiled)."""
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic, overload, register_jitable

    @intrinsic
    def _call(typingctx, fn, args, dims, steps, data):
        if not all(isinstance(x, types.Integer) for x in (fn, args, dims, steps, data)):
            return None
        sig = types.void(fn, args, dims, steps, data)

        def codegen(context, builder, signature, llargs):
            i8p = ir.IntType(8).as_pointer()
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i8p, i8p, i8p])
            f = builder.inttoptr(llargs[0], fnty.as_pointer())
            builder.call(f, [builder.inttoptr(llargs[1], i8p), builder.inttoptr(llargs[2], i8p),
                             builder.inttoptr(llargs[3], i8p), builder.inttoptr(llargs[4], i8p)])
            return context.get_dummy_value()

        return sig, codegen

    @overload(call_loop)
    def _call_loop(fn, data, args, dims, steps):
        def impl(fn, data, args, dims, steps):
            _call(fn, args, dims, steps, data)
        return impl

    for helper in (_unary, _logaddexp, _reduce_terms):  # called by the kernels
        register_jitable(helper)


def _unary(fns: np.ndarray, k: int, buf: np.ndarray, n: int, ptrs: np.ndarray,
           dims: np.ndarray, steps: np.ndarray) -> None:
    """numpy's loop ``k`` (0 exp, 1 log) over ``buf[:n]``, in place."""
    ptrs[0] = buf.ctypes.data
    ptrs[1] = buf.ctypes.data
    dims[0] = n
    steps[0] = 8
    steps[1] = 8
    call_loop(fns[2 * k], fns[2 * k + 1], ptrs.ctypes.data, dims.ctypes.data, steps.ctypes.data)


def _logaddexp(x: float, y: float) -> float:
    """numpy's ``logaddexp`` (``npy_logaddexp``: the C library's exp and log1p, which numba
    calls too; checked by :func:`_self_check`). When one term is more than 40 below the
    other, whose magnitude is at least 1, the correction ``log1p(exp(-40)) < 2**-57`` is
    below half a unit in the last place of the result: it rounds to the larger term, which
    is returned without computing the correction (the same bits)."""
    if x == y:
        return x + _LOGE2
    tmp = x - y
    if tmp > 0:
        if tmp > 40.0 and abs(x) >= 1.0:
            return x
        return x + math.log1p(math.exp(-tmp))
    if tmp <= 0:
        if tmp < -40.0 and abs(y) >= 1.0:
            return y
        return y + math.log1p(math.exp(tmp))
    return tmp


# -- the kernels -----------------------------------------------------------------------------
def _reduce_terms(V: np.ndarray, K: np.ndarray, na: int, c0s: np.ndarray, c1s: np.ndarray,
                  w: int, soft: bool, top: np.ndarray, out: np.ndarray, live: np.ndarray,
                  pos: np.ndarray, E: np.ndarray, fns: np.ndarray, ptrs: np.ndarray,
                  dims: np.ndarray, steps: np.ndarray) -> None:
    """``posterior._reduce`` of one row over bead types, from its kept terms only.

    The row's terms come by active type ``a < na`` (in the order of the types) over columns
    ``c0s[a] .. c1s[a] - 1``: ``V[a, c]``, kept where ``K[a, c]`` (a term of no lattice
    that is not -inf is left out). ``top[c]`` (c < w) is the maximum of column c's kept
    terms, -inf for none, as the caller found it. ``out[c]`` becomes the log-sum-exp (soft)
    or the maximum of column c: ``safe + log(sum_t exp(x - safe))``, ``safe`` the maximum
    (0 when every term is -inf), the sum over types in order. A term left out of the sum is
    one whose exp numpy makes exactly 0 (-inf, or below ``_EXP_ZERO``, checked by
    :func:`_self_check`): adding 0 to a sum of non-negative terms changes no bit. numpy's
    exp is slow on such inputs (it raises the underflow flag vector by vector), which is
    one more reason not to send them. ``top`` is overwritten.
    """
    if not soft:
        for c in range(w):
            out[c] = top[c]
        return
    for c in range(w):
        if not top[c] > _NEG_INF:
            top[c] = 0.0
    W = E.shape[1]
    k = 0
    for a in range(na):
        for c in range(c0s[a], c1s[a]):
            E[a, c] = 0.0
            if K[a, c]:
                v = V[a, c] - top[c]
                live[k] = v
                pos[k] = a * W + c
                k += v >= _EXP_ZERO
    if k:
        _unary(fns, 0, live, k, ptrs, dims, steps)
    for q in range(k):
        E[pos[q] // W, pos[q] % W] = live[q]
    for c in range(w):
        out[c] = 0.0
    for a in range(na):
        for c in range(c0s[a], c1s[a]):
            if K[a, c]:
                out[c] = out[c] + E[a, c]
    # log of the sums, the same way: log(0) is -inf
    k = 0
    for c in range(w):
        v = out[c]
        live[k] = v
        pos[k] = c
        k += v > 0.0
        out[c] = _NEG_INF
    if k:
        _unary(fns, 1, live, k, ptrs, dims, steps)
    for q in range(k):
        out[pos[q]] = live[q]
    for c in range(w):
        out[c] = top[c] + out[c]


def lattice_rows(lo: np.ndarray, span: np.ndarray, A: np.ndarray, B: np.ndarray,
                 raw: np.ndarray, thr: Any, raw_skip: np.ndarray, thr_skip: Any,
                 temperatures: np.ndarray, softs: np.ndarray, fns: np.ndarray,
                 stacked: np.ndarray, sk: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> None:
    """``posterior.lattice_marginals`` from the bead scores on, for several lattices of the
    same band and scores at once (the soft and the max lattice of the confidences share
    every index computation): the forward and backward tables of ``posterior._passes``,
    row by row.

    ``raw`` (T, n + 1, W) the bead scores of the types ``(A[t], B[t])`` in band layout,
    ``raw_skip`` (n + 1, W) the 0-1 beads'; a score counts when above ``thr`` (``NEG / 2`` in
    the scores' own type, as numpy compares). Lattice ``l`` divides the scores by
    ``temperatures[l]`` and reduces by log-sum-exp where ``softs[l]``, else by maximum.
    Filled, all float64: ``stacked`` (L, n + 1, T, W) and ``sk`` (L, n + 1, W), the scores
    over the temperature, -inf for beads that do not exist or lie outside their row;
    ``alpha`` and ``beta`` (L, n + 1, W), -inf outside each row. ``fns`` is
    :func:`ufunc_loops`.
    """
    NT, n1, W = raw.shape
    NL = len(temperatures)
    n = n1 - 1
    # finite beads of each type ending in each row: most rows have none of most merge types
    # (pruned before the exact search), and the passes skip those types there
    nf = np.zeros((n1, NT), np.int64)
    for q in range(NL):
        T = temperatures[q]
        divide = T != 1.0  # x / 1.0 is x, bit for bit
        for i in range(n1):
            w = span[i] + 1
            for t in range(NT):
                count = 0
                for c in range(w):
                    v = raw[t, i, c]
                    if v > thr:  # most beads of a band are pruned: divide the others only
                        stacked[q, i, t, c] = np.float64(v) / T if divide else np.float64(v)
                        count += 1
                    else:
                        stacked[q, i, t, c] = _NEG_INF
                for c in range(w, W):
                    stacked[q, i, t, c] = _NEG_INF
                if q == 0:
                    nf[i, t] = count
            for c in range(w):
                v = raw_skip[i, c]
                x = np.float64(v) / T if divide else np.float64(v)
                sk[q, i, c] = x if v > thr_skip else _NEG_INF
            for c in range(w, W):
                sk[q, i, c] = _NEG_INF
    prefix = np.empty((NL, n1, W))
    for q in range(NL):
        for i in range(n1):
            prefix[q, i, 0] = 0.0
            for c in range(1, W):
                v = 0.0
                if c <= span[i]:
                    v = sk[q, i, c]
                    if v < _FLOOR:
                        v = _FLOOR
                prefix[q, i, c] = prefix[q, i, c - 1] + v
    # a row's terms, type by type (``_reduce_terms``): the active types' column ranges, the
    # sums of each lattice, which of them are kept, the column maxima
    V = np.empty((NL, NT, W))
    K = np.empty((NT, W), np.uint8)
    E = np.empty((NT, W))
    ts = np.empty(NT, np.int64)
    c0s = np.empty(NT, np.int64)
    c1s = np.empty(NT, np.int64)
    offs = np.empty(NT, np.int64)
    rows = np.empty(NT, np.int64)
    tops = np.empty((NL, W))
    live = np.empty(NT * W)
    pos = np.empty(NT * W, np.int64)
    fbest = np.empty((NL, W))
    bbest = np.empty((NL, W))
    ptrs = np.empty(3, np.int64)
    dims = np.empty(1, np.int64)
    steps = np.empty(3, np.int64)
    # The forward and the backward pass are independent: row k of the one runs with row
    # n - k of the other, their running log-sum-exps along the rows side by side (each is a
    # chain of the C library's exp and log1p, one step waiting for the last: two chains
    # keep the CPU busy while each waits). Each table gets the same operations in the same
    # order as in a pass of its own.
    #
    # forward: alpha[i, j] = R_k<=j best[k] + sum(skip[k+1..j]), best[c] reduced over the
    # beads ending at (i, c): alpha at their start + their score. The bead of type t ending
    # at column c starts at column c + off of row p = i - A[t], inside the band for c in
    # c0 .. c1 - 1. Types are visited in order, so each column sees its terms in the order
    # of the types, as numpy sums them.
    # backward: beta[i, j] = R_k>=j g[k] + sum(skip[j+1..k]), g[c] reduced over the beads
    # starting at (i, c): their score + beta at their end. The bead of type t starting at
    # column c ends at column c + off of row r = i + A[t], inside the band for c in
    # c0 .. c1 - 1.
    for k in range(n1):
        i = k
        w = span[i] + 1
        na = 0
        for t in range(NT):
            p = i - A[t]
            if p < 0 or nf[i, t] == 0:
                continue
            off = lo[i] - B[t] - lo[p]
            c0 = max(0, -off)
            c1 = min(w, span[p] - off + 1)
            if c1 <= c0:
                continue
            ts[na] = t
            c0s[na] = c0
            c1s[na] = c1
            offs[na] = off
            rows[na] = p
            na += 1
        for q in range(NL):
            for c in range(w):
                tops[q, c] = _NEG_INF
        for a in range(na):
            t = ts[a]
            p = rows[a]
            off = offs[a]
            for c in range(c0s[a], c1s[a]):
                keep = False
                if stacked[0, i, t, c] > _NEG_INF:  # the same beads in every lattice
                    for q in range(NL):
                        v = alpha[q, p, c + off] + stacked[q, i, t, c]
                        V[q, a, c] = v
                        keep = keep or v > _NEG_INF
                    if keep:
                        for q in range(NL):
                            tops[q, c] = max(tops[q, c], V[q, a, c])
                K[a, c] = keep
        for q in range(NL):
            _reduce_terms(V[q], K, na, c0s, c1s, w, softs[q], tops[q], fbest[q], live, pos, E,
                          fns, ptrs, dims, steps)
        ib = n - k
        wb = span[ib] + 1
        na = 0
        for t in range(NT):
            r = ib + A[t]
            if r > n or nf[r, t] == 0:
                continue
            off = lo[ib] + B[t] - lo[r]
            c0 = max(0, -off)
            c1 = min(wb, span[r] - off + 1)
            if c1 <= c0:
                continue
            ts[na] = t
            c0s[na] = c0
            c1s[na] = c1
            offs[na] = off
            rows[na] = r
            na += 1
        for q in range(NL):
            for c in range(wb):
                tops[q, c] = _NEG_INF
        for a in range(na):
            t = ts[a]
            r = rows[a]
            off = offs[a]
            for c in range(c0s[a], c1s[a]):
                c2 = c + off
                keep = False
                if stacked[0, r, t, c2] > _NEG_INF:
                    for q in range(NL):
                        v = beta[q, r, c2] + stacked[q, r, t, c2]
                        V[q, a, c] = v
                        keep = keep or v > _NEG_INF
                    if keep:
                        for q in range(NL):
                            tops[q, c] = max(tops[q, c], V[q, a, c])
                K[a, c] = keep
        for q in range(NL):
            _reduce_terms(V[q], K, na, c0s, c1s, wb, softs[q], tops[q], bbest[q], live, pos, E,
                          fns, ptrs, dims, steps)
        # the two rows' running reductions
        for q in range(NL):
            soft = softs[q]
            fb = fbest[q]
            bb = bbest[q]
            if i == 0:
                fb[0] = 0.0
            if ib == n:
                bb[wb - 1] = 0.0
            facc = fb[0] - prefix[q, i, 0]
            alpha[q, i, 0] = prefix[q, i, 0] + facc
            bacc = bb[wb - 1] + prefix[q, ib, wb - 1]
            beta[q, ib, wb - 1] = bacc - prefix[q, ib, wb - 1]
            if soft:
                for step in range(1, max(w, wb)):
                    if step < w:
                        v = fb[step] - prefix[q, i, step]
                        facc = _logaddexp(facc, v)
                        alpha[q, i, step] = prefix[q, i, step] + facc
                    if step < wb:
                        c = wb - 1 - step
                        v = bb[c] + prefix[q, ib, c]
                        bacc = _logaddexp(bacc, v)
                        beta[q, ib, c] = bacc - prefix[q, ib, c]
            else:
                for c in range(1, w):
                    v = fb[c] - prefix[q, i, c]
                    if v > facc:
                        facc = v
                    alpha[q, i, c] = prefix[q, i, c] + facc
                for c in range(wb - 2, -1, -1):
                    v = bb[c] + prefix[q, ib, c]
                    if v > bacc:
                        bacc = v
                    beta[q, ib, c] = bacc - prefix[q, ib, c]
            for c in range(w, W):
                alpha[q, i, c] = _NEG_INF
            for c in range(wb, W):
                beta[q, ib, c] = _NEG_INF


def path_rivals(lo: np.ndarray, span: np.ndarray, A: np.ndarray, B: np.ndarray,
                stacked: np.ndarray, sk: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
                P: np.ndarray, tix: np.ndarray, own: np.ndarray, rival: np.ndarray) -> None:
    """The two terms of ``posterior.rival_margins`` for a max lattice (tables as
    :func:`lattice_rows` fills them, one lattice), without the full tables of bead weights.

    ``P`` (k, 4) the path's beads ``(i0, i1, j0, j1)``, ``tix`` their type index (-1 for
    0-1 beads). Filled: ``own[k]``, the bead's max-marginal (``alpha(start) + score +
    beta(end)``, as ``Lattice.bead_log_weight``); ``rival[k]``, the best max-marginal among
    the beads other than the path's covering the bead's first source sentence (first target
    sentence for a 0-1 bead). Maxima are exact in any order; each weight is the same sum as
    numpy's, and a bead whose score is -inf weighs -inf without being summed.
    """
    n1, NT, W = stacked.shape
    n = n1 - 1
    K = P.shape[0]
    mark = np.zeros((NT + 1, n1, W), np.uint8)  # the path's beads (NT: 0-1 beads)
    for k in range(K):
        i0, i1, j0, j1 = P[k, 0], P[k, 1], P[k, 2], P[k, 3]
        c = j1 - lo[i1]
        own[k] = _NEG_INF
        if c < 0 or c >= W:
            continue
        if tix[k] < 0:
            before = alpha[i1, c - 1] if c >= 1 else _NEG_INF
            own[k] = before + sk[i1, c] + beta[i1, c]
            mark[NT, i1, c] = 1
        else:
            t = tix[k]
            pc = j0 - lo[i0]
            before = _NEG_INF
            if pc >= 0 and pc <= span[i0] and c <= span[i1]:
                before = alpha[i0, pc]
            own[k] = before + stacked[i1, t, c] + beta[i1, c]
            mark[t, i1, c] = 1
    # best rival ending in each row, by type
    row_best = np.full((NT, n1), _NEG_INF)
    for i in range(n1):
        w = span[i] + 1
        for t in range(NT):
            p = i - A[t]
            if p < 0:
                continue
            m = _NEG_INF
            for c in range(w):
                s = stacked[i, t, c]
                if s > _NEG_INF and mark[t, i, c] == 0:
                    pc = lo[i] + c - B[t] - lo[p]
                    if pc >= 0 and pc <= span[p]:
                        m = max(m, alpha[p, pc] + s + beta[i, c])
            row_best[t, i] = m
    # best rival covering source sentence p: beads of type (a, b) ending at rows p+1 .. p+a
    src_best = np.full(max(n, 0), _NEG_INF)
    for t in range(NT):
        for d in range(1, A[t] + 1):
            for p in range(n + 1 - d):
                src_best[p] = max(src_best[p], row_best[t, p + d])
    bmax = 1
    for t in range(NT):
        bmax = max(bmax, B[t])
    rising = True  # lo never falls (bands around a path): rows past a node's reach end it
    for r in range(1, n1):
        if lo[r] < lo[r - 1]:
            rising = False
    for k in range(K):
        if P[k, 1] > P[k, 0]:
            rival[k] = src_best[P[k, 0]]
            continue
        # a 0-1 bead covering target sentence q: other 0-1 beads ending at node q + 1, and
        # beads of any type with b >= 1 ending at nodes q + 1 .. q + b, in any row
        q = P[k, 2]
        best = _NEG_INF
        for r in range(n1):
            if rising and lo[r] > q + bmax:
                break
            c = q + 1 - lo[r]
            if c >= 0 and c < W and mark[NT, r, c] == 0:
                before = alpha[r, c - 1] if c >= 1 else _NEG_INF
                best = max(best, before + sk[r, c] + beta[r, c])
            for t in range(NT):
                p = r - A[t]
                for d in range(1, B[t] + 1):
                    c = q + d - lo[r]
                    if c < 0 or c >= W or mark[t, r, c] != 0:
                        continue
                    before = _NEG_INF
                    if p >= 0 and c <= span[r]:
                        pc = lo[r] + c - B[t] - lo[p]
                        if pc >= 0 and pc <= span[p]:
                            before = alpha[p, pc]
                    best = max(best, before + stacked[r, t, c] + beta[r, c])
        rival[k] = best


# -- loading -----------------------------------------------------------------------------------
def compiled(name: str) -> Any:
    """The compiled kernel ``name`` of this module, or ``None``: numba missing or turned off
    (:func:`paralign.alignment.kernels.numba_enabled`), or numpy's loops not reachable or
    not matching numpy bit for bit (:func:`_self_check`)."""
    if not numba_enabled() or not _usable():
        return None
    return _kernel(name)


def warm() -> bool:
    """Load the compiled confidence kernels (and run the self-check) now, so that the first
    long document does not pay it; False when numpy runs the passes."""
    if compiled("lattice_rows") is None:
        return False
    z1, z2, z3 = np.zeros(1, np.int64), np.zeros((1, 1)), np.zeros((1, 1, 1))
    z4 = np.zeros((1, 1, 1, 1))
    compiled("lattice_rows")(z1, z1, np.ones(1, np.int64), z1, np.zeros((1, 1, 1), np.float32),
                             np.float32(0), np.zeros((1, 1), np.float32), np.float32(0),
                             np.ones(1), np.ones(1, np.bool_), ufunc_loops(), z4, z3.copy(),
                             z3.copy(), z3.copy())
    compiled("path_rivals")(z1, z1, z1, z1, z3, z2, z2, z2, np.zeros((0, 4), np.int64),
                            np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    return True


@functools.cache
def _kernel(name: str) -> Any:
    _register()
    return _jit(globals()[name])


@functools.cache
def _usable() -> bool:
    try:
        ufunc_loops()
        ok = _self_check()
    except Exception as exc:  # noqa: BLE001 - any failure means: run the numpy passes
        log.info("compiled confidence passes unavailable (%s): numpy runs them", exc)
        return False
    if not ok:
        log.info("compiled confidence passes differ from numpy's here: numpy runs them")
    return ok


def _self_check() -> bool:
    """numpy's exp and log where the kernels skip them, and the scalar logaddexp against
    numpy's on random pairs, bit for bit (the passes themselves: :func:`matches`)."""
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 30, 4000), rng.normal(0, 0.5, 4000), -np.inf, 0.0, 1.0, -1.0]
    y = x + rng.choice([0.0, 1e-9, 0.3, 5.0, 39.0, 41.0, 800.0], len(x)) * rng.choice([-1, 1], len(x))
    y[::7] = -np.inf
    with np.errstate(under="ignore", divide="ignore"):
        if (np.exp(np.array([_EXP_ZERO, -750.0, -1e4, -1e300, -np.inf])).any()
                or np.log(np.zeros(3)).max() != _NEG_INF):
            return False
    lae = _kernel("_logaddexp_many")
    got = np.empty(len(x))
    lae(x, y, got)
    with np.errstate(invalid="ignore"):
        if not np.array_equal(got, np.logaddexp(x, y), equal_nan=True):
            return False
    return True


def matches(passes: Any) -> bool:
    """Whether the compiled passes give the tables of ``passes`` (the numpy passes of
    :mod:`paralign.alignment.posterior`, which calls this once) on a small random lattice,
    bit for bit."""
    from .dp import NEG, full_band

    if compiled("lattice_rows") is None:
        return False
    rng = np.random.default_rng(0)
    n, m = 9, 11
    band = full_band(n, m)
    W = band.width
    span = band.hi - band.lo
    A = np.array([1, 1, 1, 2, 2], np.int64)
    B = np.array([0, 1, 2, 1, 2], np.int64)
    raw = rng.normal(0, 1, (len(A), n + 1, W)).astype(np.float32)
    raw[rng.random(raw.shape) < 0.2] = NEG
    raw_skip = np.full((n + 1, W), -0.3, np.float32)
    runs = np.array([0.2, 1.0]), np.array([True, False])
    stacked = np.empty((2, n + 1, len(A), W))
    sk, alpha, beta = np.empty((2, n + 1, W)), np.empty((2, n + 1, W)), np.empty((2, n + 1, W))
    _kernel("lattice_rows")(band.lo, span, A, B, raw, np.float32(NEG / 2), raw_skip,
                            np.float32(NEG / 2), *runs, ufunc_loops(), stacked, sk, alpha, beta)
    for q, soft in enumerate(runs[1]):
        with np.errstate(divide="ignore", invalid="ignore"):
            ref_a, ref_b = passes(band, A, B, stacked[q], sk[q], bool(soft))
        if not (np.array_equal(alpha[q], ref_a) and np.array_equal(beta[q], ref_b)):
            return False
    return True


def _logaddexp_many(x: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
    """:func:`_logaddexp` elementwise (for the self-check)."""
    for k in range(len(x)):
        out[k] = _logaddexp(x[k], y[k])
