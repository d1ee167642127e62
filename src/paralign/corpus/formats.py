"""Plain-text exchange formats and the one place that dispatches every export.

All exports, from an :class:`~paralign.alignment.bead.Alignment` (``al.to_tsv(...)``) or from a
:class:`~paralign.corpus.ParallelCorpus` (``corpus.to_tsv(...)``), go through the same
writers, fed with :class:`Unit` records, so that the two can never drift apart.

Formats (chosen from the file suffix by :func:`format_from_path`):

``.tmx``
    TMX 1.4b, see :mod:`paralign.corpus.tmx`. Null beads skipped by default.
``.tsv``
    A header line ``doc_id src_idx tgt_idx src tgt score kind`` then one bead per line.
    Indices are comma-joined (``0,1``; empty for the empty side of a null bead). In texts a
    backslash, tab, newline and carriage return are written ``\\\\``, ``\\t``, ``\\n``,
    ``\\r`` so that a line is always a bead; :func:`read_tsv` undoes it. Null beads kept.
``.jsonl``
    One JSON object per bead: ``doc_id, src_idx, tgt_idx, src, tgt, score, kind, src_lang,
    tgt_lang`` (UTF-8, not ASCII-escaped; a NaN score is ``null``). Null beads kept.
``.align``
    Vecalign's format, one bead per line: ``[0, 1]:[2]:0.8300``. One document per file;
    null beads kept (they are part of the gold standard).
plain
    :func:`write_plain`: two files, line *n* of one aligned with line *n* of the other.
    Null beads skipped; a newline inside a text becomes a space so that lines stay aligned.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import FormatError, InputError
from ..files import check_input, check_output, same_file
from .atomic import atomic_write

if TYPE_CHECKING:
    from ..alignment.bead import Alignment
    from .store import ParallelCorpus

__all__ = [
    "Unit",
    "FORMATS",
    "format_from_path",
    "lang_tag",
    "parse_lang_tag",
    "units_from_alignment",
    "write_alignment",
    "write_units",
    "write_plain",
    "write_tsv",
    "write_jsonl",
    "write_vecalign",
    "read_tsv",
    "iter_tsv",
    "TSV_HEADER",
]

log = logging.getLogger(__name__)

FORMATS = ("tmx", "tsv", "jsonl", "align")
TSV_HEADER = ("doc_id", "src_idx", "tgt_idx", "src", "tgt", "score", "kind")
# Null beads: kept where the format is a faithful dump, dropped where it feeds MT training.
_SKIP_NULL_DEFAULT = {"tmx": True, "tsv": False, "jsonl": False, "align": False, "plain": True}


class Unit(NamedTuple):
    """One bead as every writer and reader sees it: indices, texts, score, where it is from.

    ``src_lang`` and ``tgt_lang`` are the language tags written to files (``zh-TW`` for
    Traditional Chinese, ``zh-CN`` for Simplified, ``en``), see :func:`lang_tag`.
    """

    doc_id: str
    src_idx: tuple[int, ...]
    tgt_idx: tuple[int, ...]
    src: str
    tgt: str
    score: float = 1.0
    src_lang: str = "zh"
    tgt_lang: str = "en"

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


def units_from_alignment(al: Alignment, *, doc_id: str | None = None, src_lang: str | None = None,
                         tgt_lang: str | None = None) -> Iterator[Unit]:
    """The beads of an alignment as :class:`Unit` records (texts are the original ones)."""
    did = doc_id or _default_doc_id(al)
    sl = src_lang or lang_tag(al.src.lang, al.src.script)
    tl = tgt_lang or lang_tag(al.tgt.lang, al.tgt.script)
    for b in al.beads:
        yield Unit(did, b.src, b.tgt, b.src_text, b.tgt_text, float(b.score), sl, tl)


def _default_doc_id(al: Alignment) -> str:
    if al.src.source:
        name = Path(al.src.source).name
        for suffix in (".txt", ".zh", ".en", ".src"):
            name = name.removesuffix(suffix)
        return name or "doc"
    return "doc"


def _filtered(units: Iterable[Unit], min_score: float, skip_null: bool) -> Iterator[Unit]:
    for u in units:
        if skip_null and u.is_null:
            continue
        if min_score > 0 and not (u.score >= min_score):
            continue
        yield u


def write_units(units: Iterable[Unit], path: str | os.PathLike[str], fmt: str | None = None, *,
                min_score: float = 0.0, skip_null: bool | None = None,
                inputs: Iterable[object] = (), **kwargs: Any) -> int:
    """Write units to ``path`` in ``fmt`` (default: from the suffix), atomically.

    Returns the number of units written. ``inputs`` are files the output must not be (the
    texts or the corpus the units come from): refused before anything is written.
    ``kwargs`` go to the format's writer (for TMX: ``srclang``, ``header_props``...).
    """
    fmt = fmt or format_from_path(path)
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    check_output(path, inputs)
    if skip_null is None:
        skip_null = _SKIP_NULL_DEFAULT[fmt]
    units = _filtered(units, min_score, skip_null)
    if fmt == "tmx":
        from .tmx import write_tmx_units

        return write_tmx_units(units, path, **kwargs)
    if kwargs:
        raise TypeError(f"unexpected options for {fmt}: {', '.join(sorted(kwargs))}")
    return {"tsv": write_tsv, "jsonl": write_jsonl, "align": write_vecalign}[fmt](units, path)


def write_alignment(al: Alignment, path: str | os.PathLike[str], fmt: str | None = None, *,
                    doc_id: str | None = None, src_lang: str | None = None,
                    tgt_lang: str | None = None, min_score: float = 0.0,
                    skip_null: bool | None = None, **kwargs: Any) -> int:
    """Write an Alignment as TMX, TSV, JSONL or Vecalign ``.align`` (what ``al.to_*`` call).

    ``src_lang``/``tgt_lang`` override the language tags (default ``zh-TW``/``zh-CN``/``en``
    from the documents); for TMX the alignment's signature goes into a header
    ``prop type="x-signature"``.
    """
    fmt = fmt or format_from_path(path)
    if fmt == "tmx" and al.signature:
        props = dict(kwargs.pop("header_props", None) or {})
        props.setdefault("x-signature", al.signature)
        kwargs["header_props"] = props
    units = units_from_alignment(al, doc_id=doc_id, src_lang=src_lang, tgt_lang=tgt_lang)
    return write_units(units, path, fmt, min_score=min_score, skip_null=skip_null,
                       inputs=alignment_inputs(al), **kwargs)


def alignment_inputs(al: Alignment) -> tuple[object, ...]:
    """The files an alignment was read from (its documents' sources): never outputs."""
    return (getattr(al.src, "source", None), getattr(al.tgt, "source", None))


def write_plain(source: Alignment | ParallelCorpus | Iterable[Unit],
                src_path: str | os.PathLike[str], tgt_path: str | os.PathLike[str], *,
                min_score: float = 0.0,
                skip_null: bool = True) -> int:
    """Two files, line *n* of one the translation of line *n* of the other; returns lines.

    Both files are written atomically; a failure while writing leaves neither behind.
    """
    inputs: tuple[object, ...] = ()
    if hasattr(source, "beads"):
        units: Iterable[Unit] = units_from_alignment(source)  # type: ignore[arg-type]
        inputs = alignment_inputs(source)  # type: ignore[arg-type]
    elif hasattr(source, "iter_units"):
        units = source.iter_units(  # type: ignore[union-attr]
            min_score=min_score, skip_null=skip_null)
        inputs = source.files() if hasattr(source, "files") else ()  # type: ignore[union-attr]
    else:
        units = source  # type: ignore[assignment]
    if same_file(src_path, tgt_path) or os.fspath(src_path) == os.fspath(tgt_path):
        raise InputError(f"{os.fspath(src_path)}: given as both plain-text outputs")
    check_output(src_path, inputs)
    check_output(tgt_path, inputs)
    n = 0
    with atomic_write(src_path) as fs, atomic_write(tgt_path) as ft:
        for u in _filtered(units, min_score, skip_null):
            fs.write(_one_line(u.src) + "\n")
            ft.write(_one_line(u.tgt) + "\n")
            n += 1
    return n


_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text)


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


def read_tsv(path: str | os.PathLike[str], *, src_lang: str = "zh", tgt_lang: str = "en"
             ) -> ParallelCorpus:
    """A TSV export read back into an in-memory :class:`ParallelCorpus`."""
    from .store import ParallelCorpus

    corpus = ParallelCorpus(":memory:")
    corpus.add_units(iter_tsv(path, src_lang=src_lang, tgt_lang=tgt_lang),
                     source=str(path))
    return corpus


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
    from ..evaluation import format_vecalign_line

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


def peek(units: Iterable[Unit]) -> tuple[Unit | None, Iterator[Unit]]:
    """The first unit and an iterator over all of them (the first included)."""
    it = iter(units)
    first = next(it, None)
    if first is None:
        return None, iter(())
    return first, chain([first], it)
