"""Hostile corpora: databases that are not ours, SQL-shaped user strings, closed corpora,
a disk that fills up. A refused file is never written to (hashed before and after, no
``-wal``/``-shm``/``-journal`` left beside it); a corpus that took hostile strings still
passes ``PRAGMA integrity_check`` with every pair there.
"""

from __future__ import annotations

import errno
import math
import sqlite3
from pathlib import Path

import pytest

from hostile_kit import (UNITS, assert_refused, assert_unchanged, corpus_ok, make_corpus,
                         run_cli, snapshot)
from paralign.corpus import ParallelCorpus
from paralign.corpus.formats import Unit
from paralign.corpus.store import APPLICATION_ID, SCHEMA_VERSION
from paralign.errors import FormatError, InputError


def _sqlite(path: Path, *statements: str) -> None:
    con = sqlite3.connect(path)
    for s in statements:
        con.execute(s)
    con.commit()
    con.close()


# (id, how to make the file, words of the refusal)
FOREIGN = [
    ("other-app-tables", lambda p: _sqlite(p, "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)"),
     "not a paralign corpus"),
    ("other-app-user-version", lambda p: _sqlite(p, "CREATE TABLE t (x)",
                                                  "PRAGMA user_version = 7"), "another application"),
    ("other-application-id", lambda p: _sqlite(p, "CREATE TABLE t (x)",
                                               "PRAGMA application_id = 1234",
                                               "PRAGMA user_version = 2"), "another application"),
    ("other-app-wal-mode", lambda p: _sqlite(p, "PRAGMA journal_mode = WAL", "CREATE TABLE t (x)"),
     "not a paralign corpus"),
    ("newer-paralign-schema", lambda p: _sqlite(p, "CREATE TABLE info (k, v)",
                                                f"PRAGMA application_id = {APPLICATION_ID}",
                                                f"PRAGMA user_version = {SCHEMA_VERSION + 1}"),
     "newer than this paralign"),
    ("text-file", lambda p: p.write_text("doc_id\tsrc\n", encoding="utf-8"), "not an SQLite file"),
    ("truncated-sqlite-header", lambda p: p.write_bytes(b"SQLite format 3\x00\x10\x00"),
     "not a paralign corpus"),
    ("random-bytes", lambda p: p.write_bytes(bytes(range(256)) * 16), "not an SQLite file"),
]


@pytest.mark.parametrize("make, words", [c[1:] for c in FOREIGN], ids=[c[0] for c in FOREIGN])
@pytest.mark.parametrize("how", ["read-write", "readonly", "cli-stats", "cli-batch"])
def test_a_database_that_is_not_ours_is_refused_unwritten(tmp_path, capsys, monkeypatch, make,
                                                          words, how):
    db = tmp_path / "other.db"
    make(db)
    (tmp_path / "pairs").mkdir()
    (tmp_path / "pairs" / "a.zh.txt").write_text("我们今天去公园。\n", encoding="utf-8")
    (tmp_path / "pairs" / "a.en.txt").write_text("We went to the park today.\n", encoding="utf-8")
    before = snapshot(tmp_path)
    if how.startswith("cli"):
        import functools

        from fake_aligners import LineAligner
        from paralign import pipeline

        monkeypatch.setattr("paralign.pipeline.run_batch",
                            functools.partial(pipeline.run_batch, make_aligner=LineAligner))
        argv = ["stats", str(db)] if how == "cli-stats" else \
            ["batch", str(tmp_path / "pairs"), "-o", str(db), "-j", "1"]
        rc, _, err = run_cli(["-q", *argv], capsys)
        assert_refused(rc, err, "other.db", words)
    else:
        with pytest.raises(FormatError, match=words):
            ParallelCorpus(db, readonly=how == "readonly")
    assert_unchanged(tmp_path, before)  # not a byte, no -wal, -shm or -journal


def test_a_refused_open_leaves_a_wal_database_of_another_app_usable(tmp_path):
    db = tmp_path / "other.db"
    _sqlite(db, "PRAGMA journal_mode = WAL", "CREATE TABLE t (x)", "INSERT INTO t VALUES (42)")
    with pytest.raises(FormatError):
        ParallelCorpus(db)
    assert sqlite3.connect(db).execute("SELECT x FROM t").fetchall() == [(42,)]


# -- SQL built from user strings ----------------------------------------------------------------

INJECTIONS = [
    "x') OR 1=1 --",
    "x' OR '1'='1",
    "'; DROP TABLE beads; --",
    "\"; DROP TABLE docs; --",
    "$.\"journal\"",
    "a\\\"b",
    "%",
    "*",
    "' UNION SELECT sql FROM sqlite_schema --",
    "\x00",
    "journal\" OR \"1\"=\"1",
    "NEAR(a b)",
]

# (id, query(corpus, hostile string)): each must match nothing, or raise TypeError/ValueError
QUERIES = [
    ("pairs-meta-key", lambda c, s: list(c.pairs(meta={s: 1}))),
    ("pairs-meta-value", lambda c, s: list(c.pairs(meta={"journal": s}))),
    ("count-meta-key", lambda c, s: c.count(meta={s: "A"})),
    ("sample-meta-key", lambda c, s: c.sample(5, seed=1, meta={s: "A"})),
    ("pairs-doc-id", lambda c, s: list(c.pairs(doc_id=s))),
    ("pairs-doc-ids", lambda c, s: list(c.pairs(doc_id=[s, s + "2"]))),
    ("pairs-kinds", lambda c, s: list(c.pairs(kinds=[s]))),
    ("pairs-src-lang", lambda c, s: list(c.pairs(src_lang=s))),
    ("pairs-tgt-lang", lambda c, s: list(c.pairs(tgt_lang=s))),
    ("pairs-script", lambda c, s: list(c.pairs(script=s))),
    ("segments", lambda c, s: c.segments(s)),
    ("contains", lambda c, s: [1] if s in c else []),
    ("remove", lambda c, s: [1] if c.remove(s) else []),
    ("search-en", lambda c, s: c.search(s, side="en")),
    ("search-zh", lambda c, s: c.search(s, side="zh")),
    ("export-filter", lambda c, s: [1] * c.export(c._tmp_out, filters={"doc_id": s})),
]


@pytest.fixture
def corpus(tmp_path):
    path = make_corpus(tmp_path / "c.db")
    c = ParallelCorpus(path)
    c.add_units([Unit("doc-m", (0,), (0,), "期刊。", "The periodical.", 0.5)],
                meta={"journal": "A"})
    c._tmp_out = tmp_path / "x.jsonl"
    yield c
    c.close()
    corpus_ok(path, len(UNITS) + 1)


@pytest.mark.parametrize("query", [q[1] for q in QUERIES], ids=[q[0] for q in QUERIES])
@pytest.mark.parametrize("hostile", INJECTIONS, ids=[f"s{k}" for k in range(len(INJECTIONS))])
def test_injection_shaped_strings_match_nothing_and_change_nothing(corpus, query, hostile):
    n = corpus.count(skip_null=False)
    try:
        result = query(corpus, hostile)
    except (TypeError, ValueError) as exc:  # refused: a clear message naming the argument
        assert str(exc) and "\n" not in str(exc)
    else:
        assert not result, result
    assert corpus.count(skip_null=False) == n
    assert {r[0] for r in corpus._con.execute("SELECT name FROM sqlite_schema")} >= \
        {"docs", "beads", "segments", "info", "beads_fts"}


@pytest.mark.parametrize("key", INJECTIONS[:9] + ["plain", "with space", "点"])
def test_a_hostile_meta_key_finds_exactly_its_document(tmp_path, key):
    """Keys are data: a document stored with an injection-shaped key is found by it, alone."""
    with ParallelCorpus(tmp_path / "c.db") as c:
        c.add_units(UNITS)
        c.add_units([Unit("target", (0,), (0,), "目标。", "The target.", 0.5)], meta={key: 1})
        assert [p.doc_id for p in c.pairs(meta={key: 1})] == ["target"]
        assert c.count(meta={key: 2}) == 0
        assert c.count(meta={key + "x": 1}) == 0


# -- arguments of the wrong type are refused, naming the argument -------------------------------

BAD_ARGUMENTS = [
    ("min-score-string", lambda c: list(c.pairs(min_score="0.5; DROP TABLE beads")), TypeError,
     "min_score"),
    ("min-score-nan", lambda c: list(c.pairs(min_score=math.nan)), TypeError, "min_score"),
    ("meta-not-a-dict", lambda c: list(c.pairs(meta="journal")), TypeError, "meta"),
    ("meta-key-not-a-string", lambda c: list(c.pairs(meta={1: 1})), TypeError, "meta key"),
    ("meta-value-a-list", lambda c: list(c.pairs(meta={"a": [1]})), TypeError, "meta value"),
    ("doc-id-a-number", lambda c: list(c.pairs(doc_id=5)), TypeError, "doc_id"),
    ("doc-id-lone-surrogate", lambda c: list(c.pairs(doc_id="a\ud800")), ValueError, "doc_id"),
    ("kinds-numbers", lambda c: list(c.pairs(kinds=[1, 2])), TypeError, "kinds"),
    ("search-none", lambda c: c.search(None), TypeError, "term"),
    ("search-limit-string", lambda c: c.search("公园", limit="5"), TypeError, "limit"),
    ("sample-n-string", lambda c: c.sample("5"), TypeError, "n must"),
    ("segments-side-2", lambda c: c.segments("doc-a", 2), ValueError, "side"),
    ("add-none", lambda c: c.add(None), TypeError, "Alignment"),
    ("add-a-string", lambda c: c.add("我们。"), TypeError, "Alignment"),
    ("add-units-ints", lambda c: c.add_units([1, 2]), TypeError, "item 0 is int"),
    ("add-units-a-string", lambda c: c.add_units("abc"), TypeError, "iterable of Unit"),
    ("add-units-none", lambda c: c.add_units(None), TypeError, "iterable of Unit"),
    ("add-units-meta-a-list", lambda c: c.add_units(UNITS, meta=["a"]), TypeError, "meta"),
    ("add-units-surrogate-doc-id", lambda c: c.add_units([UNITS[0]._replace(doc_id="d\udce9")]),
     ValueError, "not valid Unicode"),
    ("add-units-surrogate-text", lambda c: c.add_units([UNITS[0]._replace(doc_id="s",
                                                                         src="\ud800")]),
     ValueError, "not valid Unicode"),
    ("path-a-number", lambda c: ParallelCorpus(5), TypeError, "path"),
    ("path-none", lambda c: ParallelCorpus(None), TypeError, "path"),
]


@pytest.mark.parametrize("call, exc, words", [b[1:] for b in BAD_ARGUMENTS],
                         ids=[b[0] for b in BAD_ARGUMENTS])
def test_bad_arguments_are_refused_naming_them(tmp_path, call, exc, words):
    path = make_corpus(tmp_path / "c.db")
    with ParallelCorpus(path) as c:
        with pytest.raises(exc, match=words.replace("(", r"\(")):
            call(c)
        assert c.count(skip_null=False) == len(UNITS)
    corpus_ok(path)


@pytest.mark.parametrize("kwargs, exc, words", [
    ({"doc_id": "a\udce9"}, ValueError, "doc_id"),
    ({"doc_id": 5}, TypeError, "doc_id"),
    ({"doc_id": "  "}, ValueError, "doc_id"),
    ({"meta": "journal=A"}, TypeError, "meta"),
    ({"meta": {"a": object()}}, TypeError, "meta"),
    ({"meta": {"a": "\ud800"}}, TypeError, "meta"),
], ids=["surrogate-doc-id", "number-doc-id", "blank-doc-id", "meta-a-string",
        "meta-not-json", "meta-surrogate"])
def test_add_refuses_bad_ids_and_metadata(tmp_path, kwargs, exc, words):
    from fake_encoders import HashEncoder
    from paralign import AlignConfig, Aligner

    al = Aligner(AlignConfig(cache=False, progress=False), encoder=HashEncoder()).align(
        ["我爱你。", "他走了。"], ["I love you.", "He left."])
    path = make_corpus(tmp_path / "c.db")
    with ParallelCorpus(path) as c:
        with pytest.raises(exc, match=words):
            c.add(al, **kwargs)
        assert c.n_docs == 2
    corpus_ok(path)


CLOSED = [
    ("pairs", lambda c: list(c.pairs())), ("count", lambda c: c.count()),
    ("add-units", lambda c: c.add_units(UNITS)), ("search", lambda c: c.search("公园")),
    ("stats", lambda c: c.stats()), ("export", lambda c: c.export(c.path + ".tsv")),
    ("doc-ids", lambda c: c.doc_ids()), ("len", lambda c: len(c)),
    ("contains", lambda c: "doc-a" in c), ("remove", lambda c: c.remove("doc-a")),
]


@pytest.mark.parametrize("call", [c[1] for c in CLOSED], ids=[c[0] for c in CLOSED])
def test_a_closed_corpus_says_so(tmp_path, call):
    c = ParallelCorpus(make_corpus(tmp_path / "c.db"))
    c.close()
    c.close()  # idempotent
    with pytest.raises(InputError, match="closed"):
        call(c)
    assert "closed" in repr(c)
    assert not Path(c.path + ".tsv").exists()


# -- the disk fills up while the corpus is written ----------------------------------------------

@pytest.mark.parametrize("pages_left", [0, 1, 3])
def test_a_full_disk_loses_nothing_stored(tmp_path, pages_left):
    """SQLite's own SQLITE_FULL (``max_page_count``): OSError ENOSPC naming the corpus; the
    document being added is not stored at all; everything stored before is intact."""
    path = make_corpus(tmp_path / "c.db")
    with ParallelCorpus(path) as c:
        pages = c._con.execute("PRAGMA page_count").fetchone()[0]
        c._con.execute(f"PRAGMA max_page_count = {pages + pages_left}")
        big = [Unit("big", (k,), (k,), "我们今天去公园。" * 50, "We went to the park. " * 50)
               for k in range(300)]
        with pytest.raises(OSError) as info:
            c.add_units(big)
        assert info.value.errno == errno.ENOSPC
        assert info.value.filename == str(path)
        assert "big" not in c
        assert c.count(skip_null=False) == len(UNITS)
    corpus_ok(path)
