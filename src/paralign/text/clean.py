"""Cleaning of decoded text: invisible and control characters, line endings, odd spaces.

Why: texts copied from PDFs, web pages and word processors carry characters that are
invisible to a reader but break everything downstream (a ZWSP inside a word defeats the
word segmenter, a C0 control makes the XML of a TMX file illegal, a lone surrogate cannot
even be encoded to UTF-8). :func:`clean` removes or normalizes exactly those and nothing
else, so the sentences paralign outputs are still the user's text.
"""

from __future__ import annotations

import logging
import re

__all__ = ["clean"]

log = logging.getLogger("paralign.text")

_LINE_ENDINGS = re.compile("\r\n|[\r\u2028\u2029\x85\x0b\x0c]")
# NBSP, Ogham space, en/em spaces ... hair space, narrow NBSP, medium math space.
_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff\u2060\u180e]")
_BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
# A run of indentation at the start of a line is kept as is (U+3000 there marks a
# paragraph in Chinese typography); any other U+3000 is just a wide space.
_IDEO_SPACE = re.compile("(?m)^[ \t\u3000]+|\u3000")


def _ideo_space(match: re.Match[str]) -> str:
    s = match.group()
    if s == "\u3000" and not (match.start() == 0 or match.string[match.start() - 1] == "\n"):
        return " "
    return s


def clean(text: str) -> str:
    """Return ``text`` with line endings, spaces and invisible characters normalized.

    - CRLF, CR, NEL, VT, FF, U+2028 and U+2029 become ``\\n``;
    - NBSP and the other Unicode spaces become a plain space;
    - zero-width characters (ZWSP, ZWNJ, ZWJ, BOM, word joiner), bidi marks and embedding
      controls, lone surrogates and C0/C1 control characters other than ``\\n`` and ``\\t``
      are removed;
    - the ideographic space U+3000 becomes a plain space except where it indents a line
      (paragraph detection relies on that indentation).

    Nothing else changes. How many characters of each kind were touched is logged at INFO
    on the ``paralign.text`` logger.
    """
    counts: dict[str, int] = {}
    text, counts["line endings"] = _LINE_ENDINGS.subn("\n", text)
    text, counts["zero-width"] = _ZERO_WIDTH.subn("", text)
    text, counts["bidi marks"] = _BIDI.subn("", text)
    text, counts["lone surrogates"] = _SURROGATES.subn("", text)
    text, counts["control characters"] = _CONTROLS.subn("", text)
    text, counts["unicode spaces"] = _SPACES.subn(" ", text)
    n_ideo = 0

    def ideo(m: re.Match[str]) -> str:
        nonlocal n_ideo
        out = _ideo_space(m)
        n_ideo += out != m.group()
        return out

    if "\u3000" in text:
        text = _IDEO_SPACE.sub(ideo, text)
    counts["ideographic spaces"] = n_ideo
    changed = {k: v for k, v in counts.items() if v}
    if changed:
        log.info("clean: %s", ", ".join(f"{v} {k}" for k, v in changed.items()))
    return text
