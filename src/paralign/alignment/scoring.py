"""Scores of candidate beads over a band of the alignment lattice.

A bead pairs a window of ``a`` consecutive source sentences with a window of ``b`` consecutive
target sentences. Its score is

* the cosine similarity of the two windows' embeddings,
* minus a *margin*: ``margin_weight`` times the mean similarity of each window to its ``k``
  nearest neighbours on the other side (after Artetxe & Schwenk; the neighbours are taken
  within the band, so cost stays linear). A sentence that resembles everything does not win
  everywhere, and each encoder's own cosine range is largely factored out;
* plus dictionary evidence for Chinese-English pairs (:mod:`paralign.alignment.lexical`),
* minus a length-agreement penalty, the squared log ratio of the two sides' lengths, the
  target length brought to source units by a ratio estimated from the document itself
  (Chinese characters against English characters is about 1:3, but varies by genre and
  translator),

divided, encoder by encoder, by the document's gap between a typical best 1-1 score and a
typical one (which puts encoders with narrow (e5) and wide (USE) cosine ranges on one scale,
so that one skip cost fits both), averaged over the encoders in use; merged beads earn a bonus
when one of their sentences matches two on the other side (:meth:`BandScorer._shared`).
Skips (1-0, 0-1) cost a constant per sentence.

Window embeddings are costly (longer texts, ``k - 1`` more of them per level), so scoring runs
in two modes. In the *approximate* mode a window's vector is the normalized sum of its
members' vectors; its similarities then follow from the single-sentence similarity matrix by
2-D prefix sums, without any encoder call or extra matrix product. In the *exact* mode,
windows the encoder has embedded are scored with their own vectors, and only at the cells the
caller allows (the beads a first search found plausible).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .dp import NEG, Band

if TYPE_CHECKING:
    from ..config import AlignConfig

__all__ = ["ScoreParams", "SideVectors", "BandScorer", "bead_types", "bead_score",
           "combined_similarity"]


def bead_types(max_merge: int, max_total: int) -> list[tuple[int, int]]:
    """Bead types other than 0-1: 1-0, and every a-b with 1 <= a, b <= max_merge, a + b <= max_total."""
    types = [(1, 0)]
    for a in range(1, max_merge + 1):
        for b in range(1, max_merge + 1):
            if a + b <= max_total:
                types.append((a, b))
    return types


@dataclass(frozen=True)
class ScoreParams:
    """Knobs of the bead score (see the module docstring), for one document pair.

    Built from an :class:`~paralign.config.AlignConfig` by :meth:`from_config`, which holds
    the only defaults; ``ratio`` and ``length_weight`` are the document's own (fitted by
    :mod:`paralign.alignment.lengths`).
    """

    knn: int
    margin_weight: float  # 0 when the config's margin is "none"
    length_weight: float
    skip: float
    ratio: float  # target length units per source length unit
    lexical_weight: float
    share_weight: float

    @classmethod
    def from_config(cls, config: AlignConfig, *, ratio: float = 1.0,
                    length_weight: float | None = None) -> ScoreParams:
        """The config's scoring knobs; ``length_weight`` defaults to the config's base weight."""
        return cls(knn=config.knn,
                   margin_weight=config.margin_weight if config.margin == "knn" else 0.0,
                   length_weight=config.length_weight if length_weight is None else length_weight,
                   skip=config.skip, ratio=ratio, lexical_weight=config.lexical_weight,
                   share_weight=config.share_weight)


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
        csum = np.zeros((n + 1, dim), np.float64)
        np.cumsum(self.single, axis=0, out=csum[1:])
        self.norms: dict[int, np.ndarray] = {}
        self.wvec: dict[int, np.ndarray] = {1: self.single}
        self.has: dict[int, np.ndarray] = {1: np.ones(n, bool)}
        for k in range(1, kmax + 1):
            if n - k + 1 <= 0:
                self.norms[k] = np.zeros(0)
                self.wvec[k] = np.zeros((0, dim), np.float32)
                self.has[k] = np.zeros(0, bool)
                continue
            if k == 1:
                self.norms[1] = np.maximum(np.linalg.norm(self.single, axis=1), 1e-9).astype(np.float64)
                continue
            s = csum[k:] - csum[:-k]
            self.norms[k] = np.maximum(np.linalg.norm(s, axis=1), 1e-9)
            self.wvec[k] = (s / self.norms[k][:, None]).astype(np.float32)
            self.has[k] = np.zeros(n - k + 1, bool)

    def set_exact(self, k: int, starts: np.ndarray, vecs: np.ndarray) -> None:
        """Record encoder vectors of windows of size k starting at ``starts``."""
        if k == 1 or len(starts) == 0:
            return
        self.wvec[k][starts] = vecs
        self.has[k][starts] = True

    def exact_starts(self, k: int) -> np.ndarray:
        return np.flatnonzero(self.has[k]) if k in self.has else np.zeros(0, int)


def _merge_bonus(vals: dict[tuple[int, int], np.ndarray], a: int, b: int) -> np.ndarray:
    """The largest second-best 1-1 score of any member against the other side's members.

    ``vals[(i, j)]`` holds the 1-1 scores of member i (source) with member j (target) for a
    batch of beads (any array shape); negative or missing (-inf) evidence counts as 0.
    """
    first = vals[(0, 0)]
    best = np.full(first.shape, -np.inf)

    def second(xs: list[np.ndarray]) -> np.ndarray:
        m1 = np.full(first.shape, -np.inf)
        m2 = np.full(first.shape, -np.inf)
        for x in xs:
            m2 = np.maximum(m2, np.minimum(m1, x))
            m1 = np.maximum(m1, x)
        return m2

    if b >= 2:
        for i in range(a):
            best = np.maximum(best, second([vals[(i, j)] for j in range(b)]))
    if a >= 2:
        for j in range(b):
            best = np.maximum(best, second([vals[(i, j)] for i in range(a)]))
    return np.where(np.isfinite(best), np.maximum(best, 0.0), 0.0)


def _lens_windows(lens: np.ndarray, kmax: int) -> dict[int, np.ndarray]:
    c = np.concatenate([[0.0], np.cumsum(lens, dtype=np.float64)])
    return {k: (c[k:] - c[:-k]) if len(lens) - k + 1 > 0 else np.zeros(0) for k in range(1, kmax + 1)}


def _log_lens(lens: dict[int, np.ndarray], ratio: float = 1.0) -> dict[int, np.ndarray]:
    """Log window lengths (brought to source units by ``ratio``), floored away from log 0."""
    return {k: np.log(np.maximum(v * ratio, 1e-9)) for k, v in lens.items()}


# -- the score formula: pure functions of the gathered evidence, in any array layout ------------
def combined_similarity(p: ScoreParams, sims: Sequence[np.ndarray],
                        margin_sums: Sequence[np.ndarray] | None, scales: Sequence[float],
                        weights: np.ndarray) -> np.ndarray:
    """Margin-adjusted similarity of window pairs, each encoder's in units of its scale,
    averaged with the encoders' weights.

    ``sims[e]`` holds the cosines of the pairs under encoder ``e`` and ``margin_sums[e]`` the
    sum of the two windows' kNN means (``None`` without margin). The arrays may have any
    common (broadcast) shape: flat lists of cells for the banded gather, window-by-window
    matrices for the dense one; the arithmetic, hence the result, is the same.
    """
    tot: np.ndarray | None = None
    for e, c in enumerate(sims):
        if margin_sums is not None:
            c = c - p.margin_weight * 0.5 * margin_sums[e]
        term = weights[e] * c / scales[e]
        tot = term if tot is None else tot + term
    assert tot is not None, "no encoder"
    return tot / float(np.sum(weights))


def bead_score(p: ScoreParams, sims: Sequence[np.ndarray],
               margin_sums: Sequence[np.ndarray] | None, scales: Sequence[float],
               weights: np.ndarray, *, log_src_len: np.ndarray, log_tgt_len: np.ndarray,
               lexical: np.ndarray | None = None, bonus: np.ndarray | None = None) -> np.ndarray:
    """The score of beads from their evidence (see the module docstring); any array layout.

    :func:`combined_similarity`, plus ``lexical_weight`` times the dictionary F-score, plus
    ``share_weight`` times the merge bonus (:func:`_merge_bonus`), minus ``length_weight``
    times the squared log ratio of the two sides' lengths (``log_src_len`` already in target
    units): a Gaussian on the log length ratio, as in Gale & Church. Both gathers of
    :class:`BandScorer` call this, so the formula exists once.
    """
    c = combined_similarity(p, sims, margin_sums, scales, weights)
    if lexical is not None and p.lexical_weight:
        c = c + p.lexical_weight * lexical
    if bonus is not None and p.share_weight:
        c = c + p.share_weight * bonus
    if p.length_weight:
        c = c - p.length_weight * (log_tgt_len - log_src_len) ** 2
    return c


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


Margins = list[tuple[dict[int, np.ndarray], dict[int, np.ndarray]]]


class BandScorer:
    """Scores of every bead type at every cell of one band, for one or more encoders.

    The scorer is bound to its band: the single-sentence similarities near the band, the
    neighbourhoods of the margins and everything derived from them are computed once, when
    first needed, and kept for the scorer's life. Single-sentence similarities live in a
    *strip*: row ``p`` holds the similarities of source sentence ``p`` to target sentences
    ``strip_lo[p] .. strip_lo[p] + width``; approximate window similarities, kNN margins and
    1-1 scores are all gathered from it. When the band is the whole lattice (short
    documents), the *dense* gather computes the same evidence as whole-matrix arithmetic,
    far cheaper than cell by cell; ``dense=False`` forces the cell-by-cell gather (the two
    agree, as the tests check).
    """

    def __init__(self, src: Sequence[SideVectors], tgt: Sequence[SideVectors],
                 src_lens: np.ndarray, tgt_lens: np.ndarray, params: ScoreParams,
                 kmax: int, band: Band, *, weights: Sequence[float] | None = None,
                 lexical: Any | None = None, zh_is_src: bool = True,
                 dense: bool | None = None) -> None:
        """``lexical``: a :class:`~paralign.alignment.lexical.LexicalEvidence` of the block
        (Chinese side first, hence ``zh_is_src``); ``dense``: ``None`` chooses by the band."""
        self.src = list(src)
        self.tgt = list(tgt)
        self.band = band
        self.lexical = lexical
        self.zh_is_src = zh_is_src
        self.p = params
        self.kmax = kmax
        self.w = np.asarray(list(weights) if weights is not None else [1.0] * len(self.src), float)
        self.n = self.src[0].n
        self.m = self.tgt[0].n
        self.log_ls = _log_lens(_lens_windows(np.asarray(src_lens, float), kmax), params.ratio)
        self.log_lt = _log_lens(_lens_windows(np.asarray(tgt_lens, float), kmax))
        self.scales: list[float] | None = None
        self._build_strip(dense)
        self._neighbourhoods = self._neigh()
        self._margin_memo: dict[tuple[int, bool, int], np.ndarray] = {}
        self._s11: np.ndarray | None = None
        self._dense_memo: dict[tuple[int, int, int], np.ndarray] = {}
        self._cum: dict[int, np.ndarray] = {}

    @property
    def dense(self) -> bool:
        """Whether scores come from whole-matrix arithmetic (the band is the whole lattice)."""
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
        self.strips = []
        cols = np.arange(width)
        block = 64
        for sx, tx in zip(self.src, self.tgt):
            if self._dense and width == m:  # the whole single similarity matrix
                self.strips.append((sx.single @ tx.single.T).astype(np.float32, copy=False))
                continue
            st = np.full((n, width), -np.inf, np.float32)
            for s in range(0, n, block):
                e = min(s + block, n)
                c0, c1 = int(a_lo[s:e].min()), int(self.strip_hi[s:e].max())
                if c1 <= c0:
                    continue
                D = sx.single[s:e] @ tx.single[c0:c1].T
                q = a_lo[s:e, None] + cols[None, :] - c0
                ok = (a_lo[s:e, None] + cols[None, :]) < self.strip_hi[s:e, None]
                vals = np.take_along_axis(D, np.clip(q, 0, D.shape[1] - 1), axis=1)
                st[s:e] = np.where(ok, vals, -np.inf)
            self.strips.append(st)

    def _single(self, e: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """Similarities of source sentences P to target sentences Q (-inf off the strip)."""
        Pc = np.clip(P, 0, max(self.n - 1, 0))
        c = Q - self.strip_lo[Pc]
        ok = (c >= 0) & (c < self.strip_w) & (P >= 0) & (P < self.n)
        v = self.strips[e][Pc, np.clip(c, 0, self.strip_w - 1)]
        return np.where(ok, v.astype(np.float64), -np.inf)

    def _cumulative(self, e: int) -> np.ndarray:
        """2-D prefix sums of the single-sentence similarity matrix (whole lattice only)."""
        C = self._cum.get(e)
        if C is None:
            S11 = (self.strips[e] if self._dense and self.strip_w == self.m
                   else self.src[e].single @ self.tgt[e].single.T)
            C = np.zeros((self.n + 1, self.m + 1))
            np.cumsum(np.cumsum(S11, axis=0, dtype=np.float64), axis=1, out=C[1:, 1:])
            self._cum[e] = C
        return C

    def _dense_sim(self, e: int, a: int, b: int) -> np.ndarray:
        """Cosines of every approximate source window of size a with every approximate target
        window of size b: the sum of their members' similarities (a box of the single
        similarity matrix, four lookups in its prefix sums) over the norms of the two sums,
        as :meth:`_approx` computes them cell by cell."""
        key = (e, a, b)
        M = self._dense_memo.get(key)
        if M is None:
            C = self._cumulative(e)
            box = C[a:, b:] - C[:-a, b:] - C[a:, :-b] + C[:-a, :-b]
            M = box / (self.src[e].norms[a][:, None] * self.tgt[e].norms[b][None, :])
            self._dense_memo[key] = M
        return M

    def _approx(self, e: int, a: int, b: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        acc = np.zeros(P.shape)
        for i in range(a):
            for j in range(b):
                acc += self._single(e, P + i, Q + j)
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
            C = self._cumulative(e)
            if source_side:
                sums = C[k:, 1:] - C[:-k, 1:] - C[k:, :-1] + C[:-k, :-1]
            else:
                sums = (C[1:, k:] - C[1:, :-k] - C[:-1, k:] + C[:-1, :-k]).T
            return _topk_mean(sums / side.norms[k][:, None], self.p.knn)
        starts = np.arange(nx)
        w_lo = np.minimum(lo_[starts], lo_[starts + k - 1])
        w_hi = np.maximum(hi_[starts], hi_[starts + k - 1])
        Wn = int((w_hi - w_lo).max())
        if Wn <= 0:
            return np.zeros(nx)
        out = np.zeros(nx)
        block = max(1, 2_000_000 // (Wn * k))
        for s in range(0, nx, block):
            e_ = min(s + block, nx)
            st = starts[s:e_]
            cols = w_lo[s:e_, None] + np.arange(Wn)[None, :]
            inside = cols < w_hi[s:e_, None]
            acc = np.zeros(cols.shape)
            for i in range(k):
                rows = (st + i)[:, None] + np.zeros_like(cols)
                acc += (self._single(e, rows, cols) if source_side
                        else self._single(e, cols, rows))
            M = acc / side.norms[k][st][:, None]
            M = np.where(inside & np.isfinite(M), M, -np.inf)
            out[s:e_] = _topk_mean(M, self.p.knn)
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
                                 self.p.knn)
            return out
        w_lo = np.minimum(lo_[ex], lo_[ex + k - 1])
        w_hi = np.maximum(hi_[ex], hi_[ex + k - 1])
        Wn = max(int((w_hi - w_lo).max()), 1)
        block = max(1, 4_000_000 // (Wn * other.single.shape[1]))
        for s in range(0, len(ex), block):
            rows = ex[s:s + block]
            cols = w_lo[s:s + block, None] + np.arange(Wn)[None, :]
            inside = cols < w_hi[s:s + block, None]
            cc = np.clip(cols, 0, other.n - 1)
            M = np.einsum("rcd,rd->rc", other.single[cc], side.wvec[k][rows], dtype=np.float64)
            out[rows] = _topk_mean(np.where(inside, M, -np.inf), self.p.knn)
        return out

    # -- calibration -------------------------------------------------------------------------
    def calibrate(self) -> None:
        """Per-encoder scale: the gap between a typical best match and a typical pair.

        Taken over the band's 1-1 scores (margin-adjusted): the median over source sentences
        of their best score, minus the median of all scores. Dividing by it makes a good
        match worth about the same under every encoder, whatever its cosine range (e5's sit
        within 0.80-0.87, USE's spread over -0.1-0.9), so one skip cost and one set of
        weights fit all. A scorer of the mirrored problem may be given the scales of the
        forward one instead (set :attr:`scales`).
        """
        marg = self.margins(1, 1, True) if self.p.margin_weight else None
        band = self.band
        n, W = self.n, band.width
        lo, hi = band.lo, band.hi
        idx = np.arange(W)
        J = lo[:, None] + idx[None, :]
        P = np.broadcast_to(np.arange(n + 1)[:, None] - 1, J.shape)
        Q = J - 1
        ok = (idx[None, :] <= (hi - lo)[:, None]) & (P >= 0) & (Q >= 0) & (P < n) & (Q < self.m)
        pr, qr = P[ok], Q[ok]
        self.scales = []
        for e in range(len(self.src)):
            c = self._single(e, pr, qr)
            if marg is not None:
                ms, mt = marg[e]
                c = c - self.p.margin_weight * 0.5 * (ms[1][pr] + mt[1][qr])
            fin = np.isfinite(c)
            if not fin.any():
                self.scales.append(1.0)
                continue
            best = np.full(n, -np.inf)
            np.maximum.at(best, pr[fin], c[fin])
            gap = float(np.median(best[np.isfinite(best)]) - np.median(c[fin]))
            self.scales.append(max(gap, 1e-3))

    # -- the banded gather: evidence cell by cell -----------------------------------------------
    def _margin_sums(self, marg: Margins | None, a: int, b: int, P: Any, Q: Any
                     ) -> list[np.ndarray] | None:
        """Per encoder, the kNN means of window (P, a) plus those of window (Q, b)."""
        if marg is None:
            return None
        return [ms[a][P] + mt[b][Q] for ms, mt in marg]

    def _sims(self, a: int, b: int, P: np.ndarray, Q: np.ndarray, exact: bool) -> list[np.ndarray]:
        """Cosines of windows (P, a) and (Q, b), per encoder: embedded vectors or approximate."""
        if exact:
            return [np.einsum("ij,ij->i", sx.wvec[a][P], tx.wvec[b][Q], dtype=np.float64)
                    for sx, tx in zip(self.src, self.tgt)]
        if self._dense:
            return [self._dense_sim(e, a, b)[P, Q] for e in range(len(self.src))]
        return [self._approx(e, a, b, P, Q) for e in range(len(self.src))]

    def _s11_strip(self) -> np.ndarray:
        """Combined, scaled 1-1 similarities of every strip cell (for the merge bonus)."""
        if self._s11 is None:
            n, W = self.n, self.strip_w
            P = np.broadcast_to(np.arange(n)[:, None], (n, W))
            Q = self.strip_lo[:, None] + np.arange(W)[None, :]
            ok = Q < self.strip_hi[:, None]
            pr, qr = P[ok], Q[ok]
            marg = self.margins(1, 1, True) if self.p.margin_weight else None
            assert self.scales is not None
            st = np.full((n, W), -np.inf)
            st[ok] = combined_similarity(self.p, self._sims(1, 1, pr, qr, False),
                                         self._margin_sums(marg, 1, 1, pr, qr), self.scales,
                                         self.w)
            self._s11 = st
        return self._s11

    def _wants_bonus(self, a: int, b: int) -> bool:
        return bool(self.p.share_weight) and a + b >= 3

    def _bonus(self, a: int, b: int, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
        """Evidence that a merge is real: some sentence of the bead matches two on the other side.

        For every sentence of the bead, its second-best 1-1 score against the other side's
        sentences in the bead; the largest of these. High when one Chinese sentence is
        rendered by two English ones (1-2), or when content crosses sentence boundaries
        (2-2, 2-3), which single 1-1 beads cannot express.
        """
        st = self._s11_strip()
        W = self.strip_w

        def s11(i: int, j: int) -> np.ndarray:
            if self._dense:  # the strip is the whole matrix; windows lie inside it
                return st[P + i, Q + j]
            rows = np.clip(P + i, 0, max(self.n - 1, 0))
            c = Q + j - self.strip_lo[rows]
            ok = (c >= 0) & (c < W)
            return np.where(ok, st[rows, np.clip(c, 0, W - 1)], -np.inf)

        return _merge_bonus({(i, j): s11(i, j) for i in range(a) for j in range(b)}, a, b)

    def _cells(self, marg: Margins | None, a: int, b: int, P: np.ndarray, Q: np.ndarray,
               exact: bool) -> np.ndarray:
        """Scores of the beads pairing windows (P, a) and (Q, b), gathered cell by cell."""
        lexical = None
        if self.lexical is not None and self.p.lexical_weight:
            lexical = (self.lexical.score(a, b, P, Q) if self.zh_is_src
                       else self.lexical.score(b, a, Q, P))
        return bead_score(self.p, self._sims(a, b, P, Q, exact),
                          self._margin_sums(marg, a, b, P, Q), self.scales, self.w,
                          log_src_len=self.log_ls[a][P], log_tgt_len=self.log_lt[b][Q],
                          lexical=lexical,
                          bonus=self._bonus(a, b, P, Q) if self._wants_bonus(a, b) else None)

    # -- the dense gather: evidence as window-by-window matrices ----------------------------------
    def _matrix(self, marg: Margins | None, a: int, b: int) -> np.ndarray:
        """Scores of every pair of (approximate) windows of sizes a and b, as a matrix."""
        p = self.p
        lexical = None
        if self.lexical is not None and p.lexical_weight:
            f = self.lexical.f.get((a, b) if self.zh_is_src else (b, a))
            if f is not None:
                lexical = f if self.zh_is_src else f.T
        bonus = None
        if self._wants_bonus(a, b):
            st = self._s11_strip()
            na, mb = self.n - a + 1, self.m - b + 1
            bonus = _merge_bonus({(i, j): st[i:i + na, j:j + mb]
                                  for i in range(a) for j in range(b)}, a, b)
        sums = (None if marg is None
                else [ms[a][:, None] + mt[b][None, :] for ms, mt in marg])
        return bead_score(p, [self._dense_sim(e, a, b) for e in range(len(self.src))], sums,
                          self.scales, self.w, log_src_len=self.log_ls[a][:, None],
                          log_tgt_len=self.log_lt[b][None, :], lexical=lexical, bonus=bonus)

    def _dense_band_scores(self, types: Sequence[tuple[int, int]], marg: Margins | None,
                           approx: bool, allowed: dict[tuple[int, int], np.ndarray] | None,
                           ) -> tuple[list[np.ndarray], np.ndarray]:
        """:meth:`band_scores` over the whole lattice: the band layout is the matrix layout,
        and the bead of type (a, b) ending at (i, j) pairs windows (i - a, a), (j - b, b)."""
        n, m = self.n, self.m
        out: list[np.ndarray] = []
        for a, b in types:
            S = np.full((n + 1, m + 1), NEG, np.float32)
            if b == 0:
                S[a:] = self.p.skip
                out.append(S)
                continue
            if n - a + 1 <= 0 or m - b + 1 <= 0:
                out.append(S)
                continue
            merged = a > 1 or b > 1
            mask = None
            if not approx and merged:
                if allowed is None or (a, b) not in allowed or not allowed[(a, b)][a:, b:].any():
                    out.append(S)
                    continue
                mask = allowed[(a, b)][a:, b:]
            if mask is None:
                vals = self._matrix(marg, a, b)
                S[a:, b:] = np.where(np.isfinite(vals), vals, NEG)
            else:  # embedded windows, scored only where the first search found them plausible
                P, Q = np.nonzero(mask)
                vals = self._cells(marg, a, b, P, Q, exact=True)
                S[P + a, Q + b] = np.where(np.isfinite(vals), vals, NEG)
            out.append(S)
        return out, np.full((n + 1, m + 1), np.float32(self.p.skip), np.float32)

    # -- the door in -----------------------------------------------------------------------------
    def band_scores(self, types: Sequence[tuple[int, int]], *, approx: bool = True,
                    allowed: dict[tuple[int, int], np.ndarray] | None = None,
                    ) -> tuple[list[np.ndarray], np.ndarray]:
        """Score arrays in band layout for :func:`paralign.alignment.dp.search`.

        With ``approx`` every window is approximated from its members (no encoder needed).
        Without it, merged beads are scored only where ``allowed[(a, b)]`` (a boolean array
        of the band's shape) is True, with exact vectors where the window was embedded;
        elsewhere they get ``NEG``. Calibrates first when :attr:`scales` is not set.
        """
        if self.scales is None:
            self.calibrate()
        band = self.band
        n, m = self.n, self.m
        W = band.width
        lo, hi = band.lo, band.hi
        idx = np.arange(W)
        a_max = max(a for a, _ in types)
        b_max = max(b for _, b in types)
        marg = self.margins(a_max, b_max, approx) if self.p.margin_weight else None
        if self._dense:
            return self._dense_band_scores(types, marg, approx, allowed)
        in_band = idx[None, :] <= (hi - lo)[:, None]
        rows = np.arange(n + 1)
        J = lo[:, None] + idx[None, :]
        out: list[np.ndarray] = []
        for a, b in types:
            if b == 0:
                S = np.full((n + 1, W), NEG, np.float32)
                S[a:] = self.p.skip
                out.append(np.where(in_band, S, np.float32(NEG)))
                continue
            P = np.broadcast_to(rows[:, None] - a, J.shape)
            Q = J - b
            ok = in_band & (P >= 0) & (Q >= 0) & (P <= n - a) & (Q <= m - b)
            merged = a > 1 or b > 1
            if not approx and merged:
                if allowed is not None and (a, b) in allowed:
                    ok &= allowed[(a, b)]
                else:
                    ok[:] = False
            S = np.full((n + 1, W), NEG, np.float32)
            if not ok.any():
                out.append(S)
                continue
            pr, qr = P[ok], Q[ok]
            vals = self._cells(marg, a, b, pr, qr, exact=not approx and merged)
            S[ok] = np.where(np.isfinite(vals), vals, NEG)
            out.append(S)
        skip = np.where(in_band, np.float32(self.p.skip), np.float32(NEG))
        return out, skip
