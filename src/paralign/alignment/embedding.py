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

__all__ = ["unit_rows", "encode_sentences", "encode_windows", "embed_windows", "WindowMemo"]


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


class WindowMemo:
    """The window vectors one pass over a document pair embedded, for the next pass.

    Why: a realignment searches every chunk of the pair again, and most windows plausible
    in the second pass were plausible in the first (the Bible: 30,000 of 34,000); with the
    embedding cache on, the second pass would read each of them back from SQLite, about
    35 us a 2 KB row. The memo hands back the very rows the first pass recorded, which are
    the rows the cache holds (a hit returns the float32 bytes that were stored), so the
    vectors, and the encoders' calls for the windows it does not hold, are those of reading
    the cache.

    Only for encoders that all go through the cache (:func:`remembers`): without the cache,
    an encoder asked again may answer in other last bits (use-m3's composer reuses the
    states it has built), and the second pass would see other vectors than before.

    Keys are ``(side, size, first sentence)`` with the side 0 (source) or 1 (target) and the
    document's sentence index; values one row per encoder. Not safe across threads by
    itself: the aligner's chunks embed their windows one at a time (``_Turns``).
    """

    def __init__(self) -> None:
        self._rows: dict[tuple[int, int, int], tuple[np.ndarray, ...]] = {}
        #: False once the recording pass is over: later passes only read
        self.recording = True

    def __len__(self) -> int:
        return len(self._rows)

    @staticmethod
    def remembers(encoders: Sequence[Any]) -> bool:
        """Whether a memo gives the same vectors as these encoders: all of them cached."""
        from ..embed.cache import CachedEncoder

        return bool(encoders) and all(isinstance(e, CachedEncoder) for e in encoders)

    def known(self, side: int, k: int, starts: Sequence[int]) -> list[bool]:
        rows = self._rows
        return [(side, k, p) in rows for p in starts]

    def rows(self, side: int, k: int, starts: Sequence[int], e: int) -> np.ndarray:
        """Encoder ``e``'s rows of the windows at ``starts`` (all of them known)."""
        return np.stack([self._rows[(side, k, p)][e] for p in starts])

    def record(self, side: int, k: int, starts: Sequence[int], vecs: Sequence[np.ndarray]
               ) -> None:
        """Keep the rows ``vecs[e][r]`` of the windows at ``starts`` (while recording)."""
        if not self.recording:
            return
        for r, p in enumerate(starts):
            self._rows[(side, k, p)] = tuple(v[r] for v in vecs)


def embed_windows(encoders: Sequence[Any], docs: tuple[Document, Document],
                  starts: tuple[int, int], sides: tuple[list[SideVectors], list[SideVectors]],
                  allowed: dict[tuple[int, int], np.ndarray], band: Band,
                  memo: WindowMemo | None = None) -> int:
    """Embed the windows that plausible merges use; returns how many windows were embedded.

    ``allowed[(a, b)]`` marks, in band layout, the merges of type a-b still plausible; their
    source windows of size ``a > 1`` and target windows of size ``b > 1`` are encoded and
    recorded in the block's :class:`~paralign.alignment.similarity.SideVectors` (one per
    encoder, block-relative; ``starts`` gives the block's first sentence on each side).
    With a ``memo`` (:class:`WindowMemo`), windows it holds are taken from it and the
    others recorded in it; the count includes both.
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
    for s, (doc, base, vecs, need) in enumerate(zip(docs, starts, sides, (need_s, need_t))):
        sents = doc.sentences   # the block's windows only: long documents come in chunks
        for k, starts_set in sorted(need.items()):
            at = sorted(starts_set)
            count += len(at)
            known = (memo.known(s, k, [base + p for p in at]) if memo is not None
                     else [False] * len(at))
            old = [p for p, kn in zip(at, known) if kn]
            new = [p for p, kn in zip(at, known) if not kn]
            wins = [[x.norm for x in sents[base + p: base + p + k]] for p in new]
            got = [encode_windows(enc, wins, doc.joiner) for enc in encoders] if new else []
            for e, side in enumerate(vecs):
                if old:
                    side.set_exact(k, np.array(old, dtype=np.int64),
                                   memo.rows(s, k, [base + p for p in old], e))
                if new:
                    side.set_exact(k, np.array(new, dtype=np.int64), got[e])
            if memo is not None and new:
                memo.record(s, k, [base + p for p in new], got)
    return count
