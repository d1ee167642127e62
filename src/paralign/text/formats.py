"""Reading input files: plain text and the document formats .docx, .html, .pdf (text layer),
.epub, .srt and .vtt (:func:`read_file` is the one door for both).

Why: translators and researchers hold their texts in these formats far more often than in
plain text. Each is read with its maintained library (python-docx, lxml.html, pypdf,
ebooklib, srt, webvtt-py: the ``formats`` extra) and turned into plain text with one
paragraph per block, paragraphs separated by a blank line; the rest of paralign then sees
it exactly as a .txt file, and paragraph boundaries become the aligner's anchors.

What counts as a paragraph: a Word paragraph (table cells included, in body order); an
HTML block element (``p``, ``h1``-``h6``, ``li``, ``blockquote``, ``pre``, ``td``...); in an
EPUB the same, chapter after chapter in spine order; in a PDF a run of lines up to one that
ends a sentence well short of the usual line width (a PDF stores lines, not paragraphs); in
subtitles a run of cues without a pause of :data:`SUBTITLE_PAUSE` seconds or more, one cue
per line.

Libraries are imported only when a file of their format is read; a missing one is a
one-line :class:`~paralign.errors.DependencyError` naming the extra to install.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..errors import DependencyError, FormatError, InputError
from ..files import FORMAT_NAMES, read_bytes
from .clean import clean
from .reading import decode

__all__ = ["FORMATS", "format_of", "read_formatted", "read_file", "decode_text", "SUBTITLE_PAUSE"]

log = logging.getLogger("paralign.text")

# suffix -> format name; "text" is decoded by paralign.text.reading
FORMATS: dict[str, str] = {
    ".txt": "text", ".text": "text", ".md": "text",
    ".docx": "docx",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".pdf": "pdf",
    ".epub": "epub",
    ".srt": "srt",
    ".vtt": "vtt",
}

# A pause between two subtitle cues at least this long (seconds) starts a new paragraph.
SUBTITLE_PAUSE = 2.0

_PACKAGES = {"docx": ("docx", "python-docx"), "html": ("lxml.html", "lxml"),
             "pdf": ("pypdf", "pypdf"), "epub": ("ebooklib", "ebooklib"),
             "srt": ("srt", "srt"), "vtt": ("webvtt", "webvtt-py")}

_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "blockquote", "pre",
           "td", "th", "caption", "figcaption", "address", "div", "section", "article",
           "header", "footer", "aside", "main", "nav", "title")
_SKIP = ("script", "style", "noscript", "template", "head")
_WS = re.compile(r"[ \t\r\f\v]+")
_TAG = re.compile(r"<[^>]{1,200}>")
_SENT_END = tuple("。！？!?.…:：;；\"”’」』)）")


def format_of(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The format to read ``path`` as: ``fmt`` when given, else from its suffix (text if
    the suffix is unknown: paralign has always read any text file)."""
    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        fmt = {"htm": "html", "xhtml": "html", "txt": "text", "webvtt": "vtt"}.get(fmt, fmt)
        if fmt not in FORMAT_NAMES:
            raise InputError(f"unknown input format {fmt!r}: use one of {', '.join(FORMAT_NAMES)}")
        return fmt
    return FORMATS.get(Path(path).suffix.lower(), "text")


def _need(fmt: str) -> Any:
    """Import the library of ``fmt`` or say which extra brings it."""
    import importlib

    module, package = _PACKAGES[fmt]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise DependencyError(f"reading .{fmt} files needs the {package} package: "
                              "pip install 'paralign[formats]'") from None


def _paragraphs_text(paras: Iterable[str]) -> str:
    """Paragraphs (inner line breaks kept, spaces collapsed) joined by blank lines."""
    out = []
    for p in paras:
        lines = [_WS.sub(" ", ln).strip() for ln in p.splitlines()]
        text = "\n".join(ln for ln in lines if ln)
        if text:
            out.append(text)
    return "\n\n".join(out)


# -- readers ----------------------------------------------------------------------------------

def _read_docx(path: Path) -> str:
    docx = _need("docx")
    from docx.table import Table

    try:
        doc = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError variants
        raise FormatError(f"{path}: not a readable .docx file ({type(exc).__name__}: {exc})") from None

    def blocks(container: Any) -> Iterable[str]:
        for item in container.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    for cell in row.cells:
                        yield from blocks(cell)
            else:
                yield item.text  # soft line breaks (<w:br/>) come as "\n"

    return _paragraphs_text(blocks(doc))


def _html_paragraphs(root: Any) -> list[str]:
    """Text of each block element (its own text, not that of nested blocks), in order."""
    paras: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            paras.append("".join(current))
            current.clear()

    def walk(el: Any) -> None:
        tag = el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""
        if tag in _SKIP:
            if el.tail:
                current.append(el.tail)
            return
        block = tag in _BLOCKS
        if block:
            flush()
        if tag == "br":
            current.append("\n")
        elif isinstance(el.tag, str) and el.text:
            current.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        if el.tail:
            current.append(el.tail)

    walk(root)
    flush()
    return paras


def _parse_html(data: bytes, path: Path) -> Any:
    import lxml.html

    try:
        text, _ = decode(data, source=str(path))
        # lxml refuses str input that declares an encoding; the declaration is moot now
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
        return lxml.html.document_fromstring(text)
    except InputError:
        raise
    except Exception as exc:
        raise FormatError(f"{path}: not readable as HTML ({exc})") from None


def _read_html(path: Path) -> str:
    _need("html")
    root = _parse_html(path.read_bytes(), path)
    body = root.find("body")
    return _paragraphs_text(_html_paragraphs(body if body is not None else root))


def _read_epub(path: Path) -> str:
    ebooklib = _need("epub")
    from ebooklib import epub

    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
    except Exception as exc:
        raise FormatError(f"{path}: not a readable .epub file ({type(exc).__name__}: {exc})") from None
    paras: list[str] = []
    for idref, _linear in book.spine:
        item = book.get_item_with_id(idref)
        if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
            continue
        root = _parse_html(item.get_content(), path)
        body = root.find("body")
        paras.extend(_html_paragraphs(body if body is not None else root))
    return _paragraphs_text(paras)


def _pdf_lines(page: Any) -> list[tuple[float, float, str]]:
    """``(x, y, text)`` of each line of a page's text layer, in the order pypdf reads them."""
    lines: list[list[Any]] = []  # [x, y, text, closed]

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if not text:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        for k, part in enumerate(text.split("\n")):
            if k:
                if lines:
                    lines[-1][3] = True
            if not part:
                continue
            if lines and not lines[-1][3] and abs(lines[-1][1] - y) < 1.0:
                lines[-1][2] += part
            else:
                lines.append([x, y, part, False])

    page.extract_text(visitor_text=visit)
    return [(x, y, t) for x, y, t, _ in lines if t.strip()]


def _pdf_paragraphs(pages: list[list[tuple[float, float, str]]]) -> list[str]:
    """Lines of a PDF text layer grouped into paragraphs.

    A PDF stores positioned lines, not paragraphs. A new paragraph starts after a vertical
    gap clearly larger than the usual line spacing (blank space between paragraphs), or
    after a line that ends a sentence well short of the usual line width (the last line
    of a justified paragraph).
    """
    import statistics  # here: every command-line call imports this module

    gaps = [a[1] - b[1] for lines in pages for a, b in zip(lines, lines[1:]) if a[1] > b[1]]
    spacing = statistics.median(gaps) if gaps else 0.0
    widths = [len(t.strip()) for lines in pages for _, _, t in lines]
    if not widths:
        return []
    typical = statistics.median(widths)
    paras: list[list[str]] = [[]]
    for lines in pages:
        for k, (_, y, text) in enumerate(lines):
            if k and spacing and lines[k - 1][1] - y > 1.5 * spacing and paras[-1]:
                paras.append([])
            s = text.strip()
            paras[-1].append(s)
            if s.endswith(_SENT_END) and len(s) < 0.8 * typical:
                paras.append([])
    return ["\n".join(p) for p in paras if p]


def _read_pdf(path: Path) -> str:
    pypdf = _need("pdf")
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:  # e.g. an encryption algorithm pypdf cannot handle here
                ok = 0
            if not ok:
                raise InputError(f"{path}: the PDF is encrypted (password-protected); "
                                 "decrypt it first, e.g. with qpdf --decrypt")
        pages = [_pdf_lines(page) for page in reader.pages]
    except InputError:
        raise
    except Exception as exc:
        raise FormatError(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    if not any(ch.isalnum() for lines in pages for _, _, t in lines for ch in t):
        raise InputError(f"{path}: the PDF has no text layer ({len(pages)} page(s) of images: "
                         "a scan?); run OCR on it first, e.g. with ocrmypdf")
    return _paragraphs_text(_pdf_paragraphs(pages))


def _cue_paragraphs(cues: Iterable[tuple[float, float, str]]) -> str:
    paras: list[list[str]] = [[]]
    last_end: float | None = None
    for start, end, text in cues:
        text = _TAG.sub("", text).strip()
        if not text:
            continue
        if last_end is not None and start - last_end >= SUBTITLE_PAUSE and paras[-1]:
            paras.append([])
        paras[-1].append(" ".join(text.split()) if " " in text else text.replace("\n", ""))
        last_end = end
    return _paragraphs_text("\n".join(p) for p in paras)


def _read_srt(path: Path) -> str:
    srt = _need("srt")
    text, _ = decode(path.read_bytes(), source=str(path))
    try:
        subs = list(srt.parse(text))
    except Exception as exc:  # srt.SRTParseError and friends
        raise FormatError(f"{path}: not a valid .srt file ({exc})") from None
    return _cue_paragraphs((s.start.total_seconds(), s.end.total_seconds(), s.content)
                           for s in subs)


def _read_vtt(path: Path) -> str:
    webvtt = _need("vtt")
    text, _ = decode(path.read_bytes(), source=str(path))
    try:
        captions = webvtt.from_string(text).captions
    except Exception as exc:  # webvtt.errors.MalformedFileError and friends
        raise FormatError(f"{path}: not a valid .vtt file ({exc})") from None
    return _cue_paragraphs((c.start_time.in_milliseconds() / 1000,
                            c.end_time.in_milliseconds() / 1000, c.text) for c in captions)


_READERS: dict[str, Callable[[Path], str]] = {
    "docx": _read_docx, "html": _read_html, "pdf": _read_pdf, "epub": _read_epub,
    "srt": _read_srt, "vtt": _read_vtt,
}


def read_formatted(path: str | os.PathLike[str], fmt: str) -> str:
    """The plain text of a document of format ``fmt`` (not ``"text"``): one paragraph per
    block, paragraphs separated by a blank line (not yet cleaned)."""
    p = Path(path)
    text = _READERS[fmt](p)
    log.info("read %s as %s: %d characters", p, fmt, len(text))
    return text


def read_file(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """Read a text file or a document: bytes, :func:`decode`, :func:`~paralign.text.clean.clean`.

    ``fmt`` names the format (``text``, ``docx``, ``html``, ``pdf``, ``epub``, ``srt``,
    ``vtt``); ``None`` takes it from the suffix, and an unknown suffix is read as text.
    Documents are turned into plain text by :func:`read_formatted`, one paragraph per
    block; text files are decoded by :func:`~paralign.text.reading.decode`.

    Raises:
        OSError: no such file, permission denied, a symlink loop... (naming the path).
        InputError: a directory, a FIFO or a device, or an empty (or whitespace-only) file;
            a PDF that is encrypted or has no text layer.
        DecodeError: binary or undecodable content.
        FormatError: a malformed document.
        DependencyError: the library of the document's format is not installed.
    """
    p = Path(path)
    kind = format_of(p, fmt)
    data = read_bytes(p, "text")  # refuses directories, FIFOs and devices at once
    if not data.strip():
        raise InputError(f"{p}: file is empty")
    if kind != "text":
        text = clean(read_formatted(p, kind))
        if not text.strip():
            raise InputError(f"{p}: the {kind} document holds no text")
        return text
    return decode_text(data, str(p))


def decode_text(data: bytes, source: str) -> str:
    """A text file's bytes to its cleaned text, as :func:`read_file` does once it has them.

    Separate from reading so that bytes sent over a network (batch alignment on a cluster,
    where workers share no filesystem with the client) are treated exactly like a file.

    Raises:
        InputError: empty (or whitespace-only) content.
        DecodeError: binary or undecodable content.
    """
    if not data.strip():
        raise InputError(f"{source}: file is empty")
    text, enc = decode(data, source=source)
    log.info("read %s: %d bytes, encoding %s", source, len(data), enc)
    text = clean(text)
    if not text.strip():
        raise InputError(f"{source}: file holds no text")
    return text
