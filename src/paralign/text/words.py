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
import os
import sys
from math import log as _ln
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Token", "words", "zh_word_texts", "zh_words_known", "remember_zh_words",
           "forget_zh_words"]

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


@dataclass(frozen=True, slots=True)
class Token:
    """A word: its text and its span in the text given to :func:`words`."""

    text: str
    start: int
    end: int


@functools.cache
def _jieba():  # -> jieba.Tokenizer
    """jieba's tokenizer with its dictionary loaded by first character as texts need it.

    jieba itself unmarshals its whole prefix dictionary (498k entries) before the first
    word: half a second of every process. Every dictionary lookup of a segmentation is a
    substring of the text block being cut, so loading the parts of the characters of each
    block first (:class:`~paralign.lazytable.LazyTable`) gives the same words.
    """
    import jieba

    from ..lazytable import file_stamp, load_or_build

    jieba.setLogLevel(logging.WARNING)

    class LazyTokenizer(jieba.Tokenizer):
        """jieba's tokenizer reading its dictionary part by part (by first character): its
        two hot loops, the DAG of a block and the best route through it (jieba's own code
        with the dictionary lookups of each position made in the part of that position's
        character), and every other lookup through :class:`_PartedFreq`."""

        def get_DAG(self, sentence: str):  # noqa: N802 - jieba's name
            split, part = table.split, table.part
            dag = {}
            n = len(sentence)
            for k in range(n):
                tmplist = []
                i = k
                frag = sentence[k]
                freq = split.get(frag) or part(frag)
                while i < n and frag in freq:
                    if freq[frag]:
                        tmplist.append(i)
                    i += 1
                    frag = sentence[k:i + 1]
                if not tmplist:
                    tmplist.append(k)
                dag[k] = tmplist
            return dag

        def calc(self, sentence: str, DAG, route) -> None:  # noqa: N803 - jieba's names
            split, part = table.split, table.part
            n = len(sentence)
            route[n] = (0, 0)
            logtotal = _ln(self.total)
            for idx in range(n - 1, -1, -1):
                ch = sentence[idx]
                freq = split.get(ch) or part(ch)
                route[idx] = max((_ln(freq.get(sentence[idx:x + 1]) or 1) - logtotal
                                  + route[x + 1][0], x) for x in DAG[idx])

    def build():
        from ..paths import cache_file

        full = jieba.Tokenizer()
        path = cache_file("jieba")
        if path is not None:  # jieba's own cache, in our folder rather than /tmp
            try:
                os.makedirs(path, exist_ok=True)
                full.tmp_dir = path
            except OSError as exc:  # a broken cache folder only costs time, as everywhere
                log.debug("jieba's cache not in %s (%s)", path, exc)
        full.initialize()
        return full.FREQ, full.total

    dict_file = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    table = load_or_build(f"jieba-{jieba.__version__}-{file_stamp([dict_file])}.table", build)
    tok = LazyTokenizer()
    tok.FREQ, tok.total = _PartedFreq(table), table.meta
    tok.initialized = True
    return tok


class _PartedFreq:
    """jieba's word-frequency table answered from the parts of a
    :class:`~paralign.lazytable.LazyTable` (``get``, ``in``, ``[]``: the lookups jieba makes
    outside the two loops :func:`_jieba` replaces)."""

    __slots__ = ("_table",)

    def __init__(self, table) -> None:
        self._table = table

    def get(self, key: str, default=None):
        return self._table.part(key[:1]).get(key, default) if key else default

    def __contains__(self, key: str) -> bool:
        return bool(key) and key in self._table.part(key[:1])

    def __getitem__(self, key: str):
        if not key:
            raise KeyError(key)
        return self._table.part(key[:1])[key]


@functools.cache
def _en_pattern():  # -> regex.Pattern
    """The English word pattern, compiled as nltk's ``RegexpTokenizer`` compiles it (the
    ``regex`` engine, its default flags), without importing nltk (seconds: it pulls in
    scipy and scikit-learn)."""
    import regex

    return regex.compile(_EN_PATTERN, regex.UNICODE | regex.MULTILINE | regex.DOTALL)


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
        return [Token(m.group(), m.start(), m.end()) for m in _en_pattern().finditer(text)]
    raise ValueError(f"words: unsupported language {lang!r}: use 'zh' or 'en'")



# The memo of zh_word_texts: text -> its words, oldest first out beyond ZH_MEMO texts.
_zh_memo: dict[str, tuple[str, ...]] = {}
ZH_MEMO = 100_000


def zh_word_texts(text: str) -> tuple[str, ...]:
    """The words of Chinese ``text`` (:func:`words`) as strings, interned, memoized.

    Why: the dictionary evidence and the lexicon learned from the first pass read every
    Chinese sentence of a document in each pass (three times when the aligner realigns),
    and jieba is most of their cost; interned strings keep a long document's memo small.
    :func:`paralign.text.word_cache.preload` fills the memo from the on-disk word cache.
    """
    got = _zh_memo.get(text)
    if got is None:
        got = tuple(sys.intern(t.text) for t in words(text, "zh"))
        remember_zh_words(text, got)
    return got


def zh_words_known(text: str) -> bool:
    """Whether :func:`zh_word_texts` of ``text`` is in the memo."""
    return text in _zh_memo


def remember_zh_words(text: str, ws: Sequence[str]) -> None:
    """Put the words of ``text`` (from the word cache) into the memo of :func:`zh_word_texts`."""
    _zh_memo[text] = tuple(map(sys.intern, ws))
    while len(_zh_memo) > ZH_MEMO:
        _zh_memo.pop(next(iter(_zh_memo)), None)


def forget_zh_words() -> None:
    """Empty the memo of :func:`zh_word_texts` (benchmarks of a cold start)."""
    _zh_memo.clear()
