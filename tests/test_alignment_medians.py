"""paralign.alignment.medians: np.median of a 1-d array, bit for bit, without numpy.ma."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import paralign
from paralign.alignment.medians import median

_rng = np.random.default_rng(7)

CASES = [
    np.array([3.0]),
    np.array([2.0, 1.0]),
    np.array([1.0, 2.0, 3.0]),
    np.array([0.1, 0.2, 0.3, 0.4]),
    np.array([-np.inf, 1.0, np.inf]),
    np.array([-np.inf, np.inf]),
    np.array([np.nan, 1.0, 2.0]),
    np.array([1.0, np.nan]),
    np.array([5, 1, 4, 2], dtype=np.int64),
    np.array([7, 1, 2], dtype=np.int32),
    np.array([True, False, True]),
    np.array([0.1, 0.7, 0.3], dtype=np.float32),
    np.array([1e308, 1e308]),              # the mean of two overflows as np.mean does
    _rng.standard_normal(1001),
    _rng.standard_normal(1000),
    _rng.standard_normal(64).astype(np.float32),
    _rng.random(999) * 1e-9,
    np.repeat(_rng.standard_normal(5), 7),
    [0.25, 0.5, 0.125],                    # a list (median_confidence's scores)
    [1, 2, 3, 4],
    np.zeros((2, 3)),                      # not 1-d: np.median itself
]


@pytest.mark.parametrize("x", CASES)
def test_the_same_value_and_type_as_np_median(x):
    with np.errstate(all="ignore"):
        want = np.median(x)
        got = median(x)
    assert type(got) is type(want)
    assert np.array_equal(got, want, equal_nan=True)
    if np.ndim(want) == 0 and np.isfinite(want):
        assert float(got).hex() == float(want).hex()


def test_the_input_is_left_as_it_was():
    x = np.array([3.0, 1.0, 2.0, 0.5])
    median(x)
    assert x.tolist() == [3.0, 1.0, 2.0, 0.5]


def test_numpy_ma_is_not_imported():
    code = ("import sys, numpy as np; from paralign.alignment.medians import median; "
            "median(np.array([3.0, 1.0, 2.0])); median([1.0, 2.0]); print('numpy.ma' in sys.modules)")
    src = str(Path(paralign.__file__).resolve().parents[1])   # this checkout's paralign
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["False"]
