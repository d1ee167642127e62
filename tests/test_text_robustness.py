"""Robustness of the text pipeline: hostile characters, huge inputs, property tests."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from paralign.text import clean, read_file, segment

_WS = re.compile(r"\s+")


@pytest.mark.parametrize("raw", [
    "第一句\x00。第二句。",
    "lone \ud83d surrogate. Next one.",
    "\u202eRTL override\u202c sentence. \u200fAnother.",
    "xml\x01\x02\x0b\x0c\x1f illegal. Chars\x7f here.",
])
def test_hostile_characters_cleaned_then_segmented(raw: str) -> None:
    text = clean(raw)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\u202a-\u202e\u200e\u200f]", text)
    doc = segment(text)
    assert doc.texts and all(doc.text[s.start:s.end] == s.text for s in doc)
    text.encode("utf-8")  # no lone surrogate left


def test_one_megabyte_single_line_segments(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text("這是一個很長的句子，沒有換行。" * 70_000, encoding="utf-8")
    t0 = time.perf_counter()
    doc = segment(read_file(p), "zh", zh_convert="none")
    assert len(doc) == 70_000
    assert time.perf_counter() - t0 < 30


@pytest.mark.parametrize("lang,unit", [("zh", "很長的句子沒有句號"), ("en", "word and more words ")])
def test_hundred_thousand_char_sentence(lang: str, unit: str) -> None:
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    t0 = time.perf_counter()
    doc = segment(text, lang)
    assert time.perf_counter() - t0 < 20
    assert "".join(doc.texts) .replace(" ", "") == text.strip().replace(" ", "")
    # never silently cut: without split_long it is one sentence
    assert len(doc) == 1
    long_doc = segment("，".join([unit] * 200), lang, split_long=100)
    assert len(long_doc) > 1 and all(len(s.text) <= 100 for s in long_doc)


_ALPHABET = st.sampled_from(list("中文句子測試。！？!?.,;；，：“”「」()（）…\n \u3000\tabcXYZ 12.5"
                                  "Mr Dr U.S. e.g. 一、(1)"))


@settings(max_examples=120, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, min_size=1, max_size=80).map("".join), st.sampled_from(["zh", "en"]))
def test_segmentation_covers_input(text: str, lang: str) -> None:
    if not text.strip():
        return
    doc = segment(text, lang)
    assert _WS.sub("", "".join(doc.texts)) == _WS.sub("", text)
    last = 0
    for s in doc:
        assert doc.text[s.start:s.end] == s.text
        assert s.text.strip() == s.text != ""
        assert s.start >= last
        last = s.end
    paras = [s.paragraph for s in doc]
    assert paras == sorted(paras)
