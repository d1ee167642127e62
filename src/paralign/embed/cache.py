"""An on-disk embedding cache (SQLite) and the :class:`CachedEncoder` that uses it.

Embedding is the dominant cost of an alignment, and users re-align the same document with
other settings, or re-run a batch, far more often than they change encoder. Vectors are
keyed by (encoder signature, BLAKE2b hash of the exact text), so a changed model version or
prefix never returns stale vectors, and the same sentence shared by two documents is
embedded once.

Concurrency: WAL journal plus a generous busy timeout, so several processes (a batch run
with workers, two notebooks) can read and write one cache file at once. Size: bounded by
``max_bytes``; when it grows past the bound the least recently used rows go (access times
are refreshed at most once per ``touch_interval`` seconds, to keep warm reads read-only).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from paralign.embed.coerce import as_encoder
from paralign.paths import EMBEDDINGS_FILE, default_cache_dir

__all__ = ["EmbeddingCache", "CachedEncoder"]

logger = logging.getLogger(__name__)

_CHUNK = 500  # SQL parameters per IN (...) lookup where SQLite's limit cannot be read
_MAX_CHUNK = 50_000  # at most this many keys per IN (...) lookup
_FETCH = 4096  # rows decoded at a time (8 MiB of 512-dimensional float32 vectors)
_TOUCH_WAIT_MS = 200  # how long refreshing access times waits for another process's write
_DTYPES = {"float32": (np.float32, 4), "float16": (np.float16, 2)}


def text_key(text: str) -> bytes:
    """16-byte BLAKE2b digest of the exact text (surrogates kept, so no two texts collide)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


#: Total seconds :func:`_retry_busy` keeps trying a first open that finds the file locked.
OPEN_RETRY_SECONDS = 30.0


def _retry_busy(fn, path: str) -> None:
    """Run ``fn`` again, with jittered exponential back-off, while SQLite says locked/busy."""
    import random

    deadline = time.monotonic() + OPEN_RETRY_SECONDS
    delay = 0.005
    while True:
        try:
            fn()
            return
        except sqlite3.OperationalError as exc:
            msg = str(exc).lower()
            if ("locked" not in msg and "busy" not in msg) or time.monotonic() > deadline:
                raise sqlite3.OperationalError(f"embedding cache {path}: {exc}") from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.5)


class EmbeddingCache:
    """SQLite store of sentence vectors keyed by (encoder signature, text hash).

    Args:
        path: a folder (the file ``embeddings.sqlite3`` inside it is used) or a file path
            ending in ``.sqlite3``/``.sqlite``/``.db``; ``None`` uses :func:`default_cache_dir`.
        max_bytes: size bound of the stored vectors; least recently used rows are evicted
            beyond it. Default 2 GiB.
        dtype: ``"float32"`` (exact; default) or ``"float16"`` (half the space; cosines move
            by about 1e-4, see ``tests/test_embed_cache.py``).
        touch_interval: seconds after which a hit refreshes its access time (0: every hit).
            Default a day: least recently used to the day is all eviction needs, and warm
            reads stay read-only through a day of re-runs.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        max_bytes: int = 2 * 1024**3,
        dtype: str = "float32",
        touch_interval: float = 86400.0,
    ) -> None:
        if dtype not in _DTYPES:
            raise ValueError(f"dtype must be 'float32' or 'float16', got {dtype!r}")
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        p = Path(path if path is not None else default_cache_dir()).expanduser()
        if p.suffix.lower() not in (".sqlite3", ".sqlite", ".db"):
            p = p / EMBEDDINGS_FILE
        p.parent.mkdir(parents=True, exist_ok=True)
        self.path = str(p)
        self.max_bytes = int(max_bytes)
        self.dtype = dtype
        self.touch_interval = float(touch_interval)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._connect()

    # -- connection --------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        """The connection of this process (a forked child opens its own)."""
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None, check_same_thread=False)
        try:
            _retry_busy(lambda: self._first_open(conn), self.path)
        except BaseException:
            conn.close()
            raise
        self._conn, self._pid = conn, os.getpid()
        return conn

    @staticmethod
    def _first_open(conn: sqlite3.Connection) -> None:
        """Journal mode and tables; safe when many processes open a new cache at once.

        Switching to WAL takes an exclusive lock and SQLite answers ``database is locked``
        at once, without waiting the busy timeout, when another process holds the file
        (every worker of a first batch opening a fresh cache): the caller retries.
        """
        conn.execute("PRAGMA busy_timeout=60000")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS vectors (
                sig   TEXT NOT NULL,
                h     BLOB NOT NULL,
                vec   BLOB NOT NULL,
                atime REAL NOT NULL,
                PRIMARY KEY (sig, h)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS vectors_atime ON vectors (atime);
            """
        )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, object]:
        # Picklable for worker processes: each reopens the file.
        state = self.__dict__.copy()
        state.update(_conn=None, _pid=-1, _lock=None)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # -- reads and writes --------------------------------------------------------------
    def get_many(self, signature: str, texts: Sequence[str]) -> list[np.ndarray | None]:
        """Cached float32 vectors for ``texts`` (same order), ``None`` where missing."""
        keys = [text_key(t) for t in texts]
        blobs: dict[bytes, bytes] = {}
        self._read(signature, list(dict.fromkeys(keys)), blobs.update)
        return [None if (b := blobs.get(k)) is None else self._decode(b) for k in keys]

    def get_matrix(self, signature: str, texts: Sequence[str], dim: int
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Cached vectors of ``texts`` as one float32 ``(len(texts), dim)`` array, and a bool
        array marking the hits (rows missing or stored with another dimension are misses,
        their vectors zero).

        The bulk read of :class:`CachedEncoder`: the float32 rows are decoded a few thousand
        at a time by one ``np.frombuffer`` over their joined bytes, straight into the result
        (no array per row, and no second copy of a document's vectors held as bytes).
        """
        keys = [text_key(t) for t in texts]
        first: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            first.setdefault(k, i)
        out = np.zeros((len(keys), dim), np.float32)
        hit = np.zeros(len(keys), bool)
        size = 4 * dim  # a float32 row of this dimension (float16 rows have an odd length)

        def take(rows: list[tuple[bytes, bytes]]) -> None:
            at: list[int] = []
            plain: list[bytes] = []
            for h, b in rows:
                if len(b) == size:
                    at.append(first[h])
                    plain.append(b)
                else:
                    v = self._decode(b)
                    if v.shape == (dim,):
                        out[first[h]] = v
                        hit[first[h]] = True
            if at:
                out[at] = np.frombuffer(b"".join(plain), np.float32).reshape(len(at), dim)
                hit[at] = True

        self._read(signature, list(first), take)
        if len(first) < len(keys):  # repeated texts: the vector of their first occurrence
            idx = np.fromiter((first[k] for k in keys), np.int64, len(keys))
            dup = np.flatnonzero(idx != np.arange(len(keys)))
            out[dup] = out[idx[dup]]
            hit[dup] = hit[idx[dup]]
        return out, hit

    def _read(self, signature: str, keys: list[bytes],
              take: Callable[[list[tuple[bytes, bytes]]], None]) -> None:
        """Pass the stored ``(key, blob)`` rows of the distinct ``keys`` to ``take``, a few
        thousand at a time, then refresh the access times older than ``touch_interval``.

        One ``IN (...)`` query per batch, as long as SQLite allows: SQLite sorts the list
        and walks the table in key order, so keys that share a page cost one page read
        (fewer, smaller lists read the same page again and again).
        """
        stale: list[bytes] = []
        now = time.time()
        cutoff = now - self.touch_interval
        with self._lock:
            conn = self._connect()
            step = self._batch(conn)
            for s in range(0, len(keys), step):
                chunk = keys[s : s + step]
                q = f"SELECT h, vec, atime <= ? FROM vectors WHERE sig=? AND h IN ({','.join('?' * len(chunk))})"
                cur = conn.execute(q, (cutoff, signature, *chunk))
                while rows := cur.fetchmany(_FETCH):
                    take([(h, b) for h, b, _ in rows])
                    stale.extend(h for h, _, old in rows if old)
            if stale:
                self._touch(conn, signature, stale, now)

    @staticmethod
    def _batch(conn: sqlite3.Connection) -> int:
        """Keys per ``IN (...)`` query: SQLite's limit on parameters, less the signature's
        and the cutoff's, and at most ``_MAX_CHUNK``."""
        try:
            limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except (AttributeError, sqlite3.Error):  # pragma: no cover - Python 3.11 has it
            limit = _CHUNK
        return max(1, min(limit - 2, _MAX_CHUNK))

    def put_many(self, signature: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store one vector per text (replacing any stored one), then enforce the size bound."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ValueError(f"{len(texts)} texts but vectors of shape {vectors.shape}")
        if not len(texts):
            return
        np_dtype, _ = _DTYPES[self.dtype]
        tag = b"h" if self.dtype == "float16" else b""
        now = time.time()
        rows = [
            (signature, text_key(t), vectors[i].astype(np_dtype).tobytes() + tag, now)
            for i, t in enumerate(texts)
        ]
        with self._lock:
            conn = self._connect()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            self._evict(conn)

    def _touch(self, conn: sqlite3.Connection, signature: str, keys: list[bytes], now: float) -> None:
        """New access times for ``keys``, in one write transaction; skipped (logged) when
        another process holds the write lock for more than ``_TOUCH_WAIT_MS``: a read is
        neither failed nor held up by a busy writer, and an access time a little old only
        makes a row a little likelier to be evicted."""
        try:
            conn.execute(f"PRAGMA busy_timeout={_TOUCH_WAIT_MS}")
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany("UPDATE vectors SET atime=? WHERE sig=? AND h=?",
                                 [(now, signature, k) for k in keys])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:  # a busy writer must not fail a read
            logger.debug("embedding cache: access times not refreshed (%s)", exc)
        finally:
            try:
                conn.execute("PRAGMA busy_timeout=60000")
            except sqlite3.Error:  # pragma: no cover - the next access reports a broken file
                pass

    @staticmethod
    def _decode(blob: bytes) -> np.ndarray:
        # float32 and float16 rows can share a file: an even dim is ambiguous by length
        # alone, so the dtype is told by a 1-byte tag appended to float16 rows.
        if len(blob) % 2 == 1 and blob[-1:] == b"h":
            return np.frombuffer(blob[:-1], dtype=np.float16).astype(np.float32)
        return np.frombuffer(blob, dtype=np.float32).copy()

    # -- size --------------------------------------------------------------------------
    def nbytes(self) -> int:
        """Bytes used by stored rows (vectors plus keys), as SQLite counts its pages."""
        with self._lock:
            conn = self._connect()
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            size = conn.execute("PRAGMA page_size").fetchone()[0]
        return (pages - free) * size

    def _evict(self, conn: sqlite3.Connection) -> None:
        """Delete least recently used rows until the store is back under ~90% of the bound."""
        used = self.nbytes()
        if used <= self.max_bytes:
            return
        n = conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        if not n:
            return
        target = 0.9 * self.max_bytes
        drop = max(1, int(n - n * target / used) + 1)
        conn.execute(
            "DELETE FROM vectors WHERE (sig, h) IN (SELECT sig, h FROM vectors ORDER BY atime LIMIT ?)",
            (drop,),
        )
        logger.info("embedding cache over %d bytes: evicted %d least recently used vectors", self.max_bytes, drop)

    def __len__(self) -> int:
        with self._lock:
            return int(self._connect().execute("SELECT COUNT(*) FROM vectors").fetchone()[0])

    def clear(self, signature: str | None = None) -> None:
        """Forget every vector, or only those of one encoder signature."""
        with self._lock:
            conn = self._connect()
            if signature is None:
                conn.execute("DELETE FROM vectors")
            else:
                conn.execute("DELETE FROM vectors WHERE sig=?", (signature,))
            conn.execute("VACUUM")

    def __repr__(self) -> str:
        return f"EmbeddingCache({self.path!r}, max_bytes={self.max_bytes})"


class CachedEncoder:
    """An :class:`~paralign.embed.Encoder` that asks the cache first and embeds only the misses.

    Misses are deduplicated before they reach the model, so a text repeated within one call
    (or across calls) costs one encoding. ``name``, ``dim`` and ``signature`` are those of the
    wrapped encoder: caching never changes a vector.
    """

    def __init__(self, encoder: object, cache: EmbeddingCache) -> None:
        self.inner = as_encoder(encoder)
        self.cache = cache

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @property
    def signature(self) -> str:
        return self.inner.signature

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings, not one string")
        texts = list(texts)
        return self._through_cache(texts, lambda todo: self.inner.encode([texts[i] for i in todo]))

    def encode_windows(self, windows: Sequence[Sequence[str]], joiner: str = " ") -> np.ndarray:
        """Window vectors, cached under the joined text (they are the joined text's vectors)."""
        windows = [list(w) for w in windows]
        texts = [joiner.join(w) for w in windows]
        inner = getattr(self.inner, "encode_windows", None)

        def compute(todo: list[int]) -> np.ndarray:
            if inner is not None:
                return inner([windows[i] for i in todo], joiner)
            return self.inner.encode([texts[i] for i in todo])

        return self._through_cache(texts, compute)

    def _through_cache(self, texts: list[str], compute) -> np.ndarray:
        """Vectors of ``texts`` from the cache; ``compute(indices)`` embeds the misses (each
        distinct text once, given by the index of its first occurrence)."""
        sig = self.signature
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        try:
            out, hit = self.cache.get_matrix(sig, texts, self.dim)
        except (sqlite3.Error, OSError) as exc:  # a broken cache must not break alignment
            self._trouble("unreadable", exc)
            hit = np.zeros(len(texts), bool)
        misses: dict[str, list[int]] = {}
        for i in np.flatnonzero(~hit).tolist():
            misses.setdefault(texts[i], []).append(i)
        if misses:
            todo = list(misses)
            vecs = np.asarray(compute([misses[t][0] for t in todo]), dtype=np.float32)
            for t, v in zip(todo, vecs):
                out[misses[t]] = v
            try:
                self.cache.put_many(sig, todo, vecs)
            except (sqlite3.Error, OSError) as exc:
                self._trouble("not written", exc)
        logger.debug("%s: %d texts, %d embedded, %d from cache", sig, len(texts), len(misses),
                     len(texts) - sum(map(len, misses.values())))
        return out

    def _trouble(self, what: str, exc: BaseException) -> None:
        """Say once per process that the cache failed and alignment goes on without it."""
        first = not getattr(self, "_warned", False)
        self._warned = True
        logger.log(logging.WARNING if first else logging.DEBUG,
                   "embedding cache %s %s (%s); aligning without it (results are the same, "
                   "only slower)", getattr(self.cache, "path", "?"), what, exc)

    def __repr__(self) -> str:
        return f"CachedEncoder({self.inner!r}, {self.cache!r})"
