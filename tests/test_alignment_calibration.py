"""Bead confidence: the evidence, the logistic fit, the figures, and the aligner using them."""

from __future__ import annotations

import numpy as np
import pytest

from paralign import AlignConfig, Aligner
from paralign.alignment import calibration as C
from paralign.alignment.dp import NEG, full_band, search

from fake_encoders import ConceptEncoder

TYPES = [(1, 0), (1, 1), (1, 2), (2, 1), (2, 2)]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.mark.parametrize("coef, intercept", [
    ((1.5, 0.0, 0.5), -0.3),
    ((0.2, 2.0, 0.0), 1.2),
    ((3.0, -1.0, 1.0), 0.0),
])
def test_fit_logistic_recovers_the_model(coef, intercept):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(20_000, 3))
    y = rng.random(len(X)) < _sigmoid(intercept + X @ np.array(coef))
    cal = C.fit_logistic(X, y)
    np.testing.assert_allclose(cal.coef, coef, rtol=0.05, atol=0.08)
    assert cal.intercept == pytest.approx(intercept, abs=0.08)
    assert cal.features == C.FEATURES


def test_fit_logistic_weights_count_as_repeated_rows():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = rng.random(300) < _sigmoid(X[:, 0] - X[:, 2])
    twice = C.fit_logistic(np.vstack([X, X[:100]]), np.r_[y, y[:100]])
    weighted = C.fit_logistic(X, y, weights=np.r_[np.full(100, 2.0), np.ones(200)])
    np.testing.assert_allclose(weighted.coef, twice.coef, atol=1e-6)


def test_fit_logistic_stays_finite_on_separable_data():
    X = np.array([[0.0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]])
    cal = C.fit_logistic(X, np.array([0, 0, 1, 1]))
    assert np.isfinite(cal.coef).all() and cal.coef[0] > 0


@pytest.mark.parametrize("X, y, message", [
    (np.zeros((4, 2)), np.array([0, 1, 0, 1]), "shape"),
    (np.zeros((4, 3)), np.array([0, 1, 0]), "shape"),
    (np.zeros((4, 3)), np.array([1, 1, 1, 1]), "both right and wrong"),
])
def test_fit_logistic_refuses_bad_input(X, y, message):
    with pytest.raises(ValueError, match=message):
        C.fit_logistic(X, y)


@pytest.mark.parametrize("conf, right, expected", [
    ([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1.0),
    ([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1], 0.0),
    ([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5),
    ([0.1, 0.6, 0.4, 0.9], [0, 0, 1, 1], 0.75),
    ([0.3, 0.3, 0.7], [0, 1, 1], 0.75),
])
def test_auc(conf, right, expected):
    assert C.auc(np.array(conf), np.array(right)) == pytest.approx(expected)


def test_reliability_and_ece():
    conf = np.array([0.05, 0.15, 0.15, 0.95, 0.95, 0.95, 0.95])
    right = np.array([0, 0, 1, 1, 1, 1, 0])
    rows = C.reliability(conf, right)
    assert [(r[2], round(r[3], 3), round(r[4], 3)) for r in rows] == [
        (1, 0.05, 0.0), (2, 0.15, 0.5), (4, 0.95, 0.75)]
    assert C.expected_calibration_error(conf, right) == pytest.approx(
        (1 * 0.05 + 2 * 0.35 + 4 * 0.2) / 7)


@pytest.mark.parametrize("fraction, expected", [(0.2, 0.5), (0.4, 1.0), (0.1, 0.0)])
def test_low_share(fraction, expected):
    conf = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
    right = np.array([0, 1, 1, 0, 1, 1, 1, 1, 1, 1])
    if fraction == 0.1:
        right = np.array([1, 0, 1, 0, 1, 1, 1, 1, 1, 1])
    assert C.low_share(conf, right, fraction) == pytest.approx(expected)


def test_shipped_calibration_is_monotone():
    # every feature rises with the bead's own score: non-negative weights keep it so
    assert C.SHIPPED.features == C.FEATURES
    assert all(c >= 0 for c in C.SHIPPED.coef)


def _random_lattice(seed: int):
    rng = np.random.default_rng(seed)
    n, m = 4, 5
    band = full_band(n, m)
    scores = []
    for a, b in TYPES:
        s = rng.normal(size=(n + 1, m + 1)).astype(np.float32)
        s[:a] = NEG
        s[:, :b] = NEG
        scores.append(s)
    return band, scores, np.full((n + 1, m + 1), -0.3, np.float32)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("delta", [0.1, 0.5, 2.0])
def test_a_worse_bead_never_gets_a_higher_confidence(seed, delta):
    band, scores, skip = _random_lattice(seed)
    path, _ = search(band, TYPES, scores, skip)
    for k, (i0, i1, j0, j1) in enumerate(path):
        if i1 == i0:
            continue
        t = TYPES.index((i1 - i0, j1 - j0))
        worse = [s.copy() for s in scores]
        worse[t][i1, j1] -= delta
        before = C.bead_confidences(band, TYPES, scores, skip, [path[k]])[0]
        after = C.bead_confidences(band, TYPES, worse, skip, [path[k]])[0]
        assert after <= before + 1e-12


def test_evidence_of_a_forced_and_of_a_contested_bead():
    # 1 x 2: 1-2 (1.0) against 1-1 + 0-1 (0.4 + 0.6) and 0-1 + 1-1: a third each
    band = full_band(1, 2)
    scores = [np.full((2, 3), NEG, np.float32) for _ in TYPES]
    scores[TYPES.index((1, 2))][1, 2] = 1.0
    scores[TYPES.index((1, 1))][1, 1] = 0.4
    scores[TYPES.index((1, 1))][1, 2] = 0.4
    skip = np.full((2, 3), 0.6, np.float32)
    ev = C.bead_evidence(band, TYPES, scores, skip, [(0, 1, 0, 2)])
    margin, logit, own = ev[0]
    assert margin == pytest.approx(0.0, abs=1e-6)
    assert logit == pytest.approx(np.log(0.5), abs=1e-6)  # p = 1/3
    assert own == pytest.approx(1.0)
    # only the 1-2 left: it is forced
    scores[TYPES.index((1, 1))][:] = NEG
    skip[:] = NEG
    margin, logit, _ = C.bead_evidence(band, TYPES, scores, skip, [(0, 1, 0, 2)])[0]
    assert margin == C.MARGIN_CAP and logit == C.LOGIT_CAP


ZH = ["老人在河边钓鱼。", "天色渐渐暗了下来。", "他收起鱼竿回家去。", "妻子已经做好了晚饭。",
      "饭后他们坐在院子里乘凉。", "孩子们在一旁追逐打闹。"]
EN = ["The old man was fishing by the river.", "The sky slowly grew dark.",
      "He packed up his rod and went home.", "His wife had already cooked dinner.",
      "After the meal they sat in the yard to enjoy the cool air.",
      "The children chased each other nearby."]


def test_aligner_doubts_the_beads_around_an_unmatched_sentence():
    # the extra Chinese sentence may be a 1-0 or be merged into either neighbour: the beads
    # there are the least sure; beads far from it are certain
    extra = "这句话在译文中没有对应。"
    zh = ZH[:2] + [extra] + ZH[2:5]
    en = EN[:5]
    table = {s: k for k, s in enumerate(ZH)} | {s: k for k, s in enumerate(EN)} | {extra: 50}
    al = Aligner(AlignConfig(cache=False), encoder=ConceptEncoder(table)).align(zh, en)
    conf = {b.src: b.score for b in al.beads}
    assert conf[(2,)] == min(conf.values()) < 0.8
    assert conf[(0,)] > 0.95 and conf[(4,)] > 0.95 and conf[(5,)] > 0.95
    assert conf[(1,)] < conf[(0,)] and conf[(3,)] < conf[(4,)]
