"""Bead confidence: evidence from the lattice, turned into a calibrated probability.

A bead's own score says little about whether it is right (area under the ROC curve about
0.65 on mac_dev): a merge that scores 0.4 can be the only sensible reading of its
sentences, a 1-1 that scores 1.2 can be one of two equally good cuts. What separates right
from wrong beads is how much the alignment *depends* on the bead, read off the lattice the
search used (:mod:`paralign.alignment.posterior`):

* ``margin``: best total of a path through the bead minus the best total of a path that
  avoids it (score units, capped at :data:`MARGIN_CAP`);
* ``posterior``: the bead's posterior probability at temperature :data:`TEMPERATURE`, as a
  logit (capped at +-:data:`LOGIT_CAP`);
* ``score``: the bead's own score.

Scores are in units of the document's match gap (:mod:`paralign.alignment.scoring`), so
the three are comparable across encoders. A logistic regression on them
(:func:`fit_logistic`), fitted to strict correctness on development data
(``bench/confidence.py``), gives the confidence; its coefficients are :data:`SHIPPED`.
All three features rise with the bead's score and the coefficients are non-negative, so a
bead made worse never gets a higher confidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .dp import Band
from .posterior import bead_posteriors, lattice_pair, rival_margins

__all__ = ["Calibration", "SHIPPED", "SHIPPED_FROM", "FEATURES", "bead_evidence", "bead_confidences",
           "fit_logistic", "auc", "expected_calibration_error", "reliability", "low_share"]

# Temperature of the posterior, in score units: path totals that differ by 0.2 weigh e : 1.
TEMPERATURE = 0.2
# Beyond these the evidence says "certain" and stops growing (keeps the fit from chasing
# a few beads with huge margins).
MARGIN_CAP = 3.0
LOGIT_CAP = 9.0
FEATURES = ("margin", "posterior", "score")


@dataclass(frozen=True)
class Calibration:
    """``confidence = sigmoid(intercept + sum(coef * features))``."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Confidences of the rows of X (columns in the order of ``features``)."""
        X = np.asarray(X, float)
        z = self.intercept + X @ np.asarray(self.coef, float)
        return 1.0 / (1.0 + np.exp(-z))


# Fitted by ``bench/confidence.py --fit`` on all of mac_dev (6 literary documents, 1,341
# beads); figures out of sample (leaving a document out, and on the Bible) in README.md.
SHIPPED_FROM = "mac_dev"
SHIPPED = Calibration(FEATURES, (1.858, 0.767, 0.41), 0.364)


def bead_evidence(band: Band, types: Sequence[tuple[int, int]], scores: Sequence[np.ndarray],
                  skip: np.ndarray, path: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """The features of :data:`FEATURES` for every bead of ``path``, one row per bead.

    Arguments as :func:`paralign.alignment.dp.search` takes them, ``path`` as it returns it.
    Costs a soft and a max forward-backward over the band: four passes of the search's shape.
    """
    path = list(path)
    if not path:
        return np.zeros((0, len(FEATURES)))
    soft, hard = lattice_pair(band, types, scores, skip, TEMPERATURE)
    post = np.clip(bead_posteriors(soft, path), 1e-12, 1.0)
    del soft
    margin = rival_margins(hard, path)
    own = _bead_scores(band, types, scores, skip, path)
    with np.errstate(divide="ignore"):
        logit = np.log(post) - np.log1p(-np.minimum(post, 1 - 1e-12))
    return np.column_stack([np.clip(margin, -MARGIN_CAP, MARGIN_CAP),
                            np.clip(logit, -LOGIT_CAP, LOGIT_CAP), own])


def _bead_scores(band: Band, types: Sequence[tuple[int, int]], scores: Sequence[np.ndarray],
                 skip: np.ndarray, path: Sequence[tuple[int, int, int, int]]) -> np.ndarray:
    """The own score of every bead of ``path``, gathered type by type."""
    P = np.asarray(path, np.int64).reshape(-1, 4)
    c = P[:, 3] - band.lo[P[:, 1]]
    out = np.empty(len(P))
    nul = P[:, 1] == P[:, 0]
    out[nul] = np.asarray(skip)[P[nul, 1], c[nul]]
    index = {ab: t for t, ab in enumerate(types)}
    for ab in set(zip((P[~nul, 1] - P[~nul, 0]).tolist(), (P[~nul, 3] - P[~nul, 2]).tolist())):
        if ab not in index:
            raise ValueError(f"bead type {ab} is not in the lattice's types")
        k = np.flatnonzero(~nul & (P[:, 1] - P[:, 0] == ab[0]) & (P[:, 3] - P[:, 2] == ab[1]))
        out[k] = np.asarray(scores[index[ab]])[P[k, 1], c[k]]
    return out


def bead_confidences(band: Band, types: Sequence[tuple[int, int]], scores: Sequence[np.ndarray],
                     skip: np.ndarray, path: Sequence[tuple[int, int, int, int]],
                     calibration: Calibration = SHIPPED) -> np.ndarray:
    """Calibrated confidence of every bead of the best path (see the module docstring)."""
    return calibration.predict(bead_evidence(band, types, scores, skip, path))


def fit_logistic(X: np.ndarray, y: np.ndarray, features: Sequence[str] = FEATURES, *,
                 weights: np.ndarray | None = None, l2: float = 1e-3) -> Calibration:
    """Logistic regression by Newton steps (iteratively reweighted least squares).

    ``y`` is 1 for right beads; ``weights`` weigh rows (to give two sets equal say); ``l2``
    a small ridge on the coefficients so that separable or constant columns stay finite.
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    if X.ndim != 2 or len(X) != len(y) or X.shape[1] != len(features):
        raise ValueError(f"X has shape {X.shape}: expected ({len(y)}, {len(features)})")
    if not len(y) or y.min() == y.max():
        raise ValueError("fitting needs both right and wrong beads")
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    X1 = np.column_stack([X, np.ones(len(X))])
    beta = np.zeros(X1.shape[1])
    ridge = l2 * np.r_[np.ones(X.shape[1]), 0.0]
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(X1 @ beta)))
        g = X1.T @ (w * (p - y)) + ridge * beta
        H = (X1 * (w * p * (1 - p))[:, None]).T @ X1 + np.diag(ridge + 1e-12)
        step = np.linalg.solve(H, g)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return Calibration(tuple(features), tuple(float(b) for b in beta[:-1]), float(beta[-1]))


# -- figures of a confidence against the truth -------------------------------------------------
def auc(conf: np.ndarray, right: np.ndarray) -> float:
    """Area under the ROC curve for telling right beads from wrong ones (ties count half)."""
    conf = np.asarray(conf, float)
    right = np.asarray(right, bool)
    n1, n0 = int(right.sum()), int((~right).sum())
    if not n1 or not n0:
        return float("nan")
    order = np.argsort(conf, kind="mergesort")
    ranks = np.empty(len(conf))
    sorted_c = conf[order]
    # average ranks over ties
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_c)) + 1]
    ends = np.r_[starts[1:], len(conf)]
    for s, e in zip(starts, ends):
        ranks[order[s:e]] = (s + e + 1) / 2.0
    return float((ranks[right].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def reliability(conf: np.ndarray, right: np.ndarray, bins: int = 10
                ) -> list[tuple[float, float, int, float, float]]:
    """Rows ``(low, high, count, mean confidence, share right)`` of equal-width bins."""
    conf = np.asarray(conf, float)
    right = np.asarray(right, float)
    idx = np.minimum((conf * bins).astype(int), bins - 1)
    rows = []
    for k in range(bins):
        sel = idx == k
        if sel.any():
            rows.append((k / bins, (k + 1) / bins, int(sel.sum()), float(conf[sel].mean()),
                         float(right[sel].mean())))
    return rows


def expected_calibration_error(conf: np.ndarray, right: np.ndarray, bins: int = 10) -> float:
    """Mean |confidence - share right| over equal-width bins, weighted by their counts."""
    rows = reliability(conf, right, bins)
    n = sum(r[2] for r in rows)
    return float(sum(r[2] * abs(r[3] - r[4]) for r in rows) / n) if n else float("nan")


def low_share(conf: np.ndarray, right: np.ndarray, fraction: float) -> float:
    """Share of all wrong beads found among the ``fraction`` lowest-confidence beads."""
    conf = np.asarray(conf, float)
    wrong = ~np.asarray(right, bool)
    if not wrong.any():
        return float("nan")
    k = int(round(fraction * len(conf)))
    lowest = np.argsort(conf, kind="mergesort")[:k]
    return float(wrong[lowest].sum() / wrong.sum())
