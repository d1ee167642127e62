"""normalize: the character-level s2t converter that script detection uses."""

from __future__ import annotations

import pytest

from paralign.text.normalize import char_converter_s2t, converter

BLOCKS = [(0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2A6E0)]


@pytest.mark.parametrize("lo,hi", BLOCKS)
def test_character_s2t_equals_opencc_s2t_one_character_per_line(lo, hi):
    joined = "\n".join(chr(c) for c in range(lo, hi))
    assert char_converter_s2t().convert(joined) == converter("s2t").convert(joined)


def test_character_s2t_without_a_cache_folder_is_s2t(monkeypatch):
    monkeypatch.setenv("PARALIGN_NO_CACHE", "1")
    assert char_converter_s2t.__wrapped__() is converter("s2t")
