"""Paragraph detection and line classification.

Why: paragraph boundaries are the strongest anchors an aligner has, and they are written
in two ways: a blank line, or an indented first line (spaces, a tab, or -- in Chinese
typography -- two ideographic spaces U+3000). Inside a paragraph, single line breaks are
usually just wrapping; but a line that is a heading or a list item is a unit of its own,
which :func:`line_breaks_sentence` tells.
"""

from __future__ import annotations

import re

__all__ = ["paragraph_spans", "line_spans", "is_list_item", "is_reference_line",
           "line_breaks_sentence"]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_INDENT = (" ", "\t", "\u3000")

LIST_ITEM = re.compile(
    r"""^\s*(?:
        [一二三四五六七八九十百]+[、.．]                # 一、 二、
      | [（(][一二三四五六七八九十\d]+[）)]             # （1） (一)
      | \d{1,3}[.．、](?!\d)                        # 1. 2、 (not 3.14)
      | \d{1,3}\)                                  # 1)
      | [a-zA-Z][.)](?=\s)                          # a. b)
      | [①-⑳⑴-⒇⒈-⒛]
      | \[\d{1,3}\]                                # [1]
      | 第[一二三四五六七八九十百\d]+[章節节條条款部篇]
      | [•·‧●○■□◆◇▪►\-*–—](?=\s)
    )""", re.X)

_REFERENCE = re.compile(
    r"""^\s*(?:
        [(（]\d{4}[a-z]?[)）]                              # (1987)。...
      | [A-Z][\w'’\-]+,\s+(?:[A-Z]\.|[A-Z][a-z]+)          # Surname, X. / Surname, Name
      | \[\d+\]
    )""", re.X)

_FINAL = "。！？!?…．.；;"  # a line ending in one of these ends its sentence anyway
_CLOSERS = "」』”’\"'）)】》〉］]"
_CONTINUES = "，、：,:—-（(「『“‘《"


_BREAK = re.compile(r"\r\n|\r|\n")


def line_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the lines of ``text[start:end]`` without their line break characters.

    One pass over the text (linear in its length): searching for ``\\n`` and ``\\r``
    separately from each line, as this once did, rescans the rest of a text without
    ``\\r`` for every line, quadratic in the number of lines.
    """
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for m in _BREAK.finditer(text, start, end):
        out.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return out


def paragraph_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the paragraphs of ``text``, stripped of surrounding whitespace.

    A blank (whitespace-only) line ends a paragraph; a line that starts with indentation
    starts a new one.
    """
    spans: list[tuple[int, int]] = []
    cur: list[int] | None = None  # [start, end] of the paragraph being built
    for a, b in line_spans(text, start, end):
        line = text[a:b]
        if not line.strip():
            if cur:
                spans.append((cur[0], cur[1]))
            cur = None
            continue
        if cur and line.startswith(_INDENT):
            spans.append((cur[0], cur[1]))
            cur = None
        stripped_a = a + (len(line) - len(line.lstrip()))
        stripped_b = a + len(line.rstrip())
        if cur is None:
            cur = [stripped_a, stripped_b]
        else:
            cur[1] = stripped_b
    if cur:
        spans.append((cur[0], cur[1]))
    return spans


def is_list_item(line: str) -> bool:
    """Whether ``line`` starts with a list marker (一、 / 1. / （1） / • ...)."""
    return bool(LIST_ITEM.match(line))


def is_reference_line(line: str) -> bool:
    """Whether ``line`` looks like an entry of a reference list."""
    return bool(_REFERENCE.match(line))


def _is_heading(line: str, next_line: str, lang: str) -> bool:
    s = line.strip()
    if not s or s[-1] in _FINAL or s[-1] in _CLOSERS or s[-1] in _CONTINUES:
        return False
    if lang == "zh":
        # hard-wrapped text has lines of (nearly) equal width; a heading is short
        n, m = len(s), len(next_line.strip())
        return n <= 25 and not (n >= 12 and abs(n - m) <= 2)
    words = s.split()
    long_words = [w for w in words if sum(ch.isalpha() for ch in w) >= 4]
    capitalized = sum(w[0].isupper() for w in long_words)
    return len(words) <= 12 and s[0].isupper() and capitalized >= 0.6 * len(long_words)


def line_breaks_sentence(line: str, next_line: str, lang: str) -> bool:
    """Whether the line break between ``line`` and ``next_line`` ends a sentence.

    True when the next line is a list item, when this line is a heading (short, no final
    or continuing punctuation) or a list item without continuation, or when both lines
    are reference-list entries.
    """
    if not next_line.strip():
        return True
    if is_list_item(next_line):
        return True
    if is_reference_line(line) and is_reference_line(next_line):
        return True
    if lang == "en":
        # an English line that ends without punctuation and is followed by a lower-case
        # word is ordinary wrapping, whatever its length
        nxt = next_line.lstrip()
        if nxt[:1].islower():
            return False
    return _is_heading(line, next_line, lang)
