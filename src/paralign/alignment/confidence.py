"""How sure the aligner is: a confidence for each bead, a parallelism score for the pair.

A bead's confidence is read off the lattice its path was searched in: its posterior
probability and its margin over the best path that avoids it, with its own score, through a
logistic calibration fitted on mac_dev (:mod:`paralign.alignment.calibration`,
:mod:`paralign.alignment.posterior`). Beads of a block with one side empty have no lattice
to be judged in: they get a flat ``NULL_CONF``.

Parallelism is the share of sampled sentences whose mutual nearest neighbour lies in (or
next to) their own bead: independent of the encoder's cosine range, high for translations,
low for unrelated texts, whose few mutual matches are scattered.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from ..text.document import Document
from .bead import Bead, made_bead
from .calibration import bead_confidences
from .dp import Band
from .medians import median
from .neighbours import MutualNeighbours

__all__ = ["path_beads", "parallelism", "parallel_verdict", "median_confidence", "NULL_CONF",
           "PARALLELISM_WARN", "TOO_SHORT", "CONFIDENT_PATH"]

log = logging.getLogger("paralign.alignment")

NULL_CONF = 0.5
# Confidences are rounded to this many decimals (the precision of the calibration).
CONF_DECIMALS = 4
# Below this document-level parallelism score the two texts are reported as not parallel...
PARALLELISM_WARN = 0.3
# ...when both have at least this many sentences: with fewer, a couple of sentences always
# find each other as nearest neighbours, and the verdict is TOO_SHORT...
MIN_SENTENCES_TO_JUDGE = 3
TOO_SHORT = "too short to judge"
# ...and when the path's beads are not confident all the same (median confidence of the beads
# pairing both sides below this). A text of names and numbers (a genealogy: "Adam, Sheth,
# Enosh,") has few mutual nearest neighbours in the encoder's space, but the dictionary's
# names and numbers agree bead by bead: 1 Chronicles 1 scores 0.12 parallelism and 0.94
# median confidence. Measured by bench/confidence.py: translations 0.85 or more, a text
# against another's translation 0.71 or less.
CONFIDENT_PATH = 0.8
# A mutual match counts as agreeing with the path when its target sentence lies within this
# many sentences of the bead's target side (a neighbour bead's sentence is a near miss).
MATCH_SLACK = 2


def path_beads(path: Sequence[tuple[int, int, int, int]], band: Band,
               types: Sequence[tuple[int, int]], scores: Sequence[np.ndarray],
               skip: np.ndarray, s0: int = 0, t0: int = 0) -> list[Bead]:
    """The beads of a searched path (``(i0, i1, j0, j1)`` ranges of a block starting at
    sentences ``s0``, ``t0``), each with its confidence read off the lattice the path was
    searched in (:func:`paralign.alignment.calibration.bead_confidences`)."""
    confs = bead_confidences(band, types, scores, skip, path).tolist()
    # the indices are ints of ranges: made without Bead's per-index checks (made_bead)
    return [made_bead(tuple(range(s0 + i0, s0 + i1)), tuple(range(t0 + j0, t0 + j1)),
                      round(conf, CONF_DECIMALS))
            for (i0, i1, j0, j1), conf in zip(path, confs)]


def parallelism(nn: MutualNeighbours, beads: Sequence[Bead], n: int, m: int) -> float:
    """Share of sampled sentences whose mutual nearest neighbour lies in their own bead.

    Independent of the encoder's cosine range: for two translations most sentences find
    each other as mutual best matches, and those matches agree with the monotone path;
    for unrelated texts the mutual matches are few and scattered.
    """
    if n == 0 or m == 0:
        return 0.0
    bead_of_src = {}
    for b in beads:
        for i in b.src:
            bead_of_src[i] = b
    hits = 0
    for r, i in enumerate(nn.rows):
        if not np.isfinite(nn.sim[r]):
            continue
        b = bead_of_src.get(int(i))
        if b is None or not b.tgt:
            continue
        if b.tgt[0] - MATCH_SLACK <= nn.best[r] <= b.tgt[-1] + MATCH_SLACK:
            hits += 1
    return round(hits / min(len(nn.rows), max(1, int(m / nn.step))), CONF_DECIMALS)


def parallel_verdict(sdoc: Document, tdoc: Document, par: float,
                     beads: Sequence[Bead] = ()) -> str:
    """The verdict on a pair, ``"yes"``, ``"no"`` or :data:`TOO_SHORT`, said in the log.

    "no" needs two signs: a parallelism score below :data:`PARALLELISM_WARN` and a median
    confidence of the ``beads`` that pair both sides below :data:`CONFIDENT_PATH`. It is a
    warning. Too short to judge is a warning for files (the command line, where
    a user can act on it) and an info line for strings and lists (a program aligning
    snippets on purpose does not want a warning per call).
    """
    names = (f"{sdoc.source} and {tdoc.source}" if sdoc.source and tdoc.source
             else "the two texts")
    if min(len(sdoc), len(tdoc)) < MIN_SENTENCES_TO_JUDGE:
        log.log(logging.WARNING if sdoc.source and tdoc.source else logging.INFO,
                "%s are too short to judge whether they are translations of each other "
                "(%d and %d sentence(s); at least %d each are needed)", names, len(sdoc),
                len(tdoc), MIN_SENTENCES_TO_JUDGE)
        return TOO_SHORT
    if par < PARALLELISM_WARN:
        conf = median_confidence(beads)
        if conf < CONFIDENT_PATH:
            log.warning("%s do not look like translations of each other (parallelism %.2f, "
                        "median bead confidence %.2f)", names, par, conf)
            return "no"
    return "yes"


def median_confidence(beads: Sequence[Bead]) -> float:
    """Median confidence of the beads that pair both sides (0 when there is none)."""
    scores = [b.score for b in beads if b.src and b.tgt]
    return float(median(scores)) if scores else 0.0
