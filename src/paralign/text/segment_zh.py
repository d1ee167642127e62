"""Chinese sentence segmentation (rules).

Why rules: Chinese marks sentence ends unambiguously with 。！？ (and, in texts typed on
Western keyboards, ! ? and occasionally "."). The hard parts are around them: closing
quotes and brackets belong to the sentence they close, ellipses may or may not end one,
"." is also a decimal point, an abbreviation dot or an initial inside Latin names
("M. S. Gorbachev", "Vol. 4"), and semicolons are clause boundaries, not sentence ends
(translators keep a Chinese sentence with ；as one English sentence more often than not).

Every function here returns *cut positions* rather than strings, so that the caller keeps
exact spans into the original text and no character can get lost.
"""

from __future__ import annotations

import functools
import re

from .han import HAN, HAN_RANGES

__all__ = ["zh_cuts", "clause_cuts"]

_CLOSERS = "」』”’\"'）)】》〉］]"
_TERMINATORS = "。！？!?｡"
# a run of terminators (with ellipses) followed by closers
_END = re.compile(r"(?:[。！？!?｡]+|……+|…+|\.{3,})[。！？!?｡…]*[" + re.escape(_CLOSERS) + r"]*")
# Han, CJK punctuation (U+3000-303F) and fullwidth forms (U+FF00-FFEF)
_HANLIKE = f"[{HAN_RANGES}\u3000-\u303f\uff00-\uffef]"
_CLAUSE = r"[，；：,;:][" + re.escape(_CLOSERS) + r"]*"


# compiled when first needed (an ellipsis; clause cuts): its Han ranges take milliseconds
@functools.cache
def _hanlike() -> re.Pattern[str]:
    return re.compile(_HANLIKE)


@functools.cache
def _clause() -> re.Pattern[str]:
    return re.compile(_CLAUSE)


def _is_hanlike(ch: str) -> bool:
    return bool(ch) and bool(_hanlike().match(ch))


def zh_cuts(text: str, start: int, end: int) -> list[int]:
    """Sentence cut positions inside ``text[start:end]`` (exclusive of start and end)."""
    cuts: list[int] = []
    for m in _END.finditer(text, start, end):
        run = m.group()
        a, b = m.start(), m.end()
        prev = text[a - 1] if a > start else ""
        nxt = text[b] if b < end else ""
        if run[0] in "…." :
            # an ellipsis ends a sentence only before a line end / space, or when more
            # terminators or closers follow it
            stem = run.rstrip(_CLOSERS)
            if not (stem[-1] in _TERMINATORS or b >= end or nxt.isspace()
                    or len(stem) < len(run) and _is_hanlike(nxt)):
                continue
        elif run[0] in "!?" and prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum():
            continue  # "Yahoo!Inc", "a?b": not a sentence end
        if b < end:
            cuts.append(b)
    # "." as a full stop: only right after Chinese and not before a digit or Latin letter
    for m in re.finditer(r"\.(?!\.)[" + re.escape(_CLOSERS) + r"]*", text[start:end]):
        a, b = start + m.start(), start + m.end()
        if a > start and text[a - 1] == ".":
            continue
        prev = text[a - 1] if a > start else ""
        nxt = text[b] if b < end else ""
        if HAN.match(prev or " ") or prev in "」』”’）)】》":
            if not nxt or nxt.isspace() or HAN.match(nxt) or nxt in "「『“‘（(《【":
                if b < end:
                    cuts.append(b)
    return sorted(set(cuts))


def clause_cuts(text: str, start: int, end: int, limit: int) -> list[int]:
    """Cuts that split ``text[start:end]`` into pieces of at most ``limit`` characters where
    clause punctuation (，；：) allows; a clause longer than ``limit`` stays whole."""
    if end - start <= limit:
        return []
    points = [m.end() for m in _clause().finditer(text, start, end) if m.end() < end]
    cuts: list[int] = []
    last = start
    prev_point: int | None = None
    for p in points:
        if p - last > limit and prev_point is not None and prev_point > last:
            cuts.append(prev_point)
            last = prev_point
        prev_point = p
    if end - last > limit and prev_point is not None and prev_point > last:
        cuts.append(prev_point)
    return cuts
