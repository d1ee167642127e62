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
            ``max_merge``-1 beads). Default 5.
        max_total: the most sentences a bead may hold on both sides together (bounds m-n
            beads such as 2-3, 3-2). Default 6.
        margin: how raw cosine similarities are normalized against each sentence's
            neighbourhood: ``"knn"`` (minus ``margin_weight`` times the mean similarity to
            the k nearest neighbours on the other side, after Artetxe & Schwenk) or
            ``"none"``. Default ``"knn"``.
        knn: neighbours used by the ``"knn"`` margin. Default 8.
        margin_weight: weight of the kNN margin. Default 0.5.
        length_weight: weight of the length-agreement penalty, the squared log ratio of the two
            sides' lengths in characters (target brought to source units by a ratio estimated
            per document). 0 disables it. Default 0.15.
        lexical_weight: weight of the dictionary evidence (CC-CEDICT translations, numbers,
            pinyin of names) for Chinese-English pairs; 0 disables it. Default 0.8.
        share_weight: weight of the merge bonus: a merged bead earns it when one of its
            sentences matches two on the other side. Default 0.2.
        skip: score of leaving a sentence unaligned (1-0, 0-1), in units of the document's
            gap between a typical best 1-1 score and a typical one (so that one value fits
            encoders with narrow and wide cosine ranges). Default -0.3.
        prune: merges (m-n beads) whose best path scores more than this below the best path,
            with windows approximated from their members, are ruled out and their windows
            never embedded. Larger is slower and (rarely) more accurate. Default 0.7.
        band: half-width, in sentences, of the band the final search explores around the
            coarse-to-fine path on long documents. Default 12.
        paragraph_anchors: treat paragraph boundaries present on both sides (when their
            counts agree) as hard bead boundaries. Default True.
        split_long: split Chinese sentences longer than this many characters at clause
            boundaries (，；：) before aligning; ``None`` never splits. Default None.
        cache: keep sentence embeddings in the on-disk cache. Default True.
        cache_dir: folder of the embedding cache; ``None`` uses the user cache folder
            (``$PARALIGN_CACHE`` when set).
        progress: show progress bars: ``None`` means only when stderr is a terminal.
        device: torch device for sentence-transformers models (``None``: GPU if present).
        realign: when a first alignment has at least this many confident beads, learn a
            word translation lexicon from them (IBM model 1 with CC-CEDICT as prior,
            :mod:`paralign.alignment.lexicon`), add it to the dictionary evidence and align
            again (hunalign's realign). Chinese-English only; ``0`` never. Default 1000: the
            Bible's 27,000 beads teach a lexicon that gains 0.005 strict F1, a chapter's 200
            teach mostly noise (README, ablation). Learning from a whole corpus of short
            documents is :meth:`paralign.Aligner.fit`.
        zh_convert: OpenCC conversion applied to Chinese for matching only:
            ``"t2s"`` (Traditional to Simplified) or ``"tw2sp"`` (with Taiwan phrases).
            Default ``"tw2sp"``.
    """

    encoder: str = "use-m3"
    max_merge: int = 5
    max_total: int = 6
    margin: str = "knn"
    knn: int = 8
    margin_weight: float = 0.5
    length_weight: float = 0.15
    lexical_weight: float = 0.8
    share_weight: float = 0.2
    skip: float = -0.3
    prune: float = 0.7
    band: int = 12
    paragraph_anchors: bool = True
    split_long: int | None = None
    cache: bool = True
    cache_dir: str | None = None
    progress: bool | None = None
    device: str | None = None
    zh_convert: str = "tw2sp"
    realign: int = 1000

    def __post_init__(self) -> None:
        if self.max_merge < 1:
            raise ValueError(f"max_merge must be >= 1, got {self.max_merge}")
        if self.max_total < 2:
            raise ValueError(f"max_total must be >= 2, got {self.max_total}")
        if self.margin not in ("knn", "none"):
            raise ValueError(f"margin must be 'knn' or 'none', got {self.margin!r}")
        if self.prune < 0:
            raise ValueError(f"prune must be >= 0, got {self.prune}")
        if self.knn < 1:
            raise ValueError(f"knn must be >= 1, got {self.knn}")
        if self.band < 1:
            raise ValueError(f"band must be >= 1, got {self.band}")
        if self.zh_convert not in ("t2s", "tw2sp"):
            raise ValueError(f"zh_convert must be 't2s' or 'tw2sp', got {self.zh_convert!r}")
        if self.realign < 0:
            raise ValueError(f"realign must be >= 0, got {self.realign}")
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
        return (
            f"max:{self.max_merge}/{self.max_total}|margin:{self.margin}"
            + (f"{self.knn}x{self.margin_weight:g}" if self.margin == "knn" else "")
            + f"|len:{self.length_weight:g}|lex:{self.lexical_weight:g}|share:{self.share_weight:g}|skip:{self.skip:g}|prune:{self.prune:g}|band:{self.band}"
            + f"|para:{'yes' if self.paragraph_anchors else 'no'}"
            + (f"|split:{self.split_long}" if self.split_long else "")
            + (f"|realign:{self.realign}" if self.realign else "")
        )
