"""Bead scores: the formula, and the dense (whole-lattice) gather agreeing with the banded one
it short-cuts."""

from __future__ import annotations

import numpy as np
import pytest

from paralign.alignment.dp import NEG, full_band
from paralign.alignment.scoring import BandScorer, ScoreParams, bead_score, bead_types
from paralign.alignment.similarity import SideVectors
from paralign.config import AlignConfig


def _unit(rng, n, d=32):
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _problem(n, m, seed):
    """Random unit sentence vectors and lengths for an n x m lattice, bead types up to 3 a side."""
    rng = np.random.default_rng(seed)
    xs, ys = _unit(rng, n), _unit(rng, m)
    ls, lt = rng.integers(5, 40, n).astype(float), rng.integers(15, 120, m).astype(float)
    return xs, ys, ls, lt, bead_types(3, 4), ScoreParams.from_config(AlignConfig(), ratio=3.0), full_band(n, m)


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
    for dense in (None, False):
        S, T = [SideVectors(xs, 3)], [SideVectors(ys, 3)]
        allowed = None
        if exact:  # some windows embedded "exactly" (random vectors), merges allowed everywhere
            for side, k in ((S[0], 2), (T[0], 3)):
                starts = np.arange(0, max(side.n - k + 1, 0), 2)
                side.set_exact(k, starts, _unit(np.random.default_rng(9), len(starts)))
            allowed = {t: np.ones((n + 1, band.width), bool) for t in types if max(t) > 1}
        lex = None if lexical is None else _lexical(lexical == "zh-src", n, m)
        sc = BandScorer(S, T, ls, lt, params, 3, band, lexical=lex, zh_is_src=lexical != "zh-tgt",
                        dense=dense)
        sc.calibrate()
        scores, skip = sc.band_scores(types, approx=not exact, allowed=allowed)
        assert sc.dense is (dense is None)
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
    from paralign.alignment.dp import reverse_band
    from paralign.alignment.search import mirror_scores

    xs, ys, ls, lt, types, params, band = _problem(n, m, seed)
    fwd = BandScorer([SideVectors(xs, 3)], [SideVectors(ys, 3)], ls, lt, params, 3, band)
    fwd.calibrate()
    scores, skip = fwd.band_scores(types)
    rband = reverse_band(band)
    rev = BandScorer([SideVectors(xs[::-1], 3)], [SideVectors(ys[::-1], 3)], ls[::-1], lt[::-1],
                     params, 3, rband)
    rev.scales = list(fwd.scales)
    want, want_skip = rev.band_scores(types)
    got, got_skip = mirror_scores(band, rband, types, scores, skip)
    want, got = np.stack(want), np.stack(got)
    assert np.array_equal(want <= NEG / 2, got <= NEG / 2)
    ok = want > NEG / 2
    assert np.allclose(want[ok], got[ok], atol=1e-4)
    # a 0-1 bead ending in a row's first column is never taken (the search starts 0-1 chains
    # there), so only the other columns have to agree
    assert np.array_equal(want_skip[:, 1:], got_skip[:, 1:])


# -- the formula, term by term (one function: both gathers call it) ---------------------------

def _params(**changes):
    return ScoreParams.from_config(AlignConfig().replace(**changes), ratio=1.0)


_LOG = np.log


@pytest.mark.parametrize(("params", "kw", "want"), [
    # one encoder, no margin, equal lengths: the cosine over the scale
    (_params(margin="none"), dict(sims=[0.6], scales=[2.0]), 0.3),
    # the margin: minus margin_weight times the mean of the two windows' kNN means
    (_params(margin_weight=0.5), dict(sims=[0.6], margin_sums=[0.4], scales=[1.0]), 0.6 - 0.1),
    # two encoders, weighted mean of their scaled scores
    (_params(margin="none"), dict(sims=[0.6, 0.2], scales=[1.0, 0.5], weights=[1.0, 3.0]),
     (0.6 + 3.0 * 0.4) / 4.0),
    # dictionary evidence and the merge bonus, each with its weight
    (_params(margin="none", lexical_weight=0.8, share_weight=0.2),
     dict(sims=[0.5], scales=[1.0], lexical=0.5, bonus=1.0), 0.5 + 0.4 + 0.2),
    # weights 0 switch terms off even when evidence is given
    (_params(margin="none", lexical_weight=0.0, share_weight=0.0),
     dict(sims=[0.5], scales=[1.0], lexical=0.5, bonus=1.0), 0.5),
    # the length penalty: length_weight times the squared log ratio
    (_params(margin="none", length_weight=0.15),
     dict(sims=[0.5], scales=[1.0], log_src_len=_LOG(10.0), log_tgt_len=_LOG(40.0)),
     0.5 - 0.15 * _LOG(4.0) ** 2),
    (_params(margin="none", length_weight=0.0),
     dict(sims=[0.5], scales=[1.0], log_src_len=_LOG(10.0), log_tgt_len=_LOG(40.0)), 0.5),
])
def test_bead_score_adds_up_its_terms(params, kw, want):
    sims = [np.array([s]) for s in kw["sims"]]
    sums = [np.array([m]) for m in kw["margin_sums"]] if "margin_sums" in kw else None
    if params.margin_weight and sums is None:
        sums = [np.zeros(1) for _ in sims]
    got = bead_score(params, sims, sums, kw["scales"],
                     np.asarray(kw.get("weights", [1.0] * len(sims))),
                     log_src_len=np.array([kw.get("log_src_len", 0.0)]),
                     log_tgt_len=np.array([kw.get("log_tgt_len", 0.0)]),
                     lexical=np.array([kw["lexical"]]) if "lexical" in kw else None,
                     bonus=np.array([kw["bonus"]]) if "bonus" in kw else None)
    assert got == pytest.approx([want])


def test_bead_score_is_layout_free():
    """Flat cells and broadcast matrices give the same numbers (the two gathers' layouts)."""
    rng = np.random.default_rng(0)
    p = _params(margin_weight=0.5, length_weight=0.15)
    sims = rng.normal(size=(4, 5))
    ms, mt = rng.normal(size=4), rng.normal(size=5)
    lx, ly = rng.normal(size=4), rng.normal(size=5)
    lex = rng.random((4, 5))
    dense = bead_score(p, [sims], [ms[:, None] + mt[None, :]], [0.7], np.ones(1),
                       log_src_len=lx[:, None], log_tgt_len=ly[None, :], lexical=lex)
    P, Q = np.nonzero(np.ones((4, 5), bool))
    flat = bead_score(p, [sims[P, Q]], [ms[P] + mt[Q]], [0.7], np.ones(1),
                      log_src_len=lx[P], log_tgt_len=ly[Q], lexical=lex[P, Q])
    assert np.array_equal(dense[P, Q], flat)


@pytest.mark.parametrize(("changes", "field", "want"), [
    ({}, "knn", AlignConfig().knn),
    ({"margin": "none"}, "margin_weight", 0.0),
    ({"margin_weight": 0.3}, "margin_weight", 0.3),
    ({"skip": -0.5}, "skip", -0.5),
    ({"lexical_weight": 0.0}, "lexical_weight", 0.0),
    ({"share_weight": 0.1}, "share_weight", 0.1),
    ({"length_weight": 0.2}, "length_weight", 0.2),
])
def test_score_params_come_from_the_config(changes, field, want):
    assert getattr(ScoreParams.from_config(AlignConfig(**changes)), field) == want


def test_score_params_take_the_documents_ratio_and_weight():
    p = ScoreParams.from_config(AlignConfig(), ratio=2.5, length_weight=0.07)
    assert (p.ratio, p.length_weight) == (2.5, 0.07)


def test_dense_needs_the_whole_lattice():
    from paralign.alignment.dp import band_from_path

    rng = np.random.default_rng(1)
    xs, ys = _unit(rng, 30), _unit(rng, 30)
    band = band_from_path([(i, i) for i in range(31)], 30, 30, 2)
    with pytest.raises(ValueError, match="whole lattice"):
        BandScorer([SideVectors(xs, 2)], [SideVectors(ys, 2)], np.ones(30), np.ones(30),
                   _params(), 2, band, dense=True)
