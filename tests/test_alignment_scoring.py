"""Bead scores: the dense (whole-lattice) path agrees with the banded one it short-cuts."""

from __future__ import annotations

import numpy as np
import pytest

from paralign.alignment.dp import NEG, full_band
from paralign.alignment.scoring import BandScorer, ScoreParams, SideVectors, bead_types


class _Banded(BandScorer):
    """The same scorer with the dense short-cut switched off."""

    def _build_strip(self, band):
        super()._build_strip(band)
        self._dense = False


def _unit(rng, n, d=32):
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _problem(n, m, seed):
    """Random unit sentence vectors and lengths for an n x m lattice, bead types up to 3 a side."""
    rng = np.random.default_rng(seed)
    xs, ys = _unit(rng, n), _unit(rng, m)
    ls, lt = rng.integers(5, 40, n).astype(float), rng.integers(15, 120, m).astype(float)
    return xs, ys, ls, lt, bead_types(3, 4), ScoreParams(ratio=3.0), full_band(n, m)


ZH = ["陈清扬是医生。", "我们喝水。", "他有三十二本书。", "天色渐渐暗了下来。", "她很漂亮。"]
EN = ["Chen Qingyang is a doctor.", "We drink water.", "He has thirty-two books.",
      "The sky slowly grew dark.", "She is very beautiful."]


def _lexical(zh_is_src, n, m):
    from paralign.alignment.lexical import LexicalEvidence

    nz, ne = (n, m) if zh_is_src else (m, n)
    return LexicalEvidence([ZH[i % 5] for i in range(nz)], [EN[i % 5] for i in range(ne)], 3, 3)


@pytest.mark.parametrize(("n", "m", "seed"), [(7, 9, 0), (12, 10, 1), (3, 8, 2), (1, 4, 3)])
@pytest.mark.parametrize("exact", [False, True])
@pytest.mark.parametrize("lexical", [None, "zh-src", "zh-tgt"])
def test_dense_scores_equal_banded_scores(n, m, seed, exact, lexical):
    xs, ys, ls, lt, types, params, band = _problem(n, m, seed)
    results = []
    for cls in (BandScorer, _Banded):
        S, T = [SideVectors(xs, 3)], [SideVectors(ys, 3)]
        allowed = None
        if exact:  # some windows embedded "exactly" (random vectors), merges allowed everywhere
            for side, k in ((S[0], 2), (T[0], 3)):
                starts = np.arange(0, max(side.n - k + 1, 0), 2)
                side.set_exact(k, starts, _unit(np.random.default_rng(9), len(starts)))
            allowed = {t: np.ones((n + 1, band.width), bool) for t in types if max(t) > 1}
        lex = None if lexical is None else _lexical(lexical == "zh-src", n, m)
        sc = cls(S, T, ls, lt, params, 3, lexical=lex, zh_is_src=lexical != "zh-tgt")
        sc.calibrate(band)
        scores, skip = sc.band_scores(band, types, approx=not exact, allowed=allowed)
        assert sc._dense is (cls is BandScorer)
        results.append((np.stack(scores), skip, sc.scales))
    (d_scores, d_skip, d_scales), (b_scores, b_skip, b_scales) = results
    assert d_scales == pytest.approx(b_scales, rel=1e-5)
    assert np.array_equal(d_scores <= NEG / 2, b_scores <= NEG / 2)
    ok = d_scores > NEG / 2
    assert ok.any()
    assert np.allclose(d_scores[ok], b_scores[ok], atol=1e-4)
    assert np.array_equal(d_skip, b_skip)


@pytest.mark.parametrize(("n", "m", "seed"), [(6, 9, 4), (10, 7, 5), (2, 5, 6)])
def test_mirrored_scores_equal_scores_of_the_reversed_problem(n, m, seed):
    """The backward pass of the pruning reads its scores off the forward ones."""
    from paralign.alignment.aligner import _mirror_scores
    from paralign.alignment.dp import reverse_band

    xs, ys, ls, lt, types, params, band = _problem(n, m, seed)
    fwd = BandScorer([SideVectors(xs, 3)], [SideVectors(ys, 3)], ls, lt, params, 3)
    fwd.calibrate(band)
    scores, skip = fwd.band_scores(band, types)
    rband = reverse_band(band)
    rev = BandScorer([SideVectors(xs[::-1], 3)], [SideVectors(ys[::-1], 3)], ls[::-1], lt[::-1],
                     params, 3)
    rev.scales = list(fwd.scales)
    want, want_skip = rev.band_scores(rband, types)
    got, got_skip = _mirror_scores(band, rband, types, scores, skip)
    want, got = np.stack(want), np.stack(got)
    assert np.array_equal(want <= NEG / 2, got <= NEG / 2)
    ok = want > NEG / 2
    assert np.allclose(want[ok], got[ok], atol=1e-4)
    # a 0-1 bead ending in a row's first column is never taken (the search starts 0-1 chains
    # there), so only the other columns have to agree
    assert np.array_equal(want_skip[:, 1:], got_skip[:, 1:])
