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

__all__ = ["compiled", "matches", "warm", "ufunc_loops", "lattice_rows", "bead_weights", "covering_rivals"]

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

    for helper in (_unary, _logaddexp, _reduce_cells):  # called by the kernels
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
def _reduce_cells(ev: np.ndarray, ecol: np.ndarray, ne: int, w: int, soft: bool,
                  out: np.ndarray, top: np.ndarray, live: np.ndarray, pos: np.ndarray,
                  fns: np.ndarray, ptrs: np.ndarray, dims: np.ndarray, steps: np.ndarray) -> None:
    """``posterior._reduce`` of one row over bead types, from its finite terms only.

    The row's terms ``x[t, c]`` that are not -inf come as ``ev[:ne]`` with their columns
    ``ecol``, ordered by column and within a column by type. ``out[c]`` (c < w) becomes the
    log-sum-exp (soft) or the maximum of column c: ``safe + log(sum_t exp(x - safe))``,
    ``safe`` the maximum (0 when every term is -inf), the sum over types in order. A term
    left out is one whose exp numpy makes exactly 0 (-inf, or below ``_EXP_ZERO``, checked by
    :func:`_self_check`): adding 0 to a sum of non-negative terms changes no bit. numpy's exp
    is slow on such inputs (it raises the underflow flag vector by vector), which is one more
    reason not to send them. ``ev`` is overwritten.
    """
    for c in range(w):
        top[c] = _NEG_INF
    for e in range(ne):
        c = ecol[e]
        top[c] = max(top[c], ev[e])
    if not soft:
        for c in range(w):
            out[c] = top[c]
        return
    for c in range(w):
        if not top[c] > _NEG_INF:
            top[c] = 0.0
    k = 0
    for e in range(ne):
        v = ev[e] - top[ecol[e]]
        live[k] = v
        pos[k] = e
        k += v >= _EXP_ZERO
        ev[e] = 0.0
    if k:
        _unary(fns, 0, live, k, ptrs, dims, steps)
    for q in range(k):
        ev[pos[q]] = live[q]
    for c in range(w):
        out[c] = 0.0
    for e in range(ne):
        c = ecol[e]
        out[c] = out[c] + ev[e]
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
                 temperature: float, soft: bool, fns: np.ndarray, stacked: np.ndarray,
                 sk: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> None:
    """``posterior.lattice_marginals`` from the bead scores on: the forward and backward
    tables of ``posterior._passes``, row by row.

    ``raw`` (T, n + 1, W) the bead scores of the types ``(A[t], B[t])`` in band layout,
    ``raw_skip`` (n + 1, W) the 0-1 beads'; a score counts when above ``thr`` (``NEG / 2`` in
    the scores' own type, as numpy compares). Filled, all float64: ``stacked`` (n + 1, T, W)
    and ``sk`` (n + 1, W), the scores over ``temperature``, -inf for beads that do not exist
    or lie outside their row; ``alpha`` and ``beta`` (n + 1, W), -inf outside each row.
    ``fns`` is :func:`ufunc_loops`.
    """
    NT, n1, W = raw.shape
    n = n1 - 1
    divide = temperature != 1.0  # x / 1.0 is x, bit for bit
    for i in range(n1):
        w = span[i] + 1
        for t in range(NT):
            for c in range(w):
                v = raw[t, i, c]
                x = np.float64(v) / temperature if divide else np.float64(v)
                stacked[i, t, c] = x if v > thr else _NEG_INF
            for c in range(w, W):
                stacked[i, t, c] = _NEG_INF
        for c in range(w):
            v = raw_skip[i, c]
            x = np.float64(v) / temperature if divide else np.float64(v)
            sk[i, c] = x if v > thr_skip else _NEG_INF
        for c in range(w, W):
            sk[i, c] = _NEG_INF
    prefix = np.empty((n1, W))
    for i in range(n1):
        prefix[i, 0] = 0.0
        for c in range(1, W):
            v = 0.0
            if c <= span[i]:
                v = sk[i, c]
                if v < _FLOOR:
                    v = _FLOOR
            prefix[i, c] = prefix[i, c - 1] + v
    ev = np.empty(NT * W)
    ecol = np.empty(NT * W, np.int64)
    live = np.empty(NT * W)
    pos = np.empty(NT * W, np.int64)
    best = np.empty(W)
    top = np.empty(W)
    ptrs = np.empty(3, np.int64)
    dims = np.empty(1, np.int64)
    steps = np.empty(3, np.int64)
    # forward: alpha[i, j] = R_k<=j best[k] + sum(skip[k+1..j]), best[c] reduced over the
    # beads ending at (i, c): alpha at their start + their score
    for i in range(n1):
        w = span[i] + 1
        ne = 0
        for c in range(w):
            for t in range(NT):
                s = stacked[i, t, c]
                p = i - A[t]
                if s > _NEG_INF and p >= 0:
                    cp = lo[i] + c - B[t] - lo[p]
                    if cp >= 0 and cp <= span[p]:
                        v = alpha[p, cp] + s
                        if v > _NEG_INF:
                            ev[ne] = v
                            ecol[ne] = c
                            ne += 1
        _reduce_cells(ev, ecol, ne, w, soft, best, top, live, pos, fns, ptrs, dims, steps)
        if i == 0:
            best[0] = 0.0
        acc = best[0] - prefix[i, 0]
        alpha[i, 0] = prefix[i, 0] + acc
        for c in range(1, w):
            v = best[c] - prefix[i, c]
            if soft:
                acc = _logaddexp(acc, v)
            elif v > acc:
                acc = v
            alpha[i, c] = prefix[i, c] + acc
        for c in range(w, W):
            alpha[i, c] = _NEG_INF
    # backward: beta[i, j] = R_k>=j g[k] + sum(skip[j+1..k]), g[c] reduced over the beads
    # starting at (i, c): their score + beta at their end
    for i in range(n, -1, -1):
        w = span[i] + 1
        ne = 0
        for c in range(w):
            for t in range(NT):
                r = i + A[t]
                if r <= n:
                    c2 = lo[i] + c + B[t] - lo[r]
                    if c2 >= 0 and c2 <= span[r]:
                        s = stacked[r, t, c2]
                        if s > _NEG_INF:
                            v = beta[r, c2] + s
                            if v > _NEG_INF:
                                ev[ne] = v
                                ecol[ne] = c
                                ne += 1
        _reduce_cells(ev, ecol, ne, w, soft, best, top, live, pos, fns, ptrs, dims, steps)
        if i == n:
            best[w - 1] = 0.0
        acc = best[w - 1] + prefix[i, w - 1]
        beta[i, w - 1] = acc - prefix[i, w - 1]
        for c in range(w - 2, -1, -1):
            v = best[c] + prefix[i, c]
            if soft:
                acc = _logaddexp(acc, v)
            elif v > acc:
                acc = v
            beta[i, c] = acc - prefix[i, c]
        for c in range(w, W):
            beta[i, c] = _NEG_INF


def bead_weights(lo: np.ndarray, span: np.ndarray, A: np.ndarray, B: np.ndarray,
                 stacked: np.ndarray, sk: np.ndarray, alpha: np.ndarray, beta: np.ndarray,
                 mm: np.ndarray, mm_skip: np.ndarray) -> None:
    """``Lattice.bead_log_weight`` of every type and ``skip_log_weight`` at once:
    ``mm[t, i, c] = alpha(start) + score + beta(end)`` (n + 1, T, W inputs as
    :func:`lattice_rows`; ``mm`` (T, n + 1, W), ``mm_skip`` (n + 1, W) filled)."""
    n1, NT, W = stacked.shape
    for t in range(NT):
        a = A[t]
        b = B[t]
        for i in range(n1):
            p = i - a
            for c in range(W):
                before = _NEG_INF
                if p >= 0 and c <= span[i]:
                    pc = lo[i] + c - b - lo[p]
                    if pc >= 0 and pc <= span[p]:
                        before = alpha[p, pc]
                mm[t, i, c] = before + stacked[i, t, c] + beta[i, c]
    for i in range(n1):
        mm_skip[i, 0] = _NEG_INF + sk[i, 0] + beta[i, 0]
        for c in range(1, W):
            mm_skip[i, c] = alpha[i, c - 1] + sk[i, c] + beta[i, c]


def covering_rivals(lo: np.ndarray, B: np.ndarray, mm: np.ndarray, mm_skip: np.ndarray,
                    qs: np.ndarray, out: np.ndarray) -> None:
    """``posterior._best_covering_target`` for every target sentence in ``qs``: the best
    of ``mm_skip`` at target node ``q + 1`` and of ``mm[t]`` at nodes ``q + 1 .. q + B[t]``,
    over all rows (``mm`` (T, n + 1, W) and ``mm_skip`` as :func:`bead_weights` fills them).
    Maxima are exact in any order."""
    NT, n1, W = mm.shape
    bmax = 1
    for t in range(NT):
        bmax = max(bmax, B[t])
    for k in range(len(qs)):
        q = qs[k]
        best = _NEG_INF
        for r in range(n1):
            if lo[r] > q + bmax:  # lo never falls: no later row reaches these nodes
                break
            c = q + 1 - lo[r]
            if c >= W:
                continue
            if c >= 0:
                best = max(best, mm_skip[r, c])
            for t in range(NT):
                for d in range(1, B[t] + 1):
                    c = q + d - lo[r]
                    if c >= 0 and c < W:
                        best = max(best, mm[t, r, c])
        out[k] = best


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
    compiled("bead_weights")(z1, z1, z1, z1, z3, z2, z2, z2, z3.copy(), z2.copy())
    compiled("covering_rivals")(z1, z1, z3, z2, z1, np.zeros(1))
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
    fns = ufunc_loops()
    kernel = _kernel("lattice_rows")
    for soft in (True, False):
        T = 0.2 if soft else 1.0
        stacked = np.empty((n + 1, len(A), W))
        sk = np.empty((n + 1, W))
        alpha, beta = np.empty((n + 1, W)), np.empty((n + 1, W))
        kernel(band.lo, span, A, B, raw, np.float32(NEG / 2), raw_skip, np.float32(NEG / 2), T,
               soft, fns, stacked, sk, alpha, beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            ref_a, ref_b = passes(band, A, B, stacked, sk, soft)
        if not (np.array_equal(alpha, ref_a) and np.array_equal(beta, ref_b)):
            return False
    return True


def _logaddexp_many(x: np.ndarray, y: np.ndarray, out: np.ndarray) -> None:
    """:func:`_logaddexp` elementwise (for the self-check)."""
    for k in range(len(x)):
        out[k] = _logaddexp(x[k], y[k])
