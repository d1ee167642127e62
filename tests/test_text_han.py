"""One definition of a Han character: its ranges, and every module reading it from here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paralign.text import han

SRC = Path(__file__).resolve().parents[1] / "src" / "paralign"


@pytest.mark.parametrize(("ch", "is_han", "no_space"), [
    ("中", True, True), ("鿿", True, True),            # Unified Ideographs, both ends
    ("䍁", True, True), ("㐀", True, True),            # Extension A
    ("豈", True, True),                               # Compatibility Ideographs (U+F900)
    ("\U00020000", True, True), ("\U0003134a", True, True),  # Extensions B..G
    ("あ", False, True), ("ア", False, True),          # kana: no spaces, but not Han
    ("。", False, True), ("，", False, True),          # CJK and fullwidth punctuation
    ("䷀", False, True),                              # Yijing hexagram
    ("한", False, False), ("a", False, False), ("1", False, False), (" ", False, False),
])
def test_ranges(ch, is_han, no_space):
    assert han.is_han(ch) is is_han
    assert (han.HAN.match(ch) is not None) is is_han
    assert (han.NO_SPACE.match(ch) is not None) is no_space


def test_runs_and_the_dictionary_subset():
    assert han.HAN_RUN.findall("ab中文cd䍁子") == ["中文", "䍁子"]
    assert han.DICTIONARY_HAN.search("䍁") is None and han.DICTIONARY_HAN.search("子")


def test_modules_share_the_definition():
    import importlib

    names = ("corpus.concordance", "text.detect", "text.normalize", "text.segmentation")
    concordance, detect, normalize, segmentation = (importlib.import_module(f"paralign.{m}")
                                                    for m in names)
    assert detect.HAN is han.HAN and concordance.HAN is han.HAN
    assert normalize.HAN_RUN is han.HAN_RUN and segmentation.NO_SPACE is han.NO_SPACE


def test_no_module_writes_its_own_han_range():
    """A literal range of the Unified Ideographs block anywhere else is a second definition."""
    literal = re.compile(r"\\u4e00|\\u9fff|[\u4e00]-|-[\u9fff]")
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if p.name != "han.py" and literal.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
