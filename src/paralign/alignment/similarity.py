"""Similarities near a band: single sentences, approximate windows, kNN margins.

Everything here is bound to one band of one block, for one or more encoders: the cosines
of single sentences are computed once, only for the cells near the band, into a *strip*
(row ``p`` holds the similarities of source sentence ``p`` to target sentences
``strip_lo[p] .. strip_lo[p] + width``), and every other similarity is gathered from it:

* an *approximate* window's vector is the normalized sum of its members' vectors
  (:class:`SideVectors`), so its cosine with another window is the sum of its members'
  single similarities over the norms of the two sums: no encoder call, no matrix product;
* a window's *kNN margin* is the mean similarity of the window to its ``knn`` nearest
  neighbours on the other side, taken within the band's neighbourhood of its sentences
  (after Artetxe & Schwenk), so that cost stays linear; windows the encoder has embedded
  get theirs from their own vectors.

When the band is the whole lattice (short documents) the strip is the whole similarity
matrix and the same quantities come from whole-matrix arithmetic on its 2-D prefix sums
(*dense* mode), far cheaper than gathering cell by cell.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..blas import one_blas_thread
from .dp import KERNEL_ROWS, Band

__all__ = ["SideVectors", "BandSimilarities", "Margins"]

Margins = list[tuple[dict[int, np.ndarray], dict[int, np.ndarray]]]


class SideVectors:
    """One side's single-sentence vectors for one encoder, and its window vectors.

    ``norms[k][p]`` is the norm of the sum of the vectors of sentences ``p .. p + k - 1`` (the
    approximate window vector is that sum divided by this norm). ``wvec[k]`` holds a vector
    for every window of size ``k``: the encoder's where ``has[k]`` is True (set by
    :meth:`set_exact`), the approximation elsewhere.
    """

    def __init__(self, single: np.ndarray, kmax: int) -> None:
        self.single = np.ascontiguousarray(single, dtype=np.float32)
        n, dim = self.single.shape
        self.n = n
        self.kmax = kmax
        self.norms: dict[int, np.ndarray] = {}
        self.wvec: dict[int, np.ndarray] = _LazyWindows(self)
        self.wvec[1] = self.single
        self.has: dict[int, np.ndarray] = {1: np.ones(n, bool)}
        # a short side's prefix sums, kept for its window vectors (see _window_sums)
        self._prefix: np.ndarray | None = None
        # the transposed sentence vectors, formed on first use (see single_t)
        self._single_t: np.ndarray | None = None
        for k in range(1, kmax + 1):
            if n - k + 1 <= 0:
                self.norms[k] = np.zeros(0)
                self.wvec[k] = np.zeros((0, dim), np.float32)
                self.has[k] = np.zeros(0, bool)
                continue
            if k == 1:
                self.norms[1] = np.maximum(row_norms(self.single), 1e-9).astype(np.float64)
                continue
            self.has[k] = np.zeros(n - k + 1, bool)
        sizes = [k for k in range(2, kmax + 1) if n - k + 1 > 0]
        if sizes:
            norms = {k: np.empty(n - k + 1) for k in sizes}
            kernel = _band_kernel("row_norms") if n >= _KERNEL_ROWS else None
            for k, start, C, cnt in self._window_sums(sizes):
                dst = norms[k][start:start + cnt]
                if kernel is not None:  # the norms of the differences, none formed
                    kernel(C[k:k + cnt], C[:cnt], dst)
                    np.maximum(dst, 1e-9, out=dst)
                else:
                    dst[:] = np.maximum(row_norms(C[k:k + cnt] - C[:cnt]), 1e-9)
            self.norms.update(norms)

    def fresh(self) -> SideVectors:
        """The same side with no encoder vectors recorded: its sentence vectors and window
        norms shared (they depend on nothing else), its window vectors formed anew on use.

        Why: the second pass of a realignment searches every chunk again with the same
        vectors; only the windows each pass embeds differ.
        """
        new = object.__new__(SideVectors)
        new.single, new.n, new.kmax, new.norms = self.single, self.n, self.kmax, self.norms
        new._prefix = None
        # not shared: a realignment keeps every chunk's fresh sides from its first pass to
        # its second, and their transposes would be 130 MB on the Bible (each is formed
        # again in a few tenths of a millisecond)
        new._single_t = None
        new.wvec = _LazyWindows(new)
        new.wvec[1] = self.single
        new.has = {k: np.zeros(len(v), bool) for k, v in self.has.items()}
        new.has[1] = self.has[1]
        for k, v in self.has.items():
            if k > 1 and len(v) == 0:
                new.wvec[k] = np.zeros((0, self.single.shape[1]), np.float32)
        return new

    def single_t(self) -> np.ndarray:
        """``single.T`` as a contiguous (dim, n) float32 array, formed once per side (and
        once per :meth:`fresh` copy): the compiled exact-window margins read the other
        side's sentences along this axis."""
        if self._single_t is None:
            self._single_t = np.ascontiguousarray(self.single.T)
        return self._single_t

    def _window_sums(self, sizes: list[int]):
        """``(k, start, C, count)`` for every window size ``k`` in ``sizes``, block by block
        of window starts: the float64 sum of the vectors of sentences ``start + r .. start +
        r + k - 1`` (``r < count``) is ``C[r + k] - C[r]``, the difference of two rows of the
        sequential float64 prefix sums of the vectors (as ``np.cumsum`` sums).

        Why blocks: on a whole long document the prefix sums and window sums of all rows
        would be hundreds of megabytes at once (the Bible's 42,687 sentences: 175 MB each);
        a block's prefix sums continue, addition by addition, from the last row of the
        previous block, so the values are those of the whole-array prefix sums.
        """
        x = self.single
        n, dim = x.shape
        K = max(sizes)
        kernel = (_band_kernel("row_prefix_sums") if n >= _KERNEL_ROWS else None)
        block = max(_SUM_BLOCK_ROWS, K)
        carry = np.zeros(dim, np.float64)
        for s0 in range(0, n - min(sizes) + 1, block):
            s1 = min(s0 + block + K - 1, n)     # the block's windows end by row s1
            if s0 == 0 and s1 == n and self._prefix is not None:
                C = self._prefix                # a short side: one block, summed before
            else:
                C = np.empty((s1 - s0 + 1, dim), np.float64)
                if kernel is not None:
                    kernel(x[s0:s1], carry, C)
                else:
                    np.cumsum(np.concatenate([carry[None], x[s0:s1]]), axis=0, out=C)
                if s0 == 0 and s1 == n and n <= _KEEP_PREFIX_ROWS:
                    self._prefix = C            # a chunk's exact search needs its windows
            carry = C[min(block, s1 - s0)].copy()
            for k in sizes:
                e = min(s0 + block, n - k + 1)
                if e > s0:
                    yield k, s0, C, e - s0

    def _window_vectors(self, sizes: list[int]) -> dict[int, np.ndarray]:
        """The approximate vectors of the windows of the given sizes (one pass over the
        prefix sums for all of them): their sums over their norms."""
        out = {k: np.empty((self.n - k + 1, self.single.shape[1]), np.float32) for k in sizes}
        kernel = _band_kernel("window_unit_rows") if self.n >= _KERNEL_ROWS else None
        for k, start, C, cnt in self._window_sums(sizes):
            nk = self.norms[k][start:start + cnt]
            if kernel is not None:  # the same quotients, no temporary arrays
                kernel(C, k, nk, out[k][start:start + cnt])
            else:
                out[k][start:start + cnt] = (C[k:k + cnt] - C[:cnt]) / nk[:, None]
        self._prefix = None
        return out

    def set_exact(self, k: int, starts: np.ndarray, vecs: np.ndarray) -> None:
        """Record encoder vectors of windows of size k starting at ``starts``."""
        if k == 1 or len(starts) == 0:
            return
        self.wvec[k][starts] = vecs
        self.has[k][starts] = True

    def exact_starts(self, k: int) -> np.ndarray:
        return np.flatnonzero(self.has[k]) if k in self.has else np.zeros(0, int)


# Sides from this many sentences sum their windows with the compiled kernel (below, numpy
# costs less than importing numba; as dp.KERNEL_ROWS).
_KERNEL_ROWS = KERNEL_ROWS
# Window sums are formed this many window starts at a time (see SideVectors._window_sums).
_SUM_BLOCK_ROWS = 4096
# Sides of at most this many sentences (a chunk's) keep their prefix sums for their windows.
_KEEP_PREFIX_ROWS = 2048


class _LazyWindows(dict):
    """``SideVectors.wvec``: the window vectors of a size are formed on first use.

    Why: the coarse path's sides (whole documents, pooled level after level) only need the
    windows' norms, and a chunk's first search none of the vectors; forming them for every
    side cost a tenth of a long document's search and most of its peak memory.

    The side is held by a weak reference: a strong one would make side and mapping a
    reference cycle, which only the cyclic garbage collector frees, so that the window
    vectors of finished chunks piled up (80 MB on the Bible) until it ran.
    """

    def __init__(self, side: SideVectors) -> None:
        super().__init__()
        self._side = weakref.ref(side)

    def __missing__(self, k: int) -> np.ndarray:
        side = self._side()
        if side is None or not 1 < k <= side.kmax:
            raise KeyError(k)
        # the first search needs none, the exact one all sizes: form them together
        self.update(side._window_vectors([j for j in range(2, side.kmax + 1) if j not in self]))
        return self[k]


def row_norms(x: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(x, axis=1)``; compiled for long sides (the same sums: see
    :func:`paralign.alignment.band_kernels.row_norms`), which spares numpy's temporary
    array of squares (a whole document's window sums: 175 MB)."""
    kernel = _band_kernel("row_norms") if len(x) >= _KERNEL_ROWS else None
    if kernel is None:
        return np.linalg.norm(x, axis=1)
    out = np.empty(len(x), x.dtype)
    kernel(np.ascontiguousarray(x), np.zeros((0, x.shape[1]), x.dtype), out)
    return out


def _band_kernel(name: str) -> Any:
    from . import band_kernels

    return band_kernels.compiled(name)


_EINSUM_ROWS: dict[int, Any] = {}


def _einsum_rows_kernel(dim: int) -> Any:
    """The compiled :func:`paralign.alignment.band_kernels.einsum_dot_rows` for vectors of
    ``dim`` values, or ``None`` (no numba, rows longer than einsum's buffer, or an einsum
    whose summation order is not the one the kernel reproduces, checked here once per ``dim``
    on random vectors: another numpy build could vectorize differently)."""
    if dim in _EINSUM_ROWS:
        return _EINSUM_ROWS[dim]
    kernel = _band_kernel("einsum_dot_rows") if 0 < dim <= np.getbufsize() else None
    if kernel is not None:
        rng = np.random.default_rng(dim)
        single = rng.standard_normal((40, dim)).astype(np.float32)
        wv = rng.standard_normal((5, dim)).astype(np.float32)
        rows = np.arange(5)
        w_lo, w_hi = np.array([0, 3, 7, 20, 39]), np.array([17, 40, 8, 33, 40])
        got = np.full((5, 40), -np.inf)
        kernel(np.ascontiguousarray(single.T), wv, rows, w_lo, w_hi, got)
        want = np.full((5, 40), -np.inf)
        for r in range(5):
            want[r, :w_hi[r] - w_lo[r]] = np.einsum("cd,d->c", single[w_lo[r]:w_hi[r]], wv[r],
                                                    dtype=np.float64)
        if not np.array_equal(got.view(np.int64), want.view(np.int64)):
            kernel = None
    _EINSUM_ROWS[dim] = kernel
    return kernel


def _topk_mean(S: np.ndarray, k: int) -> np.ndarray:
    """Mean of the k largest finite values of each row (0 for a row with none)."""
    if S.shape[1] == 0:
        return np.zeros(S.shape[0])
    kk = min(k, S.shape[1])
    top = -np.partition(-S, kk - 1, axis=1)[:, :kk]
    fin = np.isfinite(top)
    cnt = fin.sum(axis=1)
    tot = np.where(fin, top, 0.0).sum(axis=1)
    return np.where(cnt > 0, tot / np.maximum(cnt, 1), 0.0)


class BandSimilarities:
    """Single-sentence similarities near one band, and the window cosines and kNN margins
    gathered from them, per encoder (``src[e]``, ``tgt[e]``: encoder ``e``'s vectors).

    ``dense``: ``None`` uses whole-matrix arithmetic when the band is the whole lattice;
    ``False`` gathers cell by cell anyway (the two agree; the tests compare them).
    """

    def __init__(self, src: Sequence[SideVectors], tgt: Sequence[SideVectors], band: Band,
                 kmax: int, knn: int, dense: bool | None = None) -> None:
        self.src = list(src)
        self.tgt = list(tgt)
        self.band = band
        self.kmax = kmax
        self.knn = knn
        self.n = self.src[0].n
        self.m = self.tgt[0].n
        self._stack: np.ndarray | None = None
        self._build_strip(dense)
        self._neighbourhoods = self._neigh()
        self._margin_memo: dict[tuple[int, bool, int], np.ndarray] = {}
        self._dense_memo: dict[tuple[int, int, int], np.ndarray] = {}
        self._cum: dict[int, np.ndarray] = {}

    def rebound(self, src: Sequence[SideVectors], tgt: Sequence[SideVectors]
                ) -> BandSimilarities:
        """These similarities for the same sentences with other window vectors
        (:meth:`SideVectors.fresh`): the strip, the neighbourhoods and the approximate
        windows' margins are shared (they depend on the sentence vectors and the band only);
        margins of exact windows are computed from the new sides."""
        new = object.__new__(BandSimilarities)
        new.__dict__.update(self.__dict__)
        new.src, new.tgt = list(src), list(tgt)
        return new

    @property
    def dense(self) -> bool:
        """Whether similarities come from whole-matrix arithmetic (the band is the lattice)."""
        return self._dense

    # -- the strip of single similarities ---------------------------------------------------
    def _build_strip(self, dense: bool | None) -> None:
        band = self.band
        n, m, K = self.n, self.m, self.kmax
        lo, hi = band.lo, band.hi
        full = bool(len(lo)) and int(lo.max()) == 0 and int(hi.min()) == m
        p = np.arange(n)
        a_lo = np.maximum(lo[np.minimum(p + 1, n)] - K, 0)
        a_hi = np.minimum(hi[np.minimum(p + K, n)] + K, m)
        # also cover the kNN neighbourhood of each sentence (rows p, p + 1 of the band)
        a_lo = np.minimum(a_lo, lo[p])
        a_hi = np.maximum(a_hi, np.minimum(hi[np.minimum(p + 1, n)] + 1, m))
        a_hi = np.maximum(a_hi, a_lo + 1) if m else a_hi
        width = int((a_hi - a_lo).max()) if n else 0
        width = max(width, 1)
        self.strip_lo = a_lo
        # dense mode also indexes the strip as the whole matrix
        strip_full = not a_lo.any() and width >= m
        self._dense = full and strip_full if dense is None else bool(dense)
        if self._dense and not (full and strip_full):
            raise ValueError("dense scoring needs a band that is the whole lattice")
        self.strip_hi = np.minimum(a_hi, m)
        self.strip_w = width
        with one_blas_thread():
            self.strips = self._strips(a_lo, width)

    def _strips(self, a_lo: np.ndarray, width: int) -> list[np.ndarray]:
        """Per encoder, the (n, width) strip: row p holds source sentence p's similarities
        to target sentences ``a_lo[p] ..`` (-inf past ``strip_hi[p]``)."""
        n, m = self.n, self.m
        strips = []
        cols = np.arange(width)
        block = 64
        kernel = None if self._dense else _band_kernel("strip_rows")
        for sx, tx in zip(self.src, self.tgt):
            if self._dense and width == m:  # the whole single similarity matrix
                strips.append((sx.single @ tx.single.T).astype(np.float32, copy=False))
                continue
            st = np.full((n, width), -np.inf, np.float32)
            for s in range(0, n, block):
                e = min(s + block, n)
                c0, c1 = int(a_lo[s:e].min()), int(self.strip_hi[s:e].max())
                if c1 <= c0:
                    continue
                D = sx.single[s:e] @ tx.single[c0:c1].T
                if kernel is not None:
                    kernel(D, a_lo[s:e], self.strip_hi[s:e], c0, st[s:e])
                    continue
                q = a_lo[s:e, None] + cols[None, :] - c0
                ok = (a_lo[s:e, None] + cols[None, :]) < self.strip_hi[s:e, None]
                vals = np.take_along_axis(D, np.clip(q, 0, D.shape[1] - 1), axis=1)
                st[s:e] = np.where(ok, vals, -np.inf)
            strips.append(st)
        return strips

    @property
    def strip_stack(self) -> np.ndarray:
        """The strips of all encoders as one (encoders, n, width) float32 array (a view for
        one encoder), for the compiled gathers."""
        if self._stack is None:
            self._stack = (self.strips[0][None] if len(self.strips) == 1
                           else np.stack(self.strips))
        return self._stack

    def single(self, e: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """Similarities of source sentences P to target sentences Q (-inf off the strip)."""
        Pc = np.clip(P, 0, max(self.n - 1, 0))
        c = Q - self.strip_lo[Pc]
        ok = (c >= 0) & (c < self.strip_w) & (P >= 0) & (P < self.n)
        v = self.strips[e][Pc, np.clip(c, 0, self.strip_w - 1)]
        return np.where(ok, v.astype(np.float64), -np.inf)

    def cumulative(self, e: int) -> np.ndarray:
        """2-D prefix sums of the single-sentence similarity matrix (whole lattice only)."""
        C = self._cum.get(e)
        if C is None:
            S11 = (self.strips[e] if self._dense and self.strip_w == self.m
                   else self.src[e].single @ self.tgt[e].single.T)
            C = np.zeros((self.n + 1, self.m + 1))
            np.cumsum(np.cumsum(S11, axis=0, dtype=np.float64), axis=1, out=C[1:, 1:])
            self._cum[e] = C
        return C

    def dense_sim(self, e: int, a: int, b: int) -> np.ndarray:
        """Cosines of every approximate source window of size a with every approximate target
        window of size b: the sum of their members' similarities (a box of the single
        similarity matrix, four lookups in its prefix sums) over the norms of the two sums,
        as :meth:`approx` computes them cell by cell."""
        key = (e, a, b)
        M = self._dense_memo.get(key)
        if M is None:
            C = self.cumulative(e)
            box = C[a:, b:] - C[:-a, b:] - C[a:, :-b] + C[:-a, :-b]
            M = box / (self.src[e].norms[a][:, None] * self.tgt[e].norms[b][None, :])
            self._dense_memo[key] = M
        return M

    def approx(self, e: int, a: int, b: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        acc = np.zeros(P.shape)
        for i in range(a):
            for j in range(b):
                acc += self.single(e, P + i, Q + j)
        return acc / (self.src[e].norms[a][P] * self.tgt[e].norms[b][Q])

    # -- neighbourhoods and margins -------------------------------------------------------------
    def _neigh(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Target columns near each source sentence, source rows near each target sentence."""
        n, m = self.n, self.m
        lo, hi = self.band.lo, self.band.hi
        s_lo = np.minimum(lo[:-1], lo[1:])                      # sentence p: rows p, p + 1
        s_hi = np.minimum(np.maximum(hi[:-1], hi[1:]) + 1, m)
        q = np.arange(m)
        t_lo = np.clip(np.searchsorted(hi, q, side="left") - 1, 0, n)
        t_hi = np.clip(np.searchsorted(lo, q + 1, side="right"), 0, n)
        s_hi = np.maximum(s_hi, np.minimum(s_lo + 1, m))
        t_hi = np.maximum(t_hi, np.minimum(t_lo + 1, n))
        return s_lo, s_hi, t_lo, t_hi

    def _margins_side(self, e: int, source_side: bool, k: int, lo_: np.ndarray, hi_: np.ndarray
                      ) -> np.ndarray:
        """kNN mean of every (approximate) window of size k of one side against the other side."""
        side = self.src[e] if source_side else self.tgt[e]
        nx = side.n - k + 1
        if nx <= 0:
            return np.zeros(0)
        if self._dense:  # window rows (or columns) of the single similarity matrix, summed
            C = self.cumulative(e)
            if source_side:
                sums = C[k:, 1:] - C[:-k, 1:] - C[k:, :-1] + C[:-k, :-1]
            else:
                sums = (C[1:, k:] - C[1:, :-k] - C[:-1, k:] + C[:-1, :-k]).T
            return _topk_mean(sums / side.norms[k][:, None], self.knn)
        starts = np.arange(nx)
        w_lo = np.minimum(lo_[starts], lo_[starts + k - 1])
        w_hi = np.maximum(hi_[starts], hi_[starts + k - 1])
        Wn = int((w_hi - w_lo).max())
        if Wn <= 0:
            return np.zeros(nx)
        out = np.zeros(nx)
        block = max(1, 2_000_000 // (Wn * k))
        kernel = _band_kernel("margin_rows") if not self._dense else None
        for s in range(0, nx, block):
            e_ = min(s + block, nx)
            st = starts[s:e_]
            if kernel is not None:  # the same M, cell by cell; the same blocks for the topk
                M = np.empty((e_ - s, Wn))
                kernel(self.strips[e], self.strip_lo, source_side, k, st, w_lo[s:e_],
                       w_hi[s:e_], side.norms[k][st], M)
                out[s:e_] = _topk_mean(M, self.knn)
                continue
            cols = w_lo[s:e_, None] + np.arange(Wn)[None, :]
            inside = cols < w_hi[s:e_, None]
            acc = np.zeros(cols.shape)
            for i in range(k):
                rows = (st + i)[:, None] + np.zeros_like(cols)
                acc += (self.single(e, rows, cols) if source_side
                        else self.single(e, cols, rows))
            M = acc / side.norms[k][st][:, None]
            M = np.where(inside & np.isfinite(M), M, -np.inf)
            out[s:e_] = _topk_mean(M, self.knn)
        return out

    def margins(self, a_max: int, b_max: int, approx: bool) -> Margins:
        """kNN means of every window, per encoder: ``[(source dict, target dict), ...]``.

        Approximate-window margins are computed once and kept; with exact windows only the
        rows of embedded windows are recomputed.
        """
        s_lo, s_hi, t_lo, t_hi = self._neighbourhoods
        out = []
        for e in range(len(self.src)):
            sides = []
            for source_side, kmax, lo_, hi_ in ((True, a_max, s_lo, s_hi), (False, b_max, t_lo, t_hi)):
                d: dict[int, np.ndarray] = {}
                for k in range(1, kmax + 1):
                    ck = (e, source_side, k)
                    if ck not in self._margin_memo:
                        self._margin_memo[ck] = self._margins_side(e, source_side, k, lo_, hi_)
                    v = self._margin_memo[ck]
                    if not approx and k > 1:
                        v = self._exact_margins(e, source_side, k, lo_, hi_, v)
                    d[k] = v
                sides.append(d)
            out.append((sides[0], sides[1]))
        return out

    def _exact_margins(self, e: int, source_side: bool, k: int, lo_: np.ndarray, hi_: np.ndarray,
                       approx_values: np.ndarray) -> np.ndarray:
        """Margins with the rows of embedded windows recomputed from their own vectors."""
        side = self.src[e] if source_side else self.tgt[e]
        other = self.tgt[e] if source_side else self.src[e]
        ex = side.exact_starts(k)
        if not len(ex) or other.n == 0:
            return approx_values
        out = approx_values.copy()
        if self._dense:
            out[ex] = _topk_mean((side.wvec[k][ex] @ other.single.T).astype(np.float64),
                                 self.knn)
            return out
        w_lo = np.minimum(lo_[ex], lo_[ex + k - 1])
        w_hi = np.maximum(hi_[ex], hi_[ex + k - 1])
        Wn = max(int((w_hi - w_lo).max()), 1)
        block = max(1, 4_000_000 // (Wn * other.single.shape[1]))
        wv = side.wvec[k]
        kernel = _einsum_rows_kernel(other.single.shape[1])
        for s in range(0, len(ex), block):
            rows = ex[s:s + block]
            if kernel is not None:  # the same values, cell by cell (see einsum_dot_rows)
                M = np.full((len(rows), Wn), -np.inf)
                kernel(other.single_t(), wv, rows, w_lo[s:s + block], w_hi[s:s + block], M)
                out[rows] = _topk_mean(M, self.knn)
                continue
            # each window's cosines with its neighbourhood, a slice of the other side (no
            # gathered (rows, Wn, dim) copy): einsum's dot of two rows does not depend on
            # the rows around it, so the values are those of the batched
            # einsum("rcd,rd->rc", other.single[cols], wv[rows], dtype=float64) over the
            # padded columns, which the tests check; the padding stays -inf, the blocks
            # those of the kNN means, so the means are the same
            M = np.full((len(rows), Wn), -np.inf)
            for r, (row, c0, c1) in enumerate(zip(rows.tolist(), w_lo[s:s + block].tolist(),
                                                  w_hi[s:s + block].tolist())):
                if c1 > c0:
                    M[r, :c1 - c0] = np.einsum("cd,d->c", other.single[c0:c1], wv[row],
                                               dtype=np.float64)
            out[rows] = _topk_mean(M, self.knn)
        return out
