"""Word tokens with offsets: jieba for Chinese, a Treebank-style regexp for English.

Why offsets: length models, concordance lines and statistics need to point back into the
user's text. jieba knows Simplified Chinese far better than Traditional, so Traditional
text is segmented through its character-level Simplified form and the tokens are mapped
back with the offset map of :func:`~paralign.text.normalize.to_simplified_aligned`: a
token is always a slice of the original text.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

from .detect import HAN

__all__ = ["Token", "words", "count_units"]

log = logging.getLogger("paralign.text")

# Treebank-style word pattern that needs no NLTK data: abbreviations with inner periods,
# numbers with decimals and thousands, words with inner hyphens/apostrophes, ellipses,
# and any other single non-space character.
_EN_PATTERN = r"""(?x)
    (?:[A-Za-z]\.){2,}
  | \d+(?:[.,:]\d+)*%?
  | \w+(?:[-'’]\w+)*
  | \.\.\.|…
  | [^\w\s]
"""
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+(?:['’-][A-Za-z]+)*")


@dataclass(frozen=True, slots=True)
class Token:
    """A word: its text and its span in the text given to :func:`words`."""

    text: str
    start: int
    end: int


@functools.cache
def _jieba():  # -> jieba.Tokenizer
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


@functools.cache
def _en_tokenizer():  # -> nltk RegexpTokenizer
    from nltk.tokenize import RegexpTokenizer

    return RegexpTokenizer(_EN_PATTERN)


def words(text: str, lang: str) -> list[Token]:
    """Word tokens of ``text`` (whitespace is never a token).

    Chinese (``lang="zh"``): jieba in accurate mode, run on the character-level
    Simplified form; English: a Treebank-style regular expression.
    """
    if not text:
        return []
    if lang == "zh":
        from .normalize import to_simplified_aligned

        simp, offsets = to_simplified_aligned(text, "t2s")
        out: list[Token] = []
        for _w, a, b in _jieba().tokenize(simp):
            s, e = offsets[a], offsets[b]
            piece = text[s:e]
            if e > s and piece.strip():
                out.append(Token(piece, s, e))
        return out
    if lang == "en":
        return [Token(text[a:b], a, b) for a, b in _en_tokenizer().span_tokenize(text)]
    raise ValueError(f"words: unsupported language {lang!r}: use 'zh' or 'en'")


def count_units(text: str, lang: str) -> int:
    """Length in the units the length model uses.

    Chinese: Han characters plus Latin words; English: characters other than whitespace.
    """
    if lang == "zh":
        return len(HAN.findall(text)) + len(_LATIN_WORD.findall(text))
    return sum(1 for ch in text if not ch.isspace())
