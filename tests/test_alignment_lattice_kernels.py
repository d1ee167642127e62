"""lattice_kernels: the compiled forward-backward gives the numpy passes' tables bit for bit
(and so the same posteriors, margins and confidences), as does its own plain-Python run;
the scalar logaddexp is numpy's; the path gather equals the full-array weights."""

from __future__ import annotations

import numpy as np
import pytest

from paralign.alignment import calibration, lattice_kernels, posterior
from paralign.alignment.dp import NEG, search

from lattice_problems import random_problem


def _problem(seed: int, n: int, m: int, banded: bool, ties: bool, holes: float, skip_dtype):
    """A band, bead types up to 3-3, float32 scores with NEG holes (``holes`` of the cells,
    the 1-0 beads kept so that a path exists), and 0-1 scores."""
    return random_problem(seed, n, m, banded, ties, skip_dtype, holes=holes, keep_nulls=True)


def _use(monkeypatch, how: str) -> None:
    """Route posterior.py to the numpy passes, the compiled kernels or their Python run."""
    monkeypatch.setattr(posterior, "KERNEL_ROWS", 0)
    if how == "numpy":
        monkeypatch.setattr(posterior, "compiled", lambda name: None)
    elif how == "python":
        monkeypatch.setattr(posterior, "compiled", lambda name: getattr(lattice_kernels, name))
    else:
        assert lattice_kernels.compiled("lattice_rows") is not None, "numba is not available"
        monkeypatch.setattr(posterior, "compiled", lattice_kernels.compiled)
        assert posterior._kernels_match()


CASES = [  # seed, n, m, banded, ties, holes, skip dtype
    (0, 6, 9, False, False, 0.1, np.float32),
    (1, 12, 7, False, True, 0.1, np.float32),
    (2, 40, 55, True, False, 0.3, np.float32),
    (3, 60, 45, True, True, 0.5, np.float32),
    (4, 30, 30, True, True, 0.1, np.float64),
    (5, 1, 5, False, False, 0.0, np.float32),
    (6, 5, 1, False, True, 0.9, np.float32),
    (7, 300, 320, True, False, 0.6, np.float32),
    # merges as sparse as the exact search leaves them: most rows have no bead of most
    # types (the kernel skips those types row by row)
    (10, 80, 90, True, False, 0.98, np.float32),
    (10, 260, 240, True, True, 0.99, np.float32),
]


# the uncompiled (Python) run of the kernels on the shorter cases only: it is slow
RUNS = [(case, how) for case in CASES for how in ("numba", "python")
        if how == "numba" or case[1] <= 100]


@pytest.mark.parametrize("case,how", RUNS)
@pytest.mark.parametrize("soft,temperature", [(True, 0.2), (True, 1.0), (False, 1.0)])
def test_compiled_tables_match_numpy(monkeypatch, case, how, soft, temperature):
    band, types, scores, skip = _problem(*case)
    _use(monkeypatch, "numpy")
    ref = posterior.lattice_marginals(band, types, scores, skip, temperature=temperature,
                                      soft=soft)
    _use(monkeypatch, how)
    got = posterior.lattice_marginals(band, types, scores, skip, temperature=temperature,
                                      soft=soft)
    assert np.array_equal(got.alpha, ref.alpha)
    assert np.array_equal(got.beta, ref.beta)
    assert np.array_equal(got.skip, ref.skip)
    assert all(np.array_equal(g, r) for g, r in zip(got.scores, ref.scores))
    assert got.log_z == ref.log_z and np.isfinite(ref.log_z)


@pytest.mark.parametrize("case,how", RUNS)
def test_compiled_evidence_matches_numpy(monkeypatch, case, how):
    band, types, scores, skip = _problem(*case)
    path, _ = search(band, types, scores, skip)
    out = {}
    for run in ("numpy", how):
        _use(monkeypatch, run)
        hard = posterior.lattice_marginals(band, types, scores, skip, soft=False)
        out[run] = (calibration.bead_evidence(band, types, scores, skip, path),
                    posterior.rival_margins(hard, path))
    assert np.array_equal(out[how][0], out["numpy"][0])
    assert np.array_equal(out[how][1], out["numpy"][1])
    nulls = sum(i0 == i1 for i0, i1, _, _ in path)
    assert nulls or case[0] not in (2, 7)  # the rivals of 0-1 beads are exercised too


@pytest.mark.parametrize("case,how", RUNS)
def test_the_pair_is_two_lattices(monkeypatch, case, how):
    band, types, scores, skip = _problem(*case)
    _use(monkeypatch, "numpy")
    ref = (posterior.lattice_marginals(band, types, scores, skip, temperature=0.2),
           posterior.lattice_marginals(band, types, scores, skip, soft=False))
    _use(monkeypatch, how)
    got = posterior.lattice_pair(band, types, scores, skip, 0.2)
    for g, r in zip(got, ref):
        assert g.soft == r.soft
        for name in ("alpha", "beta", "skip", "stacked"):
            assert np.array_equal(getattr(g, name), getattr(r, name)), name


@pytest.mark.parametrize("seed,n,m,banded,ties,holes,skip_dtype", CASES[:5])
@pytest.mark.parametrize("soft", [True, False])
def test_path_weights_are_the_full_arrays_at_the_path(monkeypatch, seed, n, m, banded, ties,
                                                      holes, skip_dtype, soft):
    band, types, scores, skip = _problem(seed, n, m, banded, ties, holes, skip_dtype)
    path, _ = search(band, types, scores, skip)
    _use(monkeypatch, "numpy")
    lat = posterior.lattice_marginals(band, types, scores, skip, temperature=0.2, soft=soft)
    full = [lat.bead_log_weight(t) for t in range(len(types))]
    expected = []
    for i0, i1, j0, j1 in path:
        c = j1 - int(band.lo[i1])
        w = lat.skip_log_weight() if i1 == i0 else full[types.index((i1 - i0, j1 - j0))]
        expected.append(w[i1, c])
    assert np.array_equal(posterior._path_log_weights(lat, path), np.array(expected))
    # and without the stacked scores at hand (a Lattice built by hand)
    lat.stacked = None
    assert np.array_equal(posterior._path_log_weights(lat, path), np.array(expected))


@pytest.mark.parametrize("x,y", [
    (0.0, 0.0), (-np.inf, -np.inf), (-np.inf, 3.0), (3.0, -np.inf), (1.0, -39.0),
    (1.0, -39.5), (1.0, -40.0), (1.0, -41.0), (-1.0, -42.0), (0.999, -41.0), (-0.5, -45.0),
    (-0.5, 45.0), (1e5, 1e5 - 40.0000001), (-1e5, -1e5 + 40.5), (2.0, 2.0 - 1e-15),
    (-7.25, 12.5), (1234.5, 1234.25), (-3e4, -3e4 - 800.0),
])
def test_scalar_logaddexp_is_numpys(x, y):
    assert lattice_kernels._logaddexp(x, y) == np.logaddexp(x, y)
    kernel = lattice_kernels._kernel("_logaddexp_many")
    out = np.empty(1)
    kernel(np.array([x]), np.array([y]), out)
    assert out[0] == np.logaddexp(x, y)


def test_self_check_passes_here():
    assert lattice_kernels._self_check()
    assert lattice_kernels.matches(posterior._passes)
    # a reference that differs in one cell is told apart
    def off_by_one_ulp(*args):
        alpha, beta = posterior._passes(*args)
        alpha[1, 1] = np.nextafter(alpha[1, 1], np.inf)
        return alpha, beta
    assert not lattice_kernels.matches(off_by_one_ulp)
    loops = lattice_kernels.ufunc_loops()
    assert loops.dtype == np.int64 and len(loops) == 4 and loops[0] and loops[2]


@pytest.mark.parametrize("ufunc", [np.exp, np.log])
def test_numpy_loop_called_by_address_is_the_ufunc(ufunc):
    fn, data = lattice_kernels._loop(ufunc)
    x = np.linspace(0.01, 700.0, 1001) * (-1 if ufunc is np.exp else 1)
    buf = x.copy()
    ptrs, dims, steps = np.empty(3, np.int64), np.empty(1, np.int64), np.empty(3, np.int64)
    lattice_kernels._unary(np.array([fn, data, fn, data]), 0, buf, len(buf), ptrs, dims, steps)
    assert np.array_equal(buf, ufunc(x))


def test_a_ufunc_without_float64_loop_is_refused():
    with pytest.raises(ValueError):
        lattice_kernels._loop(np.isnat)


@pytest.mark.parametrize("value,enabled", [("1", False), ("", True)])
def test_env_switch_turns_the_kernels_off(monkeypatch, value, enabled):
    monkeypatch.setenv("PARALIGN_NO_NUMBA", value)
    assert (lattice_kernels.compiled("lattice_rows") is not None) is enabled


@pytest.mark.parametrize("off,expected", [("", True), ("1", False)])
def test_warm_loads_the_kernels(monkeypatch, off, expected):
    monkeypatch.setenv("PARALIGN_NO_NUMBA", off)
    assert lattice_kernels.warm() is expected
    if expected:
        assert all(len(lattice_kernels.compiled(k).signatures) >= 1
                   for k in ("lattice_rows", "path_rivals"))


def test_a_sliced_band_uses_the_warmed_kernels(monkeypatch):
    lattice_kernels.warm()
    band, types, scores, skip = _problem(2, 40, 55, True, False, 0.3, np.float32)
    lo = np.repeat(band.lo, 2)[::2]  # the same bounds, not contiguous (a chunk's slice)
    sliced = type(band)(lo, band.hi)
    assert not sliced.lo.flags.c_contiguous
    before = {k: len(lattice_kernels.compiled(k).signatures) for k in ("lattice_rows", "path_rivals")}
    monkeypatch.setattr(posterior, "KERNEL_ROWS", 0)
    path, _ = search(sliced, types, scores, skip)
    calibration.bead_evidence(sliced, types, scores, skip, path)
    after = {k: len(lattice_kernels.compiled(k).signatures) for k in ("lattice_rows", "path_rivals")}
    assert after == before
