"""Overlap windows: counts, spans, joiners."""

from __future__ import annotations

import pytest

from paralign.embed import joiner_for, window_texts


@pytest.mark.parametrize(
    ("sentences", "k", "joiner", "texts"),
    [
        (["a", "b", "c"], 1, " ", ["a", "b", "c"]),
        (["a", "b", "c"], 2, " ", ["a", "b", "c", "a b", "b c"]),
        (["甲", "乙", "丙"], 3, "", ["甲", "乙", "丙", "甲乙", "乙丙", "甲乙丙"]),
        (["a"], 4, " ", ["a"]),
        ([], 4, " ", []),
    ],
)
def test_window_texts(sentences: list[str], k: int, joiner: str, texts: list[str]) -> None:
    got, spans = window_texts(sentences, k, joiner)
    assert got == texts
    assert [joiner.join(sentences[a:b]) for a, b in spans] == got


@pytest.mark.parametrize(("n", "k", "count"), [(1444, 4, 1444 + 1443 + 1442 + 1441), (10, 2, 19)])
def test_window_count(n: int, k: int, count: int) -> None:
    assert len(window_texts([str(i) for i in range(n)], k)[0]) == count


@pytest.mark.parametrize(("lang", "joiner"), [("zh", ""), ("zh-Hant", ""), ("en", " ")])
def test_joiner_for(lang: str, joiner: str) -> None:
    assert joiner_for(lang) == joiner


def test_bad_k() -> None:
    with pytest.raises(ValueError):
        window_texts(["a"], 0)
