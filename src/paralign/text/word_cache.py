"""Chinese words of sentences kept on disk, so that a text read again is not cut again.

Why: jieba is the largest part of the dictionary evidence of a long document (the Bible's
42,687 Chinese verses: about a fifth of its search once everything else was compiled), and
its words depend on the text and the tokenizer alone. Like the embedding vectors, they are
kept in paralign's cache folder, in a SQLite file named after the tokenizer (jieba's
version and dictionary, OpenCC's version, :data:`VERSION` of :func:`~.words.words`, and
:data:`FORMAT` of the stored form), keyed by a digest of the text, so that a second alignment
of the same text (another configuration, a benchmark, a corpus realigned with its lexicon)
reads them in one query. A long document's words are also kept whole, in one row keyed by
the digest of its texts: read back with one lookup and two string splits, where 41,000
sentence rows (the Bible) cost a B-tree lookup and a JSON decoding each.

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
#: Bump when the stored form changes (it names the file: another form is another file, never
#: misread). 2: each text's words as one string, each word after :data:`_WORD` (JSON for a
#: text holding that character itself); documents of :data:`DOC_TEXTS` texts or more whole.
FORMAT = 2

# separators of the stored form: before each word, between the texts of a document
_WORD = "\x1f"
_TEXT = "\x1e"
#: Documents of at least this many distinct texts also keep their words in one row (below,
#: reading the sentence rows takes milliseconds).
DOC_TEXTS = 2000

# rows read or written per SQL statement (SQLite's default limit is 32,766 variables)
_CHUNK = 900


@functools.cache
def _signature() -> str:
    """The tokenizer's versions (a new jieba, dictionary or OpenCC gets a new file)."""
    from ..dists import dist_version
    from ..lazytable import file_stamp

    folder, version = _jieba_version()
    dict_file = os.path.join(folder, "dict.txt")
    return (f"jieba-{version}-{file_stamp([dict_file])}-opencc-{dist_version('opencc')}"
            f"-v{VERSION}")


def _jieba_version() -> tuple[str, str]:
    """jieba's package folder and version without importing it (importing jieba loads its
    HMM tables, 10 to 15 ms of a call whose words all come from the cache): the folder from
    its import spec, the version from its installed distribution
    (:func:`paralign.dists.dist_version`, as every other version paralign names files after);
    jieba itself is asked when either is missing."""
    import importlib.util
    import sys

    from ..dists import dist_version

    mod = sys.modules.get("jieba")
    spec = importlib.util.find_spec("jieba") if mod is None else None
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    version = dist_version("jieba")
    if folders and version:
        return folders[0], version
    import jieba

    return os.path.dirname(jieba.__file__), version or jieba.__version__


def cache_path(cache_dir: str | None = None) -> str | None:
    """The word cache's file in ``cache_dir`` (``None``: paralign's cache folder), or ``None``
    when ``$PARALIGN_NO_CACHE`` turns caches off."""
    from ..paths import cache_disabled, default_cache_dir

    if cache_disabled():
        return None
    folder = os.path.expanduser(str(cache_dir)) if cache_dir is not None else default_cache_dir()
    return os.path.join(folder, f"zh-words-{_signature()}-f{FORMAT}.sqlite3")


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
    conn.execute("CREATE TABLE IF NOT EXISTS docs (h BLOB PRIMARY KEY, w TEXT NOT NULL)")
    return conn


def _encode(ws: Sequence[str]) -> str:
    """A text's words as stored: each after :data:`_WORD` ("" for none), or JSON (which
    starts with "[") when a word holds that character."""
    if any(_WORD in w for w in ws):
        return json.dumps(list(ws), ensure_ascii=False)
    return "".join([_WORD + w for w in ws])


def _decode(w: str) -> list[str]:
    """The words of a stored row (``ValueError`` for a damaged JSON one)."""
    if w[:1] == "[":
        ws = json.loads(w)
        if not isinstance(ws, list) or not all(isinstance(x, str) for x in ws):
            raise ValueError("word cache: not a list of words")
        return ws
    if w and w[0] != _WORD:
        raise ValueError("word cache: not a stored form")
    return w.split(_WORD)[1:]


def _doc_key(texts: Sequence[str]) -> bytes:
    """The key of a document's row: a digest of its texts joined by :data:`_TEXT` (rows are
    kept for documents whose texts hold no :data:`_TEXT`; a lookup for texts that do has more
    texts in that row than it asks for, which :func:`_read_doc` refuses)."""
    joined = _TEXT.join(texts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=16, person=b"doc").digest()


def _read_doc(conn: sqlite3.Connection, key: bytes, n: int) -> list[list[str]] | None:
    """The words of a document's ``n`` texts from its row, ``None`` without one (or a row
    that is not ``n`` texts' words)."""
    row = conn.execute("SELECT w FROM docs WHERE h = ?", (key,)).fetchone()
    if row is None:
        return None
    parts = row[0].split(_TEXT)
    if len(parts) != n or any(p and p[0] != _WORD for p in parts):
        return None
    return [p.split(_WORD)[1:] for p in parts]


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
    found: dict[str, Sequence[str]] = {}
    conn = None
    doc = None
    doc_found = False
    if path is not None:
        try:
            conn = _connect(path)
            if len(todo) >= DOC_TEXTS:
                doc = _doc_key(todo)
                whole = _read_doc(conn, doc, len(todo))
                if whole is not None:
                    found = dict(zip(todo, whole))
                    doc_found = True
            if not doc_found:
                klist = [_key(t) for t in todo]
                keys = dict(zip(klist, todo))
                for s in range(0, len(klist), _CHUNK):
                    part = klist[s:s + _CHUNK]
                    q = f"SELECT h, w FROM words WHERE h IN ({','.join('?' * len(part))})"
                    for h, w in conn.execute(q, part):
                        found[keys[h]] = _decode(w)
        except (sqlite3.Error, OSError, ValueError) as exc:
            _trouble(path, "unreadable", exc)
            found, conn, doc = {}, None, None
    for t, ws in found.items():
        remember_zh_words(t, ws)
    cut = [t for t in todo if t not in found]
    rows = [(_key(t), _encode(zh_word_texts(t))) for t in cut]
    if conn is not None:
        try:
            whole_row = None
            if doc is not None and not doc_found and not any(
                    _TEXT in t or _WORD in t for t in todo):
                whole_row = (doc, _TEXT.join([_encode(zh_word_texts(t)) for t in todo]))
            if rows or whole_row:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR REPLACE INTO words VALUES (?, ?)", rows)
                if whole_row:
                    conn.execute("INSERT OR REPLACE INTO docs VALUES (?, ?)", whole_row)
                conn.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            _trouble(path, "not written", exc)
        finally:
            conn.close()
    log.debug("Chinese words: %d texts, %d from the word cache%s, %d cut", len(todo),
              len(found), " (the document's row)" if doc_found else "", len(cut))
    return len(cut)


_seen: set[str | None] = set()


def _trouble(path: str | None, what: str, exc: BaseException) -> None:
    """Say once per file and process that the word cache failed (words are cut anyway)."""
    first = path not in _seen
    _seen.add(path)
    log.log(logging.WARNING if first else logging.DEBUG,
            "word cache %s %s (%s); cutting the words again (the same words, only slower)",
            path, what, exc)
