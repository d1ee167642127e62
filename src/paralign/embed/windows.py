"""Overlap windows: the texts of every run of 1..k consecutive sentences.

Aligners in the Bertalign family embed each sentence alone and joined with its next
neighbours, so that a 2-1 or 3-1 bead can be scored by one vector per side. Chinese is joined
without a separator (it is written without spaces), other languages with a space.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["window_texts", "joiner_for"]


def joiner_for(lang: str) -> str:
    """The string that glues consecutive sentences of language ``lang`` into one text."""
    return "" if lang.lower().startswith(("zh", "ja")) else " "


def window_texts(
    sentences: Sequence[str], k: int, joiner: str = " "
) -> tuple[list[str], list[tuple[int, int]]]:
    """All runs of 1..``k`` consecutive sentences, with their ``(start, stop)`` spans.

    Ordered by window size, then start: the first ``len(sentences)`` texts are the sentences
    themselves. There are ``sum(n - j + 1 for j in 1..k)`` windows for ``n`` sentences.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    n = len(sentences)
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    for size in range(1, k + 1):
        for start in range(0, n - size + 1):
            texts.append(joiner.join(sentences[start : start + size]))
            spans.append((start, start + size))
    return texts, spans
