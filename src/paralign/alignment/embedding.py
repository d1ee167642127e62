"""The aligner's side of the encoders: sentence vectors, and the windows merges need.

Encoders promise float32 unit rows, one per text; objects passed in by users may not keep
the promise, so every output is checked and normalized here (:func:`unit_rows`). Windows of
consecutive sentences (the sides of merged beads) cost most of the encoder time: only those
of merges the first search found plausible are embedded (:func:`embed_windows`), composed
from the sentences' states by encoders that can (``encode_windows``: use-m3, see
:mod:`paralign.embed.usem3_compose`), else by encoding the joined text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..text.document import Document
from .dp import Band
from .similarity import SideVectors

__all__ = ["unit_rows", "encode_sentences", "encode_windows", "embed_windows"]


def unit_rows(vectors: Any, n: int, what: str) -> np.ndarray:
    """An encoder's output as float32 unit rows, checked to have one row per input."""
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim != 2 or len(v) != n:
        raise RuntimeError(f"encoder returned shape {v.shape} for {n} {what}")
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norms > 0, norms, 1.0)


def encode_sentences(enc: Any, texts: Sequence[str]) -> np.ndarray:
    """Unit rows of ``texts`` under one encoder."""
    return unit_rows(enc.encode(list(texts)), len(texts), "texts")


def encode_windows(enc: Any, windows: list[list[str]], joiner: str) -> np.ndarray:
    """Window vectors: composed by encoders that can (use-m3), else the joined texts."""
    fn = getattr(enc, "encode_windows", None)
    if fn is None:
        return encode_sentences(enc, [joiner.join(w) for w in windows])
    return unit_rows(fn(windows, joiner), len(windows), "windows")


def embed_windows(encoders: Sequence[Any], docs: tuple[Document, Document],
                  starts: tuple[int, int], sides: tuple[list[SideVectors], list[SideVectors]],
                  allowed: dict[tuple[int, int], np.ndarray], band: Band) -> int:
    """Embed the windows that plausible merges use; returns how many windows were embedded.

    ``allowed[(a, b)]`` marks, in band layout, the merges of type a-b still plausible; their
    source windows of size ``a > 1`` and target windows of size ``b > 1`` are encoded and
    recorded in the block's :class:`~paralign.alignment.similarity.SideVectors` (one per
    encoder, block-relative; ``starts`` gives the block's first sentence on each side).
    """
    need_s: dict[int, set[int]] = {}
    need_t: dict[int, set[int]] = {}
    for (a, b), mask in allowed.items():
        ii, cc = np.nonzero(mask)
        if not len(ii):
            continue
        if a > 1:
            need_s.setdefault(a, set()).update((ii - a).tolist())
        if b > 1:
            need_t.setdefault(b, set()).update((band.lo[ii] + cc - b).tolist())
    count = 0
    for doc, base, vecs, need in zip(docs, starts, sides, (need_s, need_t)):
        sents = doc.sentences   # the block's windows only: long documents come in chunks
        for k, starts_set in sorted(need.items()):
            at = np.array(sorted(starts_set), dtype=np.int64)
            wins = [[x.norm for x in sents[base + p: base + p + k]] for p in at]
            for enc, side in zip(encoders, vecs):
                side.set_exact(k, at, encode_windows(enc, wins, doc.joiner))
            count += len(wins)
    return count
