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
when one of their sentences matches two on the other side (:meth:`BandScorer._bonus`).
Skips (1-0, 0-1) cost a constant per sentence. The formula is written once,
:func:`bead_score`, a pure function of the gathered evidence.

Window embeddings are costly (longer texts, ``k - 1`` more of them per level), so scoring runs
in two modes. In the *approximate* mode a window's vector is the normalized sum of its
members' vectors; its similarities then follow from the single-sentence similarities
(:mod:`paralign.alignment.similarity`), without any encoder call or extra matrix product. In
the *exact* mode, windows the encoder has embedded are scored with their own vectors, and
only at the cells the caller allows (the beads a first search found plausible).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import band_kernels
from .dp import NEG, Band
from .medians import median
from .similarity import BandSimilarities, Margins, SideVectors

if TYPE_CHECKING:
    from ..config import AlignConfig

__all__ = ["ScoreParams", "BandScorer", "bead_types", "bead_score",
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
    null_weight: float = 0.0  # null beads priced by the sentence's own evidence (.nulls)

    @classmethod
    def from_config(cls, config: AlignConfig, *, ratio: float = 1.0,
                    length_weight: float | None = None) -> ScoreParams:
        """The config's scoring knobs; ``length_weight`` defaults to the config's base weight."""
        return cls(knn=config.knn,
                   margin_weight=config.margin_weight if config.margin == "knn" else 0.0,
                   length_weight=config.length_weight if length_weight is None else length_weight,
                   skip=config.skip, ratio=ratio, lexical_weight=config.lexical_weight,
                   share_weight=config.share_weight, null_weight=config.null_weight)



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


def _stacked(rows: list[np.ndarray]) -> np.ndarray:
    """Per-encoder vectors of one length as one (encoders, length) array (a view for one)."""
    return rows[0][None, :] if len(rows) == 1 else np.stack(rows)


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


class BandScorer:
    """Scores of every bead type at every cell of one band, for one or more encoders.

    The scorer is bound to its band: its :class:`~paralign.alignment.similarity.BandSimilarities`
    (the strip of single similarities near the band, window cosines, kNN margins) and the
    1-1 scores of the merge bonus are computed once, when first needed, and kept for the
    scorer's life. Evidence is gathered in one of two layouts, cell by cell along the band
    or, when the band is the whole lattice (short documents), as window-by-window matrices
    (*dense*, far cheaper); both hand it to :func:`bead_score`. ``dense=False`` forces the
    cell-by-cell gather (the two agree, as the tests check).
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
        self.sims = BandSimilarities(self.src, self.tgt, band, kmax, params.knn, dense)
        self._dense = self.sims.dense
        self._s11: np.ndarray | None = None
        # the first search's types, 1-1 and 1-0 scores (others None) and 0-1 scores
        self._first: tuple[tuple, list[np.ndarray | None], np.ndarray] | None = None

    def renewed(self, lexical: Any | None) -> BandScorer:
        """A scorer of the same band with other dictionary evidence and no window embedded
        yet, sharing everything that depends on neither: the sentence vectors and window
        norms, the strip and the approximate margins, the log lengths, the calibration
        scales and the merge bonus's 1-1 strip (a realignment's second pass; the scores are
        those a new scorer would give, as the tests check)."""
        new = object.__new__(BandScorer)
        new.__dict__.update(self.__dict__)
        new.src = [s.fresh() for s in self.src]
        new.tgt = [t.fresh() for t in self.tgt]
        new.sims = self.sims.rebound(new.src, new.tgt)
        new.lexical = lexical
        new._first = None
        return new

    @property
    def dense(self) -> bool:
        """Whether scores come from whole-matrix arithmetic (the band is the whole lattice)."""
        return self._dense

    def margins(self, a_max: int, b_max: int, approx: bool) -> Margins | None:
        """The windows' kNN means (:meth:`BandSimilarities.margins`), ``None`` without margin."""
        return self.sims.margins(a_max, b_max, approx) if self.p.margin_weight else None

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
        marg = self.margins(1, 1, True)
        band = self.band
        n, W = self.n, band.width
        lo, hi = band.lo, band.hi
        kernel = None if self._dense else band_kernels.compiled("calibration_cells")
        if kernel is not None:
            self.scales = [self._kernel_scale(kernel, e, marg) for e in range(len(self.src))]
            return
        idx = np.arange(W)
        J = lo[:, None] + idx[None, :]
        P = np.broadcast_to(np.arange(n + 1)[:, None] - 1, J.shape)
        Q = J - 1
        ok = (idx[None, :] <= (hi - lo)[:, None]) & (P >= 0) & (Q >= 0) & (P < n) & (Q < self.m)
        pr, qr = P[ok], Q[ok]
        self.scales = []
        for e in range(len(self.src)):
            c = self.sims.single(e, pr, qr)
            if marg is not None:
                ms, mt = marg[e]
                c = c - self.p.margin_weight * 0.5 * (ms[1][pr] + mt[1][qr])
            fin = np.isfinite(c)
            if not fin.any():
                self.scales.append(1.0)
                continue
            best = np.full(n, -np.inf)
            np.maximum.at(best, pr[fin], c[fin])
            gap = float(median(best[np.isfinite(best)]) - median(c[fin]))
            self.scales.append(max(gap, 1e-3))

    def _kernel_scale(self, kernel: Any, e: int, marg: Margins | None) -> float:
        """:meth:`calibrate`'s scale of encoder ``e`` from the compiled gather of the band's
        1-1 cells (the same values, so the same medians)."""
        band = self.band
        c = np.empty(band.cells())
        best = np.full(self.n, -np.inf)
        margin_on = marg is not None
        ms, mt = marg[e] if marg is not None else ({1: np.zeros(0)}, {1: np.zeros(0)})
        cnt = kernel(self.sims.strips[e], self.sims.strip_lo, band.lo, band.hi - band.lo,
                     self.m, margin_on, ms[1], mt[1], float(self.p.margin_weight * 0.5), c, best)
        c = c[:cnt]
        fin = np.isfinite(c)
        if not fin.any():
            return 1.0
        gap = float(median(best[np.isfinite(best)]) - median(c[fin]))
        return max(gap, 1e-3)

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
            return [self.sims.dense_sim(e, a, b)[P, Q] for e in range(len(self.src))]
        return [self.sims.approx(e, a, b, P, Q) for e in range(len(self.src))]

    def _s11_strip(self) -> np.ndarray:
        """Combined, scaled 1-1 similarities of every strip cell (for the merge bonus)."""
        kernel = (None if self._s11 is not None or self._dense
                  else band_kernels.compiled("s11_strip"))
        if kernel is not None:
            marg = self.margins(1, 1, True)
            assert self.scales is not None
            st = np.empty((self.n, self.sims.strip_w))
            kernel(self.sims.strip_stack, self.sims.strip_lo, self.sims.strip_hi,
                   _stacked([sx.norms[1] for sx in self.src]),
                   _stacked([tx.norms[1] for tx in self.tgt]), marg is not None,
                   _stacked([mg[0][1] for mg in marg]) if marg is not None else np.zeros((0, 0)),
                   _stacked([mg[1][1] for mg in marg]) if marg is not None else np.zeros((0, 0)),
                   float(self.p.margin_weight * 0.5), np.asarray(self.scales, np.float64),
                   self.w, float(np.sum(self.w)), st)
            self._s11 = st
        if self._s11 is None:
            n, W = self.n, self.sims.strip_w
            P = np.broadcast_to(np.arange(n)[:, None], (n, W))
            Q = self.sims.strip_lo[:, None] + np.arange(W)[None, :]
            ok = Q < self.sims.strip_hi[:, None]
            pr, qr = P[ok], Q[ok]
            marg = self.margins(1, 1, True)
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
        W = self.sims.strip_w

        def s11(i: int, j: int) -> np.ndarray:
            if self._dense:  # the strip is the whole matrix; windows lie inside it
                return st[P + i, Q + j]
            rows = np.clip(P + i, 0, max(self.n - 1, 0))
            c = Q + j - self.sims.strip_lo[rows]
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
        return bead_score(p, [self.sims.dense_sim(e, a, b) for e in range(len(self.src))], sums,
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
        skip = np.full((n + 1, m + 1), np.float32(self.p.skip), np.float32)
        return self._evidence_nulls(types, out, skip, np.zeros(n + 1, np.int64))

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
        marg = self.margins(a_max, b_max, approx)
        if self._dense:
            return self._dense_band_scores(types, marg, approx, allowed)
        chain = band_kernels.compiled("band_chain_scores") if approx else None
        if chain is not None:
            scores, skip = self._chain_band_scores(chain, types, marg)
            # what the exact search scores as the first did: its 1-1, 1-0 and 0-1 beads
            self._first = (tuple(types), [s if t in ((1, 1), (1, 0)) else None
                                          for s, t in zip(scores, types)], skip)
            return scores, skip
        first = (self._first if not approx and self._first is not None
                 and self._first[0] == tuple(types) else None)
        in_band = idx[None, :] <= (hi - lo)[:, None]
        rows = np.arange(n + 1)
        kernel = band_kernels.compiled("band_type_scores")
        merged = [(a, b) for a, b in types if b >= 1]
        lex_all = self._lex_band(types) if kernel is not None else None
        J = lo[:, None] + idx[None, :]
        out: list[np.ndarray] = []
        for a, b in types:
            if b == 0:
                S = np.full((n + 1, W), NEG, np.float32)
                S[a:] = self.p.skip
                out.append(np.where(in_band, S, np.float32(NEG)))
                continue
            if first is not None and (a, b) == (1, 1):
                out.append(first[1][types.index((1, 1))].copy())
                continue
            if kernel is not None:
                lex = None if lex_all is None else lex_all[merged.index((a, b))]
                out.append(self._kernel_type(kernel, marg, a, b, approx, allowed, lex))
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
        if first is not None:  # the 1-1 scores, hence the null beads' prices, are the same
            if (1, 0) in types:
                t10 = types.index((1, 0))
                out[t10] = first[1][t10].copy()
            return out, first[2].copy()
        skip = np.where(in_band, np.float32(self.p.skip), np.float32(NEG))
        return self._evidence_nulls(types, out, skip, lo)

    def _chain_band_scores(self, kernel: Any, types: Sequence[tuple[int, int]],
                           marg: Margins | None) -> tuple[list[np.ndarray], np.ndarray]:
        """:meth:`band_scores` of the first search from the compiled chains
        (:func:`paralign.alignment.band_kernels.band_chain_scores`, one call per target
        window size); the same values as the cell-by-cell gather."""
        band = self.band
        n, m, p = self.n, self.m, self.p
        lo, hi = band.lo, band.hi
        W = band.width
        span = hi - lo
        E = len(self.src)
        K = max(max(a for a, _ in types), max(b for _, b in types))
        merged_types = [(a, b) for a, b in types if b >= 1]
        out3 = np.full((len(merged_types), n + 1, W), NEG, np.float32)

        def padded(rows: list[dict[int, np.ndarray]], length: int) -> np.ndarray:
            arr = np.zeros((len(rows), K + 1, length))
            for e, d in enumerate(rows):
                for k in range(1, K + 1):
                    v = d.get(k)
                    if v is not None and len(v):
                        arr[e, k, :len(v)] = v
            return arr

        ns = padded([sx.norms for sx in self.src], n)
        nt = padded([tx.norms for tx in self.tgt], m)
        margin_on = marg is not None
        ms = padded([mg[0] for mg in marg], n) if margin_on else np.zeros((E, K + 1, 1))
        mt = padded([mg[1] for mg in marg], m) if margin_on else np.zeros((E, K + 1, 1))
        lls = padded([self.log_ls], n)[0]
        llt = padded([self.log_lt], m)[0]
        any_bonus = any(self._wants_bonus(a, b) for a, b in merged_types)
        s11 = self._s11_strip() if any_bonus else np.zeros((1, 1))
        assert self.scales is not None
        scales = np.asarray(self.scales, np.float64)
        lex = self._lex_band(types)
        lex_on = lex is not None
        if lex is None:
            lex = np.zeros((0, 0, 0))
        for b in sorted({b for _, b in merged_types}):
            sizes = [a for a, bb in merged_types if bb == b]
            amax = max(sizes)
            T = np.full(amax + 1, -1, np.int64)
            bonus_on = np.zeros(amax + 1, np.bool_)
            for a in sizes:
                T[a] = merged_types.index((a, b))
                bonus_on[a] = self._wants_bonus(a, b)
            kernel(b, amax, T, lo, span, m, self.sims.strip_stack, self.sims.strip_lo,
                   ns, nt, margin_on, ms, mt, float(p.margin_weight * 0.5), scales, self.w,
                   float(np.sum(self.w)), lex_on, lex, float(p.lexical_weight), bonus_on,
                   any_bonus, s11, float(p.share_weight), bool(p.length_weight), lls, llt,
                   float(p.length_weight), out3)
        in_band = np.arange(W)[None, :] <= span[:, None]
        out: list[np.ndarray] = []
        for a, b in types:
            if b == 0:
                S = np.full((n + 1, W), NEG, np.float32)
                S[a:] = p.skip
                out.append(np.where(in_band, S, np.float32(NEG)))
            else:
                out.append(out3[merged_types.index((a, b))])
        skip = np.where(in_band, np.float32(p.skip), np.float32(NEG))
        return self._evidence_nulls(types, out, skip, lo)

    def _lex_band(self, types: Sequence[tuple[int, int]]) -> np.ndarray | None:
        """The dictionary F-scores of the beads of ``types`` with ``b >= 1`` (in that order)
        at every cell of the band, in band layout
        (:meth:`~paralign.alignment.lexical.LexicalEvidence.band_scores`: the evidence keeps
        them for the block's second search); ``None`` without a dictionary term."""
        if self.lexical is None or not self.p.lexical_weight:
            return None
        return self.lexical.band_scores(self.band, [(a, b) for a, b in types if b >= 1],
                                        self.zh_is_src)

    def _kernel_type(self, kernel: Any, marg: Margins | None, a: int, b: int, approx: bool,
                     allowed: dict[tuple[int, int], np.ndarray] | None,
                     lex: np.ndarray | None) -> np.ndarray:
        """The scores of the a-b beads over the band from the compiled gather
        (:func:`paralign.alignment.band_kernels.band_type_scores`): the same cells and the
        same arithmetic as the numpy gather of :meth:`band_scores` and :meth:`_cells`
        (``lex``: the beads' dictionary F-scores in band layout, ``None`` for none).
        Embedded windows (the exact pass's merges) are scored at their allowed cells only
        (:meth:`_exact_cells`)."""
        band = self.band
        n, m, p = self.n, self.m, self.p
        lo, hi = band.lo, band.hi
        W = band.width
        merged = a > 1 or b > 1
        if not approx and merged:
            return self._exact_cells(marg, a, b, allowed, lex)
        S = np.empty((n + 1, W), np.float32)
        empty2 = np.zeros((0, 0))
        mask, sims_ex = np.zeros((0, 0), bool), np.zeros((0, 0, 0))
        lex_on = lex is not None
        if lex is None:
            lex = empty2
        bonus_on = self._wants_bonus(a, b)
        s11 = self._s11_strip() if bonus_on else empty2
        margin_on = marg is not None
        ms = _stacked([mg[0][a] for mg in marg]) if margin_on else empty2
        mt = _stacked([mg[1][b] for mg in marg]) if margin_on else empty2
        assert self.scales is not None
        kernel(a, b, lo, hi - lo, m, self.sims.strip_stack, self.sims.strip_lo,
               _stacked([sx.norms[a] for sx in self.src]),
               _stacked([tx.norms[b] for tx in self.tgt]),
               margin_on, ms, mt, float(p.margin_weight * 0.5),
               np.asarray(self.scales, np.float64), self.w, float(np.sum(self.w)),
               False, sims_ex, False, mask, lex_on, lex, float(p.lexical_weight),
               bonus_on, s11, float(p.share_weight),
               bool(p.length_weight), self.log_ls[a], self.log_lt[b], float(p.length_weight),
               S)
        return S

    def _exact_cells(self, marg: Margins | None, a: int, b: int,
                     allowed: dict[tuple[int, int], np.ndarray] | None,
                     lex: np.ndarray | None) -> np.ndarray:
        """The exact pass's scores of the merged a-b beads: those at the cells ``allowed``
        marks (and that exist) from their embedded windows
        (:func:`paralign.alignment.band_kernels.band_cell_scores`, the arithmetic of
        ``band_type_scores``), ``NEG`` elsewhere.

        Why not the band's dense gather: the allowed cells are a few per thousand (none for
        most large types), and the band-sized mask, cosine array and kernel loop cost ten
        times their scoring. The cells come in row-major order (``np.nonzero``), the order
        in which boolean indexing lists the dense mask's, so the windows' cosines are taken
        over the same rows in the same order."""
        band = self.band
        n, m, p = self.n, self.m, self.p
        S = np.full((n + 1, band.width), NEG, np.float32)
        if allowed is None or (a, b) not in allowed:
            return S
        rows, cols = np.nonzero(allowed[(a, b)])
        if len(rows):
            lo = band.lo[rows]
            P = rows - a
            Q = lo + cols - b
            ok = ((cols <= band.hi[rows] - lo) & (P >= 0) & (Q >= 0) & (P <= n - a)
                  & (Q <= m - b))
            rows, cols, P, Q = rows[ok], cols[ok], P[ok], Q[ok]
        if not len(rows):
            return S
        sims = np.stack(self._sims(a, b, P, Q, True))
        empty2 = np.zeros((0, 0))
        lex_on = lex is not None
        bonus_on = self._wants_bonus(a, b)
        margin_on = marg is not None
        assert self.scales is not None
        band_kernels.compiled("band_cell_scores")(
            a, b, rows, cols, P, Q, self.sims.strip_lo, sims, margin_on,
            _stacked([mg[0][a] for mg in marg]) if margin_on else empty2,
            _stacked([mg[1][b] for mg in marg]) if margin_on else empty2,
            float(p.margin_weight * 0.5), np.asarray(self.scales, np.float64), self.w,
            float(np.sum(self.w)), lex_on, lex if lex_on else empty2, float(p.lexical_weight),
            bonus_on, self._s11_strip() if bonus_on else empty2, float(p.share_weight),
            bool(p.length_weight), self.log_ls[a], self.log_lt[b], float(p.length_weight), S)
        return S

    def _evidence_nulls(self, types: Sequence[tuple[int, int]], out: list[np.ndarray],
                        skip: np.ndarray, lo: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """The 1-0 and 0-1 scores priced by each sentence's best 1-1 score
        (:mod:`paralign.alignment.nulls`) when ``null_weight`` is set; else unchanged."""
        if not self.p.null_weight or (1, 1) not in types or (1, 0) not in types:
            return out, skip
        from .nulls import best_partner_scores, evidence_nulls, null_sides

        n, m = self.n, self.m
        sides = null_sides(n, m)
        src, tgt = best_partner_scores(out[types.index((1, 1))], lo, m, sides)
        w, skip0 = self.p.null_weight, self.p.skip
        ns = evidence_nulls(*src, skip0, w) if src is not None else np.full(n, skip0)
        nt = evidence_nulls(*tgt, skip0, w) if tgt is not None else np.full(m, skip0)
        J = lo[:, None] + np.arange(skip.shape[1])[None, :]
        live = skip > NEG / 2
        col = np.clip(J - 1, 0, max(m - 1, 0))
        skip = np.where(live & (J >= 1), nt[col] if m else skip, skip).astype(np.float32)
        t10 = types.index((1, 0))
        s10 = out[t10]
        row = np.clip(np.arange(n + 1) - 1, 0, max(n - 1, 0))
        live10 = s10 > NEG / 2
        vals = np.broadcast_to((ns[row] if n else np.zeros(n + 1))[:, None], s10.shape)
        out = list(out)
        out[t10] = np.where(live10, vals, s10).astype(np.float32)
        return out, skip
