"""words and count_units: tokens are slices of the original text."""

from __future__ import annotations

import pytest

from paralign.text import Token, count_units, words


@pytest.mark.parametrize("text,expected", [
    ("我們在網際網路上使用軟體。", ["我們", "在", "網際網路", "上", "使用", "軟體", "。"]),
    ("我们在互联网上使用软件。", ["我们", "在", "互联网", "上", "使用", "软件", "。"]),
    ("蘇聯於1990年和南韓建交", None),
    ("戈巴契夫 M. S. Gorbachev 的選集", None),
])
def test_zh_words_are_slices(text: str, expected: list[str] | None) -> None:
    toks = words(text, "zh")
    for t in toks:
        assert isinstance(t, Token)
        assert text[t.start:t.end] == t.text
    assert all(a.end <= b.start for a, b in zip(toks, toks[1:]))
    if expected is not None:
        assert [t.text for t in toks] == expected


@pytest.mark.parametrize("text,expected", [
    ("Mr. Smith paid $3.14 for U.S. goods.",
     ["Mr", ".", "Smith", "paid", "$", "3.14", "for", "U.S.", "goods", "."]),
    ("Russia’s pro=Seoul policy, however...", ["Russia’s", "pro", "=", "Seoul", "policy", ",",
                                                "however", "..."]),
    ("political-economic 1,000 1.5%", ["political-economic", "1,000", "1.5%"]),
])
def test_en_words(text: str, expected: list[str]) -> None:
    toks = words(text, "en")
    assert [t.text for t in toks] == expected
    assert all(text[t.start:t.end] == t.text for t in toks)


@pytest.mark.parametrize("text,lang,n", [
    ("蘇聯於1990年和Seoul建交。", "zh", 7 + 1),
    ("中文", "zh", 2),
    ("Hello world.", "en", 11),
])
def test_count_units(text: str, lang: str, n: int) -> None:
    assert count_units(text, lang) == n


def test_words_bad_lang() -> None:
    with pytest.raises(ValueError):
        words("x", "fr")
