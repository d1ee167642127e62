"""Random search problems shared by the kernel tests (the DP's and the forward-backward's):
a band around a random path, float32 bead scores with impossible cells, 0-1 scores."""

from __future__ import annotations

import numpy as np

from paralign.alignment.dp import NEG, band_from_path, full_band
from paralign.alignment.scoring import bead_types


def random_problem(seed: int, n: int, m: int, banded: bool, ties: bool, skip_dtype, *,
                   holes: float = 0.1, keep_nulls: bool = False):
    """``(band, types, scores, skip)`` for bead types up to 3-3.

    ``holes`` of the cells of each type are NEG; with ``keep_nulls`` the 1-0 beads keep
    every cell (so that a path exists whatever the holes) and the random path is drawn
    from the merges only. ``ties`` rounds the scores to halves, so that sums and maxima
    meet equal terms.
    """
    rng = np.random.default_rng(seed)
    types = bead_types(3, 4)
    if banded:
        i = j = 0
        path = [(0, 0)]
        first = 1 if keep_nulls else 0
        while i < n or j < m:
            a, b = types[rng.integers(first, len(types))]
            i, j = min(i + a, n), min(j + b, m)
            path.append((i, j))
        band = band_from_path(path, n, m, int(rng.integers(1, 5)))
    else:
        band = full_band(n, m)
    W = band.width
    scores = []
    for t in types:
        s = rng.normal(0, 1, (n + 1, W))
        if ties:
            s = np.round(s * 2) / 2
        if not (keep_nulls and t == (1, 0)):
            s[rng.random(s.shape) < holes] = NEG
        scores.append(s.astype(np.float32))
    skip = np.full((n + 1, W), -0.3 if not ties else -0.5, skip_dtype)
    skip[rng.random(skip.shape) < 0.05] = NEG
    return band, types, scores, skip
