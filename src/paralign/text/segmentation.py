"""From text to :class:`~paralign.text.document.Document`: paragraphs, sentences, views.

Why cut positions: every segmenter (Chinese rules, Punkt, line rules) proposes positions
at which to cut a paragraph; their union cuts it into pieces that are stripped of
surrounding whitespace. So the sentences always cover every non-space character of the
input exactly once, in order, and ``doc.text[s.start:s.end] == s.text`` holds by
construction, whatever the rules decide.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence

from ..errors import InputError, LanguageError
from .detect import Detection, detect
from .document import Document, Sentence
from .han import NO_SPACE
from .paragraphs import is_reference_line, line_breaks_sentence, line_spans, paragraph_spans
from .segment_en import en_cuts
from .segment_zh import clause_cuts, zh_cuts

__all__ = ["segment", "from_sentences", "read_presplit", "presplit", "sentence_spans",
           "norm_view", "one_line"]

log = logging.getLogger("paralign.text")

_WS_NL = re.compile(r"\s*\n\s*")
_WS = re.compile(r"\s+")
_ZH_STOP = re.compile(r"[。！？]+[」』”’）)】》]*")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _drop_surrogates(text: str) -> tuple[str, int]:
    """``text`` with surrogate pairs joined and lone surrogates removed (as ``clean`` does).

    Why: a ``str`` given directly (not read from a file) can hold them; nothing downstream
    can encode them (OpenCC, the embedding cache, every output file).
    """
    if not _SURROGATES.search(text):
        return text, 0
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return _SURROGATES.subn("", text)


def norm_view(text: str, lang: str, zh_convert: str = "tw2sp") -> str:
    """The matching view of one sentence.

    English: whitespace collapsed. Chinese: line breaks removed between Chinese characters
    (wrapping), other whitespace collapsed, then converted to Simplified with OpenCC's
    ``zh_convert`` (``"none"`` skips conversion).
    """
    if lang == "zh":
        def join(m: re.Match[str]) -> str:
            a, b = m.start(), m.end()
            left = m.string[a - 1] if a else ""
            right = m.string[b] if b < len(m.string) else ""
            return "" if NO_SPACE.match(left or "a") or NO_SPACE.match(right or "a") else " "

        text = _WS.sub(" ", _WS_NL.sub(join, text.strip()))
        if zh_convert and zh_convert != "none":
            from .normalize import to_simplified

            text = to_simplified(text, zh_convert)
        return text
    return " ".join(text.split())


def one_line(text: str, lang: str) -> str:
    """``text`` on one line, for display: line breaks inside a sentence joined the way the
    language writes them (nothing between Chinese characters, a space otherwise)."""
    return norm_view(text, lang, zh_convert="none")


def _pieces(text: str, start: int, end: int, cuts: Sequence[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    bounds = [start, *sorted(c for c in set(cuts) if start < c < end), end]
    for a, b in zip(bounds, bounds[1:]):
        piece = text[a:b]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if a + lead < b - trail:
            spans.append((a + lead, b - trail))
    return spans


def sentence_spans(text: str, start: int, end: int, lang: str,
                   split_long: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of the paragraph ``text[start:end]`` in language ``lang``."""
    cuts: list[int] = []
    lines = [(a, b) for a, b in line_spans(text, start, end)]
    for (a1, b1), (a2, b2) in zip(lines, lines[1:]):
        if line_breaks_sentence(text[a1:b1], text[a2:b2], lang):
            cuts.append(a2)
    refs = sum(is_reference_line(text[a:b]) for a, b in lines)
    if refs >= 2 and refs * 2 >= len(lines):
        # a reference list: one entry per line, whatever periods it holds
        return _pieces(text, start, end, [a for a, _ in lines])
    if lang == "zh":
        cuts += zh_cuts(text, start, end)
    else:
        cuts += en_cuts(text, start, end)
        # Chinese full stops inside an English paragraph (a quoted title, a reference)
        cuts += [m.end() for m in _ZH_STOP.finditer(text, start, end) if m.end() < end]
    spans = _pieces(text, start, end, cuts)
    if split_long:
        out: list[tuple[int, int]] = []
        for a, b in spans:
            out.extend(_pieces(text, a, b, clause_cuts(text, a, b, split_long)))
        spans = out
    return spans


def _check_lang(lang: str | None, text: str, source: str | None) -> Detection:
    where = f"{source}: " if source else ""
    if lang is None:
        det = detect(text)
        if det.language:
            raise LanguageError(
                f"{where}the text is in {det.language} (Latin script, not English); paralign "
                "aligns Chinese with English; pass lang='en' if it is English after all")
        if det.lang not in ("zh", "en"):
            raise LanguageError(
                f"{where}cannot tell the language (neither Chinese nor English"
                f"{'' if det.confidence == 0 else ' by its script'}); pass lang='zh' or 'en'")
        return det
    if lang not in ("zh", "en"):
        raise LanguageError(f"{where}unsupported language {lang!r}: use 'zh' or 'en'")
    if lang == "zh":
        det = detect(text)
        return Detection("zh", det.script if det.lang == "zh" else "Hans", det.confidence)
    return Detection("en", "Latn", 1.0)


def build_document(text: str, paragraphs: Sequence[tuple[int, int]], det: Detection, *,
                   source: str | None = None, split_long: int | None = None,
                   zh_convert: str = "tw2sp") -> Document:
    """A Document over ``text`` from its paragraph spans (used by segment and split_bilingual)."""
    sentences: list[Sentence] = []
    k = 0
    for a, b in paragraphs:
        # a paragraph clearly in the other language (a title, an abstract in a bilingual
        # file) is cut by that language's rules; the Document keeps one language
        rules = det.lang
        if len(paragraphs) > 1:
            plang = detect(text[a:b]).lang
            rules = plang if plang in ("zh", "en") else det.lang
        spans = sentence_spans(text, a, b, rules, split_long)
        if not spans:
            continue
        for s, e in spans:
            piece = text[s:e]
            sentences.append(Sentence(piece, norm_view(piece, det.lang, zh_convert), k, s, e))
        k += 1
    return Document(tuple(sentences), lang=det.lang, script=det.script, text=text,
                    source=source)


def segment(text: str, lang: str | None = None, *, source: str | None = None,
            split_long: int | None = None, zh_convert: str = "tw2sp") -> Document:
    """Split ``text`` into paragraphs and sentences.

    Args:
        text: the (cleaned) text; spans point into it as given.
        lang: ``"zh"`` or ``"en"``; ``None`` detects it.
        source: file name, kept in the Document and used in messages.
        split_long: split sentences longer than this many characters at clause
            boundaries (，；：, ; :); ``None`` never splits.
        zh_convert: OpenCC conversion for the Chinese matching view (``"tw2sp"``,
            ``"t2s"``, or ``"none"``).

    Raises:
        InputError: empty or whitespace-only text.
        LanguageError: the language is not given and is neither Chinese nor English.
    """
    text, n_sur = _drop_surrogates(text)
    if n_sur:
        log.warning("%s: removed %d lone surrogate(s), which no file can hold",
                    source or "<text>", n_sur)
    if not text or not text.strip():
        raise InputError(f"{source + ': ' if source else ''}no text to segment (empty input)")
    det = _check_lang(lang, text, source)
    doc = build_document(text, paragraph_spans(text), det, source=source,
                         split_long=split_long, zh_convert=zh_convert)
    log.info("segment %s: %s", source or "<text>", doc)
    return doc


def from_sentences(sentences: Sequence[str], lang: str | None = None, *,
                   paragraphs: Sequence[int] | None = None,
                   zh_convert: str = "tw2sp") -> Document:
    """A Document from already segmented sentences (no running text; spans are -1).

    Args:
        sentences: the sentences, in order.
        lang: ``"zh"`` or ``"en"``; ``None`` detects it on the joined sentences.
        paragraphs: the paragraph index of each sentence (non-decreasing, as
            :attr:`Sentence.paragraph`); ``None`` puts all in paragraph 0.
    """
    cleaned = [_drop_surrogates(str(s)) for s in sentences]
    sentences = [s for s, _ in cleaned]
    if sum(n for _, n in cleaned):
        log.warning("removed %d lone surrogate(s) from the sentences, which no file can hold",
                    sum(n for _, n in cleaned))
    if not sentences or not any(s.strip() for s in sentences):
        raise InputError("no sentences given")
    if paragraphs is not None:
        paragraphs = list(paragraphs)
        if len(paragraphs) != len(sentences):
            raise ValueError(f"paragraphs has {len(paragraphs)} entries for "
                             f"{len(sentences)} sentences: give one paragraph index per sentence")
        if any(b < a for a, b in zip(paragraphs, paragraphs[1:])):
            raise ValueError("paragraph indices must be non-decreasing")
    det = _check_lang(lang, "\n".join(sentences), None)
    paras = paragraphs if paragraphs is not None else [0] * len(sentences)
    return Document(tuple(Sentence(s, norm_view(s, det.lang, zh_convert), p)
                          for s, p in zip(sentences, paras)),
                    lang=det.lang, script=det.script)


def read_presplit(path: str | os.PathLike[str], lang: str | None = None, *,
                  zh_convert: str = "tw2sp") -> Document:
    """Read a file with one sentence per line; an empty line marks a paragraph break.

    Empty lines are not sentences (several in a row make one break). Spans point into the
    cleaned file text, surrounding whitespace of each line excluded.
    """
    from .formats import read_file

    return presplit(read_file(path), lang, source=str(path), zh_convert=zh_convert)


def presplit(text: str, lang: str | None = None, *, source: str | None = None,
             zh_convert: str = "tw2sp") -> Document:
    """The lines of an already read text as its sentences (see :func:`read_presplit`)."""
    det = _check_lang(lang, text, source)
    sentences: list[Sentence] = []
    k = 0
    pending_break = False
    for a, b in line_spans(text):
        line = text[a:b]
        if not line.strip():
            pending_break = bool(sentences)
            continue
        if pending_break:
            k += 1
            pending_break = False
        s = a + len(line) - len(line.lstrip())
        e = a + len(line.rstrip())
        sentences.append(Sentence(text[s:e], norm_view(text[s:e], det.lang, zh_convert), k, s, e))
    return Document(tuple(sentences), lang=det.lang, script=det.script, text=text,
                    source=source)
