"""from_sentences, read_presplit, split_bilingual edge cases, span invariants."""

from __future__ import annotations

from pathlib import Path

import pytest

from paralign.errors import InputError, LanguageError
from paralign.text import Document, from_sentences, read_presplit, segment, split_bilingual


@pytest.mark.parametrize("sents,lang,paras,tag,starts", [
    (["這是第一句。", "第二句。"], None, None, "zh-Hant", [0]),
    (["One.", "Two.", "Three."], "en", [0, 0, 1], "en", [0, 2]),
    (["一。", "二。", "三。"], "zh", [0, 1, 2], "zh-Hans", [0, 1, 2]),
])
def test_from_sentences(sents, lang, paras, tag, starts) -> None:
    doc = from_sentences(sents, lang, paragraphs=paras)
    assert isinstance(doc, Document)
    assert doc.tag == tag and doc.texts == sents and doc.paragraph_starts == starts
    assert all(s.start == -1 and s.end == -1 for s in doc)
    assert doc.text is None


def test_from_sentences_norm_and_errors() -> None:
    assert from_sentences(["網際網路。"], "zh").norms == ["互联网。"]
    with pytest.raises(InputError):
        from_sentences([])
    with pytest.raises(ValueError):
        from_sentences(["a.", "b."], "en", paragraphs=[0])
    with pytest.raises(ValueError):
        from_sentences(["a.", "b."], "en", paragraphs=[1, 0])
    with pytest.raises(LanguageError):
        from_sentences(["Привет."])


@pytest.mark.parametrize("content,expected", [
    ("第一句。\n第二句。\n\n第三句。\n", [["第一句。", "第二句。"], ["第三句。"]]),
    ("\n\nOne.\n\n\n\nTwo.\nThree.\n\n", [["One."], ["Two.", "Three."]]),
    ("  padded line  \r\nnext\r\n", [["padded line", "next"]]),
])
def test_read_presplit(tmp_path: Path, content: str, expected: list[list[str]]) -> None:
    p = tmp_path / "pre.txt"
    p.write_bytes(content.encode("utf-8"))
    doc = read_presplit(p)
    assert [[s.text for s in par] for par in doc.paragraphs] == expected
    assert doc.source == str(p)
    for s in doc:
        assert doc.text[s.start:s.end] == s.text


def test_split_bilingual_needs_both() -> None:
    with pytest.raises(LanguageError):
        split_bilingual("Only English here.\n\nStill English.")
    zh, en = split_bilingual("中文段落。第二句。\n\nAn English paragraph. Second.")
    assert zh.texts == ["中文段落。", "第二句。"] and en.texts == ["An English paragraph.", "Second."]
    assert en[0].paragraph == 0


@pytest.mark.parametrize("text,lang", [
    ("  第一段。第二句！\n\n  Second para?\n", "zh"),
    ("Mixed 中文 and English. Yes.\n\n\tIndented.", "en"),
    ("\u3000\u3000甲。\n\u3000\u3000乙。", "zh"),
])
def test_span_invariants(text: str, lang: str) -> None:
    doc = segment(text, lang)
    assert doc.text == text
    last = -1
    for s in doc:
        assert doc.text[s.start:s.end] == s.text
        assert s.text == s.text.strip() and s.text
        assert s.start >= last
        last = s.end
