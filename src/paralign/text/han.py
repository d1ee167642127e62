"""What counts as a Han (Chinese) character: the one definition the whole package uses.

Han characters are the CJK Unified Ideographs (U+4E00-9FFF), Extension A (U+3400-4DBF), the
Compatibility Ideographs (U+F900-FAFF, found in Big5-converted Traditional text) and the
supplementary-plane extensions B to G (U+20000-3134F, rare names and variants). Detection,
segmentation, normalization, decoding and the concordance all read this one set, so a
character is Chinese to every one of them or to none.

One stage keeps a narrower set, named here so that the difference is visible:
``DICTIONARY_RANGES``, the Unified Ideographs block alone, decides which tokens the dictionary
evidence and the learned lexicon look up. Widening it to ``HAN_RANGES`` is the consistent
choice but changes evidence: in the Bible's Chinese side OpenCC turns three characters into
Extension A's 䍁 (U+4341), which CC-CEDICT glosses "tassel"; the effect on beads has not been
measured yet, so the dictionary stages keep the set they were measured with.

``NO_SPACE`` is wider on purpose: every character of the scripts written without spaces
between words (Han, kana, CJK punctuation, fullwidth forms), which decides whether two lines
of a text are glued with or without a space.
"""

from __future__ import annotations

import re

__all__ = ["HAN_RANGES", "HAN", "HAN_RUN", "NO_SPACE", "is_han", "DICTIONARY_RANGES",
           "DICTIONARY_HAN"]

# Character-class body (no brackets), for building other classes that include Han.
HAN_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN = re.compile(f"[{HAN_RANGES}]")
HAN_RUN = re.compile(f"[{HAN_RANGES}]+")
# The subset the dictionary stages look up (see the module docstring).
DICTIONARY_RANGES = "\u4e00-\u9fff"
DICTIONARY_HAN = re.compile(f"[{DICTIONARY_RANGES}]")
# Han plus CJK radicals, punctuation, kana, bopomofo, hangul compatibility jamo and CJK
# symbols (U+2E80-33FF), the Yijing hexagrams (U+4DC0-4DFF) and fullwidth forms (U+FF00-FFEF).
NO_SPACE = re.compile(f"[\u2e80-\u33ff\u4dc0-\u4dff{HAN_RANGES}\uff00-\uffef]")


def is_han(ch: str) -> bool:
    """Whether the single character ``ch`` is a Han character."""
    return HAN.fullmatch(ch) is not None
