"""kernels: the compiled DP gives the same tables and beads as the numpy code and as its own
plain-Python run (``py_func``), ties and impossible cells included."""

from __future__ import annotations

import numpy as np
import pytest

from paralign.alignment import dp, kernels
from paralign.alignment.dp import NEG, band_from_path, full_band, search
from paralign.alignment.scoring import bead_types


def _problem(seed: int, n: int, m: int, banded: bool, ties: bool, skip_dtype):
    rng = np.random.default_rng(seed)
    types = bead_types(3, 4)
    if banded:
        i = j = 0
        path = [(0, 0)]
        while i < n or j < m:
            a, b = types[rng.integers(len(types))]
            i, j = min(i + a, n), min(j + b, m)
            path.append((i, j))
        band = band_from_path(path, n, m, int(rng.integers(1, 5)))
    else:
        band = full_band(n, m)
    W = band.width
    scores = []
    for _ in types:
        s = rng.normal(0, 1, (n + 1, W))
        if ties:  # few distinct values: many equal candidates and equal 0-1 chains
            s = np.round(s * 2) / 2
        s[rng.random(s.shape) < 0.1] = NEG
        scores.append(s.astype(np.float32))
    skip = np.full((n + 1, W), -0.3 if not ties else -0.5, skip_dtype)
    skip[rng.random(skip.shape) < 0.05] = NEG
    return band, types, scores, skip


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
]


@pytest.mark.parametrize("seed,n,m,banded,ties,skip_dtype", CASES)
@pytest.mark.parametrize("how", ["numba", "python"])
def test_kernel_matches_numpy(monkeypatch, seed, n, m, banded, ties, skip_dtype, how):
    band, types, scores, skip = _problem(seed, n, m, banded, ties, skip_dtype)
    ref_beads, ref_total, ref_D = _run(monkeypatch, "numpy", band, types, scores, skip)
    beads, total, D = _run(monkeypatch, how, band, types, scores, skip)
    assert beads == ref_beads
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


@pytest.mark.parametrize("seed,n,m,k,max_total", [
    (0, 12, 15, 3, 4), (1, 30, 22, 5, 6), (2, 1, 9, 4, 5), (3, 9, 1, 4, 5), (4, 3, 3, 5, 6),
    (5, 40, 60, 2, None),
])
@pytest.mark.parametrize("how", ["numba", "python"])
def test_lexical_counts_compiled_match_numpy(monkeypatch, seed, n, m, k, max_total, how):
    from paralign.alignment import lexical

    zh, en = _lex_problem(seed, n, m)
    monkeypatch.setattr(lexical, "KERNEL_CELLS", 0)
    monkeypatch.setattr(lexical, "compiled", lambda name: None)
    ref = lexical.LexicalEvidence(zh, en, k, k, max_total).f
    if how == "python":
        monkeypatch.setattr(lexical, "compiled", lambda name: getattr(kernels, name))
    else:
        assert kernels.compiled("lex_counts") is not None, "numba is not available"
        monkeypatch.setattr(lexical, "compiled", kernels.compiled)
    got = lexical.LexicalEvidence(zh, en, k, k, max_total).f
    assert set(got) == set(ref) and ref
    for key in ref:
        assert got[key].dtype == ref[key].dtype and np.array_equal(got[key], ref[key]), key
