"""String-keyed tables kept in paralign's cache folder and loaded by first character on demand.

Why: the word segmenter (jieba: 498k words and prefixes), the use-m3 tokenizer (251k piece
prefixes) and CC-CEDICT are big ``dict``\\ s that every process used to rebuild or unpickle
whole before its first sentence: about a second of a command-line call that aligns one
abstract. Every lookup these tables serve is a substring of the text being processed, so it
starts with one of the text's characters: a table split by the first character of its keys
only has to load the parts that the text's characters name (a few hundred for an abstract, a
few thousand for a novel). The parts are ``marshal`` blobs in one file, read in a few
milliseconds; each is unpacked into one ordinary ``dict`` (:attr:`LazyTable.data`) the first
time a text needs it, so the lookups themselves stay plain dictionary lookups.

Files are written atomically (temporary name, then rename) under a name the caller derives
from what the table was built from (package version and data file), so a changed dependency
builds a new file instead of reading a stale one.
"""

from __future__ import annotations

import logging
import marshal
import mmap
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .paths import cache_file

__all__ = ["LazyTable", "file_stamp", "load_or_build", "load_or_build_value"]

log = logging.getLogger("paralign")

# Bump when the file layout changes.
_FORMAT = 3


class LazyTable:
    """A ``dict`` (:attr:`data`) filled part by part: :meth:`need` loads the parts of the keys
    that start with any character of a text.

    ``meta`` is whatever small marshal-able value was saved with the table (jieba keeps its
    word-count total there).
    """

    __slots__ = ("data", "meta", "depth", "_parts", "_blob", "_done", "split")

    def __init__(self, parts: dict[str, Any], meta: Any = None, depth: int = 1,
                 blob: bytes = b"") -> None:
        """``parts`` maps a part's name to its marshal bytes, or to an ``(offset, length)``
        slice of ``blob`` (a table read from a file: its parts are not copied out)."""
        self.data: dict[str, Any] = {}
        self.meta = meta
        self.depth = depth
        self._parts = parts
        self._blob = memoryview(blob)
        self._done = not parts
        #: the parts read by :meth:`part`, by name (kept apart from :attr:`data`)
        self.split: dict[str, dict[str, Any]] = {}

    def _unpack(self, part: Any) -> dict[str, Any]:
        if isinstance(part, tuple):
            off, n = part
            return marshal.loads(self._blob[off:off + n])
        return marshal.loads(part)

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], meta: Any = None, depth: int = 1) -> LazyTable:
        """Split a whole table into parts by the first ``depth`` (1 or 2) characters of the
        keys. Two when most keys share a first character (SentencePiece's word-start mark)."""
        if depth not in (1, 2):
            raise ValueError("depth must be 1 or 2")
        groups: dict[str, dict[str, Any]] = {}
        for k, v in table.items():
            groups.setdefault(k[:depth], {})[k] = v
        return cls({c: marshal.dumps(g) for c, g in groups.items()}, meta, depth)

    def need(self, text: str) -> None:
        """Load the parts of every key that can be a substring of ``text`` (those that start
        with its characters, or with two consecutive characters of it at depth 2)."""
        if self._done:
            return
        parts = self._parts
        names = set(text)
        if self.depth == 2:
            names.update(text[i:i + 2] for i in range(len(text) - 1))
        names.add("")  # the empty key, if the table has one
        for name in names:
            part = parts.pop(name, None)
            if part is not None:
                self.data.update(self._unpack(part))
        self._done = not parts

    def part(self, name: str) -> dict[str, Any]:
        """The keys that start with ``name`` (a part, read once and kept in :attr:`split`),
        without merging them into :attr:`data`: for a reader that looks keys up by their
        first characters itself, merging costs as much as reading the part. Do not change
        the dict returned."""
        got = self.split.get(name)
        if got is None:
            part = self._parts.get(name)
            got = self.split[name] = self._unpack(part) if part is not None else {}
        return got

    def need_all(self) -> dict[str, Any]:
        """Load every part; returns :attr:`data`."""
        for name in list(self._parts):
            self.data.update(self._unpack(self._parts.pop(name)))
        self._done = True
        return self.data

    def save(self, path: str) -> None:
        """Write the table to ``path``, atomically (before any part is loaded).

        Layout: the length of a marshal header (8 bytes, little-endian), the header (format,
        depth, meta, and each part's offset and length in what follows), then the parts. A
        reader unmarshals the header only; parts stay slices of the file's bytes until
        needed.
        """
        if self.data:
            raise RuntimeError("LazyTable.save: parts were already loaded")
        index: dict[str, tuple[int, int]] = {}
        chunks: list[bytes] = []
        off = 0
        for name, part in self._parts.items():
            b = marshal.dumps(self._unpack(part)) if isinstance(part, tuple) else part
            index[name] = (off, len(b))
            chunks.append(b)
            off += len(b)
        header = marshal.dumps((_FORMAT, self.depth, self.meta, index))
        _atomic_write(path, len(header).to_bytes(8, "little") + header + b"".join(chunks))

    @classmethod
    def load(cls, path: str) -> LazyTable:
        """Read a table written by :meth:`save` (``ValueError`` if it is not one).

        The file is memory-mapped, not read: a process touches the pages of the header and of
        the parts its texts need (a command-line call: a few hundred of jieba's 9 MB).
        """
        with open(path, "rb") as fh:
            try:
                blob: Any = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except (ValueError, OSError):  # an empty file, or a file system without mmap
                blob = fh.read()
        view = memoryview(blob)
        try:
            n = int.from_bytes(view[:8], "little")
            if len(view) < 8 + n:
                raise ValueError("truncated")
            fmt, depth, meta, index = marshal.loads(view[8:8 + n])
        except (EOFError, ValueError, TypeError) as exc:
            raise ValueError(f"not a table file: {path}") from exc
        if fmt != _FORMAT or not isinstance(index, dict) or depth not in (1, 2):
            raise ValueError(f"not a table file of format {_FORMAT}: {path}")
        data = view[8 + n:]
        # save() writes the parts end to end in the index's order, so the part with the
        # largest offset ends the file: checking it finds a truncated file in O(1)
        # (a scan of every part costs milliseconds of each start for 18k parts)
        try:
            off, k = max(index.values(), default=(0, 0))
            truncated = off + k > len(data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a table file: {path}") from exc
        if truncated:
            raise ValueError(f"truncated table file: {path}")
        return cls(index, meta, depth, data)


def load_or_build(name: str, build: Callable[[], tuple[Mapping[str, Any], Any]],
                  depth: int = 1) -> LazyTable:
    """The table cached as ``name``, built by ``build()`` (returns the table and its meta) and
    saved there when missing or unreadable. A read-only cache folder only costs time."""
    path = cache_file(name)
    if path is not None:
        try:
            return LazyTable.load(path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.debug("rebuilding %s (%s)", path, exc)
    table, meta = build()
    lazy = LazyTable.from_mapping(table, meta, depth)
    if path is not None:
        try:
            lazy.save(path)
        except OSError as exc:
            log.debug("%s not cached (%s)", path, exc)
    return lazy


def load_or_build_value(name: str, build: Callable[[], Any]) -> Any:
    """A small built value (sets, dicts, tuples of strings and numbers: anything ``marshal``
    writes) kept whole in the cache folder as ``name``: read back in a millisecond or two,
    built by ``build()`` and saved when missing or unreadable. For what every process needs
    entire but costs more to build than to read (Punkt's English parameters); a read-only
    or disabled cache folder only costs the building.
    """
    path = cache_file(name)
    if path is not None:
        try:
            with open(path, "rb") as fh:
                blob = fh.read()
            if blob[:8] == _VALUE_MAGIC:
                return marshal.loads(memoryview(blob)[8:])
            log.debug("rebuilding %s (not a value file)", path)
        except FileNotFoundError:
            pass
        except (OSError, EOFError, ValueError, TypeError) as exc:
            log.debug("rebuilding %s (%s)", path, exc)
    value = build()
    if path is not None:
        try:
            _atomic_write(path, _VALUE_MAGIC + marshal.dumps(value))
        except (OSError, ValueError) as exc:  # ValueError: not marshal-able
            log.debug("%s not cached (%s)", path, exc)
    return value


# First bytes of a file written by load_or_build_value (its format, bumped with it).
_VALUE_MAGIC = b"PAVALUE1"


def _atomic_write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def file_stamp(paths: Iterable[str]) -> str:
    """A short key for data files: their sizes and modification times (hashing 30 MB of model
    files at every start would cost more than loading them)."""
    import hashlib

    h = hashlib.blake2b(digest_size=6)
    for p in paths:
        st = os.stat(p)
        h.update(f"{os.path.basename(p)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()
