"""``np.median`` of a 1-d array without importing :mod:`numpy.ma`.

numpy's median checks its result for NaN through ``np.ma.isMaskedArray``, which imports
``numpy.ma`` (about 10 ms, a thirtieth of a one-pair command-line call) the first time any
median is taken. :func:`median` does what ``np.median`` does for a 1-d array (the same
partition, the middle one or two values averaged by ``np.mean``), so it returns the same
value, bit for bit; an array holding NaN, or anything but a non-empty 1-d array, is handed to
``np.median`` itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["median"]


def median(x: Any) -> Any:
    """``np.median(x)``: the same value (and type), for a non-empty 1-d array without
    importing :mod:`numpy.ma`."""
    a = np.asanyarray(x)
    if type(a) is not np.ndarray or a.ndim != 1 or a.size == 0 or a.dtype.kind not in "biuf":
        return np.median(x)
    n = a.size
    half = n // 2
    kth = [half - 1, half] if n % 2 == 0 else [half]
    nans = a.dtype.kind == "f"
    if nans:
        kth.append(-1)   # as np.median: the largest last, where a NaN would be
    part = np.partition(a, kth)
    if nans and np.isnan(part[-1]):
        return np.median(x)
    return np.mean(part[half:half + 1] if n % 2 == 1 else part[half - 1:half + 1], axis=0)
