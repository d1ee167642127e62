"""Plain-text exchange formats, the :class:`Unit` record they all carry, and the file rules.

Every writer and reader here works on :class:`Unit` records; the dispatch that picks one
for a file (and serves ``al.to_tsv(...)`` and ``corpus.to_tsv(...)`` alike) is
:mod:`paralign.corpus.export`. Also here: the language tags written to files, the one
rule that names a document after its file (:func:`doc_id_from_path`), and Vecalign's
line format (read by :mod:`paralign.evaluation` for gold files).

Formats (chosen from the file suffix by :func:`format_from_path`):

``.tmx``
    TMX 1.4b, see :mod:`paralign.corpus.tmx`. Null beads skipped by default.
``.tsv``
    A header line ``doc_id src_idx tgt_idx src tgt score kind`` then one bead per line.
    Indices are comma-joined (``0,1``; empty for the empty side of a null bead). In texts a
    backslash, tab, newline and carriage return are written ``\\\\``, ``\\t``, ``\\n``,
    ``\\r`` so that a line is always a bead; :func:`iter_tsv` undoes it. Null beads kept.
``.jsonl``
    One JSON object per bead: ``doc_id, src_idx, tgt_idx, src, tgt, score, kind, src_lang,
    tgt_lang`` (UTF-8, not ASCII-escaped; a NaN score is ``null``). Null beads kept.
``.align``
    Vecalign's format, one bead per line: ``[0, 1]:[2]:0.8300``. One document per file;
    null beads kept (they are part of the gold standard).
plain
    :func:`~paralign.corpus.export.write_plain`: two files, line *n* of one aligned with
    line *n* of the other. Null beads skipped; a newline inside a text becomes a space so
    that lines stay aligned.
"""

from __future__ import annotations

import ast
import json
import logging
import math
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import FormatError
from ..files import check_input
from .atomic import atomic_write

if TYPE_CHECKING:
    from ..alignment.bead import Alignment

__all__ = [
    "Unit",
    "FORMATS",
    "format_from_path",
    "doc_id_from_path",
    "lang_tag",
    "parse_lang_tag",
    "units_from_alignment",
    "write_tsv",
    "write_jsonl",
    "write_vecalign",
    "iter_tsv",
    "TSV_HEADER",
    "format_vecalign_line",
    "parse_vecalign_line",
    "read_vecalign",
]

log = logging.getLogger(__name__)

FORMATS = ("tmx", "tsv", "jsonl", "align")
TSV_HEADER = ("doc_id", "src_idx", "tgt_idx", "src", "tgt", "score", "kind")


class Unit(NamedTuple):
    """One bead as every writer and reader sees it: indices, texts, score, where it is from.

    ``src_lang`` and ``tgt_lang`` are the language tags written to files (``zh-TW`` for
    Traditional Chinese, ``zh-CN`` for Simplified, ``en``), see :func:`lang_tag`.
    ``tmx`` is the original ``<tu>`` element of a unit read from another tool's TMX that
    holds what plain text cannot (inline markup, notes, props, attributes): ``src`` and
    ``tgt`` are then its plain text for matching, and the TMX writer writes ``tmx`` back
    as it was.
    """

    doc_id: str
    src_idx: tuple[int, ...]
    tgt_idx: tuple[int, ...]
    src: str
    tgt: str
    score: float = 1.0
    src_lang: str = "zh"
    tgt_lang: str = "en"
    tmx: str | None = None

    @property
    def kind(self) -> str:
        return f"{len(self.src_idx)}-{len(self.tgt_idx)}"

    @property
    def is_null(self) -> bool:
        return not self.src_idx or not self.tgt_idx


# -- language tags ------------------------------------------------------------------------------

def lang_tag(lang: str | None, script: str | None = None) -> str:
    """The tag paralign writes for a document: ``zh-TW`` (Hant), ``zh-CN`` (Hans), ``en``...

    Region tags rather than script tags because that is what translation-memory tools
    (Trados, memoQ, OmegaT) expect in ``xml:lang``; the user may override them.
    """
    if lang == "zh":
        return {"Hant": "zh-TW", "Hans": "zh-CN"}.get(script or "", "zh")
    if not lang or lang == "other":
        return "und"
    return lang


_HANT_REGIONS = {"tw", "hk", "mo", "hant"}
_HANS_REGIONS = {"cn", "sg", "my", "hans"}


def parse_lang_tag(tag: str | None) -> tuple[str, str | None]:
    """(language, script) from a tag such as ``zh-TW``, ``zh-Hant-HK``, ``ZH-cn``, ``en-US``."""
    if not tag:
        return "other", None
    parts = tag.replace("_", "-").lower().split("-")
    base = parts[0]
    if base == "zh":
        subs = set(parts[1:])
        if subs & _HANT_REGIONS and "hans" not in subs:
            return "zh", "Hant"
        if subs & _HANS_REGIONS:
            return "zh", "Hans"
        return "zh", None
    if base == "en":
        return "en", "Latn"
    return base, None


# -- dispatch -------------------------------------------------------------------------------------

def format_from_path(path: str | os.PathLike[str]) -> str:
    """``tmx``, ``tsv``, ``jsonl`` or ``align`` from the file suffix; FormatError otherwise."""
    suffix = Path(path).suffix.lower().lstrip(".")
    aliases = {"tmx": "tmx", "tsv": "tsv", "tab": "tsv", "jsonl": "jsonl", "ndjson": "jsonl",
               "align": "align"}
    if suffix not in aliases:
        raise FormatError(f"{path}: cannot tell the output format from the suffix "
                          f"{Path(path).suffix or '(none)'!r}; use .tmx, .tsv, .jsonl or .align")
    return aliases[suffix]


# Language marks that may end a file's stem (``abc.zh.txt``, ``abc.en.txt``, ``abc.tw.txt``).
_LANG_SUFFIXES = (".zh", ".zho", ".chi", ".cn", ".tw", ".en", ".src")


def doc_id_from_path(path: str | os.PathLike[str]) -> str:
    """The document id paralign gives a file: its name without ``.txt`` and a language mark.

    Used wherever a document is named after its file (batch manifests without a doc_id
    column, an alignment exported without one).

    >>> [doc_id_from_path(p) for p in ("d/abc.zh.txt", "abc.en.txt", "x.tw", "a.b.txt", ".txt")]
    ['abc', 'abc', 'x', 'a.b', 'doc']
    """
    name = Path(path).name.removesuffix(".txt")
    for suffix in _LANG_SUFFIXES:
        if name.endswith(suffix):
            name = name.removesuffix(suffix)
            break
    return name or "doc"


def units_from_alignment(al: Alignment, *, doc_id: str | None = None, src_lang: str | None = None,
                         tgt_lang: str | None = None) -> Iterator[Unit]:
    """The beads of an alignment as :class:`Unit` records (texts are the original ones)."""
    did = doc_id or (doc_id_from_path(al.src.source) if al.src.source else "doc")
    sl = src_lang or lang_tag(al.src.lang, al.src.script)
    tl = tgt_lang or lang_tag(al.tgt.lang, al.tgt.script)
    for b in al.beads:
        yield Unit(did, b.src, b.tgt, b.src_text, b.tgt_text, float(b.score), sl, tl)


# -- TSV -------------------------------------------------------------------------------------------

_TSV_ESC = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_TSV_ESC_RE = re.compile(r"[\\\t\n\r]")
_TSV_UNESC = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_TSV_UNESC_RE = re.compile(r"\\(.?)", re.S)


def tsv_escape(text: str) -> str:
    return _TSV_ESC_RE.sub(lambda m: _TSV_ESC[m.group()], text)


def tsv_unescape(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        c = m.group(1)
        if c not in _TSV_UNESC or c == "":
            raise ValueError(f"bad escape '\\{c}'")
        return _TSV_UNESC[c]

    return _TSV_UNESC_RE.sub(sub, text)


def _idx(ix: tuple[int, ...]) -> str:
    return ",".join(map(str, ix))


def _score_str(score: float) -> str:
    return repr(float(score))


def write_tsv(units: Iterable[Unit], path: str | os.PathLike[str]) -> int:
    """Write units as TSV with a header line; returns the number of units."""
    n = 0
    with atomic_write(path) as f:
        f.write("\t".join(TSV_HEADER) + "\n")
        for u in units:
            f.write("\t".join((tsv_escape(u.doc_id), _idx(u.src_idx), _idx(u.tgt_idx),
                               tsv_escape(u.src), tsv_escape(u.tgt), _score_str(u.score),
                               u.kind)) + "\n")
            n += 1
    return n


_IDX_LIST = re.compile(r"[0-9]+(?:,[0-9]+)*")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by errors="surrogateescape"


def _parse_idx(field: str) -> tuple[int, ...]:
    if not field.strip():
        return ()
    if not _IDX_LIST.fullmatch(field):
        raise ValueError(f"invalid literal for sentence indices: {field[:40]!r} (expected "
                         "comma-separated non-negative integers)")
    return tuple(int(x) for x in field.split(","))


def iter_tsv(path: str | os.PathLike[str], *, src_lang: str = "zh", tgt_lang: str = "en"
             ) -> Iterator[Unit]:
    """Units from a TSV written by :func:`write_tsv`; FormatError names the line at fault."""
    check_input(path, "TSV")
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        for lineno, line in enumerate(f, 1):
            line = line.removesuffix("\n").removesuffix("\r")
            bad = _UNDECODABLE.search(line)
            if bad:
                raise FormatError(f"{path}: line {lineno}: not UTF-8 (byte "
                                  f"0x{ord(bad.group()) - 0xDC00:02x} at column {bad.start() + 1})")
            if lineno == 1:
                if tuple(line.lstrip("\ufeff").split("\t")) != TSV_HEADER:
                    raise FormatError(f"{path}: line 1: expected the header "
                                      f"{' '.join(TSV_HEADER)!r}, got {line[:80]!r}")
                continue
            if not line:
                continue
            fields = line.split("\t")
            if len(fields) != len(TSV_HEADER):
                raise FormatError(f"{path}: line {lineno}: expected {len(TSV_HEADER)} "
                                  f"tab-separated fields, got {len(fields)}")
            doc_id, si, ti, src, tgt, score, kind = fields
            try:
                src_idx, tgt_idx = _parse_idx(si), _parse_idx(ti)
                unit = Unit(tsv_unescape(doc_id), src_idx, tgt_idx, tsv_unescape(src),
                            tsv_unescape(tgt), float(score), src_lang, tgt_lang)
            except ValueError as exc:
                raise FormatError(f"{path}: line {lineno}: {exc}") from None
            if kind and kind != unit.kind:
                raise FormatError(f"{path}: line {lineno}: kind {kind!r} does not match the "
                                  f"indices ({unit.kind})")
            yield unit


# -- JSONL and .align ---------------------------------------------------------------------------

def unit_dict(u: Unit) -> dict[str, Any]:
    score = u.score if math.isfinite(u.score) else None
    return {"doc_id": u.doc_id, "src_idx": list(u.src_idx), "tgt_idx": list(u.tgt_idx),
            "src": u.src, "tgt": u.tgt, "score": score, "kind": u.kind,
            "src_lang": u.src_lang, "tgt_lang": u.tgt_lang}


def write_jsonl(units: Iterable[Unit], path: str | os.PathLike[str]) -> int:
    n = 0
    with atomic_write(path) as f:
        for u in units:
            f.write(json.dumps(unit_dict(u), ensure_ascii=False) + "\n")
            n += 1
    return n


def write_vecalign(units: Iterable[Unit], path: str | os.PathLike[str]) -> int:
    """Vecalign ``.align`` lines; the format has no document field, so one document only."""
    n = 0
    doc: str | None = None
    with atomic_write(path) as f:
        for u in units:
            if doc is None:
                doc = u.doc_id
            elif u.doc_id != doc:
                raise FormatError(f"{path}: the .align format holds one document, but the "
                                  f"beads come from {doc!r} and {u.doc_id!r}; export one "
                                  "document at a time (doc_id=...)")
            f.write(format_vecalign_line(u.src_idx, u.tgt_idx, u.score) + "\n")
            n += 1
    return n


def format_vecalign_line(src: Sequence[int], tgt: Sequence[int], score: float | None = None) -> str:
    """One bead in Vecalign's format: ``[0, 1]:[2]``, or ``[0, 1]:[2]:0.8300`` with a score.

    >>> format_vecalign_line((0, 1), (2,), 0.83)
    '[0, 1]:[2]:0.8300'
    """
    s = f"[{', '.join(map(str, src))}]:[{', '.join(map(str, tgt))}]"
    return s if score is None else f"{s}:{score:.4f}"


def parse_vecalign_line(line: str, *, where: str = "") -> tuple[tuple[int, ...], tuple[int, ...], float | None]:
    """Parse ``[0, 1]:[2]`` or ``[0, 1]:[2]:0.83`` into (src, tgt, score)."""
    parts = line.strip().split(":")
    if len(parts) not in (2, 3):
        raise FormatError(f"{where}: not a Vecalign bead: {line.strip()!r}")
    try:
        src = ast.literal_eval(parts[0])
        tgt = ast.literal_eval(parts[1])
        score = float(parts[2]) if len(parts) == 3 else None
        if not isinstance(src, list) or not isinstance(tgt, list):
            raise ValueError
        return tuple(int(i) for i in src), tuple(int(i) for i in tgt), score
    except (ValueError, SyntaxError, TypeError):
        raise FormatError(f"{where}: not a Vecalign bead: {line.strip()!r}") from None


def read_vecalign(path: str | os.PathLike[str]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Read a Vecalign ``.align`` file (one bead a line, optional score).

    The bytes are decoded like any input text (UTF-8, UTF-16 and UTF-32 with or without a
    BOM, legacy encodings); binary data, a FIFO or a device is refused naming the file.
    """
    from ..files import read_bytes
    from ..text.reading import decode

    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"read_vecalign() takes the path of an .align file, got "
                        f"{type(path).__name__}; for beads in memory use evaluate()")
    name = os.fsdecode(path)
    text, _ = decode(read_bytes(path, "gold/test .align"), source=name)
    beads = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        s, t, _ = parse_vecalign_line(line, where=f"{name}:{n}")
        beads.append((s, t))
    return beads


def peek(units: Iterable[Unit]) -> tuple[Unit | None, Iterator[Unit]]:
    """The first unit and an iterator over all of them (the first included)."""
    it = iter(units)
    first = next(it, None)
    if first is None:
        return None, iter(())
    return first, chain([first], it)
