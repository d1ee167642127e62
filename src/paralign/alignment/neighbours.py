"""Mutual nearest neighbours of a sample of sentences: document-level evidence.

One pass over the target side finds, for evenly spaced source sentences, their most similar
target sentence and whether the match is mutual. Two things read it: the length model (the
confident mutual matches are mostly true 1-1 translations, whose length ratios tell how
literal the translation is) and the parallelism score (for two translations most sampled
sentences find their partner, and the partner lies in their bead).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MutualNeighbours", "mutual_neighbours", "NEIGHBOUR_SAMPLE"]

# At most about this many source sentences are sampled (evenly spaced): enough for a stable
# variance and share, and one matrix product of this many rows whatever the document length.
NEIGHBOUR_SAMPLE = 400


@dataclass(frozen=True)
class MutualNeighbours:
    """Sampled source sentences and their best target sentences.

    Attributes:
        step: the sampling step (every ``step``-th source sentence).
        rows: the sampled source sentences.
        best: for each sampled sentence, its most similar target sentence.
        sim: the similarity of that match where it is mutual, ``-inf`` where it is not.
    """

    step: int
    rows: np.ndarray
    best: np.ndarray
    sim: np.ndarray

    @property
    def mutual(self) -> np.ndarray:
        """Which sampled matches are mutual."""
        return np.isfinite(self.sim)


def mutual_neighbours(X: np.ndarray, Y: np.ndarray) -> MutualNeighbours:
    """Best matches of sampled rows of ``X`` (unit source vectors) among the rows of ``Y``."""
    n = len(X)
    step = max(1, n // NEIGHBOUR_SAMPLE)
    rows = np.arange(0, n, step)
    Sm = X[rows] @ Y.T
    jstar = Sm.argmax(axis=1)
    best = Sm[np.arange(len(rows)), jstar]
    back = (Y[jstar] @ X.T).argmax(axis=1)
    return MutualNeighbours(step, rows, jstar, np.where(back == rows, best, -np.inf))
