"""Typed, immutable configuration for an alignment run.

Every knob has a documented default; the defaults are the ones measured best on the
development sets (see the README's benchmark table). A config is hashable and part of the
reproducibility signature, so two runs with equal configs and inputs give equal beads.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, replace
from collections.abc import Mapping
from typing import Any, Literal, get_args, get_origin, get_type_hints

from .errors import ConfigError

__all__ = ["AlignConfig", "Margin", "ZhConvert", "NOT_IN_SIGNATURE"]

Margin = Literal["knn", "none"]
ZhConvert = Literal["t2s", "tw2sp"]

# Settings that do not change beads, hence not part of the signature (the encoder is, through
# its own signature, in the signature's "enc:" part).
NOT_IN_SIGNATURE = frozenset({"encoder", "cache", "cache_dir", "progress", "device", "threads"})

# the lowest allowed value of each numeric setting
_AT_LEAST: dict[str, float] = {
    "max_merge": 1, "max_total": 2, "knn": 1, "band": 1, "margin_weight": 0.0,
    "length_weight": 0.0, "lexical_weight": 0.0, "share_weight": 0.0, "prune": 0.0,
    "split_long": 8, "realign": 0, "null_weight": 0.0,
}
_INTS = ("max_merge", "max_total", "knn", "band", "realign")
_FLOATS = ("margin_weight", "length_weight", "lexical_weight", "share_weight", "skip", "prune",
           "null_weight")

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
        cache_dir: folder of the embedding cache (a path-like is kept as its string);
            ``None`` uses the user cache folder (``$PARALIGN_CACHE`` when set).
        progress: show progress bars: ``None`` means only when stderr is a terminal.
        device: torch device for sentence-transformers models (``None``: GPU if present).
        threads: threads the chunks of one long document are searched on at once
            (``None``: the cores this process may use, at most 2). The beads are the same
            whatever the number (the chunks take turns, in order, to embed their
            windows); a document short enough to be one chunk uses one thread. Default 1:
            on the benchmark machine's two cores, two threads made the Bible's search
            2-10% faster and its peak memory about 110 MB higher (README, speed).
        realign: when a first alignment has at least this many confident beads, learn a
            word translation lexicon from them (IBM model 1 with CC-CEDICT as prior,
            :mod:`paralign.alignment.lexicon`), add it to the dictionary evidence and align
            again (hunalign's realign). Chinese-English only; ``0`` never. Default 1000: the
            Bible's 27,000 beads teach a lexicon that gains 0.005 strict F1, a chapter's 200
            teach mostly noise (README, ablation). Learning from a whole corpus of short
            documents is :meth:`paralign.Aligner.fit` and ``paralign batch --realign``.
        null_weight: how much of the ``skip`` cost a sentence with no good partner is
            spared: each sentence of the side with fewer sentences pays
            ``skip * (1 - null_weight * d)`` to stay unaligned, ``d`` in [0, 1] how far its
            best 1-1 score falls below the typical best towards what unrelated sentences
            reach (:mod:`paralign.alignment.nulls`). A translator's omission leaves such a
            sentence, which a constant cost lets a neighbour's merge absorb. ``0``: the
            constant ``skip``; at most 1.
        zh_convert: OpenCC conversion applied to Chinese for matching only:
            ``"t2s"`` (Traditional to Simplified) or ``"tw2sp"`` (with Taiwan phrases).
            Default ``"tw2sp"``.
    """

    encoder: str = "use-m3"
    max_merge: int = 5
    max_total: int = 6
    margin: Margin = "knn"
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
    threads: int | None = 1
    zh_convert: ZhConvert = "tw2sp"
    realign: int = 1000
    null_weight: float = 0.9

    def __post_init__(self) -> None:
        """Check every setting's type and range: a bad value fails here, in one line, not
        deep inside an alignment."""
        for name in _INTS:
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool):
                raise ConfigError(f"{name} must be an integer, got {v!r}")
        for name in _FLOATS:
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise ConfigError(f"{name} must be a finite number, got {v!r}")
        if self.split_long is not None and (not isinstance(self.split_long, int)
                                            or isinstance(self.split_long, bool)):
            raise ConfigError(f"split_long must be None or an integer, got {self.split_long!r}")
        for name, low in _AT_LEAST.items():
            v = getattr(self, name)
            if v is not None and v < low:
                what = "None or >= " if name == "split_long" else ">= "
                raise ConfigError(f"{name} must be {what}{low}, got {v}")
        if self.skip > 0:
            raise ConfigError(f"skip must be <= 0 (a cost), got {self.skip}")
        if self.null_weight > 1:
            raise ConfigError(f"null_weight must be <= 1 (at 1 a sentence with no partner is "
                              f"left out for free), got {self.null_weight}")
        for name, allowed in (("margin", get_args(Margin)), ("zh_convert", get_args(ZhConvert))):
            v = getattr(self, name)
            if v not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(map(repr, allowed))}, "
                                  f"got {v!r}")
        if not isinstance(self.encoder, str) or not self.encoder.strip("+ "):
            raise ConfigError(f"encoder must be a non-empty name, got {self.encoder!r}")
        for name in ("paragraph_anchors", "cache"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.progress is not None and not isinstance(self.progress, bool):
            raise ConfigError(f"progress must be None, True or False, got {self.progress!r}")
        if self.threads is not None and (not isinstance(self.threads, int)
                                         or isinstance(self.threads, bool) or self.threads < 1):
            raise ConfigError(f"threads must be None or an integer >= 1, got {self.threads!r}")
        if isinstance(self.cache_dir, os.PathLike):  # a Path is kept as its string
            object.__setattr__(self, "cache_dir", os.fspath(self.cache_dir))
        for name in ("cache_dir", "device"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, str):
                raise ConfigError(f"{name} must be None or a string, got {v!r}")

    def replace(self, **changes: Any) -> AlignConfig:
        """A copy with some settings changed (validated like a new config)."""
        return replace(self, **changes)

    def with_strings(self, settings: Mapping[str, str]) -> AlignConfig:
        """A copy with settings given as text, as the command line's ``--set KEY=VALUE``.

        Each value is read by its field's type (``true``/``false``, integers, numbers,
        ``none`` where a field may be unset; ``-`` in a key is read as ``_``) and the result
        is validated like any config, so that a bad key or value is one line naming it:

        >>> AlignConfig().with_strings({"max-merge": "4", "paragraph_anchors": "no"}).max_merge
        4
        >>> AlignConfig().with_strings({"maxmerge": "4"})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        paralign.errors.ConfigError: unknown setting 'maxmerge'; the settings are: band, cache, ...
        """
        hints = get_type_hints(AlignConfig)
        changes: dict[str, Any] = {}
        for raw_key, raw in settings.items():
            key = raw_key.strip().replace("-", "_")
            if key not in hints:
                raise ConfigError(f"unknown setting {raw_key!r}; the settings are: "
                                  + ", ".join(sorted(hints)))
            changes[key] = _from_string(key, raw, hints[key])
        return replace(self, **changes)

    def signature_part(self) -> str:
        """The settings that change beads, in the compact form used by signatures.

        Every field not in :data:`NOT_IN_SIGNATURE` appears (``knn`` and ``margin_weight``
        only with the kNN margin, the only one that reads them); the tests check that
        changing any of them changes this string.
        """
        return (
            f"max:{self.max_merge}/{self.max_total}|margin:{self.margin}"
            + (f"{self.knn}x{self.margin_weight:g}" if self.margin == "knn" else "")
            + f"|len:{self.length_weight:g}|lex:{self.lexical_weight:g}|share:{self.share_weight:g}|skip:{self.skip:g}|prune:{self.prune:g}|band:{self.band}"
            + f"|para:{'yes' if self.paragraph_anchors else 'no'}"
            + (f"|split:{self.split_long}" if self.split_long else "")
            + (f"|realign:{self.realign}" if self.realign else "")
            + (f"|null:{self.null_weight:g}" if self.null_weight else "")
            + f"|zh:{self.zh_convert}"
        )


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def _from_string(key: str, raw: str, hint: Any) -> Any:
    """``raw`` read as a value of type ``hint`` (``int``, ``float``, ``bool``, ``str``, a
    ``Literal`` or any of them ``| None``); the config's own checks then judge the value."""
    text = raw.strip()
    options = get_args(hint) if get_origin(hint) is not Literal and get_args(hint) else (hint,)
    if type(None) in options and text.lower() in ("none", "null", ""):
        return None
    kinds = [o for o in options if o is not type(None)]
    kind = kinds[0] if kinds else str
    try:
        if kind is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise ValueError
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        what = {bool: "true or false", int: "an integer", float: "a number"}[kind]
        raise ConfigError(f"{key} must be {what}, got {raw!r}") from None
    return text
