"""The one place that dispatches every export, for alignments and corpora alike.

``al.to_tsv(...)`` (:class:`~paralign.alignment.bead.Alignment`) and ``corpus.to_tsv(...)``
(:class:`~paralign.corpus.ParallelCorpus`) both end in :func:`write_units`, fed with
:class:`~paralign.corpus.formats.Unit` records, so that the two can never drift apart. The
writers themselves are in :mod:`paralign.corpus.formats` (TSV, JSONL, ``.align``) and
:mod:`paralign.corpus.tmx`; this module only chooses among them, filters, and applies
each format's default for null beads (kept where the format is a faithful dump, dropped
where it feeds MT training: TMX and the plain line pairs).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import FormatError, InputError
from ..files import check_output, same_file
from .atomic import atomic_write
from .formats import FORMATS, Unit, format_from_path, units_from_alignment, write_jsonl, \
    write_tsv, write_vecalign
from .tmx import write_tmx_units

if TYPE_CHECKING:
    from ..alignment.bead import Alignment

__all__ = ["write_units", "write_alignment", "write_plain", "alignment_inputs",
           "describe_left_out"]

_SKIP_NULL_DEFAULT = {"tmx": True, "tsv": False, "jsonl": False, "align": False, "plain": True}


def _filtered(units: Iterable[Unit], min_score: float, skip_null: bool,
              left_out: dict[str, int] | None = None) -> Iterator[Unit]:
    """Units that pass; ``left_out`` (if given) counts the others: ``null`` (one side
    empty, dropped by ``skip_null``) and ``below_min_score``."""
    counts = left_out if left_out is not None else {}
    counts.setdefault("null", 0)
    counts.setdefault("below_min_score", 0)
    for u in units:
        if skip_null and u.is_null:
            counts["null"] += 1
            continue
        if min_score > 0 and not (u.score >= min_score):
            counts["below_min_score"] += 1
            continue
        yield u


def describe_left_out(left_out: dict[str, int]) -> str:
    """``"1 null bead (one side empty), 3 below the minimum score"``, or ``""``."""
    parts = []
    if left_out.get("null"):
        n = left_out["null"]
        parts.append(f"{n} null bead{'s' if n != 1 else ''} (one side empty)")
    if left_out.get("below_min_score"):
        parts.append(f"{left_out['below_min_score']} below the minimum score")
    return ", ".join(parts)


def write_units(units: Iterable[Unit], path: str | os.PathLike[str], fmt: str | None = None, *,
                min_score: float = 0.0, skip_null: bool | None = None,
                inputs: Iterable[object] = (), left_out: dict[str, int] | None = None,
                **kwargs: Any) -> int:
    """Write units to ``path`` in ``fmt`` (default: from the suffix), atomically.

    Returns the number of units written. ``inputs`` are files the output must not be (the
    texts or the corpus the units come from): refused before anything is written.
    ``left_out``, if given, is filled with how many units were left out and why (see
    :func:`describe_left_out`). ``kwargs`` go to the format's writer (for TMX:
    ``srclang``, ``header_props``...).
    """
    fmt = fmt or format_from_path(path)
    if fmt not in FORMATS:
        raise FormatError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    check_output(path, inputs)
    if skip_null is None:
        skip_null = _SKIP_NULL_DEFAULT[fmt]
    units = _filtered(units, min_score, skip_null, left_out)
    if fmt == "tmx":
        return write_tmx_units(units, path, **kwargs)
    if kwargs:
        raise TypeError(f"unexpected options for {fmt}: {', '.join(sorted(kwargs))}")
    return {"tsv": write_tsv, "jsonl": write_jsonl, "align": write_vecalign}[fmt](units, path)


def write_alignment(al: Alignment, path: str | os.PathLike[str], fmt: str | None = None, *,
                    doc_id: str | None = None, src_lang: str | None = None,
                    tgt_lang: str | None = None, min_score: float = 0.0,
                    skip_null: bool | None = None, left_out: dict[str, int] | None = None,
                    **kwargs: Any) -> int:
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
                       inputs=alignment_inputs(al), left_out=left_out, **kwargs)


def alignment_inputs(al: Alignment) -> tuple[object, ...]:
    """The files an alignment was read from (its documents' sources): never outputs."""
    return (getattr(al.src, "source", None), getattr(al.tgt, "source", None))


def write_plain(units: Iterable[Unit], src_path: str | os.PathLike[str],
                tgt_path: str | os.PathLike[str], *, min_score: float = 0.0,
                skip_null: bool = True, inputs: Iterable[object] = ()) -> int:
    """Two files, line *n* of one the translation of line *n* of the other; returns lines.

    A newline inside a text becomes a space so that lines stay aligned. ``inputs`` as for
    :func:`write_units`. Both files are written atomically; a failure while writing leaves
    neither behind.
    """
    inputs = tuple(inputs)
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
