"""ParallelCorpus: aligned document pairs in one SQLite file.

Schema (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`, ``PRAGMA application_id`` =
:data:`APPLICATION_ID`, so other tools can tell what the file is)::

    info(key TEXT PRIMARY KEY, value TEXT)         -- application, created, fts_tokenizer
    docs(id INTEGER PRIMARY KEY,                   -- one row per aligned document pair
         doc_id TEXT UNIQUE NOT NULL, title TEXT,
         src_lang, src_script, src_tag,            -- 'zh', 'Hant', 'zh-TW' (tag = what files get)
         tgt_lang, tgt_script, tgt_tag,
         src_source, tgt_source,                   -- input files
         signature TEXT, parallelism REAL,         -- how the alignment was made
         meta TEXT NOT NULL DEFAULT '{}',          -- user metadata, JSON object
         n_beads, n_src, n_tgt INTEGER, added TEXT)
    segments(doc -> docs.id ON DELETE CASCADE,     -- the sentences, when known
         side INTEGER (0 = source, 1 = target), idx INTEGER,
         text TEXT, norm TEXT (NULL when equal to text), paragraph, span_start, span_end,
         PRIMARY KEY (doc, side, idx)) WITHOUT ROWID
    beads(id INTEGER PRIMARY KEY, doc -> docs.id ON DELETE CASCADE, pos INTEGER,
         src_idx TEXT, tgt_idx TEXT ('0,1'),       -- sentence indices, comma-joined
         kind TEXT ('2-1'), score REAL (NULL = NaN),
         src_text TEXT, tgt_text TEXT,             -- original texts of the two sides
         src_len, tgt_len INTEGER,                 -- characters, for length statistics
         tmx TEXT,                                 -- the original <tu> of a unit read from
                                                   --   another tool's TMX (markup), else NULL
         origin TEXT ('aligner', or a reviewer's 'merge', 'split', 'wrong'),
         UNIQUE (doc, pos))
    beads_fts USING fts5(zh, en)                   -- rowid = beads.id; see concordance.py
    corrections(src_sha256, tgt_sha256 TEXT,       -- the texts (corrections.sentences_sha256)
         doc_id TEXT, body TEXT (the corrections file, JSON), added TEXT,
         PRIMARY KEY (src_sha256, tgt_sha256)) WITHOUT ROWID

Migrations (:data:`MIGRATIONS`): 0 -> 1 creates the tables; 1 -> 2 adds the concordance
index and fills it from the stored beads; 2 -> 3 adds ``beads.tmx`` (lossless TMX); 3 -> 4
adds the beads' origin (every stored bead is the aligner's) and the reviewers' corrections,
kept per pair of texts so that a corrected pair added again keeps them
(:meth:`ParallelCorpus.add`). Opening an older file read-write upgrades it in a transaction;
a newer one is refused.

Durability: file corpora use WAL journaling (readers never block the writer or each other)
with ``synchronous=NORMAL`` (a committed transaction survives a crash of the process;
after a power loss the last transactions may be lost, never the file). Every
:meth:`ParallelCorpus.add` is one transaction, so a document pair is stored whole or not
at all. One connection per object; use it from one thread at a time.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import math
import numbers
import os
import random
import re
import sqlite3
import stat
import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import FormatError, InputError
from ..files import check_input, check_output
from . import concordance as cc
from .export import write_plain, write_units
from .formats import Unit, format_from_path, iter_tsv, lang_tag, parse_lang_tag, units_from_alignment
from .tmx import iter_tmx

if TYPE_CHECKING:
    from ..alignment.bead import Alignment

__all__ = ["ParallelCorpus", "Pair", "DocInfo", "CorpusStats", "DuplicateDocumentError",
           "SCHEMA_VERSION", "APPLICATION_ID", "MIGRATIONS", "read_tmx", "read_tsv"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
APPLICATION_ID = 0x50414C47  # "PALG"


class DuplicateDocumentError(InputError):
    """``add(..., replace=False)`` for a doc_id the corpus already holds."""


# -- schema and migrations --------------------------------------------------------------------

def _migrate_1(con: sqlite3.Connection) -> None:
    # not executescript(): it would COMMIT the migration's transaction half-way
    _execute_script(con, """
        CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE docs (
            id INTEGER PRIMARY KEY,
            doc_id TEXT UNIQUE NOT NULL,
            title TEXT,
            src_lang TEXT, src_script TEXT, src_tag TEXT NOT NULL,
            tgt_lang TEXT, tgt_script TEXT, tgt_tag TEXT NOT NULL,
            src_source TEXT, tgt_source TEXT,
            signature TEXT, parallelism REAL,
            meta TEXT NOT NULL DEFAULT '{}',
            n_beads INTEGER NOT NULL, n_src INTEGER, n_tgt INTEGER,
            added TEXT NOT NULL
        );
        CREATE TABLE segments (
            doc INTEGER NOT NULL REFERENCES docs(id) ON DELETE CASCADE,
            side INTEGER NOT NULL CHECK (side IN (0, 1)),
            idx INTEGER NOT NULL,
            text TEXT NOT NULL, norm TEXT,
            paragraph INTEGER, span_start INTEGER, span_end INTEGER,
            PRIMARY KEY (doc, side, idx)
        ) WITHOUT ROWID;
        CREATE TABLE beads (
            id INTEGER PRIMARY KEY,
            doc INTEGER NOT NULL REFERENCES docs(id) ON DELETE CASCADE,
            pos INTEGER NOT NULL,
            src_idx TEXT NOT NULL, tgt_idx TEXT NOT NULL, kind TEXT NOT NULL,
            score REAL,
            src_text TEXT NOT NULL, tgt_text TEXT NOT NULL,
            src_len INTEGER NOT NULL, tgt_len INTEGER NOT NULL,
            UNIQUE (doc, pos)
        );
    """)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    con.executemany("INSERT OR REPLACE INTO info VALUES (?, ?)",
                    [("application", "paralign"), ("created", now),
                     ("created_by", f"paralign {__version__}")])


def _execute_script(con: sqlite3.Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            con.execute(statement)


def _migrate_2(con: sqlite3.Connection) -> None:
    con.execute("CREATE VIRTUAL TABLE beads_fts USING fts5(zh, en, "
                "tokenize = 'unicode61 remove_diacritics 2')")
    rows = con.execute("SELECT b.id, b.src_text, b.tgt_text, d.src_lang, d.tgt_lang "
                       "FROM beads b JOIN docs d ON d.id = b.doc ORDER BY b.id")
    while batch := rows.fetchmany(5000):
        fts = _fts_rows([(r[0], r[1], r[2]) for r in batch], [(r[3], r[4]) for r in batch])
        con.executemany("INSERT INTO beads_fts(rowid, zh, en) VALUES (?, ?, ?)", fts)
    con.execute("INSERT OR REPLACE INTO info VALUES ('fts_tokenizer', ?)", (cc.FTS_TOKENIZER,))


def _migrate_4(con: sqlite3.Connection) -> None:
    con.execute("ALTER TABLE beads ADD COLUMN origin TEXT NOT NULL DEFAULT 'aligner'")
    con.execute("CREATE TABLE corrections (src_sha256 TEXT NOT NULL, tgt_sha256 TEXT NOT NULL,"
                " doc_id TEXT NOT NULL, body TEXT NOT NULL, added TEXT NOT NULL,"
                " PRIMARY KEY (src_sha256, tgt_sha256)) WITHOUT ROWID")


#: version -> function bringing a database from version - 1 to version (run in a transaction)
def _migrate_3(con: sqlite3.Connection) -> None:
    con.execute("ALTER TABLE beads ADD COLUMN tmx TEXT")


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _migrate_1, 2: _migrate_2, 3: _migrate_3, 4: _migrate_4}


def _fts_rows(beads: Sequence[tuple[int, str, str]], langs: Sequence[tuple[str, str]]
              ) -> list[tuple[int, str, str]]:
    """(rowid, zh column, en column) for beads; the Chinese side is found from the doc langs."""
    zh_texts: list[str] = []
    where: list[int] = []  # 0: src is zh, 1: tgt is zh, -1: none
    for (_, src, tgt), (sl, tl) in zip(beads, langs):
        if sl == "zh":
            where.append(0)
            zh_texts.append(src)
        elif tl == "zh":
            where.append(1)
            zh_texts.append(tgt)
        else:
            where.append(-1)
    simp = iter(cc.to_simplified_many(zh_texts))
    out = []
    for (bid, src, tgt), w in zip(beads, where):
        if w == 0:
            out.append((bid, cc.zh_index_text(next(simp)), cc.en_index_text(tgt)))
        elif w == 1:
            out.append((bid, cc.zh_index_text(next(simp)), cc.en_index_text(src)))
        else:
            out.append((bid, "", cc.en_index_text(src + "\n" + tgt)))
    return out


def _os_error(exc: sqlite3.Error, path: str) -> Exception:
    """SQLite's refusals as what they are: OSError for the file system, else InputError."""
    msg = str(exc)
    low = msg.lower()
    if "full" in low:
        return OSError(errno.ENOSPC, f"No space left on device ({msg})", path)
    if "readonly" in low or "read-only" in low:
        return OSError(errno.EROFS, f"Read-only file system ({msg})", path)
    if "disk i/o" in low:
        return OSError(errno.EIO, f"Input/output error ({msg})", path)
    if "unable to open" in low:
        return OSError(errno.EACCES, f"Permission denied ({msg})", path)
    if "locked" in low or "busy" in low:
        return InputError(f"{path}: the corpus is locked by another process ({msg}); "
                          "try again when it is done")
    return FormatError(f"{path}: {msg}")


#: meta keys that go into a (bound) JSON path as they are; others are looked up with json_each
_PLAIN_KEY = re.compile(r"[\w\-. :/@+]+")


def _text(value: object, name: str) -> str:
    """``value`` if it is a str SQLite can store (valid Unicode), else a clear error."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}: {value!r}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{name} {value!r} is not valid Unicode (lone surrogate at "
                         f"character {exc.start})") from None
    return value


def _strings(value: object, name: str) -> list[str]:
    """One string or an iterable of strings, checked, as a list."""
    if isinstance(value, str):
        return [_text(value, name)]
    if isinstance(value, (bytes, dict)) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a string or a list of strings, got "
                        f"{type(value).__name__}")
    return [_text(v, name) for v in value]


def _ro_uri(path: str) -> str:
    """A read-only SQLite URI for ``path``.

    A WAL database needs its ``-shm`` file even to be read; where it is missing and cannot
    be created (a read-only folder), nothing can be writing to the file either, so it is
    opened as immutable.
    """
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(path + "-shm") and not os.access(folder, os.W_OK | os.X_OK):
        uri += "&immutable=1"
    return uri


def _file_name(name: str | None) -> str | None:
    """A file name as text SQLite can store: bytes that are not UTF-8 (kept by Python as
    lone surrogates) are written ``\\xe9``, so that the name stays readable and unique."""
    if name is None:
        return None
    name = os.fspath(name)
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") \
        if isinstance(name, str) else os.fsdecode(name)


def _check_meta(meta: object) -> dict[str, Any]:
    """Document metadata: a dict with string keys that JSON can hold."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise TypeError(f"meta must be a dict, got {type(meta).__name__}")
    for key in meta:
        _text(key, "meta key")
    try:
        json.dumps(meta, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise TypeError(f"meta must hold only JSON values (str, numbers, lists, dicts): "
                        f"{exc}") from None
    return dict(meta)


def _checked_units(units: Iterable[Any]) -> Iterator[Unit]:
    for k, u in enumerate(units):
        if not isinstance(u, Unit):
            raise TypeError(f"add_units() takes Unit records; item {k} is "
                            f"{type(u).__name__}: {u!r:.60}")
        _text(u.doc_id, f"doc_id of unit {k}")
        yield u


# -- records ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DocInfo:
    """Metadata of one stored document pair."""

    doc_id: str
    src_tag: str = "zh"
    tgt_tag: str = "en"
    src_lang: str | None = None
    src_script: str | None = None
    tgt_lang: str | None = None
    tgt_script: str | None = None
    title: str | None = None
    src_source: str | None = None
    tgt_source: str | None = None
    signature: str | None = None
    parallelism: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    n_beads: int = 0
    added: str | None = None


@dataclass(frozen=True, slots=True)
class Pair:
    """One stored bead (a segment pair) with where it comes from."""

    id: int
    doc_id: str
    pos: int
    src_idx: tuple[int, ...]
    tgt_idx: tuple[int, ...]
    src: str
    tgt: str
    score: float
    kind: str
    src_lang: str
    tgt_lang: str
    meta: dict[str, Any]
    tmx: str | None = None  # the original <tu> of a unit read from another tool's TMX
    origin: str = "aligner"

    def _zh_is_tgt(self) -> bool:
        return (self.tgt_lang.lower().startswith("zh")
                and not self.src_lang.lower().startswith("zh"))

    @property
    def zh(self) -> str:
        """The Chinese side (the source if both or neither are Chinese)."""
        return self.tgt if self._zh_is_tgt() else self.src

    @property
    def en(self) -> str:
        """The other side."""
        return self.src if self._zh_is_tgt() else self.tgt

    @property
    def is_null(self) -> bool:
        return not self.src_idx or not self.tgt_idx

    def unit(self) -> Unit:
        return Unit(self.doc_id, self.src_idx, self.tgt_idx, self.src, self.tgt, self.score,
                    self.src_lang, self.tgt_lang, self.tmx)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "doc_id": self.doc_id, "pos": self.pos,
                "src_idx": list(self.src_idx), "tgt_idx": list(self.tgt_idx), "src": self.src,
                "tgt": self.tgt, "score": self.score, "kind": self.kind,
                "src_lang": self.src_lang, "tgt_lang": self.tgt_lang, "meta": self.meta,
                "origin": self.origin}


@dataclass(frozen=True)
class CorpusStats:
    """Figures of a corpus: sizes, bead types, length ratios, score histogram."""

    docs: int
    beads: int
    pairs: int
    kinds: dict[str, int]
    src_chars: int
    tgt_chars: int
    length_ratio: dict[str, float]  # src chars / tgt chars over non-null beads
    score_histogram: list[tuple[float, float, int]]  # (low, high, count), 10 bins on [0, 1]
    score_mean: float

    def describe(self) -> str:
        """A plain-text report for the terminal."""
        lines = [f"documents      {self.docs}",
                 f"beads          {self.beads} ({self.pairs} pairs, "
                 f"{self.beads - self.pairs} null)",
                 f"characters     src {self.src_chars}, tgt {self.tgt_chars}"]
        lines.append("bead types     " + (", ".join(
            f"{k} {v} ({v / self.beads:.1%})" for k, v in self.kinds.items()) or "-"))
        if self.length_ratio:
            r = self.length_ratio
            lines.append(f"length ratio   src/tgt chars: mean {r['mean']:.3f}, median "
                         f"{r['median']:.3f}, p10 {r['p10']:.3f}, p90 {r['p90']:.3f}")
        lines.append(f"score          mean {self.score_mean:.3f}" if not math.isnan(
            self.score_mean) else "score          -")
        peak = max((c for _, _, c in self.score_histogram), default=0) or 1
        for lo, hi, c in self.score_histogram:
            bar = "#" * round(30 * c / peak)
            lines.append(f"  [{lo:.1f}, {hi:.1f}{']' if hi >= 1 else ')'} {c:>9}  {bar}")
        return "\n".join(lines)


def _idx_str(ix: Sequence[int]) -> str:
    return ",".join(map(str, ix))


def _idx_tuple(s: str) -> tuple[int, ...]:
    return tuple(int(x) for x in s.split(",")) if s else ()


# -- the corpus ------------------------------------------------------------------------------

class ParallelCorpus:
    """Aligned document pairs in an SQLite file (or ``":memory:"``).

    >>> with ParallelCorpus(":memory:") as c:
    ...     c.count()
    0
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:", *, readonly: bool = False,
                 timeout: float = 30.0) -> None:
        if not isinstance(path, (str, os.PathLike)) or isinstance(os.fspath(path), bytes):
            raise TypeError(f"ParallelCorpus path must be a file name (str or Path) or "
                            f"':memory:', got {type(path).__name__}")
        self._conn: sqlite3.Connection | None = None
        self.path = os.fspath(path)
        self.readonly = readonly
        memory = self.path == ":memory:" or self.path.startswith("file::memory:")
        if not memory:
            # look before touching: a file that is not ours is refused without a write
            self._check_file()
        try:
            if readonly and not memory:
                self._conn = sqlite3.connect(_ro_uri(self.path), uri=True, timeout=timeout,
                                             isolation_level=None)
            else:
                self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise _os_error(exc, self.path) from None
        try:
            self._setup(memory)
        except BaseException:
            self.close()
            raise
        self._meta_cache: dict[int, dict[str, Any]] = {}

    @property
    def _con(self) -> sqlite3.Connection:
        con = self._conn
        if con is None:
            raise InputError(f"{self.path}: the corpus is closed; open it again with "
                             "ParallelCorpus(path)")
        return con

    def files(self) -> list[str]:
        """The files this corpus lives in (the database and SQLite's companions), which no
        export may overwrite; empty for an in-memory corpus."""
        if self.path == ":memory:" or self.path.startswith("file:"):
            return []
        return [self.path] + [self.path + s for s in ("-wal", "-shm", "-journal")]

    # -- connection ------------------------------------------------------------------------
    def _check_file(self) -> None:
        """Refuse what is not a corpus, before SQLite opens (and may write to) it.

        Directories, FIFOs and devices, unreadable or unwritable files are refused by the
        file system checks; an existing file is then looked at read-only (its SQLite
        header, then a ``mode=ro`` connection) so that a database of another application,
        or of a newer paralign, is refused without a byte written to it.
        """
        path = self.path
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if self.readonly:
                raise FileNotFoundError(errno.ENOENT, "No such file or directory", path) from None
            check_output(path)  # a new corpus: its folder must exist and be writable
            return
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{path}: is a directory, not a corpus database")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{path}: is not a regular file (a FIFO or a device?), not a "
                             "corpus database")
        if not os.access(path, os.R_OK):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        if not self.readonly:
            if not os.access(path, os.W_OK):
                raise PermissionError(errno.EACCES, "Permission denied (not writable; "
                                      "open it read-only to read it)", path)
            folder = os.path.dirname(os.path.abspath(path))
            if not os.access(folder, os.W_OK | os.X_OK):
                raise PermissionError(errno.EACCES, "Permission denied (SQLite needs to "
                                      "create its journal beside the corpus)", folder)
        if st.st_size == 0:
            return  # an empty file: SQLite takes it for an empty database
        with open(path, "rb") as f:
            head = f.read(100)
        if not head.startswith(b"SQLite format 3\x00"):
            raise FormatError(f"{path}: not a paralign corpus database (not an SQLite file)")
        if len(head) == 100:  # user_version at byte 60, application_id at byte 68
            self._validate(int.from_bytes(head[60:64], "big"),
                           int.from_bytes(head[68:72], "big"), None)
        try:
            con = sqlite3.connect(_ro_uri(path), uri=True, timeout=5.0, isolation_level=None)
        except sqlite3.Error:
            return  # cannot look read-only (e.g. a WAL file without -shm): _setup checks
        try:
            self._validate(*self._inspect(con))
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return
            raise FormatError(f"{path}: not a paralign corpus database ({exc})") from None
        finally:
            con.close()

    @staticmethod
    def _inspect(con: sqlite3.Connection) -> tuple[int, int, int]:
        """(user_version, application_id, number of schema objects): read-only queries."""
        version = con.execute("PRAGMA user_version").fetchone()[0]
        app = con.execute("PRAGMA application_id").fetchone()[0]
        n_tables = con.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
        return version, app, n_tables

    def _validate(self, version: int, app: int, n_tables: int | None) -> None:
        """Refuse a database that is not a paralign corpus this version can read."""
        if version == 0 and n_tables:
            raise FormatError(f"{self.path}: an SQLite database, but not a paralign corpus")
        if (app or version) and app != APPLICATION_ID:
            raise FormatError(f"{self.path}: an SQLite database of another application "
                              f"(application_id {app:#x})")
        if version > SCHEMA_VERSION:
            raise FormatError(f"{self.path}: corpus schema version {version} is newer than "
                              f"this paralign ({__version__}) reads (up to {SCHEMA_VERSION}); "
                              "upgrade paralign")

    def _setup(self, memory: bool) -> None:
        con = self._con
        try:
            # every check first, with reads only; pragmas that write come after
            version, app, n_tables = self._inspect(con)
        except sqlite3.DatabaseError as exc:
            raise FormatError(f"{self.path}: not a paralign corpus database ({exc})") from None
        self._validate(version, app, n_tables)
        if version < SCHEMA_VERSION and self.readonly:
            what = "empty" if version == 0 else f"schema version {version}"
            raise FormatError(f"{self.path}: {what} corpus; open it once without "
                              "readonly to create or upgrade it")
        try:
            con.execute("PRAGMA foreign_keys = ON")
            if not memory and not self.readonly:
                con.execute("PRAGMA journal_mode = WAL")
                con.execute("PRAGMA synchronous = NORMAL")
            con.execute("PRAGMA cache_size = -65536")
        except sqlite3.OperationalError as exc:
            raise _os_error(exc, self.path) from None
        if version < SCHEMA_VERSION:
            self._migrate(version)

    def _migrate(self, version: int) -> None:
        with self._tx():
            # re-read under the write lock: another process may have migrated meanwhile
            version = self._con.execute("PRAGMA user_version").fetchone()[0]
            for v in range(version + 1, SCHEMA_VERSION + 1):
                log.log(logging.INFO if version else logging.DEBUG,
                        "%s: migrating corpus schema %d -> %d", self.path, v - 1, v)
                MIGRATIONS[v](self._con)
                self._con.execute(f"PRAGMA user_version = {v}")
            self._con.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE takes the write lock up front)."""
        if self.readonly:
            raise InputError(f"{self.path}: corpus opened read-only")
        con = self._con
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _os_error(exc, self.path) from None
        try:
            yield con
            con.execute("COMMIT")
        except BaseException as exc:
            if con.in_transaction:  # SQLite may have rolled back by itself (disk full)
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise _os_error(exc, self.path) from None
            if isinstance(exc, UnicodeEncodeError):
                bad = exc.object[max(0, exc.start - 20):exc.start + 20]
                raise ValueError(f"{self.path}: text that is not valid Unicode (a lone "
                                 f"surrogate) cannot be stored, near {bad!r}; nothing of "
                                 "it was stored") from None
            raise

    @property
    def schema_version(self) -> int:
        return int(self._con.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        """Close the connection (idempotent)."""
        con = getattr(self, "_conn", None)
        if con is not None:
            con.close()
            self._conn = None

    def __enter__(self) -> ParallelCorpus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._conn is None:
            return f"<ParallelCorpus {self.path} (closed)>"
        return f"<ParallelCorpus {self.path}: {self.n_docs} documents, {self.count()} pairs>"

    def _repr_html_(self) -> str:
        """In Jupyter: statistics and the first pairs as a table (see :func:`paralign.viz.corpus_html`)."""
        if self._conn is None:
            return f"<p>{type(self).__name__} {self.path} (closed)</p>"
        from ..viz import corpus_html

        return corpus_html(self)

    def __len__(self) -> int:
        return self.count()

    def __contains__(self, doc_id: object) -> bool:
        return self._con.execute("SELECT 1 FROM docs WHERE doc_id = ?", (doc_id,)).fetchone() \
            is not None

    # -- writing ---------------------------------------------------------------------------
    def add(self, alignment: Alignment, doc_id: str | None = None,
            meta: dict[str, Any] | None = None, *, replace: bool = True,
            title: str | None = None, keep_corrections: bool = True) -> int:
        """Store an aligned document pair in one transaction; returns the number of beads.

        The pair is stored whole or not at all. An existing ``doc_id`` is replaced, or
        :class:`DuplicateDocumentError` is raised when ``replace=False``.

        Reviewers' corrections (:mod:`paralign.corpus.corrections`) are kept per pair of
        texts: an alignment holding a reviewer's edits (a bead whose ``origin`` is not
        ``"aligner"``, e.g. from ``apply_corrections``) is stored with them and recorded as
        the correction of these texts; an aligner's alignment of texts that were corrected
        before is stored corrected (logged), unless ``keep_corrections=False``, which
        stores the aligner's beads and forgets the correction.
        """
        if not all(hasattr(alignment, a) for a in ("beads", "src", "tgt")):
            raise TypeError(f"add() takes an Alignment (from pa.align or Aligner.align), got "
                            f"{type(alignment).__name__}")
        if doc_id is not None:
            _text(doc_id, "doc_id")
            if not doc_id.strip():
                raise ValueError("doc_id must not be empty")
        meta = _check_meta(meta)
        alignment, correction = self._corrected(alignment, doc_id, keep_corrections)
        units = list(units_from_alignment(alignment, doc_id=doc_id))
        did = units[0].doc_id if units else (doc_id or "doc")
        src, tgt = alignment.src, alignment.tgt
        info = DocInfo(
            doc_id=did, src_tag=lang_tag(src.lang, src.script),
            tgt_tag=lang_tag(tgt.lang, tgt.script), src_lang=src.lang, src_script=src.script,
            tgt_lang=tgt.lang, tgt_script=tgt.script, title=title, src_source=src.source,
            tgt_source=tgt.source, signature=alignment.signature or None,
            parallelism=alignment.parallelism, meta=dict(meta or {}))
        segments = [(side, i, s.text, None if s.norm == s.text else s.norm, s.paragraph,
                     s.start, s.end)
                    for side, d in ((0, src), (1, tgt)) for i, s in enumerate(d.sentences)]
        origins = [getattr(b, "origin", "aligner") for b in alignment.beads]
        if correction is not None:
            correction = (*correction, did)
        self._store(info, units, segments, replace=replace, n_src=len(src), n_tgt=len(tgt),
                    origins=origins, correction=correction)
        return len(units)

    def _corrected(self, al: Alignment, doc_id: str | None, keep: bool
                   ) -> tuple[Alignment, tuple[str, str, str | None] | None]:
        """(the alignment to store, (src hash, tgt hash, corrections JSON or None to forget
        them) or None when there is nothing to record)."""
        from .corrections import Corrections, sentences_sha256

        if not hasattr(al.src, "sentences") or not hasattr(al.tgt, "sentences"):
            return al, None
        key = (sentences_sha256(al.src), sentences_sha256(al.tgt))
        if any(getattr(b, "origin", "aligner") != "aligner" for b in al.beads):
            return al, (*key, Corrections.from_alignment(al).to_json())
        if not keep:
            return al, (*key, None)
        row = self._con.execute("SELECT body, doc_id, added FROM corrections WHERE "
                                "src_sha256 = ? AND tgt_sha256 = ?", key).fetchone()
        if row is None:
            return al, None
        try:
            corr = Corrections.from_dict(json.loads(row[0]), f"{self.path}: stored corrections")
        except (ValueError, FormatError) as exc:
            log.warning("%s: ignoring the stored corrections of these texts: %s", self.path, exc)
            return al, None
        log.info("%s: %s stored with the reviewer's corrections of %s (%s)", self.path,
                 doc_id or "the pair", row[2], ", ".join(
                     f"{k} {v}" for k, v in corr.edits().items()) or "no edit")
        return corr.apply(al.src, al.tgt), None

    def corrections(self) -> list[dict[str, Any]]:
        """The reviewers' corrections the corpus keeps: one dict per pair of texts
        (``doc_id`` it was stored under, ``added``, ``edits`` counts, ``corrections``: the
        :class:`~paralign.corpus.corrections.Corrections`)."""
        from .corrections import Corrections

        out = []
        for body, did, added in self._con.execute(
                "SELECT body, doc_id, added FROM corrections ORDER BY added, doc_id"):
            corr = Corrections.from_dict(json.loads(body), f"{self.path}: stored corrections")
            out.append({"doc_id": did, "added": added, "edits": corr.edits(),
                        "corrections": corr})
        return out

    def add_units(self, units: Iterable[Unit], *, meta: dict[str, Any] | None = None,
                  replace: bool = True, source: str | None = None) -> int:
        """Store units (from a TMX or TSV file), one transaction per document; returns count.

        Units are grouped by consecutive ``doc_id``; a document met again later in the
        same stream is appended to, not replaced.
        """
        meta = _check_meta(meta)
        if isinstance(units, (str, bytes, Unit)) or not isinstance(units, Iterable):
            raise TypeError(f"add_units() takes an iterable of Unit records, got "
                            f"{type(units).__name__}")
        seen: set[str] = set()
        total = 0
        for did, group in groupby(_checked_units(units), key=lambda u: u.doc_id):
            chunk: list[Unit] = []
            for u in group:
                chunk.append(u)
                if len(chunk) >= 50_000:
                    total += self._store_units(did, chunk, meta, replace, source, seen)
                    chunk = []
            if chunk:
                total += self._store_units(did, chunk, meta, replace, source, seen)
        return total

    def _store_units(self, did: str, chunk: list[Unit], meta: dict[str, Any] | None,
                     replace: bool, source: str | None, seen: set[str]) -> int:
        sl, ss = parse_lang_tag(chunk[0].src_lang)
        tl, ts = parse_lang_tag(chunk[0].tgt_lang)
        info = DocInfo(doc_id=did, src_tag=chunk[0].src_lang, tgt_tag=chunk[0].tgt_lang,
                       src_lang=sl, src_script=ss, tgt_lang=tl, tgt_script=ts,
                       src_source=source, tgt_source=source, meta=dict(meta or {}))
        self._store(info, chunk, [], replace=replace, append=did in seen)
        seen.add(did)
        return len(chunk)

    def _store(self, info: DocInfo, units: Sequence[Unit], segments: Sequence[tuple[Any, ...]],
               *, replace: bool, append: bool = False, n_src: int | None = None,
               n_tgt: int | None = None, origins: Sequence[str] | None = None,
               correction: tuple[str, str, str | None, str] | None = None) -> None:
        # tokenize before taking the write lock: it is the slow part
        langs = [(info.src_lang or "", info.tgt_lang or "")] * len(units)
        fts = _fts_rows([(k, u.src, u.tgt) for k, u in enumerate(units)], langs)
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._tx() as con:
            row = con.execute("SELECT id, n_beads FROM docs WHERE doc_id = ?",
                              (info.doc_id,)).fetchone()
            start_pos = 0
            if row is not None and append:
                doc, start_pos = row
                con.execute("UPDATE docs SET n_beads = n_beads + ? WHERE id = ?",
                            (len(units), doc))
            else:
                if row is not None:
                    if not replace:
                        raise DuplicateDocumentError(
                            f"document {info.doc_id!r} is already in {self.path}; "
                            "pass replace=True to replace it")
                    self._delete_doc(row[0])
                parallelism = info.parallelism
                if parallelism is not None and math.isnan(parallelism):
                    parallelism = None
                doc = con.execute(
                    "INSERT INTO docs (doc_id, title, src_lang, src_script, src_tag, tgt_lang,"
                    " tgt_script, tgt_tag, src_source, tgt_source, signature, parallelism,"
                    " meta, n_beads, n_src, n_tgt, added)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (info.doc_id, info.title, info.src_lang, info.src_script, info.src_tag,
                     info.tgt_lang, info.tgt_script, info.tgt_tag, _file_name(info.src_source),
                     _file_name(info.tgt_source), info.signature, parallelism,
                     json.dumps(info.meta, ensure_ascii=False, sort_keys=True), len(units),
                     n_src, n_tgt, now)).lastrowid
            first = con.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM beads").fetchone()[0]
            if origins is None:
                origins = ["aligner"] * len(units)
            con.executemany(
                "INSERT INTO beads (id, doc, pos, src_idx, tgt_idx, kind, score, src_text,"
                " tgt_text, src_len, tgt_len, tmx, origin)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(first + k, doc, start_pos + k, _idx_str(u.src_idx), _idx_str(u.tgt_idx),
                  u.kind, None if math.isnan(u.score) else u.score, u.src, u.tgt,
                  len(u.src), len(u.tgt), getattr(u, "tmx", None), o)
                 for k, (u, o) in enumerate(zip(units, origins))])
            con.executemany("INSERT INTO beads_fts (rowid, zh, en) VALUES (?, ?, ?)",
                            [(first + k, z, e) for k, z, e in fts])
            if segments:
                con.executemany("INSERT INTO segments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                [(doc, *s) for s in segments])
            if correction is not None:
                src_sha, tgt_sha, body, did = correction
                con.execute("DELETE FROM corrections WHERE src_sha256 = ? AND tgt_sha256 = ?",
                            (src_sha, tgt_sha))
                if body is not None:
                    con.execute("INSERT INTO corrections VALUES (?, ?, ?, ?, ?)",
                                (src_sha, tgt_sha, did, body, now))
        self._meta_cache.pop(doc, None)

    def _delete_doc(self, doc: int) -> None:
        self._con.execute("DELETE FROM beads_fts WHERE rowid IN "
                          "(SELECT id FROM beads WHERE doc = ?)", (doc,))
        self._con.execute("DELETE FROM docs WHERE id = ?", (doc,))  # cascades
        self._meta_cache.pop(doc, None)

    def remove(self, doc_id: str) -> bool:
        """Delete a document pair; True if it was there."""
        _text(doc_id, "doc_id")
        with self._tx() as con:
            row = con.execute("SELECT id FROM docs WHERE doc_id = ?", (doc_id,)).fetchone()
            if row is None:
                return False
            self._delete_doc(row[0])
        return True

    def dedupe(self) -> int:
        """Delete beads whose (source, target) texts repeat an earlier bead; returns how many.

        The first occurrence (in storage order) is kept; document bead counts are updated.
        """
        with self._tx() as con:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS _dups (id INTEGER PRIMARY KEY)")
            con.execute("DELETE FROM _dups")
            con.execute("INSERT INTO _dups SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
                        "(PARTITION BY src_text, tgt_text ORDER BY id) AS rn FROM beads) "
                        "WHERE rn > 1")
            n = con.execute("SELECT count(*) FROM _dups").fetchone()[0]
            if n:
                con.execute("DELETE FROM beads_fts WHERE rowid IN (SELECT id FROM _dups)")
                con.execute("DELETE FROM beads WHERE id IN (SELECT id FROM _dups)")
                con.execute("UPDATE docs SET n_beads = "
                            "(SELECT count(*) FROM beads WHERE beads.doc = docs.id)")
            con.execute("DROP TABLE _dups")
        log.info("%s: removed %d duplicate pair(s)", self.path, n)
        return int(n)

    # -- reading -----------------------------------------------------------------------------
    @property
    def n_docs(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM docs").fetchone()[0])

    def doc_ids(self) -> list[str]:
        """Stored document ids, in insertion order."""
        return [r[0] for r in self._con.execute("SELECT doc_id FROM docs ORDER BY id")]

    def docs(self) -> list[DocInfo]:
        """Metadata of every stored document pair."""
        rows = self._con.execute(
            "SELECT doc_id, src_tag, tgt_tag, src_lang, src_script, tgt_lang, tgt_script,"
            " title, src_source, tgt_source, signature, parallelism, meta, n_beads, added"
            " FROM docs ORDER BY id").fetchall()
        return [DocInfo(*r[:12], meta=json.loads(r[12]), n_beads=r[13], added=r[14])
                for r in rows]

    def segments(self, doc_id: str, side: int = 0) -> list[dict[str, Any]]:
        """The stored sentences of one side (0 source, 1 target) of a document."""
        _text(doc_id, "doc_id")
        if side not in (0, 1) or isinstance(side, bool):
            raise ValueError(f"side must be 0 (source) or 1 (target), got {side!r}")
        rows = self._con.execute(
            "SELECT s.idx, s.text, COALESCE(s.norm, s.text), s.paragraph, s.span_start,"
            " s.span_end FROM segments s JOIN docs d ON d.id = s.doc"
            " WHERE d.doc_id = ? AND s.side = ? ORDER BY s.idx", (doc_id, side))
        return [dict(zip(("idx", "text", "norm", "paragraph", "start", "end"), r)) for r in rows]

    def _where(self, *, min_score: float | None = None, kinds: Iterable[str] | None = None,
               doc_id: str | Iterable[str] | None = None, src_lang: str | None = None,
               tgt_lang: str | None = None, script: str | None = None,
               meta: dict[str, Any] | None = None, skip_null: bool = True
               ) -> tuple[str, list[Any]]:
        # every value is bound; every key and value is checked first, so that what a user
        # passes can change what matches, never the statement
        clauses: list[str] = []
        params: list[Any] = []
        if skip_null:
            clauses.append("b.src_idx != '' AND b.tgt_idx != ''")
        if min_score is not None:
            if isinstance(min_score, bool) or not isinstance(min_score, numbers.Real) \
                    or math.isnan(min_score):
                raise TypeError(f"min_score must be a number, got {min_score!r}")
            if min_score:
                clauses.append("b.score >= ?")
                params.append(float(min_score))
        if kinds is not None:
            kinds = _strings(kinds, "kinds")
            clauses.append(f"b.kind IN ({','.join('?' * len(kinds))})")
            params += kinds
        if doc_id is not None:
            ids = _strings(doc_id, "doc_id")
            clauses.append(f"d.doc_id IN ({','.join('?' * len(ids))})")
            params += ids
        for col, value in (("src", src_lang), ("tgt", tgt_lang)):
            if value:
                _text(value, f"{col}_lang")
                clauses.append(f"(d.{col}_lang = ? OR lower(d.{col}_tag) = lower(?))")
                params += [value, value]
        if script:
            _text(script, "script")
            clauses.append("(d.src_script = ? OR d.tgt_script = ?)")
            params += [script, script]
        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f"meta must be a dict of key: value, got {type(meta).__name__}")
        for key, value in (meta or {}).items():
            _text(key, "meta key")
            if not key:
                raise ValueError("meta key must not be empty")
            if value is not None and (isinstance(value, (dict, list, tuple, set)) or
                                      not isinstance(value, (str, numbers.Real))):
                raise TypeError(f"meta value for {key!r} must be a string, a number, a bool "
                                f"or None, got {type(value).__name__}")
            if isinstance(value, float) and math.isnan(value):
                raise ValueError(f"meta value for {key!r} is NaN, which matches nothing")
            if isinstance(value, str):
                _text(value, f"meta value for {key!r}")
            if not _PLAIN_KEY.fullmatch(key):  # not safe in a JSON path: look it up
                clauses.append("EXISTS (SELECT 1 FROM json_each(d.meta) j "
                               "WHERE j.key = ? AND j.value IS ?)")
                params += [key, value]
            else:
                clauses.append("json_extract(d.meta, ?) IS ?")
                params += [f'$."{key}"', value]
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    _PAIR_COLS = ("b.id, d.doc_id, b.pos, b.src_idx, b.tgt_idx, b.src_text, b.tgt_text, "
                  "b.score, b.kind, d.src_tag, d.tgt_tag, d.meta, d.id, b.tmx, b.origin")

    def _pair(self, r: Sequence[Any]) -> Pair:
        meta = self._meta_cache.get(r[12])
        if meta is None:
            meta = self._meta_cache[r[12]] = json.loads(r[11])
        return Pair(r[0], r[1], r[2], _idx_tuple(r[3]), _idx_tuple(r[4]), r[5], r[6],
                    math.nan if r[7] is None else r[7], r[8], r[9], r[10], meta, r[13], r[14])

    def pairs(self, min_score: float | None = None, *, kinds: Iterable[str] | None = None,
              doc_id: str | Iterable[str] | None = None, src_lang: str | None = None,
              tgt_lang: str | None = None, script: str | None = None,
              meta: dict[str, Any] | None = None, skip_null: bool = True) -> Iterator[Pair]:
        """Iterate stored segment pairs in storage order, filtered.

        Args:
            min_score: keep beads scoring at least this.
            kinds: bead types to keep (``["1-1", "2-1"]``).
            doc_id: one document id or several.
            src_lang, tgt_lang: language (``zh``) or tag (``zh-TW``) of a side.
            script: ``Hant`` or ``Hans``: documents whose Chinese side is in that script.
            meta: ``{key: value}`` that the document metadata must hold.
            skip_null: leave out 1-0 and 0-1 beads (default).
        """
        where, params = self._where(min_score=min_score, kinds=kinds, doc_id=doc_id,
                                    src_lang=src_lang, tgt_lang=tgt_lang, script=script,
                                    meta=meta, skip_null=skip_null)
        cur = self._con.execute(f"SELECT {self._PAIR_COLS} FROM beads b JOIN docs d "
                                f"ON d.id = b.doc{where} ORDER BY b.id", params)
        for r in cur:
            yield self._pair(r)

    def iter_units(self, min_score: float | None = None, **filters: Any) -> Iterator[Unit]:
        """Stored beads as :class:`~paralign.corpus.formats.Unit` records, for the writers."""
        for p in self.pairs(min_score, **filters):
            yield p.unit()

    def count(self, min_score: float | None = None, **filters: Any) -> int:
        """Number of pairs matching the filters of :meth:`pairs`."""
        where, params = self._where(min_score=min_score, **filters)
        return int(self._con.execute(f"SELECT count(*) FROM beads b JOIN docs d ON d.id = b.doc"
                                     f"{where}", params).fetchone()[0])

    def sample(self, n: int, seed: int | None = None, **filters: Any) -> list[Pair]:
        """``n`` pairs drawn at random without replacement (reproducible with ``seed``).

        Meant for annotation: drawing from the ids keeps it uniform over pairs, not docs.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise TypeError(f"n must be a non-negative int, got {n!r}")
        where, params = self._where(**filters)
        ids = [r[0] for r in self._con.execute(
            f"SELECT b.id FROM beads b JOIN docs d ON d.id = b.doc{where} ORDER BY b.id", params)]
        chosen = random.Random(seed).sample(ids, min(n, len(ids)))
        out: list[Pair] = []
        for k in range(0, len(chosen), 500):
            part = chosen[k:k + 500]
            rows = {r[0]: r for r in self._con.execute(
                f"SELECT {self._PAIR_COLS} FROM beads b JOIN docs d ON d.id = b.doc "
                f"WHERE b.id IN ({','.join('?' * len(part))})", part)}
            out += [self._pair(rows[i]) for i in part]
        return out

    def stats(self) -> CorpusStats:
        """Bead type distribution, length ratios and score histogram."""
        con = self._con
        docs = con.execute("SELECT count(*) FROM docs").fetchone()[0]
        kinds = dict(con.execute("SELECT kind, count(*) AS n FROM beads GROUP BY kind "
                                 "ORDER BY n DESC, kind"))
        beads = sum(kinds.values())
        pairs, src_chars, tgt_chars, score_mean = con.execute(
            "SELECT count(*), COALESCE(SUM(src_len), 0), COALESCE(SUM(tgt_len), 0),"
            " AVG(score) FROM beads WHERE src_idx != '' AND tgt_idx != ''").fetchone()
        hist_rows = dict(con.execute(
            "SELECT MIN(MAX(CAST(score * 10 AS INTEGER), 0), 9) AS bin, count(*) FROM beads"
            " WHERE score IS NOT NULL AND src_idx != '' AND tgt_idx != '' GROUP BY bin"))
        histogram = [(k / 10, (k + 1) / 10, int(hist_rows.get(k, 0))) for k in range(10)]
        ratios = sorted(r[0] for r in con.execute(
            "SELECT CAST(src_len AS REAL) / tgt_len FROM beads WHERE tgt_len > 0 AND src_len > 0"
            " AND src_idx != '' AND tgt_idx != ''"))
        length_ratio: dict[str, float] = {}
        if ratios:
            def q(p: float) -> float:
                return ratios[min(len(ratios) - 1, int(p * len(ratios)))]

            length_ratio = {"mean": statistics.fmean(ratios), "median": statistics.median(ratios),
                            "p10": q(0.10), "p90": q(0.90)}
        return CorpusStats(docs=docs, beads=beads, pairs=pairs, kinds=kinds,
                           src_chars=src_chars, tgt_chars=tgt_chars, length_ratio=length_ratio,
                           score_histogram=histogram,
                           score_mean=math.nan if score_mean is None else score_mean)

    # -- concordance ---------------------------------------------------------------------------
    def search(self, term: str, side: str | None = None, limit: int | None = 20, *,
               min_score: float | None = None) -> list[cc.Hit]:
        """Bilingual concordance: beads whose ``side`` holds ``term``, as keyword-in-context.

        ``side`` is ``"zh"``, ``"en"`` or None (guessed: Chinese characters -> zh). Chinese
        matching goes through the Simplified view, so 外交部 finds 外交部 and 外交部.
        Uses the FTS5 index: fast on millions of pairs. See :mod:`.concordance`.
        """
        _text(term, "term")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise TypeError(f"limit must be an int or None, got {limit!r}")
        side = side or cc.guess_side(term)
        if side not in ("zh", "en"):
            raise ValueError(f"side must be 'zh', 'en' or None, got {side!r}")
        built = cc.build_query(term, side)
        if built is None:
            return []
        expr, needle = built
        sql = ("SELECT b.id, d.doc_id, b.src_text, b.tgt_text, b.score, b.kind, d.src_lang,"
               " d.tgt_lang FROM beads_fts JOIN beads b ON b.id = beads_fts.rowid"
               " JOIN docs d ON d.id = b.doc WHERE beads_fts MATCH ?")
        params: list[Any] = [expr]
        if min_score:
            sql += " AND b.score >= ?"
            params.append(float(min_score))
        hits: list[cc.Hit] = []
        try:
            cur = self._con.execute(sql + " ORDER BY beads_fts.rowid", params)
        except sqlite3.OperationalError as exc:
            raise InputError(f"cannot search for {term!r}: {exc}") from None
        for bid, doc_id, src, tgt, score, kind, sl, tl in cur:
            zh_is_src = sl == "zh" or tl != "zh"
            if side == "zh":
                text, other = (src, tgt) if zh_is_src else (tgt, src)
            else:
                text, other = (tgt, src) if zh_is_src else (src, tgt)
                if sl != "zh" and tl != "zh":  # neither side Chinese: en column has both
                    text, other = (src, tgt) if cc.kwic(src, needle, side) else (tgt, src)
            parts = cc.kwic(text, needle, side)
            if parts is None:  # FTS matched the tokens, not the exact term
                continue
            hits.append(cc.Hit(doc_id, bid, side, *parts, other,
                               math.nan if score is None else score, kind))
            if limit is not None and len(hits) >= limit:
                break
        return hits

    # -- exports -----------------------------------------------------------------------------
    def _srclang(self) -> str:
        """The header's srclang: the source tag of most beads (``zh-CN`` for a corpus of
        Simplified and Traditional documents, whose zh-TW units then name theirs), so that
        the header names a language the units really use (``zh`` alone made OmegaT warn)."""
        rows = self._con.execute("SELECT d.src_tag, sum(d.n_beads) FROM docs d "
                                 "GROUP BY d.src_tag ORDER BY 2 DESC, 1").fetchall()
        return rows[0][0] if rows else "zh"

    def export(self, path: str | os.PathLike[str], min_score: float = 0.0, *,
               fmt: str | None = None, skip_null: bool | None = None,
               src_lang: str | None = None, tgt_lang: str | None = None,
               filters: dict[str, Any] | None = None, **kwargs: Any) -> int:
        """Write the corpus to ``path`` (format from the suffix); returns units written.

        ``filters`` are those of :meth:`pairs`; ``src_lang``/``tgt_lang`` override the
        language tags; ``kwargs`` go to the format writer. Written atomically.
        """
        fmt = fmt or format_from_path(path)
        # min_score and skip_null are applied by write_units, which counts what they leave out
        units: Iterable[Unit] = self.iter_units(None, skip_null=False, **(filters or {}))
        if src_lang or tgt_lang:
            units = (u._replace(src_lang=src_lang or u.src_lang, tgt_lang=tgt_lang or u.tgt_lang)
                     for u in units)
        if fmt == "tmx":
            kwargs.setdefault("srclang", src_lang or self._srclang())
        return write_units(units, path, fmt, min_score=min_score, skip_null=skip_null,
                           inputs=self.files(), **kwargs)

    def to_tmx(self, path: str | os.PathLike[str], min_score: float = 0.0, **kwargs: Any) -> int:
        """TMX 1.4b (null beads skipped unless ``skip_null=False``)."""
        return self.export(path, min_score, fmt="tmx", **kwargs)

    def to_tsv(self, path: str | os.PathLike[str], min_score: float = 0.0, **kwargs: Any) -> int:
        return self.export(path, min_score, fmt="tsv", **kwargs)

    def to_jsonl(self, path: str | os.PathLike[str], min_score: float = 0.0, **kwargs: Any) -> int:
        return self.export(path, min_score, fmt="jsonl", **kwargs)

    def to_vecalign(self, path: str | os.PathLike[str], doc_id: str | None = None,
                    **kwargs: Any) -> int:
        """Vecalign ``.align`` of one document (``doc_id`` needed if the corpus holds several)."""
        filters = dict(kwargs.pop("filters", None) or {})
        if doc_id is not None:
            filters["doc_id"] = doc_id
        return self.export(path, fmt="align", filters=filters, **kwargs)

    def to_plain(self, src_path: str | os.PathLike[str], tgt_path: str | os.PathLike[str],
                 min_score: float = 0.0, **filters: Any) -> int:
        """Two line-aligned text files (null beads skipped)."""
        return write_plain(self.iter_units(min_score, **filters), src_path, tgt_path,
                           min_score=min_score, inputs=self.files())

    def to_pandas(self, min_score: float | None = None, **filters: Any) -> Any:
        """The pairs as a pandas DataFrame, one row per bead (filters as in :meth:`pairs`).

        Columns: id, doc_id, pos, src_idx, tgt_idx (lists), src, tgt, score, kind,
        src_lang, tgt_lang, meta (the document's metadata, a dict), origin ("aligner" or a
        reviewer's edit, see :mod:`.corrections`). pandas is optional
        (the ``notebook`` extra).
        """
        try:
            import pandas as pd
        except ImportError:
            from ..errors import DependencyError

            raise DependencyError("to_pandas() needs pandas: pip install 'paralign[notebook]'"
                                  ) from None
        cols = ["id", "doc_id", "pos", "src_idx", "tgt_idx", "src", "tgt", "score", "kind",
                "src_lang", "tgt_lang", "meta", "origin"]
        return pd.DataFrame.from_records(
            (p.as_dict() for p in self.pairs(min_score, **filters)), columns=cols)

    #: the name :meth:`Alignment.to_dataframe` uses; the same table
    to_dataframe = to_pandas

    def to_parquet(self, path: str | os.PathLike[str], min_score: float | None = None,
                   **filters: Any) -> int:
        """Write the pairs to a Parquet file (what training pipelines read); returns rows.

        The table of :meth:`to_pandas`, with ``meta`` as a JSON string (documents differ in
        their keys, which a Parquet column cannot), written atomically with pyarrow.
        """
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            from ..errors import DependencyError

            raise DependencyError("to_parquet() needs pyarrow: pip install pyarrow") from None
        from .atomic import atomic_write

        df = self.to_pandas(min_score, **filters)
        df["meta"] = [json.dumps(m, ensure_ascii=False, sort_keys=True) for m in df["meta"]]
        df["src_idx"] = [list(x) for x in df["src_idx"]]
        df["tgt_idx"] = [list(x) for x in df["tgt_idx"]]
        with atomic_write(path, "wb") as f:
            df.to_parquet(f, engine="pyarrow", index=False)
        return len(df)


# -- files read into a corpus ---------------------------------------------------------------------

def read_tmx(path: str | os.PathLike[str], *, src_lang: str | None = None,
             tgt_lang: str | None = None) -> ParallelCorpus:
    """A TMX file as an in-memory :class:`ParallelCorpus` (one document per ``x-doc-id``)."""
    check_input(path, "TMX")
    corpus = ParallelCorpus(":memory:")
    corpus.add_units(iter_tmx(path, src_lang=src_lang, tgt_lang=tgt_lang), source=str(path))
    return corpus


def read_tsv(path: str | os.PathLike[str], *, src_lang: str = "zh", tgt_lang: str = "en"
             ) -> ParallelCorpus:
    """A TSV export read back into an in-memory :class:`ParallelCorpus`."""
    corpus = ParallelCorpus(":memory:")
    corpus.add_units(iter_tsv(path, src_lang=src_lang, tgt_lang=tgt_lang),
                     source=str(path))
    return corpus
