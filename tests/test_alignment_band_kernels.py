"""band_kernels: the compiled band scoring gives the same score arrays, bit for bit, as the
numpy code it replaces (``PARALIGN_NO_NUMBA``) and as its own plain-Python run
(``py_func``), over encoders, margins, dictionary evidence either way round, merge bonus,
length term, approximate and exact passes; and the blocked window sums of SideVectors equal
the whole-array prefix sums."""

from __future__ import annotations

import numpy as np
import pytest

from paralign.alignment import band_kernels, similarity
from paralign.alignment.dp import band_from_path
from paralign.alignment.scoring import BandScorer, ScoreParams, bead_types
from paralign.alignment.similarity import SideVectors


def _unit(rng, n, d=24):
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class _Lexicon:
    """Dense F-score tables per (Chinese, English) window sizes, some missing, as
    :class:`~paralign.alignment.lexical.LexicalEvidence` keeps them in ``f``."""

    def __init__(self, rng, nz, ne, types, missing):
        self.f = {(a, b): rng.random((nz - a + 1, ne - b + 1)) for a, b in types
                  if b and nz - a + 1 > 0 and ne - b + 1 > 0 and (a, b) not in missing}

    def score(self, a, b, P, Q):
        f = self.f.get((a, b))
        return np.zeros(len(P)) if f is None else f[P, Q]

    def band_scores(self, band, types, zh_is_src):
        """``LexicalEvidence.band_scores`` read off the dense tables, cell by cell: the
        bead of source size a, target size b ending at row i, column lo[i] + c."""
        W = int((band.hi - band.lo).max()) + 1
        out = np.full((len(types), len(band.lo), W), np.nan)
        for t, (a, b) in enumerate(types):
            f = self.f.get((a, b) if zh_is_src else (b, a))
            if f is None:
                out[t] = 0.0
                continue
            for i in range(len(band.lo)):
                for c in range(band.hi[i] - band.lo[i] + 1):
                    P, Q = i - a, band.lo[i] + c - b
                    if not zh_is_src:
                        P, Q = Q, P
                    if 0 <= P < f.shape[0] and 0 <= Q < f.shape[1]:
                        out[t, i, c] = f[P, Q]
        return out


def _path(rng, n, m):
    i = j = 0
    path = [(0, 0)]
    while i < n or j < m:
        i, j = min(i + int(rng.integers(0, 3)), n), min(j + int(rng.integers(0, 3)), m)
        if path[-1] != (i, j):
            path.append((i, j))
    return path


# seed, n, m, encoders, margin, lexical, share, length, half-width
CASES = [
    (0, 40, 55, 1, True, "zh-src", 0.2, 0.3, 4),
    (1, 60, 45, 2, True, "zh-tgt", 0.2, 0.3, 3),
    (2, 35, 35, 1, False, None, 0.0, 0.0, 2),
    (3, 50, 70, 2, False, "zh-src", 0.2, 0.0, 5),
    (4, 30, 20, 1, True, None, 0.2, 0.5, 6),
    (5, 8, 30, 1, True, "zh-tgt", 0.2, 0.3, 2),
]


def _scores(seed, n, m, E, margin, lexical, share, length, width):
    """Approximate then exact band scores of one random problem, and the margins."""
    rng = np.random.default_rng(seed)
    types = bead_types(3, 5)
    K = 3
    S = [SideVectors(_unit(rng, n), K) for _ in range(E)]
    T = [SideVectors(_unit(rng, m), K) for _ in range(E)]
    ls, lt = rng.integers(3, 40, n).astype(float), rng.integers(9, 120, m).astype(float)
    params = ScoreParams(knn=4, margin_weight=0.5 if margin else 0.0, length_weight=length,
                         skip=-0.4, ratio=2.5, lexical_weight=0.8, share_weight=share,
                         null_weight=0.9)
    band = band_from_path(_path(rng, n, m), n, m, width)
    lex = None
    if lexical is not None:
        nz, ne = (n, m) if lexical == "zh-src" else (m, n)
        lex = _Lexicon(rng, nz, ne, [(a, b) if lexical == "zh-src" else (b, a) for a, b in types],
                       missing={(2, 3), (3, 2)})
    sc = BandScorer(S, T, ls, lt, params, K, band, weights=[1.0, 0.5][:E], lexical=lex,
                    zh_is_src=lexical != "zh-tgt", dense=False)
    first = sc.band_scores(types, approx=True)
    allowed = {t: rng.random(first[0][0].shape) < 0.4 for t in types if max(t) > 1}
    del allowed[(1, 2)]  # a merge type the first search found nowhere plausible
    for sides in (S, T):
        for k in (2, 3):
            starts = np.arange(0, max(sides[0].n - k + 1, 0), 3)
            for side in sides:
                side.set_exact(k, starts, _unit(rng, len(starts)))
    second = sc.band_scores(types, approx=False, allowed=allowed)
    marg = sc.margins(3, 3, False) if margin else []
    return first, second, marg, sc.scales, band


def _run(monkeypatch, how, case):
    if how == "numpy":
        monkeypatch.setenv("PARALIGN_NO_NUMBA", "1")
    else:
        monkeypatch.delenv("PARALIGN_NO_NUMBA", raising=False)
    if how == "python":
        monkeypatch.setattr(band_kernels, "compiled", lambda name: getattr(band_kernels, name))
    elif how == "numba":
        k = band_kernels.compiled("band_type_scores")
        assert k is not None and hasattr(k, "py_func"), "numba is not available"
    return _scores(*case)


def _same(x, y):
    assert x.dtype == y.dtype and x.shape == y.shape
    assert np.array_equal(x, y, equal_nan=True)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("how", ["numba", "python"])
def test_band_scores_match_numpy(monkeypatch, case, how):
    ref = _run(monkeypatch, "numpy", case)
    got = _run(monkeypatch, how, case)
    for (rs, rskip), (gs, gskip) in zip(ref[:2], got[:2]):
        assert len(rs) == len(gs)
        for r, g in zip(rs, gs):
            _same(r, g)
        _same(rskip, gskip)
    assert any((s > -1e29).any() for s in got[1][0][2:]), "no merge scored in the exact pass"
    for (rms, rmt), (gms, gmt) in zip(ref[2], got[2]):
        for k in rms:
            _same(rms[k], gms[k])
            _same(rmt[k], gmt[k])
    assert ref[3] == got[3]
    assert np.array_equal(ref[4].lo, got[4].lo)


def _reference_windows(x, K):
    """SideVectors' norms and approximate window vectors from whole-array prefix sums."""
    n = len(x)
    csum = np.zeros((n + 1, x.shape[1]))
    np.cumsum(x, axis=0, out=csum[1:])
    norms, wvec = {}, {}
    for k in range(2, K + 1):
        if n - k + 1 <= 0:
            continue
        s = csum[k:] - csum[:-k]
        norms[k] = np.maximum(np.linalg.norm(s, axis=1), 1e-9)
        wvec[k] = (s / norms[k][:, None]).astype(np.float32)
    return norms, wvec


@pytest.mark.parametrize(("n", "K", "block"), [(1, 3, 4096), (4, 4, 2), (300, 5, 7),
                                               (700, 2, 64), (1000, 5, 4096), (9, 1, 3)])
@pytest.mark.parametrize("numba", [True, "short", False])
def test_window_sums_equal_whole_prefix_sums(monkeypatch, n, K, block, numba):
    """Window norms and vectors, blocked, compiled (also for short sides: "short") or not,
    equal the whole-array formula."""
    monkeypatch.setattr(similarity, "_SUM_BLOCK_ROWS", block)
    if numba:
        monkeypatch.delenv("PARALIGN_NO_NUMBA", raising=False)
        if numba == "short":
            monkeypatch.setattr(similarity, "_KERNEL_ROWS", 0)
    else:
        monkeypatch.setenv("PARALIGN_NO_NUMBA", "1")
    x = _unit(np.random.default_rng(n), n, 48) * np.float32(0.3)
    side = SideVectors(x, K)
    norms, wvec = _reference_windows(x, K)
    for k in range(1, K + 1):
        if k in norms:
            _same(side.norms[k], norms[k])
            _same(side.wvec[k], wvec[k])
            assert not side.has[k].any()
        else:
            assert len(side.norms[k]) == max(n - k + 1, 0)
    _same(side.wvec[1], x)
    with pytest.raises(KeyError):
        side.wvec[K + 1]


def test_prefix_sums_kernel_continues_from_carry():
    """The compiled prefix sums equal numpy's, started from the previous block's last row."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 7)).astype(np.float32)
    carry = rng.normal(size=7)
    want = np.cumsum(np.concatenate([carry[None], x]), axis=0)
    for kernel in (band_kernels.row_prefix_sums, band_kernels.compiled("row_prefix_sums")):
        out = np.empty((51, 7))
        kernel(x, carry, out)
        _same(out, want)


@pytest.mark.parametrize("case", CASES[:4])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_pruning_matches_numpy(monkeypatch, case, how):
    """The mirrored scores and the plausible merges of the first search, compiled or not."""
    from paralign.alignment import search as search_mod

    monkeypatch.setattr(search_mod, "KERNEL_ROWS", 0)
    first, *_, band = _scores(*case)
    types = bead_types(3, 5)
    scores, skip = first
    rband = search_mod.reverse_band(band)
    out = []
    for h in ("numpy", how):
        if h == "numpy":
            monkeypatch.setattr(band_kernels, "compiled", lambda name: None)
        elif h == "python":
            monkeypatch.setattr(band_kernels, "compiled", lambda name: getattr(band_kernels, name))
        else:
            monkeypatch.undo()
            monkeypatch.setattr(search_mod, "KERNEL_ROWS", 0)
        out.append((search_mod.mirror_scores(band, rband, types, scores, skip),
                    search_mod.plausible_merges(band, types, scores, skip, 0.7)))
    (rm, ra), (gm, ga) = out
    for r, g in zip(rm[0] + [rm[1]], gm[0] + [gm[1]]):
        _same(r, g)
    assert ra.keys() == ga.keys()
    assert any(ga[t].any() for t in ga), "no plausible merge"
    for t in ra:
        _same(ra[t], ga[t])


def _reference_exact_margins(sims, e, source_side, k, lo_, hi_, approx_values):
    """The exact-window margins as first written: one einsum over the gathered, padded
    neighbourhoods of a block of windows."""
    side = sims.src[e] if source_side else sims.tgt[e]
    other = sims.tgt[e] if source_side else sims.src[e]
    ex = side.exact_starts(k)
    if not len(ex) or other.n == 0:
        return approx_values
    out = approx_values.copy()
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
        out[rows] = similarity._topk_mean(np.where(inside, M, -np.inf), sims.knn)
    return out


@pytest.mark.parametrize(("seed", "n", "m", "dim", "width"),
                         [(0, 60, 80, 24, 3), (1, 90, 70, 512, 5), (2, 12, 30, 64, 2),
                          (3, 150, 150, 300, 8)])
def test_exact_margins_equal_the_batched_einsum(seed, n, m, dim, width):
    rng = np.random.default_rng(seed)
    K = 4
    S, T = SideVectors(_unit(rng, n, dim), K), SideVectors(_unit(rng, m, dim), K)
    for side in (S, T):
        for k in range(2, K + 1):
            starts = np.flatnonzero(rng.random(side.n - k + 1) < 0.5)
            side.set_exact(k, starts, _unit(rng, len(starts), dim))
    band = band_from_path(_path(rng, n, m), n, m, width)
    sims = similarity.BandSimilarities([S], [T], band, K, 8, dense=False)
    got = sims.margins(K, K, approx=False)
    s_lo, s_hi, t_lo, t_hi = sims._neighbourhoods
    approx = sims.margins(K, K, approx=True)
    for source_side, d, lo_, hi_ in ((True, got[0][0], s_lo, s_hi), (False, got[0][1], t_lo, t_hi)):
        for k in range(2, K + 1):
            base = approx[0][0 if source_side else 1][k]
            want = _reference_exact_margins(sims, 0, source_side, k, lo_, hi_, base)
            _same(d[k], want)
            assert not np.array_equal(d[k], base)


@pytest.mark.parametrize(("seed", "n", "m", "ties"), [(0, 30, 40, False), (1, 40, 25, True),
                                                     (2, 1, 9, False), (3, 9, 1, True),
                                                     (4, 20, 20, True)])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_partner_scores_match_numpy(monkeypatch, seed, n, m, ties, how):
    """Best and second-best 1-1 partners (the null beads' evidence), compiled or not."""
    from paralign.alignment import nulls
    from paralign.alignment.dp import NEG

    rng = np.random.default_rng(seed)
    band = band_from_path(_path(rng, n, m), n, m, 2)
    s11 = rng.normal(size=(n + 1, band.width))
    if ties:
        s11 = np.round(s11)
    s11[rng.random(s11.shape) < 0.15] = NEG
    s11[rng.random(s11.shape) < 0.05] = -np.inf
    s11 = s11.astype(np.float32)
    monkeypatch.setattr(nulls, "KERNEL_ROWS", 0)
    out = []
    for h in ("numpy", how):
        if h == "numpy":
            monkeypatch.setattr(band_kernels, "compiled", lambda name: None)
        elif h == "python":
            monkeypatch.setattr(band_kernels, "compiled", lambda name: getattr(band_kernels, name))
        else:
            monkeypatch.undo()
            monkeypatch.setattr(nulls, "KERNEL_ROWS", 0)
        out.append(nulls.best_partner_scores(s11, band.lo, m, (True, True)))
    for (rb, rs), (gb, gs) in zip(*out):
        _same(rb, gb)
        _same(rs, gs)
    assert np.isfinite(out[1][0][0]).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_row_norms_equal_numpy(dtype, how):
    """numpy's pairwise sums of squares, rebuilt: every length's tree of partial sums."""
    kernel = band_kernels.compiled("row_norms") if how == "numba" else band_kernels.row_norms
    assert kernel is not None
    rng = np.random.default_rng(7)
    for d in (1, 2, 7, 8, 9, 16, 100, 127, 128, 129, 200, 384, 511, 512, 513, 768, 1030):
        x = (rng.normal(size=(40 if how == "numba" else 3, d)) * 0.1).astype(dtype)
        out = np.empty(len(x), dtype)
        kernel(x, np.zeros((0, d), dtype), out)
        _same(out, np.linalg.norm(x, axis=1))
        # of differences (window sums from prefix sums), only the first len(out) rows
        y = (rng.normal(size=x.shape) * 0.1).astype(dtype)
        out = np.empty(len(x) - 1, dtype)
        kernel(x, y, out)
        _same(out, np.linalg.norm(x - y, axis=1)[:-1])


@pytest.mark.parametrize("n", [1, 2, 7, 300, 301, 2000])
def test_pooled_vectors_equal_the_stacked_formula(n):
    from paralign.alignment.search import _pool

    v = _unit(np.random.default_rng(n), n, 64)
    h = n // 2
    out = v[: 2 * h: 2] + v[1: 2 * h: 2]
    if n % 2:
        out = np.vstack([out, v[-1:]])
    want = (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)).astype(np.float32)
    _same(_pool(v), want)


@pytest.mark.parametrize("case", CASES[:3])
def test_renewed_scorer_equals_a_new_one(case):
    """A realignment's second pass reuses the first scorer's lexicon-free parts: the same
    scores as a scorer built afresh, windows embedded by the first pass forgotten."""
    seed, n, m, E, margin, lexical, share, length, width = case
    rng = np.random.default_rng(seed)
    types = bead_types(3, 5)
    xs = [_unit(rng, n) for _ in range(E)]
    ys = [_unit(rng, m) for _ in range(E)]
    ls, lt = rng.integers(3, 40, n).astype(float), rng.integers(9, 120, m).astype(float)
    params = ScoreParams(knn=4, margin_weight=0.5 if margin else 0.0, length_weight=length,
                         skip=-0.4, ratio=2.5, lexical_weight=0.8, share_weight=share,
                         null_weight=0.9)
    band = band_from_path(_path(rng, n, m), n, m, width)
    lex1 = _Lexicon(rng, n, m, types, missing=set())
    lex2 = _Lexicon(rng, n, m, types, missing={(2, 2)})

    def scorer(lex):
        return BandScorer([SideVectors(x, 3) for x in xs], [SideVectors(y, 3) for y in ys],
                          ls, lt, params, 3, band, lexical=lex, dense=False)

    def passes(sc, embed_seed):
        first = sc.band_scores(types, approx=True)
        allowed = {t: np.random.default_rng(embed_seed).random(first[0][0].shape) < 0.4
                   for t in types if max(t) > 1}
        r = np.random.default_rng(embed_seed)
        for sides in (sc.src, sc.tgt):
            for k in (2, 3):
                starts = np.arange(0, max(sides[0].n - k + 1, 0), 2 + embed_seed % 2)
                for side in sides:
                    side.set_exact(k, starts, _unit(r, len(starts)))
        return first, sc.band_scores(types, approx=False, allowed=allowed)

    old = scorer(lex1)
    passes(old, 1)
    got = passes(old.renewed(lex2), 2)
    want = passes(scorer(lex2), 2)
    for (gs, gskip), (ws, wskip) in zip(got, want):
        for g, w in zip(gs, ws):
            _same(g, w)
        _same(gskip, wskip)


def test_side_vectors_are_freed_without_the_cycle_collector():
    """A side and its lazy window mapping form no reference cycle: dropping the last
    reference frees the side (and its window vectors) at once."""
    import gc
    import weakref

    side = SideVectors(_unit(np.random.default_rng(0), 20), 3)
    side.wvec[2]  # formed
    ref = weakref.ref(side)
    gc.disable()
    try:
        del side
        assert ref() is None
    finally:
        gc.enable()


# dim: whole runs of 8, a tail of pairs, an odd last element, einsum's own row length
@pytest.mark.parametrize("dim", [1, 2, 7, 8, 9, 24, 100, 383, 512, 513])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_einsum_dot_rows_is_the_per_row_einsum(dim, how):
    """The compiled cosines of exact windows with their neighbourhoods, bit for bit those of
    one einsum per window, including empty, one-column and last-column neighbourhoods."""
    rng = np.random.default_rng(dim)
    m, nw, R = 70, 12, 25
    single = rng.normal(size=(m, dim)).astype(np.float32)
    single[rng.random(single.shape) < 0.05] = 0.0
    wv = rng.normal(size=(nw, dim)).astype(np.float32)
    rows = rng.integers(0, nw, R)
    w_lo = np.sort(rng.integers(0, m, R))
    w_hi = np.minimum(w_lo + rng.integers(-2, 45, R), m)
    w_lo[:3], w_hi[:3] = [0, 5, m - 1], [1, 5, m]
    want = np.full((R, 50), -np.inf)
    for r in range(R):
        if w_hi[r] > w_lo[r]:
            want[r, :w_hi[r] - w_lo[r]] = np.einsum("cd,d->c", single[w_lo[r]:w_hi[r]],
                                                    wv[rows[r]], dtype=np.float64)
    kernel = (band_kernels.compiled("einsum_dot_rows") if how == "numba"
              else band_kernels.einsum_dot_rows)
    if kernel is None:
        pytest.skip("numba not available")
    got = np.full_like(want, -np.inf)
    kernel(np.ascontiguousarray(single.T), wv, rows, w_lo, w_hi, got)
    _same(got.view(np.int64), want.view(np.int64))


@pytest.mark.parametrize(("seed", "n", "m", "dim", "width"),
                         [(0, 60, 80, 24, 3), (1, 90, 70, 512, 5), (3, 150, 150, 37, 8)])
def test_exact_margins_compiled_equal_numpy(monkeypatch, seed, n, m, dim, width):
    """Exact-window margins with the compiled per-window cosines and with the numpy
    fallback (one einsum per window), and on the fresh sides of a second pass."""
    out = []
    for h in ("numba", "numpy"):
        monkeypatch.setattr(similarity, "_EINSUM_ROWS", {})
        if h == "numpy":
            monkeypatch.setattr(band_kernels, "compiled", lambda name: None)
        rng = np.random.default_rng(seed)
        K = 3
        S, T = SideVectors(_unit(rng, n, dim), K), SideVectors(_unit(rng, m, dim), K)
        band = band_from_path(_path(rng, n, m), n, m, width)
        sims = similarity.BandSimilarities([S], [T], band, K, 6, dense=False)
        res = []
        for sides in ((S, T), (S.fresh(), T.fresh())):
            for side in sides:
                for k in range(2, K + 1):
                    starts = np.flatnonzero(rng.random(side.n - k + 1) < 0.6)
                    side.set_exact(k, starts, _unit(rng, len(starts), dim))
            res.append(sims.rebound([sides[0]], [sides[1]]).margins(K, K, approx=False))
        out.append(res)
        monkeypatch.undo()
    for got, want in zip(out[0], out[1]):
        for d_got, d_want in zip(got[0], want[0]):
            for k in d_want:
                _same(d_got[k].view(np.int64), d_want[k].view(np.int64))


@pytest.mark.parametrize("how", ["numba", "python"])
def test_window_unit_rows_equal_numpy(how):
    """Approximate window vectors from two rows of the prefix sums over the window's norm,
    rounded to float32 as numpy assigns them."""
    kernel = (band_kernels.compiled("window_unit_rows") if how == "numba"
              else band_kernels.window_unit_rows)
    assert kernel is not None
    rng = np.random.default_rng(11)
    C = np.cumsum(rng.normal(size=(60, 33)), axis=0)
    for k in (1, 2, 5):
        cnt = 60 - k - 3
        norms = np.maximum(np.linalg.norm(C[k:k + cnt] - C[:cnt], axis=1), 1e-9)
        want = np.empty((cnt, 33), np.float32)
        want[:] = (C[k:k + cnt] - C[:cnt]) / norms[:, None]
        got = np.empty((cnt, 33), np.float32)
        kernel(C, k, norms, got)
        _same(got.view(np.int32), want.view(np.int32))


def test_a_fresh_side_forms_its_own_transpose():
    """A realignment keeps every chunk's fresh sides between its passes: they must not hold
    the first pass's transposed vectors (130 MB on the Bible), only form equal ones."""
    v = np.random.default_rng(3).standard_normal((30, 16)).astype(np.float32)
    side = SideVectors(v, 3)
    first = side.single_t()
    new = side.fresh()
    assert new._single_t is None
    again = new.single_t()
    assert again is not first and np.array_equal(again, first) and again.flags.c_contiguous
    assert new.single_t() is again and side.single_t() is first      # each formed once


@pytest.mark.parametrize(("seed", "n", "m", "width"), [(0, 60, 80, 3), (1, 90, 40, 6),
                                                      (2, 12, 30, 1), (3, 150, 150, 9)])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_approximate_margins_compiled_equal_numpy(monkeypatch, seed, n, m, width, how):
    """kNN means of the approximate windows of both sides (margin_rows: the source side
    summed along strip rows, the target side cell by cell) equal the numpy gathers."""
    out = []
    for h in ("numpy", how):
        if h == "numpy":
            monkeypatch.setattr(band_kernels, "compiled", lambda name: None)
        elif h == "python":
            monkeypatch.setattr(band_kernels, "compiled", lambda name: getattr(band_kernels, name))
        rng = np.random.default_rng(seed)
        K = 4
        S, T = SideVectors(_unit(rng, n), K), SideVectors(_unit(rng, m), K)
        band = band_from_path(_path(rng, n, m), n, m, width)
        sims = similarity.BandSimilarities([S], [T], band, K, 5, dense=False)
        out.append(sims.margins(K, K, approx=True))
        monkeypatch.undo()
    for d_got, d_want in zip(out[1][0], out[0][0]):
        assert d_got.keys() == d_want.keys()
        for k in d_want:
            _same(d_got[k].view(np.int64), d_want[k].view(np.int64))
