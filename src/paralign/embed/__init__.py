"""Sentence embeddings for alignment: encoders, the registry, the on-disk cache.

>>> from paralign.embed import get_encoder
>>> enc = get_encoder("use-m3")            # doctest: +SKIP
>>> enc.encode(["你好", "hello"]).shape    # doctest: +SKIP
(2, 512)

Importing this package loads no model and imports neither torch nor sentence-transformers:
the bundled engines load on first ``encode``, sentence-transformers only when an ST model
(or the ST route of a bundled encoder) is asked for. The ST-specific classes
(``STEncoder``, ``BundledInputModule``, ``bundled_sentence_transformer``) live in
:mod:`paralign.embed.st` and are importable from here too, lazily.
"""

from __future__ import annotations

from typing import Any

from paralign.embed.base import MAX_CHARS, BaseEncoder, Encoder, empty_vector
from paralign.embed.bundled import E5SmallEncoder, UseM3Encoder
from paralign.embed.cache import CachedEncoder, EmbeddingCache
from paralign.embed.coerce import as_encoder
from paralign.embed.registry import available_encoders, get_encoder, register_encoder

__all__ = [
    "Encoder",
    "BaseEncoder",
    "get_encoder",
    "as_encoder",
    "available_encoders",
    "register_encoder",
    "E5SmallEncoder",
    "UseM3Encoder",
    "EmbeddingCache",
    "CachedEncoder",
    "empty_vector",
    "MAX_CHARS",
    "STEncoder",
    "BundledInputModule",
    "bundled_sentence_transformer",
]

_LAZY = {"STEncoder", "BundledInputModule", "bundled_sentence_transformer"}


def __getattr__(name: str) -> Any:
    # The ST classes need torch; import them only when someone asks for them.
    if name in _LAZY:
        from paralign.embed import st

        return getattr(st, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
