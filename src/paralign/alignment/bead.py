"""Beads and alignments: the result of aligning two documents.

A :class:`Bead` pairs a run of consecutive source sentences with a run of consecutive target
sentences (either run may be empty: 1-0, 0-1). An :class:`Alignment` holds the two documents,
the beads in order, and the signature of the run that produced them; its ``to_*`` methods
share the writers of :mod:`paralign.corpus.export`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..text.document import Document

__all__ = ["Bead", "Alignment"]


@dataclass(frozen=True, slots=True)
class Bead:
    """One alignment unit.

    Attributes:
        src: 0-based indices of the source sentences (consecutive, possibly empty).
        tgt: 0-based indices of the target sentences (consecutive, possibly empty).
        score: calibrated confidence in [0, 1] that the bead is right (1.0 for gold beads).
        src_text, tgt_text: the original texts of the two sides, filled in by
            :class:`Alignment`; not part of equality.
        origin: who made the bead: ``"aligner"``, or a reviewer's edit (``"merge"``,
            ``"split"``, ``"wrong"``; see :mod:`paralign.corpus.corrections`); not part of
            equality.
    """

    src: tuple[int, ...]
    tgt: tuple[int, ...]
    score: float = 1.0
    src_text: str = field(default="", compare=False)
    tgt_text: str = field(default="", compare=False)
    origin: str = field(default="aligner", compare=False)

    def __post_init__(self) -> None:
        # map(int, ...) calls int() on each index as a generator would (the same values, the
        # same errors for bad ones) without a generator frame per bead
        object.__setattr__(self, "src", tuple(map(int, self.src)))
        object.__setattr__(self, "tgt", tuple(map(int, self.tgt)))

    @property
    def kind(self) -> str:
        """Bead type such as ``"1-2"`` (source count - target count)."""
        return f"{len(self.src)}-{len(self.tgt)}"

    @property
    def is_null(self) -> bool:
        """True for an omission or insertion (one side empty)."""
        return not self.src or not self.tgt

    def key(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return (self.src, self.tgt)

    def to_vecalign(self, with_score: bool = True) -> str:
        """The bead in Vecalign's format: ``[0, 1]:[2]:0.8300``."""
        from ..corpus.formats import format_vecalign_line

        return format_vecalign_line(self.src, self.tgt, self.score if with_score else None)


_new = object.__new__
_SET_SRC, _SET_TGT, _SET_SCORE, _SET_SRC_TEXT, _SET_TGT_TEXT, _SET_ORIGIN = (
    Bead.__dict__[name].__set__ for name in ("src", "tgt", "score", "src_text", "tgt_text", "origin"))


def made_bead(src: tuple[int, ...], tgt: tuple[int, ...], score: float, src_text: str = "",
              tgt_text: str = "", origin: str = "aligner") -> Bead:
    """``Bead(src, tgt, score, src_text, tgt_text, origin)`` for indices that are tuples of
    ``int`` already (the aligner's, or another bead's): the same bead, without the per-index
    conversion of ``Bead.__post_init__``. Why: a long document has one bead per sentence
    or so, made twice (by the search and with its texts by :class:`Alignment`), and the
    checks were most of the time spent making them. Not for indices from outside: those go
    through ``Bead(...)``, which converts and rejects bad ones."""
    b = _new(Bead)
    _SET_SRC(b, src)
    _SET_TGT(b, tgt)
    _SET_SCORE(b, score)
    _SET_SRC_TEXT(b, src_text)
    _SET_TGT_TEXT(b, tgt_text)
    _SET_ORIGIN(b, origin)
    return b


@dataclass(frozen=True)
class Alignment:
    """The beads aligning two documents, and how they were obtained.

    Attributes:
        src, tgt: the segmented documents.
        beads: beads in order; together they cover every sentence of both sides once.
        signature: reproducibility signature of the run
            (``paralign 0.1.0|enc:use-m3|max:4/5|...``).
        parallelism: document-level score in [0, 1]: how likely the two texts are
            translations of each other at all.
        stats: figures of the run (seconds spent embedding and searching, length ratio...);
            ``stats["parallel"]`` is the verdict on the pair: ``"yes"``, ``"no"`` or
            ``"too short to judge"`` (fewer than 3 sentences on a side).
    """

    src: Document
    tgt: Document
    beads: list[Bead]
    signature: str = ""
    parallelism: float = float("nan")
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        filled = []
        sjoin, tjoin = self.src.join, self.tgt.join
        for b in self.beads:
            if not b.src_text and not b.tgt_text:
                if type(b) is Bead:  # its indices are checked already: copied as they are
                    b = made_bead(b.src, b.tgt, b.score, sjoin(b.src), tjoin(b.tgt), b.origin)
                else:
                    b = replace(b, src_text=sjoin(b.src), tgt_text=tjoin(b.tgt))
            filled.append(b)
        object.__setattr__(self, "beads", filled)

    def __len__(self) -> int:
        return len(self.beads)

    def __iter__(self) -> Iterator[Bead]:
        return iter(self.beads)

    def pairs(self, min_score: float = 0.0, *, skip_null: bool = True) -> Iterator[tuple[str, str]]:
        """Yield (source text, target text) of the beads, optionally filtered."""
        for b in self.beads:
            if skip_null and b.is_null:
                continue
            if b.score >= min_score:
                yield b.src_text, b.tgt_text

    def kinds(self) -> dict[str, int]:
        """Count of beads per type, most frequent first."""
        counts: dict[str, int] = {}
        for b in self.beads:
            counts[b.kind] = counts.get(b.kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    # -- exports and views: thin entry points into the higher layers ----------------------
    # The writers live in paralign.corpus (shared with ParallelCorpus), the views in viz and
    # report; each method imports its module when called, so that this data module stays
    # below them (tests/test_layers.py).
    def to_tmx(self, path: str | os.PathLike[str], **kwargs: Any) -> None:
        """TMX 1.4b (null beads skipped); ``kwargs`` as :func:`paralign.corpus.export.write_alignment`."""
        from ..corpus import export

        export.write_alignment(self, path, fmt="tmx", **kwargs)

    def to_tsv(self, path: str | os.PathLike[str], **kwargs: Any) -> None:
        """TSV with a header line, one bead a line (null beads kept)."""
        from ..corpus import export

        export.write_alignment(self, path, fmt="tsv", **kwargs)

    def to_jsonl(self, path: str | os.PathLike[str], **kwargs: Any) -> None:
        """One JSON object per bead (null beads kept)."""
        from ..corpus import export

        export.write_alignment(self, path, fmt="jsonl", **kwargs)

    def to_vecalign(self, path: str | os.PathLike[str], **kwargs: Any) -> None:
        """Vecalign's ``.align`` format, one bead a line (null beads kept)."""
        from ..corpus import export

        export.write_alignment(self, path, fmt="align", **kwargs)

    def to_plain(self, src_path: str | os.PathLike[str], tgt_path: str | os.PathLike[str],
                 **kwargs: Any) -> None:
        """Two files, line n of one aligned with line n of the other (null beads skipped)."""
        from ..corpus import export, formats

        export.write_plain(formats.units_from_alignment(self), src_path, tgt_path,
                           inputs=export.alignment_inputs(self), **kwargs)

    def to_html(self, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> str:
        """A self-contained HTML report; written to ``path`` when given, returned always."""
        from .. import report

        return report.render_report(self, path, **kwargs)

    def to_dataframe(self) -> Any:
        """The beads as a pandas DataFrame (pandas must be installed)."""
        from ..viz import alignment_dataframe

        return alignment_dataframe(self)

    # -- display ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"<Alignment {self.src.tag}->{self.tgt.tag}: {len(self.beads)} beads "
                f"({self.describe_kinds()}), {len(self.src)}x{len(self.tgt)} sentences>")

    def describe_kinds(self, most: int = 6) -> str:
        """``"1-1:2, 1-2:1"``: every bead type with its count, most frequent first; beyond
        ``most`` types, the first ``most - 1`` and how many types and beads are not listed
        (a summary never silently hides beads)."""
        kinds = list(self.kinds().items())
        shown = kinds if len(kinds) <= most else kinds[:most - 1]
        text = ", ".join(f"{k}:{v}" for k, v in shown)
        rest = kinds[len(shown):]
        if rest:
            n = sum(v for _, v in rest)
            text += f", {len(rest)} other types: {n} bead{'s' if n != 1 else ''}"
        return text

    def _repr_html_(self) -> str:
        from ..viz import alignment_html

        return alignment_html(self)
