"""Forward-backward over the alignment lattice, on hand-made lattices and against brute force.

Every case is small enough to enumerate all monotone paths, so posteriors and margins are
checked against their definitions, not against another implementation of the same DP.
"""

from __future__ import annotations

import numpy as np
import pytest

from paralign.alignment.dp import NEG, Band, band_from_path, full_band, search
from paralign.alignment.posterior import bead_posteriors, lattice_marginals, rival_margins

TYPES = [(1, 0), (1, 1), (1, 2), (2, 1), (2, 2)]


def _lattice(n: int, m: int, beads: dict[tuple[int, int, int, int], float], skip: float = NEG,
             types=TYPES) -> tuple[Band, list[np.ndarray], np.ndarray]:
    """A full band where only the listed beads (i0, i1, j0, j1) exist, with their scores;
    0-1 beads all cost ``skip``."""
    band = full_band(n, m)
    scores = [np.full((n + 1, m + 1), NEG, np.float32) for _ in types]
    sk = np.full((n + 1, m + 1), skip, np.float32)
    for (i0, i1, j0, j1), s in beads.items():
        if i1 == i0:
            sk[i1, j1] = s
        else:
            scores[types.index((i1 - i0, j1 - j0))][i1, j1] = s
    return band, scores, sk


def _paths(band: Band, types, scores, skip):
    """Every path through the band: (list of beads, total score)."""
    n, m = band.n, band.m
    out = []

    def rec(i, j, beads, tot):
        if (i, j) == (n, m):
            out.append((list(beads), tot))
            return
        for t, (a, b) in enumerate(list(types) + [(0, 1)]):
            i2, j2 = i + a, j + b
            if i2 > n or j2 > m or not band.lo[i2] <= j2 <= band.hi[i2]:
                continue
            c = j2 - band.lo[i2]
            s = float(skip[i2, c] if (a, b) == (0, 1) else scores[t][i2, c])
            if s <= NEG / 2:
                continue
            beads.append((i, i2, j, j2))
            rec(i2, j2, beads, tot + s)
            beads.pop()

    rec(0, 0, [], 0.0)
    return out


def _random_case(seed: int):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 6)), int(rng.integers(2, 6))
    if seed % 2:
        band = full_band(n, m)
    else:
        diag = [(0, 0)] + [(min(k, n), min(k, m)) for k in range(1, max(n, m) + 1)]
        band = band_from_path(diag, n, m, 1)
    W = band.width
    scores = []
    for a, b in TYPES:
        s = rng.normal(size=(n + 1, W)).astype(np.float32)
        for i in range(n + 1):
            for c in range(W):
                j = band.lo[i] + c
                if i < a or j < b or c > band.hi[i] - band.lo[i]:
                    s[i, c] = NEG
        scores.append(s)
    skip = np.full((n + 1, W), -0.5, np.float32)
    return band, scores, skip


@pytest.mark.parametrize("beads, skip, path, expected", [
    # a bead every path must take: the only way through
    ({(0, 1, 0, 1): 0.3}, NEG, [(0, 1, 0, 1)], [1.0]),
    # the only 1-1 chain, whatever its scores
    ({(0, 1, 0, 1): -2.0, (1, 2, 1, 2): 0.1, (2, 3, 2, 3): 5.0}, NEG,
     [(0, 1, 0, 1), (1, 2, 1, 2), (2, 3, 2, 3)], [1.0, 1.0, 1.0]),
    # a strong 1-1 against skipping both sentences (1-0 + 0-1 or 0-1 + 1-0 at -0.3 each)
    ({(0, 1, 0, 1): 3.0, (0, 1, 0, 0): -0.3, (0, 1, 1, 1): -0.3}, -0.3,
     [(0, 1, 0, 1)], [1 / (1 + 2 * np.exp(-3.6 / 0.3))]),
    # two equally good cuts of the same sentences: 2-2 against 1-1 + 1-1
    ({(0, 2, 0, 2): 1.0, (0, 1, 0, 1): 0.5, (1, 2, 1, 2): 0.5}, NEG,
     [(0, 2, 0, 2), (0, 1, 0, 1), (1, 2, 1, 2)], [0.5, 0.5, 0.5]),
    # 1-2 then 1-1, or 1-1 then 1-2, equally good
    ({(0, 1, 0, 2): 0.7, (1, 2, 2, 3): 0.2, (0, 1, 0, 1): 0.2, (1, 2, 1, 3): 0.7}, NEG,
     [(0, 1, 0, 2), (1, 2, 2, 3), (0, 1, 0, 1), (1, 2, 1, 3)], [0.5, 0.5, 0.5, 0.5]),
    # three equally good readings of one pair: 1-2, or a 1-1 with a 0-1 before or after it
    ({(0, 1, 0, 2): 1.0, (0, 1, 0, 1): 0.4, (0, 1, 1, 2): 0.4}, 0.6,
     [(0, 1, 0, 2)], [1 / 3]),
])
def test_hand_made_posteriors(beads, skip, path, expected):
    n = max(b[1] for b in beads)
    m = max(b[3] for b in beads)
    band, scores, sk = _lattice(n, m, beads, skip=skip)
    lat = lattice_marginals(band, TYPES, scores, sk, temperature=0.3)
    np.testing.assert_allclose(bead_posteriors(lat, path), expected, atol=1e-6)


def test_posteriors_of_one_path_cover_each_sentence_once():
    # the beads covering source sentence 0 in all paths: their posteriors sum to 1
    band, scores, sk = _lattice(2, 2, {(0, 2, 0, 2): 0.9, (0, 1, 0, 1): 0.2, (1, 2, 1, 2): 0.4,
                                       (0, 1, 0, 2): 0.1, (1, 2, 2, 2): -0.3})
    lat = lattice_marginals(band, TYPES, scores, sk, temperature=0.5)
    p = bead_posteriors(lat, [(0, 2, 0, 2), (0, 1, 0, 1), (0, 1, 0, 2)])
    assert p.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("temperature", [0.2, 1.0])
def test_posteriors_match_enumeration(seed, temperature):
    band, scores, skip = _random_case(seed)
    paths = _paths(band, TYPES, scores, skip)
    w = np.array([s / temperature for _, s in paths])
    log_z = np.logaddexp.reduce(w)
    lat = lattice_marginals(band, TYPES, scores, skip, temperature=temperature)
    assert lat.log_z == pytest.approx(log_z, abs=1e-6)
    best, _ = search(band, TYPES, scores, skip)
    got = bead_posteriors(lat, best)
    for bead, p in zip(best, got):
        through = [wi for (beads, _), wi in zip(paths, w) if bead in beads]
        assert p == pytest.approx(np.exp(np.logaddexp.reduce(through) - log_z), abs=1e-6)


@pytest.mark.parametrize("seed", range(8))
def test_margins_match_enumeration(seed):
    band, scores, skip = _random_case(seed)
    paths = _paths(band, TYPES, scores, skip)
    best, total = search(band, TYPES, scores, skip)
    lat = lattice_marginals(band, TYPES, scores, skip, soft=False)
    assert lat.log_z == pytest.approx(total, abs=1e-4)
    got = rival_margins(lat, best)
    for bead, g in zip(best, got):
        avoid = [s for beads, s in paths if bead not in beads]
        expected = total - max(avoid) if avoid else np.inf
        assert g == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("delta", [0.05, 0.3, 1.0, 4.0])
def test_a_worse_bead_never_gains(seed, delta):
    band, scores, skip = _random_case(seed)
    best, _ = search(band, TYPES, scores, skip)
    bead = next(b for b in best if b[1] > b[0])  # a bead with a source side
    i0, i1, j0, j1 = bead
    t = TYPES.index((i1 - i0, j1 - j0))
    c = j1 - int(band.lo[i1])

    def evidence(sc):
        soft = lattice_marginals(band, TYPES, sc, skip, temperature=0.2)
        hard = lattice_marginals(band, TYPES, sc, skip, soft=False)
        return bead_posteriors(soft, [bead])[0], rival_margins(hard, [bead])[0]

    p0, m0 = evidence(scores)
    worse = [s.copy() for s in scores]
    worse[t][i1, c] -= delta
    p1, m1 = evidence(worse)
    assert p1 <= p0 + 1e-12
    assert m1 <= m0 + 1e-9
    assert m1 == pytest.approx(m0 - delta, abs=1e-4)  # rivals do not use the bead


def test_bad_temperature_is_refused():
    band, scores, sk = _lattice(1, 1, {(0, 1, 0, 1): 0.3})
    with pytest.raises(ValueError, match="temperature"):
        lattice_marginals(band, TYPES, scores, sk, temperature=0.0)
