"""Chinese words of sentences kept on disk, so that a text read again is not cut again.

Why: jieba is the largest part of the dictionary evidence of a long document (the Bible's
42,687 Chinese verses: about a fifth of its search once everything else was compiled), and
its words depend on the text and the tokenizer alone. Like the embedding vectors, they are
kept in paralign's cache folder, in a SQLite file named after the tokenizer (jieba's
version and dictionary, OpenCC's version, :data:`VERSION` of :func:`~.words.words`), keyed by
a digest of the text, so that a second alignment of the same text (another configuration, a
benchmark, a corpus realigned with its lexicon) reads them in one query.

:func:`preload` fills the memo of :func:`~.words.zh_word_texts` for a whole document at once;
a cache that cannot be read or written only costs the time of cutting (logged once, never an
error).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Sequence

__all__ = ["VERSION", "cache_path", "preload"]

log = logging.getLogger("paralign.text")

#: Bump when :func:`paralign.text.words.words` changes the Chinese words it returns.
VERSION = 1

# rows read or written per SQL statement (SQLite's default limit is 32,766 variables)
_CHUNK = 900


@functools.cache
def _signature() -> str:
    """The tokenizer's versions (a new jieba, dictionary or OpenCC gets a new file)."""
    from importlib.metadata import version

    import jieba

    from ..lazytable import file_stamp

    dict_file = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    return (f"jieba-{jieba.__version__}-{file_stamp([dict_file])}-opencc-{version('opencc')}"
            f"-v{VERSION}")


def cache_path(cache_dir: str | None = None) -> str | None:
    """The word cache's file in ``cache_dir`` (``None``: paralign's cache folder), or ``None``
    when ``$PARALIGN_NO_CACHE`` turns caches off."""
    from ..paths import cache_disabled, default_cache_dir

    if cache_disabled():
        return None
    folder = os.path.expanduser(str(cache_dir)) if cache_dir is not None else default_cache_dir()
    return os.path.join(folder, f"zh-words-{_signature()}.sqlite3")


def _key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _connect(path: str) -> sqlite3.Connection:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    # no fsync at each commit (the WAL is synced at checkpoints): the words are derived data,
    # and a commit that a power cut loses only costs cutting them again; WAL with NORMAL
    # never corrupts the file. A synced commit costs milliseconds of a one-pair call.
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS words (h BLOB PRIMARY KEY, w TEXT NOT NULL)")
    return conn


def preload(texts: Sequence[str], cache_dir: str | None = None) -> int:
    """Make :func:`~.words.zh_word_texts` of every text of ``texts`` ready in memory: from
    the word cache where it has them, cut by jieba (and stored) where not.

    Returns how many distinct texts were cut. Failures of the cache file are logged and
    the words cut in memory as without a cache.
    """
    from .words import remember_zh_words, zh_word_texts, zh_words_known

    todo = [t for t in dict.fromkeys(texts) if t and not zh_words_known(t)]
    if not todo:
        return 0
    path = cache_path(cache_dir)
    found: dict[str, tuple[str, ...]] = {}
    conn = None
    if path is not None:
        try:
            conn = _connect(path)
            keys = {_key(t): t for t in todo}
            klist = list(keys)
            for s in range(0, len(klist), _CHUNK):
                part = klist[s:s + _CHUNK]
                q = f"SELECT h, w FROM words WHERE h IN ({','.join('?' * len(part))})"
                for h, w in conn.execute(q, part):
                    found[keys[h]] = tuple(json.loads(w))
        except (sqlite3.Error, OSError, ValueError) as exc:
            _trouble(path, "unreadable", exc)
            found, conn = {}, None
    for t, ws in found.items():
        remember_zh_words(t, ws)
    cut = [t for t in todo if t not in found]
    rows = [(_key(t), json.dumps(zh_word_texts(t), ensure_ascii=False)) for t in cut]
    if conn is not None:
        try:
            if rows:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR REPLACE INTO words VALUES (?, ?)", rows)
                conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            _trouble(path, "not written", exc)
        finally:
            conn.close()
    log.debug("Chinese words: %d texts, %d from the word cache, %d cut", len(todo),
              len(found), len(cut))
    return len(cut)


_seen: set[str | None] = set()


def _trouble(path: str | None, what: str, exc: BaseException) -> None:
    """Say once per file and process that the word cache failed (words are cut anyway)."""
    first = path not in _seen
    _seen.add(path)
    log.log(logging.WARNING if first else logging.DEBUG,
            "word cache %s %s (%s); cutting the words again (the same words, only slower)",
            path, what, exc)
