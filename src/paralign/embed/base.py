"""The :class:`Encoder` protocol, text hygiene, and the base class every encoder builds on.

An encoder turns a list of sentences into one L2-normalized float32 row per sentence. The
aligner only ever takes cosines between rows, so the contract is strict about the things
that would silently poison a cosine: NaN rows (zero vectors normalized), rows out of order,
and inputs that crash a C engine (lone surrogates, NUL bytes, 100k-character "sentences").
:class:`BaseEncoder` enforces all of it once, so concrete encoders only implement
``_encode_batch`` on already-clean, non-empty texts.
"""

from __future__ import annotations

import logging
import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "Encoder",
    "BaseEncoder",
    "MAX_CHARS",
    "clean_text",
    "empty_vector",
    "l2_normalize",
    "show_progress",
]

logger = logging.getLogger(__name__)

#: Texts longer than this many characters are cut before encoding. No real sentence (nor a
#: window of four) comes near it, every bundled model stops reading far earlier (e5: 512
#: tokens), and the pure-numpy USE engine spends over a minute on a 100k-character string.
MAX_CHARS = 2000

# Unicode category Cc: C0 and C1 controls and DEL.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@runtime_checkable
class Encoder(Protocol):
    """What the aligner needs from a sentence encoder.

    ``encode`` returns float32, shape ``(len(texts), dim)``, L2-normalized rows in input
    order (``(0, dim)`` for no texts). ``signature`` names the model, its version, its
    dimension and any prefix, and changes whenever the vectors would: it keys the cache and
    goes into alignment signatures for reproducibility.
    """

    name: str
    dim: int
    signature: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def _fix_surrogates(text: str) -> str:
    """Join surrogate pairs and replace lone surrogates with U+FFFD.

    Strings decoded with ``surrogateescape`` or built from JSON ``\\ud83d\\ude00`` escapes can
    hold surrogates, which ``str.encode("utf-8")`` (and hence every C engine) rejects.
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """The text an encoder actually sees: valid Unicode, no control characters, bounded.

    Control characters (NUL truncates a C string; others are noise to every tokenizer) turn
    into spaces, whitespace runs collapse, and over-long texts are cut at ``max_chars`` with
    a warning, since a sentence that long is nearly always a segmentation failure upstream.
    """
    if not isinstance(text, str):
        raise TypeError(f"encoders take strings, got {type(text).__name__}")
    text = _fix_surrogates(text)
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > max_chars:
        logger.warning(
            "truncating a %d-character text to %d characters before encoding "
            "(is the sentence segmentation right?)",
            len(text),
            max_chars,
        )
        text = text[:max_chars]
    return text


def empty_vector(dim: int) -> np.ndarray:
    """The fixed unit vector an empty or blank text encodes to.

    A pseudo-random direction (fixed seed) rather than a model's encoding of "": it is
    deterministic across runs and models of equal size, and nearly orthogonal to every real
    sentence, so an empty line scores as "no evidence" instead of matching other blanks or
    short sentences strongly.
    """
    v = np.random.default_rng(20240601).standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32; zero or non-finite rows become :func:`empty_vector`."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"expected a 2-D array of embeddings, got shape {x.shape}")
    finite = np.isfinite(x).all(axis=1)
    norms = np.linalg.norm(np.where(finite[:, None], x, 0.0), axis=1)
    bad = ~finite | (norms < 1e-12)
    out = np.empty_like(x)
    ok = ~bad
    out[ok] = x[ok] / norms[ok, None]
    if bad.any():
        logger.warning("%d embedding(s) were zero or not finite; using the empty-text vector", bad.sum())
        out[bad] = empty_vector(x.shape[1])
    return out


def show_progress(progress: bool | None) -> bool:
    """Whether to draw a progress bar: as asked, or (``None``) only when stderr is a terminal."""
    if progress is not None:
        return progress
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class BaseEncoder(ABC):
    """Common machinery: validation, text hygiene, blank texts, batching, progress, normalization.

    Subclasses set ``name``, ``dim`` and ``signature`` and implement :meth:`_encode_batch`,
    which receives clean, non-blank texts (at most ``batch_size`` of them) and returns one
    row per text; normalization and ordering are handled here.
    """

    name: str
    dim: int
    batch_size: int = 64

    def __init__(self, *, progress: bool | None = None) -> None:
        self.progress = progress

    @property
    @abstractmethod
    def signature(self) -> str:
        """Model name, version, dimension and prefix; changes whenever the vectors would."""

    @abstractmethod
    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        """Raw embeddings of clean, non-blank texts, one row per text."""

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``: float32, shape ``(len(texts), dim)``, unit rows, order kept."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings, not one string")
        cleaned = [clean_text(t) for t in texts]
        out = np.empty((len(cleaned), self.dim), dtype=np.float32)
        todo = [i for i, t in enumerate(cleaned) if t]
        blank = [i for i, t in enumerate(cleaned) if not t]
        if blank:
            out[blank] = empty_vector(self.dim)
        if todo:
            out[todo] = self._encode_many([cleaned[i] for i in todo])
        return out

    def encode_windows(self, windows: Sequence[Sequence[str]], joiner: str = " ") -> np.ndarray:
        """Vectors of windows of consecutive sentences, each window given as its sentences.

        The same vectors as ``encode([joiner.join(w) for w in windows])``, which is what this
        default does; an encoder that can build a window's vector from work it already did
        for the sentences (``use-m3``) overrides it to save most of the cost.
        """
        return self.encode([joiner.join(w) for w in windows])

    def _encode_many(self, texts: list[str]) -> np.ndarray:
        """Batches with an optional tqdm bar (only worth drawing past one batch)."""
        bs = max(1, int(self.batch_size))
        starts = range(0, len(texts), bs)
        bar: Any = None
        if len(texts) > bs and show_progress(self.progress):
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc=f"embedding ({self.name})", unit="sent", leave=False)
        parts = []
        try:
            for s in starts:
                chunk = texts[s : s + bs]
                rows = np.asarray(self._encode_batch(chunk), dtype=np.float32)
                if rows.shape != (len(chunk), self.dim):
                    raise RuntimeError(
                        f"encoder {self.name!r} returned shape {rows.shape} "
                        f"for {len(chunk)} texts (expected dim {self.dim})"
                    )
                parts.append(l2_normalize(rows))
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        return np.concatenate(parts, axis=0)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.signature!r})"
