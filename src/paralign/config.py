"""Typed, immutable configuration for an alignment run.

Every knob has a documented default; the defaults are the ones measured best on the
development sets (see the README's benchmark table). A config is hashable and part of the
reproducibility signature, so two runs with equal configs and inputs give equal beads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

__all__ = ["AlignConfig"]


@dataclass(frozen=True)
class AlignConfig:
    """Settings for :class:`paralign.Aligner`.

    Attributes:
        encoder: name of the sentence encoder: ``"use-m3"`` (bundled, numpy, fast),
            ``"e5-small"`` (bundled, C engine), a ``+``-joined combination such as
            ``"use-m3+e5-small"`` (scores averaged), or any sentence-transformers model
            name or local folder. Default: ``"use-m3"``.
        max_merge: the most sentences one side of a bead may hold (1-``max_merge`` and
            ``max_merge``-1 beads). Default 4.
        max_total: the most sentences a bead may hold on both sides together (bounds m-n
            beads such as 2-3, 3-2). Default 5.
        margin: how raw cosine similarities are normalized against each sentence's
            neighbourhood: ``"neighbors"`` (Bertalign: minus the mean similarity of the
            immediate neighbours), ``"knn"`` (Artetxe & Schwenk ratio margin over the k
            nearest neighbours in both directions) or ``"none"``. Default ``"knn"``.
        knn: neighbours used by the ``"knn"`` margin. Default 4.
        length_weight: weight of the length-agreement term (Chinese characters vs English
            characters, ratio estimated per document). 0 disables it. Default 1.0.
        skip: cost of leaving a sentence unaligned (1-0, 0-1), in units of the document's
            score spread; ``None`` picks it from the document's score distribution.
        band: half-width, in sentences, of the band the second pass searches around the
            first-pass path. Default 12.
        paragraph_anchors: treat paragraph boundaries present on both sides (when their
            counts agree) as hard bead boundaries. Default True.
        split_long: split Chinese sentences longer than this many characters at clause
            boundaries (，；：) before aligning; ``None`` never splits. Default None.
        cache: keep sentence embeddings in the on-disk cache. Default True.
        cache_dir: folder of the embedding cache; ``None`` uses the user cache folder
            (``$PARALIGN_CACHE`` when set).
        progress: show progress bars: ``None`` means only when stderr is a terminal.
        device: torch device for sentence-transformers models (``None``: GPU if present).
        zh_convert: OpenCC conversion applied to Chinese for matching only:
            ``"t2s"`` (Traditional to Simplified) or ``"tw2sp"`` (with Taiwan phrases).
            Default ``"tw2sp"``.
    """

    encoder: str = "use-m3"
    max_merge: int = 4
    max_total: int = 5
    margin: str = "knn"
    knn: int = 4
    length_weight: float = 1.0
    skip: float | None = None
    band: int = 12
    paragraph_anchors: bool = True
    split_long: int | None = None
    cache: bool = True
    cache_dir: str | None = None
    progress: bool | None = None
    device: str | None = None
    zh_convert: str = "tw2sp"

    def __post_init__(self) -> None:
        if self.max_merge < 1:
            raise ValueError(f"max_merge must be >= 1, got {self.max_merge}")
        if self.max_total < 2:
            raise ValueError(f"max_total must be >= 2, got {self.max_total}")
        if self.margin not in ("neighbors", "knn", "none"):
            raise ValueError(f"margin must be 'neighbors', 'knn' or 'none', got {self.margin!r}")
        if self.knn < 1:
            raise ValueError(f"knn must be >= 1, got {self.knn}")
        if self.band < 1:
            raise ValueError(f"band must be >= 1, got {self.band}")
        if self.zh_convert not in ("t2s", "tw2sp"):
            raise ValueError(f"zh_convert must be 't2s' or 'tw2sp', got {self.zh_convert!r}")
        if self.split_long is not None and self.split_long < 8:
            raise ValueError(f"split_long must be None or >= 8, got {self.split_long}")

    def replace(self, **changes: Any) -> AlignConfig:
        """A copy with some settings changed (validated like a new config)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def signature_part(self) -> str:
        """The settings that change beads, in the compact form used by signatures."""
        skip = "auto" if self.skip is None else f"{self.skip:g}"
        return (
            f"max:{self.max_merge}/{self.max_total}|margin:{self.margin}"
            + (f"{self.knn}" if self.margin == "knn" else "")
            + f"|len:{self.length_weight:g}|skip:{skip}|band:{self.band}"
            + f"|para:{'yes' if self.paragraph_anchors else 'no'}"
            + (f"|split:{self.split_long}" if self.split_long else "")
        )
