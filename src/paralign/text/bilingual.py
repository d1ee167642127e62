"""Splitting a bilingual file (Chinese and English paragraphs mixed) into two Documents.

Why: many sources -- journal abstracts above all -- give the Chinese and the English
version in one file, interleaved with titles, headers and a reference list. Each paragraph
is classified by its script evidence; reference lists, header lines (a short line such as
"• 期刊" before anything else) and paragraphs that mix both languages belong to neither
side and are left out (logged, and counted in ``Document.meta["left_out"]``), since aligning
them would only add noise.

The title of each language (a first, one-line paragraph without final punctuation that
another paragraph of the same language follows) is recorded in
``Document.meta["title_sentences"]`` so that :func:`title_anchor` can make the title pair a
bead of its own: a title is never a translation of the abstract's first sentence, and
without the anchor the search tends to glue it there.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from ..errors import InputError, LanguageError
from .detect import Detection, detect, script_counts
from .document import Document
from .paragraphs import is_reference_line, line_spans, paragraph_spans
from .segmentation import build_document

__all__ = ["split_bilingual", "classify_paragraph", "title_anchor"]

log = logging.getLogger("paralign.text")

_MIXED = 0.2  # both sides above this share of the evidence: a mixed paragraph
_HEADER_UNITS = 3.0  # a leading line with less evidence than this (3 words, 4 Han) is a header
_BULLET = re.compile(r"^\s*[•·‧●○■□◆◇▪►*–—-]\s*")
_TITLE_MAX = {"zh": 80, "en": 300}  # characters
_FINAL = "。！？!?．.；;:："


def _is_header(text: str) -> bool:
    """A leading line that is a label, not content: "• 期刊", "Article", "ISSN ..."."""
    if "\n" in text.strip():
        return False
    c = script_counts(_BULLET.sub("", text))
    return c["han"] + c["latin"] < _HEADER_UNITS or (
        bool(_BULLET.match(text)) and c["han"] + c["latin"] < 2 * _HEADER_UNITS)


def _is_title(text: str, lang: str) -> bool:
    s = text.strip()
    return ("\n" not in s and 0 < len(s) <= _TITLE_MAX[lang] and s[-1] not in _FINAL)


def classify_paragraph(text: str) -> str:
    """``"zh"``, ``"en"``, ``"references"``, ``"mixed"`` or ``"other"`` for one paragraph."""
    lines = [text[a:b] for a, b in line_spans(text) if text[a:b].strip()]
    if lines and sum(is_reference_line(ln) for ln in lines) >= max(2, (len(lines) + 1) // 2):
        return "references"
    c = script_counts(text)
    total = c["han"] + c["latin"] + c["other"] + c["kana"] + c["hangul"]
    if not total:
        return "other"
    if c["han"] / total >= _MIXED and c["latin"] / total >= _MIXED:
        return "mixed"
    det = detect(text)
    return det.lang


def split_bilingual(text: str, *, source: str | None = None,
                    zh_convert: str = "tw2sp") -> tuple[Document, Document]:
    """Split a mixed Chinese/English text into ``(zh_doc, en_doc)``.

    Both Documents keep ``text`` (the whole input) and spans into it; paragraph indices
    are renumbered per side.

    Raises:
        InputError: empty text.
        LanguageError: one of the two languages has no paragraph.
    """
    if not isinstance(text, str):
        raise TypeError(f"split_bilingual() takes the text as a str, got "
                        f"{type(text).__name__}; read a file with paralign.read_file(path)")
    where = f"{source}: " if source else ""
    if not text.strip():
        raise InputError(f"{where}no text (empty input)")
    sides: dict[str, list[tuple[int, int]]] = {"zh": [], "en": []}
    left_out: dict[str, int] = {}
    for a, b in paragraph_spans(text):
        kind = classify_paragraph(text[a:b])
        if not sides["zh"] and not sides["en"] and _is_header(text[a:b]):
            kind = "header"
        if kind in sides:
            sides[kind].append((a, b))
        else:
            left_out[kind] = left_out.get(kind, 0) + 1
            log.info("split_bilingual %s: left out a %s paragraph at %d: %.40r",
                     source or "<text>", kind, a, text[a:b])
    for lang, paras in sides.items():
        if not paras:
            raise LanguageError(f"{where}no {'Chinese' if lang == 'zh' else 'English'} "
                                "paragraph found")
    zh_text = "\n".join(text[a:b] for a, b in sides["zh"])
    zdet = detect(zh_text)
    zh = build_document(text, sides["zh"], Detection("zh", zdet.script or "Hans", zdet.confidence),
                        source=source, zh_convert=zh_convert)
    en = build_document(text, sides["en"], Detection("en", "Latn", 1.0), source=source)
    summary = ", ".join(f"{v} {k}" for k, v in sorted(left_out.items()))
    out = []
    for lang, doc in (("zh", zh), ("en", en)):
        a, b = sides[lang][0]
        first = doc.paragraph_starts[1:2]
        n_title = first[0] if first and _is_title(text[a:b], lang) else 0
        out.append(dataclasses.replace(doc, meta={**doc.meta, "title_sentences": str(n_title),
                                                  "left_out": summary}))
    return out[0], out[1]


def title_anchor(src: Document, tgt: Document) -> list[tuple[int, int]]:
    """The anchor that makes the title pair of a split file a bead of its own (``[]``: none).

    ``[(source title sentences, target title sentences)]`` when both Documents come from
    :func:`split_bilingual` and one has a title; a side without a title contributes 0, so
    an English title with no Chinese one becomes a 0-1 bead rather than being merged into
    the abstract's first sentence.
    """
    if "title_sentences" not in src.meta or "title_sentences" not in tgt.meta:
        return []
    ns, nt = int(src.meta["title_sentences"]), int(tgt.meta["title_sentences"])
    return [(ns, nt)] if (ns or nt) and (ns, nt) != (len(src), len(tgt)) else []
