"""The length model: how many target characters a source character becomes, and how much
sentence lengths can be trusted, both estimated from the document pair itself.

Lengths count characters without spaces (Chinese characters against English letters: about
1:3). The ratio is the document's own (total target length over total source length, kept
within a plausible range of the language pair's usual ratio); the weight of the length
penalty follows Gale & Church's observation that the variance of the log length ratio is a
property of the text pair, estimated from the confident mutual nearest neighbours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..text.document import Document
from .medians import median
from .neighbours import MutualNeighbours

__all__ = ["LengthModel", "fit_lengths", "unit_lengths", "length_ratio", "length_weight",
           "ZH_EN_RATIO", "TYPICAL_LENGTH_VAR"]

log = logging.getLogger("paralign.alignment")

# English characters per Chinese character in translation (about 3; varies with translator).
ZH_EN_RATIO = 3.0
# The document's ratio is kept within the pair's usual ratio divided or multiplied by this.
RATIO_SLACK = 2.0
# Typical variance of the log length ratio of Chinese-English sentence pairs (mac_dev).
TYPICAL_LENGTH_VAR = 0.105
# Below this many mutual matches the variance is not estimated: the base weight is used.
MIN_LENGTH_PAIRS = 20
# The adapted weight stays within the base weight divided or multiplied by this.
WEIGHT_SLACK = 2.0


@dataclass(frozen=True)
class LengthModel:
    """Sentence lengths of both sides, the target-per-source ratio and the penalty's weight."""

    src: np.ndarray
    tgt: np.ndarray
    ratio: float
    weight: float


def unit_lengths(doc: Document) -> np.ndarray:
    """Length of each sentence in characters, spaces not counted (a length model's units)."""
    # str.split() cuts at exactly the characters str.isspace() accepts
    return np.array([max(1, len("".join(s.norm.split()))) for s in doc], float)


def length_ratio(sdoc: Document, tdoc: Document, ls: np.ndarray, lt: np.ndarray) -> float:
    """Target length units per source unit, from the document, kept within a plausible range.

    The ratio of total lengths is right for two translations; for unbalanced inputs (one
    side truncated, 1 sentence against 500) it would make every bead look wrong, so it is
    clipped to half to twice the usual ratio of the language pair.
    """
    raw = float(lt.sum() / ls.sum())
    prior = 1.0
    if sdoc.lang == "zh" and tdoc.lang == "en":
        prior = ZH_EN_RATIO
    elif sdoc.lang == "en" and tdoc.lang == "zh":
        prior = 1.0 / ZH_EN_RATIO
    clipped = min(max(raw, prior / RATIO_SLACK), prior * RATIO_SLACK)
    if clipped != raw:
        log.info("length ratio %.2f is implausible for %s->%s: using %.2f",
                 raw, sdoc.tag, tdoc.tag, clipped)
    return clipped


def length_weight(base: float, nn: MutualNeighbours, ls: np.ndarray, lt: np.ndarray,
                  ratio: float) -> float:
    """Weight of the length penalty, adapted to how literal the translation is.

    Estimated from the confident mutual nearest neighbours (the better half of the mutual
    matches: mostly true 1-1 translations) and set inversely to the variance of their log
    length ratio, so that a literal translation (the Bible: variance 0.05) leans on lengths
    more than a free literary one (0.07-0.16). ``base`` is the weight at the typical variance.
    """
    ok = nn.mutual
    if ok.sum() < MIN_LENGTH_PAIRS or not base:
        return base
    sim_ok = nn.sim[ok]
    keep = sim_ok >= median(sim_ok)
    v = np.log(lt[nn.best[ok][keep]] / (ratio * ls[nn.rows[ok][keep]]))
    var = float(np.var(v))
    if not np.isfinite(var) or var <= 0:
        return base
    return float(np.clip(base * TYPICAL_LENGTH_VAR / var, base / WEIGHT_SLACK, base * WEIGHT_SLACK))


def fit_lengths(sdoc: Document, tdoc: Document, nn: MutualNeighbours, base_weight: float
                ) -> LengthModel:
    """The length model of a document pair (``base_weight``: the config's ``length_weight``)."""
    ls, lt = unit_lengths(sdoc), unit_lengths(tdoc)
    ratio = length_ratio(sdoc, tdoc, ls, lt)
    return LengthModel(ls, lt, ratio, length_weight(base_weight, nn, ls, lt, ratio))
