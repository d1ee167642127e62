"""Encoder names to encoder objects: bundled names, registered factories, else sentence-transformers.

Heavy things load once per process: the bundled engines in :mod:`paralign.embed.bundled`,
sentence-transformers models here (keyed by name and device). The objects
:func:`get_encoder` returns are light wrappers around them, so asking again with another
``progress`` or cache setting costs nothing.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from paralign.embed.base import Encoder
from paralign.embed.bundled import BUNDLED_ENCODERS
from paralign.embed.cache import CachedEncoder, EmbeddingCache
from paralign.embed.local import resolve_local_model
from paralign.errors import EncoderError
from paralign.paths import cache_disabled, default_cache_dir

__all__ = ["get_encoder", "available_encoders", "register_encoder", "BUNDLED_ROUTE"]

logger = logging.getLogger(__name__)

#: How bundled encoders run: ``"direct"`` (engine called by paralign) or ``"st"`` (inside
#: ``SentenceTransformer(modules=[BundledInputModule])``). Both give the same vectors (min
#: cosine 1.00000). bench/embed.py on the shared 2-core machine under heavy background load
#: could not separate them (use-m3: ST -37%, e5-small: ST +32%, interleaved re-runs within
#: noise either way); direct skips importing torch + sentence-transformers (~5 s per
#: process), so it is the default.
BUNDLED_ROUTE = "direct"

_lock = threading.Lock()
_st_models: dict[tuple[str, str | None], Any] = {}
_caches: dict[str, EmbeddingCache] = {}
_factories: dict[str, Callable[..., Encoder]] = {}


def available_encoders() -> list[str]:
    """Names that resolve without sentence-transformers: bundled and registered ones."""
    return sorted({*BUNDLED_ENCODERS, *_factories})


def register_encoder(name: str, factory: Callable[..., Encoder]) -> None:
    """Make ``name`` resolve to ``factory(progress=..., device=...)`` (plugins, tests)."""
    if not name or "+" in name:
        raise ValueError(f"invalid encoder name {name!r}")
    _factories[name] = factory


def _st_model(name: str, device: str | None) -> Any:
    key = (name, device)
    model = _st_models.get(key)
    if model is None:
        with _lock:
            model = _st_models.get(key)
            if model is None:
                if name in BUNDLED_ENCODERS:
                    from paralign.embed.st import bundled_sentence_transformer

                    model = bundled_sentence_transformer(name, device)
                else:
                    # Fail fast (before importing torch) when the model is not on disk.
                    resolve_local_model(name, os.environ.get("SENTENCE_TRANSFORMERS_HOME"))
                    from paralign.embed.st import load_sentence_transformer

                    model = load_sentence_transformer(name, device)
                _st_models[key] = model
    return model


def _cache(cache_dir: str | None) -> EmbeddingCache:
    # Keyed by the resolved folder, so a changed $PARALIGN_CACHE is honoured.
    key = os.path.abspath(os.path.expanduser(cache_dir or default_cache_dir()))
    with _lock:
        c = _caches.get(key)
        if c is None:
            c = _caches[key] = EmbeddingCache(key)
    return c


def get_encoder(
    name: str,
    *,
    device: str | None = None,
    progress: bool | None = None,
    cache: bool = True,
    cache_dir: str | None = None,
    route: str | None = None,
) -> Encoder:
    """The encoder called ``name``, wrapped by the on-disk cache unless ``cache`` is off.

    Args:
        name: ``"e5-small"``, ``"use-m3"``, a registered name, or a sentence-transformers
            model name (in the local Hugging Face cache) or local folder. Combinations
            (``"a+b"``) are the aligner's business and are rejected here.
        device: torch device for sentence-transformers models; ``None``: CUDA when available.
        progress: progress bars; ``None``: only when stderr is a terminal.
        cache: keep vectors in the on-disk cache (also off when ``$PARALIGN_NO_CACHE`` is set).
        cache_dir: cache folder; ``None``: ``$PARALIGN_CACHE`` or the user cache folder.
        route: for bundled names, ``"direct"`` or ``"st"``; ``None``: :data:`BUNDLED_ROUTE`.

    Raises:
        EncoderError: unknown name or a model that is not on disk (raised at once, offline).
    """
    if not isinstance(name, str) or not name.strip():
        raise EncoderError(f"encoder name must be a non-empty string, got {name!r}")
    name = name.strip()
    if "+" in name:
        raise EncoderError(
            f"{name!r} combines encoders: get_encoder() loads one; get one per part "
            f"({', '.join(repr(p.strip()) for p in name.split('+'))}) and combine their scores "
            "(the Aligner does this for AlignConfig(encoder='a+b'))"
        )
    route = route or BUNDLED_ROUTE
    if route not in ("direct", "st"):
        raise ValueError(f"route must be 'direct' or 'st', got {route!r}")
    enc: Encoder
    if name in _factories:
        enc = _factories[name](progress=progress, device=device)
    elif name in BUNDLED_ENCODERS and route == "direct":
        enc = BUNDLED_ENCODERS[name](progress=progress)
    else:
        model = _st_model(name, device)  # raises EncoderError before importing torch
        from paralign.embed.st import STEncoder

        enc = STEncoder(model, name=name, progress=progress)
    if cache and not cache_disabled():
        try:
            store = _cache(cache_dir)
        except (sqlite3.Error, OSError) as exc:  # a cache problem never fails an alignment
            logging.getLogger(__name__).warning(
                "embedding cache unavailable (%s); aligning without it (results are the same, "
                "only slower)", exc)
        else:
            enc = CachedEncoder(enc, store)
    return enc
