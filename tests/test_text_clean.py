"""clean: each character class, and what must not change."""

from __future__ import annotations

import logging

import pytest

from paralign.text import clean


@pytest.mark.parametrize("raw,expected", [
    ("a\r\nb", "a\nb"),
    ("a\rb", "a\nb"),
    ("a\u2028b\u2029c", "a\nb\nc"),
    ("a\x85b", "a\nb"),
    ("a\u00a0b", "a b"),
    ("a\u2002b\u2003c\u2009d\u202fe\u205ff", "a b c d e f"),
    ("ab\u200bc", "abc"),
    ("a\u200cb\u200dc", "abc"),
    ("\ufeffstart", "start"),
    ("word\u2060joiner", "wordjoiner"),
    ("\u200eleft\u200fright", "leftright"),
    ("\u202aemb\u202c \u2067iso\u2069", "emb iso"),
    ("lone\ud800sur\udfffrogate", "lonesurrogate"),
    ("ctl\x00\x01\x07\x1b\x7fchars", "ctlchars"),
    ("c1\x80\x9fchars", "c1chars"),
    ("keep\ttab\nnewline", "keep\ttab\nnewline"),
    ("\u3000\u3000第一段。\n\u3000\u3000第二段。", "\u3000\u3000第一段。\n\u3000\u3000第二段。"),
    ("中文\u3000空格", "中文 空格"),
    ("行首\n\u3000縮排\u3000中間", "行首\n\u3000縮排 中間"),
    ("中文，標點！「引號」“curly” ‘quotes’ — …", "中文，標點！「引號」“curly” ‘quotes’ — …"),
    ("  leading and trailing  ", "  leading and trailing  "),
    ("", ""),
])
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_logs_counts(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="paralign.text"):
        clean("a\u200bb\u200bc\r\n")
    assert "2 zero-width" in caplog.text and "1 line endings" in caplog.text
