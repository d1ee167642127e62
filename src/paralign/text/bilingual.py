"""Splitting a bilingual file (Chinese and English paragraphs mixed) into two Documents.

Why: many sources -- journal abstracts above all -- give the Chinese and the English
version in one file, interleaved with titles, headers and a reference list. Each paragraph
is classified by its script evidence; reference lists and paragraphs that mix both
languages belong to neither side and are left out (logged), since aligning them would only
add noise.
"""

from __future__ import annotations

import logging

from ..errors import InputError, LanguageError
from .detect import Detection, detect, script_counts
from .document import Document
from .paragraphs import is_reference_line, line_spans, paragraph_spans
from .segmentation import build_document

__all__ = ["split_bilingual", "classify_paragraph"]

log = logging.getLogger("paralign.text")

_MIXED = 0.2  # both sides above this share of the evidence: a mixed paragraph


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
    for a, b in paragraph_spans(text):
        kind = classify_paragraph(text[a:b])
        if kind in sides:
            sides[kind].append((a, b))
        else:
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
    return zh, en
