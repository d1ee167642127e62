"""Bilingual concordance: tokenization for the full-text index, queries, keyword in context.

The corpus keeps an SQLite FTS5 table (``beads_fts``) with two columns: ``zh`` (the Chinese
side of each bead) and ``en`` (the other side). Chinese has no spaces, so the ``zh`` column
holds the *Simplified* matching view cut into words by jieba in search mode (a long word
also yields its dictionary sub-words: 外交部长 -> 外交 部长 外交部长...), joined by spaces;
FTS5's ``unicode61`` tokenizer then sees one token per word. A query is converted to
Simplified and cut the same way, the tokens are ANDed, and hits are confirmed by a substring
test on the Simplified text, so a Traditional query finds Simplified text and vice versa,
and ``外交`` does not match a text that merely has 外 and 交 apart. English is indexed as is
(``unicode61`` lowercases and folds diacritics) and queried as a phrase.

Why jieba is called here directly rather than through :func:`paralign.text.words`: the
index lives on disk for years, so its tokenization must stay fixed (its name is stored in
the corpus ``info`` table as ``fts_tokenizer``); the text pipeline's word segmentation is
free to evolve for alignment purposes.

Known limit: a query that jieba segments into pieces the indexed text was not cut into
(an out-of-vocabulary word split differently in and out of context) can be missed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..text.han import HAN

__all__ = ["Hit", "FTS_TOKENIZER", "to_simplified_many", "to_simplified", "zh_index_text",
           "en_index_text", "build_query", "guess_side", "kwic"]

log = logging.getLogger(__name__)

FTS_TOKENIZER = "jieba-search+opencc-t2s|unicode61"

_lock = threading.Lock()
_converter: Any = None
_jieba: Any = None
_WORDCHAR = re.compile(r"\w", re.UNICODE)


def _get_converter() -> Callable[[str], str]:
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                # Character-level t2s (not the phrase-level tw2sp the aligner may use): the
                # index is persistent, and keeping lengths lets KWIC offsets carry over.
                try:
                    from ..text.normalize import to_simplified as ts

                    _converter = lambda text: ts(text, "t2s")  # noqa: E731
                except ImportError:
                    import opencc

                    _converter = opencc.OpenCC("t2s").convert
    return _converter  # type: ignore[no-any-return]


def to_simplified(text: str) -> str:
    """Traditional -> Simplified (character level; Simplified text is unchanged)."""
    if not text or not HAN.search(text):
        return text
    return _get_converter()(text)


_SEP = "\u2029"


def to_simplified_many(texts: Sequence[str]) -> list[str]:
    """Convert many texts in few calls (OpenCC's per-call overhead dominates short texts)."""
    out: list[str] = []
    chunk = 2000
    for k in range(0, len(texts), chunk):
        part = texts[k:k + chunk]
        if not any(HAN.search(t) for t in part):
            out.extend(part)
            continue
        if any(_SEP in t for t in part):
            out.extend(to_simplified(t) for t in part)
            continue
        conv = _get_converter()(_SEP.join(part)).split(_SEP)
        if len(conv) != len(part):  # a converter that touched the separator: go one by one
            conv = [to_simplified(t) for t in part]
        out.extend(conv)
    return out


def _get_jieba() -> Any:
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def zh_index_text(simplified: str) -> str:
    """What the ``zh`` FTS column holds: jieba search-mode words, space-joined."""
    jieba = _get_jieba()
    return " ".join(w for w in jieba.cut_for_search(simplified) if _WORDCHAR.search(w))


def en_index_text(text: str) -> str:
    """What the ``en`` FTS column holds: the text itself (unicode61 lowercases it)."""
    return text


def guess_side(term: str) -> str:
    """``zh`` if the term has a Chinese character, else ``en``."""
    return "zh" if HAN.search(term) else "en"


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def build_query(term: str, side: str) -> tuple[str, str] | None:
    """(FTS5 MATCH expression, normalized needle) for a term, or None if nothing to search.

    Chinese: Simplified, jieba tokens ANDed within the ``zh`` column; the needle is the
    Simplified term without spaces (for the substring confirmation). English: the words as
    one phrase in the ``en`` column; the needle is the lowercased words.
    """
    if side == "zh":
        simp = to_simplified(term.strip())
        words = [w for w in _get_jieba().cut(simp) if _WORDCHAR.search(w)]
        if not words:
            return None
        expr = "zh : (" + " AND ".join(_quote(w) for w in dict.fromkeys(words)) + ")"
        return expr, re.sub(r"\s+", "", simp)
    words = re.findall(r"\w+", term.lower())
    if not words:
        return None
    return "en : " + _quote(" ".join(words)), " ".join(words)


@dataclass(frozen=True, slots=True)
class Hit:
    """One concordance line: the keyword in its context and the aligned counterpart.

    ``side`` is where the term was found (``zh`` or ``en``); ``left + match + right`` is
    that side's original text; ``counterpart`` is the other side's text.
    """

    doc_id: str
    bead_id: int
    side: str
    left: str
    match: str
    right: str
    counterpart: str
    score: float
    kind: str

    @property
    def text(self) -> str:
        return self.left + self.match + self.right

    def format(self, width: int = 30) -> str:
        """One line: ``doc  …left [MATCH] right…  ||  counterpart``."""
        left = self.left.replace("\n", " ")
        right = self.right.replace("\n", " ")
        left = ("…" + left[-width:]) if len(left) > width else left
        right = (right[:width] + "…") if len(right) > width else right
        other = self.counterpart.replace("\n", " ")
        return f"{self.doc_id}\t{left}[{self.match}]{right}\t||\t{other}"

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__slots__}  # type: ignore[attr-defined]


def kwic(text: str, needle: str, side: str) -> tuple[str, str, str] | None:
    """(left, match, right) of the first occurrence of ``needle`` in ``text``, or None.

    Chinese matches in the Simplified view (same length as the original for character
    conversion, so the offsets carry over); spaces inside the term are ignored. English
    matches the words case-insensitively with any non-word run between them.
    """
    if side == "zh":
        view = to_simplified(text)
        if len(view) != len(text):
            text = view
        pattern = r"\s*".join(re.escape(c) for c in needle)
        m = re.search(pattern, view)
    else:
        words = needle.split()
        m = re.search(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)", text,
                      re.IGNORECASE)
    if not m:
        return None
    return text[:m.start()], text[m.start():m.end()], text[m.end():]
