"""kernels: the compiled DP gives the same tables and beads as the numpy code and as its own
plain-Python run (``py_func``), ties and impossible cells included."""

from __future__ import annotations

import numpy as np
import pytest

from paralign.alignment import dp, kernels
from paralign.alignment.dp import Band, band_from_path, search

from lattice_problems import random_problem


def _problem(seed: int, n: int, m: int, banded: bool, ties: bool, skip_dtype):
    return random_problem(seed, n, m, banded, ties, skip_dtype)


def _run(monkeypatch, how: str, band, types, scores, skip):
    monkeypatch.setattr(dp, "KERNEL_ROWS", 0)
    if how == "numpy":
        monkeypatch.setattr(dp, "compiled", lambda name: None)
    elif how == "python":
        monkeypatch.setattr(dp, "compiled", lambda name: getattr(kernels, name))
    else:
        k = kernels.compiled("dp_rows")
        assert k is not None and hasattr(k, "py_func"), "numba is not available"
        monkeypatch.setattr(dp, "compiled", lambda name: kernels.compiled(name))
    return search(band, types, scores, skip, return_table=True)


CASES = [
    (0, 6, 9, False, False, np.float32),
    (1, 12, 7, False, True, np.float32),
    (2, 40, 55, True, False, np.float32),
    (3, 60, 45, True, True, np.float32),
    (4, 30, 30, True, True, np.float64),
    (5, 1, 5, False, False, np.float32),
    (6, 5, 1, False, True, np.float32),
    (7, 120, 90, True, True, np.float32),
    (8, 70, 140, True, False, np.float64),
]


@pytest.mark.parametrize("seed,n,m,banded,ties,skip_dtype", CASES)
@pytest.mark.parametrize("how", ["numba", "python"])
def test_kernel_matches_numpy(monkeypatch, seed, n, m, banded, ties, skip_dtype, how):
    band, types, scores, skip = _problem(seed, n, m, banded, ties, skip_dtype)
    ref_beads, ref_total, ref_D = _run(monkeypatch, "numpy", band, types, scores, skip)
    beads, total, D = _run(monkeypatch, how, band, types, scores, skip)
    assert beads == ref_beads
    assert all(type(b) is tuple and all(type(x) is int for x in b) for b in beads)
    assert total == ref_total
    assert np.array_equal(D, ref_D)


@pytest.mark.parametrize("value,enabled", [("1", False), ("yes", False), ("", True), ("0", True)])
def test_env_switch_turns_numba_off(monkeypatch, value, enabled):
    monkeypatch.setenv("PARALIGN_NO_NUMBA", value)
    assert kernels.numba_enabled() is enabled
    assert (kernels.compiled("dp_rows") is not None) is enabled


@pytest.mark.parametrize("off,expected", [("", True), ("1", False)])
def test_warm_loads_the_kernels(monkeypatch, off, expected):
    monkeypatch.setenv("PARALIGN_NO_NUMBA", off)
    assert kernels.warm() is expected
    if expected:  # the float32 signature the search uses is compiled (or read from the cache)
        assert all(len(kernels.compiled(k).signatures) >= 1 for k in ("dp_rows", "lex_counts"))


# -- the dictionary evidence's word counts -----------------------------------------------
ZH_POOL = ["我们喝水。", "陈清扬是医生。", "他有三十二本书。", "一九七六年，他在北京。", "她很漂亮。",
           "老人在河边钓鱼。", "上帝说，要有光。", "。", "他用 Python 写程序。", "书和水。"]
EN_POOL = ["We drink water.", "Chen Qingyang is a doctor.", "He has thirty-two books.",
           "In 1976 he was in Beijing.", "She is very beautiful.", "The old man fished by the river.",
           "God said, let there be light.", "!", "He writes programs in Python.", "Books and water."]


def _lex_problem(seed: int, n: int, m: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    return ([ZH_POOL[k] for k in rng.integers(len(ZH_POOL), size=n)],
            [EN_POOL[k] for k in rng.integers(len(EN_POOL), size=m)])


def _random_band(rng, rows: int, cols: int, width: int):
    """A band around a random monotone path through a rows x cols lattice (rows - 1 by
    cols - 1 sentences), as the search makes them."""
    i = j = 0
    path = [(0, 0)]
    while i < rows - 1 or j < cols - 1:
        i, j = min(i + int(rng.integers(0, 3)), rows - 1), min(j + int(rng.integers(0, 3)), cols - 1)
        path.append((i, j))
    return band_from_path(path, rows - 1, cols - 1, width)


def _band_cells(band, zh_is_src: bool, a: int, b: int, n: int, m: int):
    """The (Chinese window, English window) pairs of the beads of sizes (a, b) ending in the
    band's cells: what the search asks the evidence for."""
    w = band.hi - band.lo + 1
    r = np.repeat(np.arange(len(band.lo)), w)
    c = np.repeat(band.lo - (np.cumsum(w) - w), w) + np.arange(int(w.sum()))
    P, Q = (r - a, c - b) if zh_is_src else (c - a, r - b)
    ok = (P >= 0) & (Q >= 0) & (P <= n - a) & (Q <= m - b)
    return P[ok], Q[ok]


def _use(monkeypatch, module, how: str) -> None:
    """Make ``module`` run its kernels compiled (``numba``), as plain Python (``python``), or
    not at all (``numpy``), at any size."""
    if how == "numpy":
        monkeypatch.setattr(module, "compiled", lambda name: None)
    elif how == "python":
        monkeypatch.setattr(module, "compiled", lambda name: getattr(kernels, name))
    else:
        assert kernels.compiled("lex_counts") is not None, "numba is not available"
        monkeypatch.setattr(module, "compiled", kernels.compiled)


@pytest.mark.parametrize("seed,n,m,k,max_total,width", [
    (0, 12, 15, 3, 4, 2), (1, 30, 22, 5, 6, 1), (2, 1, 9, 4, 5, 2), (3, 9, 1, 4, 5, 1),
    (4, 3, 3, 5, 6, 3), (5, 40, 60, 2, None, 4), (6, 70, 50, 5, 6, 3),
])
@pytest.mark.parametrize("band_of", [None, "zh-src", "zh-tgt", "zh-tgt-gaps"])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_lexical_counts_compiled_match_numpy(monkeypatch, seed, n, m, k, max_total, width,
                                             band_of, how):
    """The banded counts and cell scores of the kernels equal the numpy matrices' cells to
    the last bit: inside the band they were counted for, outside it (counted again, whole),
    and as matrices (whole, or the band's cells)."""
    from paralign.alignment import lexical

    zh, en = _lex_problem(seed, n, m)
    monkeypatch.setattr(lexical, "KERNEL_CELLS", 0)
    _use(monkeypatch, lexical, "numpy")
    ref = lexical.LexicalEvidence(zh, en, k, k, max_total).f
    ref = {key: ref[key] for key in ref}
    _use(monkeypatch, lexical, how)
    band = None
    if band_of is not None:
        rng = np.random.default_rng(seed)
        band = (_random_band(rng, n + 1, m + 1, width) if band_of == "zh-src"
                else _random_band(rng, m + 1, n + 1, width))
    if band_of == "zh-tgt-gaps":   # English rows, and Chinese columns that skip rows
        lo = np.where(np.arange(m + 1) % 2, 0, np.minimum(np.arange(m + 1), n))
        band = Band(lo, np.minimum(lo + width, n))
    zh_is_src = band_of in (None, "zh-src")
    ev = lexical.LexicalEvidence(zh, en, k, k, max_total, band=band, zh_is_src=zh_is_src)
    assert ev._cells is not None
    assert list(ev.f) == list(ref) and ref
    for key in ref:
        if band is not None:
            P, Q = _band_cells(band, zh_is_src, *key, n, m)
            got = ev.score(*key, P, Q)
            assert got.dtype == np.float64 and np.array_equal(got, ref[key][P, Q]), key
    if band is not None:   # cells far from the band: counted again, for the whole block
        P, Q = np.indices(ref[(1, 1)].shape)
        far = np.abs(P * m - Q * n) >= np.abs(P * m - Q * n).max()
        assert np.array_equal(ev.score(1, 1, P[far], Q[far]), ref[(1, 1)][far])
    for key in ref:
        f = ev.f[key]
        assert f.dtype == ref[key].dtype and f.shape == ref[key].shape, key
        if band is None:
            assert np.array_equal(f, ref[key]), key
            continue
        # a banded evidence's matrices: the cells of the band's beads, NaN elsewhere
        P, Q = _band_cells(band, zh_is_src, *key, n, m)
        assert np.array_equal(f[P, Q], ref[key][P, Q]), key
        outside = np.ones(f.shape, bool)
        outside[P, Q] = False
        assert np.isnan(f[outside]).all()
    if band is not None:   # in band layout: the band's own, then a wider one (counted again)
        wider = Band(np.maximum(band.lo - 2, 0), np.minimum(band.hi + 2, band.hi[-1]))
        for b_ in (band, wider):
            types = [(a, b) for a in range(1, k + 2) for b in range(1, k + 1)]
            _check_band_layout(ev, ref, b_, types, zh_is_src, n, m)


def _check_band_layout(ev, ref, band, types, zh_is_src, n, m):
    """``band_scores`` holds, at row i, column lo[i] + c, the score of the bead of each
    (source, target) type ending there: the reference matrices' cell, NaN where the bead
    does not exist, 0.0 throughout for a pair of sizes never scored."""
    got = ev.band_scores(band, types, zh_is_src)
    assert got.shape == (len(types), len(band.lo), band.width) and got.dtype == np.float64
    assert ev.band_scores(band, types, zh_is_src) is got          # kept for the next search
    for t, (a, b) in enumerate(types):
        key = (a, b) if zh_is_src else (b, a)
        if key not in ref:
            assert (got[t] == 0.0).all(), key
            continue
        want = np.full(got.shape[1:], np.nan)
        for i in range(len(band.lo)):
            for c in range(band.hi[i] - band.lo[i] + 1):
                p, q = i - a, band.lo[i] + c - b
                if not zh_is_src:
                    p, q = q, p
                if 0 <= p <= n - key[0] and 0 <= q <= m - key[1]:
                    want[i, c] = ref[key][p, q]
        assert np.array_equal(got[t], want, equal_nan=True), key


@pytest.mark.parametrize("seed,n,m,width", [(0, 12, 15, 2), (1, 30, 22, 1), (2, 1, 9, 2)])
@pytest.mark.parametrize("zh_is_src", [True, False])
def test_dense_counts_give_the_same_band_layout(monkeypatch, seed, n, m, width, zh_is_src):
    """A short block (dense counts, or numba off) gives the band layout from its matrices."""
    from paralign.alignment import lexical

    zh, en = _lex_problem(seed, n, m)
    _use(monkeypatch, lexical, "numpy")
    ref = lexical.LexicalEvidence(zh, en, 3, 3, 4).f
    ref = {key: ref[key] for key in ref}
    rng = np.random.default_rng(seed)
    band = (_random_band(rng, n + 1, m + 1, width) if zh_is_src
            else _random_band(rng, m + 1, n + 1, width))
    ev = lexical.LexicalEvidence(zh, en, 3, 3, 4, band=band, zh_is_src=zh_is_src)
    assert ev._cells is None
    _check_band_layout(ev, ref, band, [(a, b) for a in range(1, 5) for b in range(1, 4)],
                       zh_is_src, n, m)


@pytest.mark.parametrize("seed,n,m,k,ranges", [
    (0, 12, 15, 3, "random"), (1, 40, 30, 5, "random"), (2, 25, 25, 4, "whole"), (3, 1, 9, 5, "random"),
    (4, 9, 1, 5, "whole"), (5, 30, 40, 5, "diagonal"), (6, 60, 45, 2, "empty"),
])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_lex_counts_equal_the_dense_counts(monkeypatch, seed, n, m, k, ranges, how):
    """The banded counts of lex_counts, for any English range of each Chinese sentence
    (random, unordered, empty, whole), are the differences of the dense prefix counts."""
    from paralign.alignment import lexical

    zh, en = _lex_problem(seed, n, m)
    words = lexical.DocumentWords(zh, en)
    has, type_ptr, type_ids = words.glosses(None)
    so = np.repeat(np.arange(n, dtype=np.int64), np.diff(words.z_ptr))
    tok = words.z_type
    so, tok = so[has[tok]], tok[has[tok]]
    pc, hc = np.zeros((n + 1, m, k)), np.zeros((n, m + 1, k))
    lexical._counts_numpy(so, tok, type_ptr, type_ids, words.e_ptr, words.e_ids, n, m,
                          len(words.vocab), k, k, pc, hc)
    rng = np.random.default_rng(seed)
    if ranges == "whole":
        lo, hi = np.zeros(n, np.int64), np.full(n, m, np.int64)
    elif ranges == "diagonal":
        lo = np.clip(np.arange(n) * m // n - 3, 0, m).astype(np.int64)
        hi = np.clip(lo + 7, 0, m).astype(np.int64)
    else:
        lo = rng.integers(0, m + 1, n).astype(np.int64)
        hi = np.minimum(lo + rng.integers(0, m + 1, n), m).astype(np.int64)
        if ranges == "empty":
            hi[::2] = lo[::2]
    key, mult = np.unique(so * len(has) + tok, return_counts=True)
    W = max(int((hi - lo).max()), 1)
    per, expl = np.zeros((n, W, k)), np.zeros((n, W, k))
    kernel = kernels.compiled("lex_counts") if how == "numba" else kernels.lex_counts
    kernel(key // len(has), key % len(has), mult.astype(np.int64), type_ptr, type_ids,
           words.e_ptr, words.e_ids, len(words.vocab), lo, hi, per, expl)
    for z in range(n):
        x = np.arange(lo[z], hi[z])
        for b in range(k):
            want = (pc[z + 1, x, b] - pc[z, x, b]) * (x <= m - b - 1)
            assert np.array_equal(per[z, :len(x), b], want), (z, b)
        for a in range(k):
            want = (hc[z, x + 1, a] - hc[z, x, a]) * (z <= n - a - 1)
            assert np.array_equal(expl[z, :len(x), a], want), (z, a)
        assert not per[z, len(x):].any() and not expl[z, len(x):].any()
    assert min(n, m) < 3 or (per.any() and expl.any())


@pytest.mark.parametrize("seed,n,m,width,zh_is_src", [
    (0, 20, 25, 2, True), (1, 25, 20, 2, False), (2, 40, 35, 3, True), (3, 35, 40, 3, False),
    (4, 8, 30, 4, False), (5, 30, 8, 4, True),
])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_band_scores_never_read_counts_outside_their_ranges(monkeypatch, seed, n, m, width,
                                                             zh_is_src, how):
    """Counted for ranges a sentence short here and there of what the band's beads need,
    lex_fscore_band either says so (False) or gives the dense scores: a missing count is
    never read as a zero."""
    from paralign.alignment import lexical

    zh, en = _lex_problem(seed, n, m)
    _use(monkeypatch, lexical, "numpy")
    ref = lexical.LexicalEvidence(zh, en, 4, 4, 6).f
    ref = {key: ref[key] for key in ref}
    _use(monkeypatch, lexical, how)
    monkeypatch.setattr(lexical, "KERNEL_CELLS", 0)
    rng = np.random.default_rng(seed)
    band = (_random_band(rng, n + 1, m + 1, width) if zh_is_src
            else _random_band(rng, m + 1, n + 1, width))
    types = [(a, b) for a in range(1, 5) for b in range(1, 5) if a + b <= 6]
    lo0, hi0 = lexical._zh_ranges(band, zh_is_src, n, m, 4, 4)
    fill = kernels.compiled("lex_fscore_band") if how == "numba" else kernels.lex_fscore_band
    said, right = 0, 0
    for trial in range(40):
        lo, hi = lo0.copy(), hi0.copy()
        pick = rng.random(n) < 0.1
        side = rng.random(n) < 0.5
        lo[pick & side] = np.minimum(lo[pick & side] + 1, hi[pick & side])
        hi[pick & ~side] = np.maximum(hi[pick & ~side] - 1, lo[pick & ~side])
        ev = lexical.LexicalEvidence(zh, en, 4, 4, 6, band=band, zh_is_src=zh_is_src)
        ev._count(lo, hi)
        zkeys = [(a, b) if zh_is_src else (b, a) for a, b in types]
        key = np.full((4, 4), -1, np.int64)
        for t, (a, b) in enumerate(zkeys):
            key[a - 1, b - 1] = t
        out = np.empty((len(types), len(band.lo), band.width))
        ok = fill(ev.per, ev.expl, ev.lo, ev.hi, ev.tc, ev.ec, key, np.asarray(band.lo),
                  np.asarray(band.hi), zh_is_src, out)
        assert ok == _all_counted(band, zh_is_src, zkeys, lo, hi, n, m), trial
        if not ok:
            said += 1
            continue
        right += 1
        _check_band_layout(_Fixed(out), ref, band, types, zh_is_src, n, m)
    assert said and right          # both outcomes met


def _all_counted(band, zh_is_src, zkeys, lo, hi, n, m) -> bool:
    """Whether every bead of (Chinese, English) sizes ``zkeys`` ending in the band finds its
    counts inside the ranges: the recall's of English window (q, b) for each Chinese
    sentence of the window, the precision's of English sentences q .. j - 1 for its first."""
    for r in range(len(band.lo)):
        for col in range(band.lo[r], band.hi[r] + 1):
            i, j = (r, col) if zh_is_src else (col, r)
            for a, b in zkeys:
                p, q = i - a, j - b
                if p < 0 or q < 0 or p > n - a or q > m - b:
                    continue
                if any(not lo[z] <= q < hi[z] for z in range(p, i)):
                    return False
                if not (lo[p] <= q and j <= hi[p]):
                    return False
    return True


class _Fixed:
    """An evidence whose band_scores are a given table (for _check_band_layout)."""

    def __init__(self, out):
        self.out = out

    def band_scores(self, band, types, zh_is_src):
        return self.out


@pytest.mark.parametrize("rows,cols,width", [(9, 13, 1), (31, 20, 2), (2, 7, 3), (50, 50, 4), (200, 180, 2)])
@pytest.mark.parametrize("zh_is_src", [True, False])
def test_band_ranges_cover_every_cell_the_search_asks_for(rows, cols, width, zh_is_src):
    from paralign.alignment.lexical import _zh_ranges

    band = _random_band(np.random.default_rng(rows), rows, cols, width)
    n, m = (rows - 1, cols - 1) if zh_is_src else (cols - 1, rows - 1)
    lo, hi = _zh_ranges(band, zh_is_src, n, m, 3, 4)
    assert (0 <= lo).all() and (lo <= hi).all() and (hi <= m).all()
    if rows >= 200:   # a long block's band is narrower than the block
        assert (hi - lo).max() < m // 4
    for a in range(1, 4):
        for b in range(1, 5):
            P, Q = _band_cells(band, zh_is_src, a, b, n, m)
            for off in range(a):       # each sentence of the Chinese window
                assert (lo[P + off] <= Q).all() and (Q < hi[P + off]).all()
            assert (Q + b <= hi[P]).all()


def _bitext_ids(seed: int, beads: int, nz: int, ne: int, empty: bool):
    """Random sentence pairs of word ids, Zipf-like (a few words frequent), some sides empty."""
    rng = np.random.default_rng(seed)
    zl = rng.integers(0 if empty else 1, 9, beads)
    el = rng.integers(0 if empty else 1, 7, beads)
    zp = np.concatenate([[0], np.cumsum(zl)]).astype(np.int64)
    ep = np.concatenate([[0], np.cumsum(el)]).astype(np.int64)
    zi = np.minimum(rng.zipf(1.6, int(zp[-1])) - 1, nz - 1).astype(np.int64)
    ei = np.minimum(rng.zipf(1.6, int(ep[-1])) - 1, ne - 1).astype(np.int64)
    pz = rng.integers(0, nz, 15)
    pe = rng.integers(0, ne, 15)
    key = np.unique(pz * ne + pe)
    prior = (key // ne, key % ne, rng.random(len(key)))
    return zp, zi, ep, ei, prior


@pytest.mark.parametrize("seed,beads,nz,ne,empty,iterations,prior_weight", [
    (0, 40, 30, 25, False, 5, 1.0), (1, 200, 80, 60, True, 3, 0.5), (2, 1, 3, 3, False, 5, 1.0),
    (3, 60, 5, 90, True, 0, 1.0), (4, 120, 50, 40, False, 8, 0.0),
    (5, 1500, 400, 300, True, 4, 1.0),
])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_ibm1_compiled_matches_numpy(monkeypatch, seed, beads, nz, ne, empty, iterations,
                                     prior_weight, how):
    """IBM-1's pairs, probabilities and co-occurrence counts: the kernels equal numpy's
    sorting and bincounts to the last bit, in both directions."""
    from paralign.alignment import lexicon

    zp, zi, ep, ei, prior = _bitext_ids(seed, beads, nz, ne, empty)
    monkeypatch.setattr(lexicon, "KERNEL_OCCURRENCES", 0)
    for args, pr in (((zp, zi, ep, ei, nz, ne), prior),
                     ((ep, ei, zp, zi, ne, nz), (prior[1], prior[0], prior[2]))):
        _use(monkeypatch, lexicon, "numpy")
        ref = lexicon._ibm1(*args, pr, prior_weight, iterations)
        _use(monkeypatch, lexicon, how)
        got = lexicon._ibm1(*args, pr, prior_weight, iterations)
        assert len(ref[0]) and len(got) == len(ref)
        for g, r in zip(got, ref):
            assert g.dtype == r.dtype and np.array_equal(g, r)
        assert (np.diff(ref[0] * (args[5] + 1) + ref[1]) > 0).all()    # sorted, distinct




def _mirrored_suffixes(band, types, scores, skip):
    """The best suffix of every cell as the pruning first read it: the mirrored problem's
    prefix table (numpy search over the mirrored scores), mapped back to the band."""
    from paralign.alignment.search import mirror_scores

    n, m, W = band.n, band.m, band.width
    rband = dp.reverse_band(band)
    rscores, rskip = mirror_scores(band, rband, types, scores, skip)
    _, _, Db = search(rband, types, rscores, rskip, return_table=True, path=False)
    out = np.full((n + 1, W), dp.NEG)
    for i in range(n + 1):
        for c in range(int(band.hi[i] - band.lo[i]) + 1):
            j = int(band.lo[i]) + c
            out[i, c] = Db[n - i, (m - j) - int(rband.lo[n - i])]
    return out


@pytest.mark.parametrize("seed,n,m,banded,ties,skip_dtype", CASES)
@pytest.mark.parametrize("how", ["numba", "python"])
def test_suffix_kernel_equals_the_mirrored_search(monkeypatch, seed, n, m, banded, ties,
                                                  skip_dtype, how):
    """dp_suffix gives the mirrored search's table bit for bit, NEG outside the band."""
    band, types, scores, skip = _problem(seed, n, m, banded, ties, skip_dtype)
    monkeypatch.setattr(dp, "compiled", lambda name: None)
    want = _mirrored_suffixes(band, types, scores, skip)
    kernel = kernels.compiled("dp_suffix") if how == "numba" else kernels.dp_suffix
    assert kernel is not None, "numba is not available"
    got = np.empty_like(want)
    kernel(got, np.stack(scores, axis=1), np.array([a for a, _ in types], np.int64),
           np.array([b for _, b in types], np.int64), band.lo.astype(np.int64),
           (band.hi - band.lo).astype(np.int64), np.ascontiguousarray(skip),
           np.empty(band.width, np.float32))
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


@pytest.mark.parametrize("seed,n,m,banded,ties,skip_dtype", CASES)
def test_pruning_by_the_suffix_kernel_equals_the_mirror(monkeypatch, seed, n, m, banded, ties,
                                                       skip_dtype):
    """plausible_merges allows the same merges from the compiled backward pass as from the
    mirrored problem."""
    from paralign.alignment import search as search_mod

    band, types, scores, skip = _problem(seed, n, m, banded, ties, skip_dtype)
    monkeypatch.setattr(search_mod, "KERNEL_ROWS", 0)
    got = search_mod.plausible_merges(band, types, scores, skip, 1.0)
    monkeypatch.setattr(kernels, "compiled",
                        lambda name: None if name == "dp_suffix" else kernels._jit(
                            getattr(kernels, name)))
    want = search_mod.plausible_merges(band, types, scores, skip, 1.0)
    assert got.keys() == want.keys()
    for t in want:
        assert np.array_equal(got[t], want[t])


@pytest.mark.parametrize("seed,n,m,banded,ties,skip_dtype", CASES)
@pytest.mark.parametrize("how", ["numpy", "numba"])
def test_beads_as_an_array_are_the_beads(monkeypatch, seed, n, m, banded, ties, skip_dtype, how):
    """search(..., as_array=True) gives the beads of the list, as one (k, 4) int64 array."""
    band, types, scores, skip = _problem(seed, n, m, banded, ties, skip_dtype)
    want, total = _run(monkeypatch, how, band, types, scores, skip)[:2]
    got, got_total = search(band, types, scores, skip, as_array=True)
    assert got.dtype == np.int64 and got.shape == (len(want), 4)
    assert list(map(tuple, got.tolist())) == want and got_total == total


@pytest.mark.parametrize("seed,n,m,holes,keep_nulls", [
    (0, 40, 50, 0.97, True), (1, 60, 45, 0.9, False), (2, 30, 30, 1.0, True),
    (3, 25, 35, 1.0, False), (4, 80, 60, 0.99, False), (5, 12, 9, 0.5, False)])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_rows_with_empty_bead_types_match_numpy(seed, n, m, holes, keep_nulls, how):
    """dp_rows leaves out the bead types with no score in a row (most merges of the exact
    search): its tables are numpy's bit for bit, rows where every type is empty included."""
    band, types, scores, skip = random_problem(seed, n, m, True, seed % 2 == 1, np.float32,
                                               holes=holes, keep_nulls=keep_nulls)
    W = band.width
    A = np.array([a for a, _ in types], np.int64)
    B = np.array([b for _, b in types], np.int64)
    stacked = np.stack(scores, axis=1)
    lo, span = band.lo.astype(np.int64), (band.hi - band.lo).astype(np.int64)
    tables = []
    for h in ("numpy", how):
        sentinel = (n + 1) * W
        Dflat = np.full(sentinel + 1, dp.NEG)
        D = Dflat[:sentinel].reshape(n + 1, W)
        arg = np.full((n + 1, W), -1, np.int16)
        kk = np.zeros((n + 1, W), np.int32)
        if h == "numpy":
            dp._rows_numpy(D, Dflat, arg, kk, stacked, A, B, lo, span, skip, sentinel)
        else:
            kernel = kernels.compiled("dp_rows") if h == "numba" else kernels.dp_rows
            kernel(D, arg, kk, stacked, A, B, lo, span, skip, np.empty(W, skip.dtype))
        tables.append((D, arg, kk))
    (D0, a0, k0), (D1, a1, k1) = tables
    assert np.array_equal(D0.view(np.int64), D1.view(np.int64))
    assert np.array_equal(a0, a1) and np.array_equal(k0, k1)
