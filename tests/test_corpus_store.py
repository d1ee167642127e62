"""ParallelCorpus on SQLite files: schema, transactions, queries, concordance, exports."""

from __future__ import annotations

import sqlite3

import pytest

from test_corpus_helpers import ZH_HANS, make_alignment, simple_alignment
from paralign.corpus import DuplicateDocumentError, ParallelCorpus, SCHEMA_VERSION, validate_tmx
from paralign.corpus import store as store_mod
from paralign.errors import FormatError, InputError


@pytest.fixture
def corpus(tmp_path):
    c = ParallelCorpus(tmp_path / "c.db")
    c.add(make_alignment(script="Hant"), doc_id="trad", meta={"journal": "A", "year": 2020})
    en = ["The foreign minister spoke today.", "He said China is fine.",
          "The economy grows fast."]
    c.add(simple_alignment(list(zip(ZH_HANS, en)), scores=[0.95, 0.3, 0.6]),
          doc_id="simp", meta={"journal": "B"})
    yield c
    c.close()


def test_schema_version_wal_and_application_id(corpus, tmp_path):
    con = sqlite3.connect(tmp_path / "c.db")
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA application_id").fetchone()[0] == store_mod.APPLICATION_ID
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type='table'")}
    assert {"info", "docs", "segments", "beads", "beads_fts", "corrections"} <= tables


def test_stored_document_metadata_and_segments(corpus):
    info = {d.doc_id: d for d in corpus.docs()}
    t = info["trad"]
    assert (t.src_lang, t.src_script, t.src_tag, t.tgt_tag) == ("zh", "Hant", "zh-TW", "en")
    assert t.signature == "paralign test" and t.src_source == "doc.zh.txt"
    assert t.meta == {"journal": "A", "year": 2020} and t.n_beads == 4
    segs = corpus.segments("trad", 0)
    assert segs[1]["text"] == "他說😀\t中國很好。" and segs[1]["start"] == 1


@pytest.mark.parametrize("filters, expected", [
    ({}, 6),
    ({"skip_null": False}, 7),
    ({"min_score": 0.6}, 4),
    ({"kinds": ["1-2"]}, 1),
    ({"kinds": "1-1"}, 5),
    ({"doc_id": "simp"}, 3),
    ({"doc_id": ["simp", "trad"]}, 6),
    ({"script": "Hant"}, 3),
    ({"script": "Hans"}, 3),
    ({"src_lang": "zh-CN"}, 3),
    ({"src_lang": "zh"}, 6),
    ({"tgt_lang": "en"}, 6),
    ({"meta": {"journal": "A"}}, 3),
    ({"meta": {"year": 2020}}, 3),
    ({"meta": {"journal": "C"}}, 0),
])
def test_pair_filters(corpus, filters, expected):
    assert corpus.count(**filters) == expected
    assert len(list(corpus.pairs(**filters))) == expected


def test_pairs_carry_texts_scores_and_metadata(corpus):
    p = next(corpus.pairs(doc_id="trad", kinds=["1-2"]))
    assert (p.src, p.tgt, p.score, p.kind, p.src_idx, p.tgt_idx) == (
        "他說😀\t中國很好。", "He said China is fine. Extra.", 0.7, "1-2", (1,), (1, 2))
    assert p.zh == p.src and p.en == p.tgt and p.meta["journal"] == "A"
    assert p.as_dict()["doc_id"] == "trad"


def test_replace_and_refuse_duplicates(corpus):
    corpus.add(simple_alignment([("一。", "One.")]), doc_id="simp")
    assert corpus.count(doc_id="simp") == 1
    assert corpus.search("经济", side="zh") == [] or all(
        h.doc_id != "simp" for h in corpus.search("经济"))
    with pytest.raises(DuplicateDocumentError):
        corpus.add(simple_alignment([("二。", "Two.")]), doc_id="simp", replace=False)
    assert [p.src for p in corpus.pairs(doc_id="simp")] == ["一。"]


def test_add_is_all_or_nothing(corpus, monkeypatch):
    before = corpus.count(skip_null=False)
    real = store_mod._idx_str
    calls = {"n": 0}

    def failing(ix):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("crash in the middle of the beads")
        return real(ix)

    monkeypatch.setattr(store_mod, "_idx_str", failing)
    with pytest.raises(RuntimeError):
        corpus.add(make_alignment(), doc_id="new")
    monkeypatch.setattr(store_mod, "_idx_str", real)
    assert "new" not in corpus and corpus.count(skip_null=False) == before
    assert corpus.n_docs == 2


def test_dedupe_sample_stats(corpus):
    corpus.add(simple_alignment([(ZH_HANS[0], "The foreign minister spoke today."),
                                 ("新句子。", "New.")]), doc_id="dup")
    assert corpus.dedupe() == 1
    assert corpus.count(doc_id="dup") == 1
    assert {d.doc_id: d.n_beads for d in corpus.docs()}["dup"] == 1
    s1 = corpus.sample(3, seed=7)
    assert len(s1) == 3 and [p.id for p in s1] == [p.id for p in corpus.sample(3, seed=7)]
    assert len(corpus.sample(100, seed=1)) == corpus.count()
    st = corpus.stats()
    assert st.docs == 3 and st.beads == 8 and st.pairs == 7
    assert st.kinds == {"1-1": 6, "1-0": 1, "1-2": 1}
    assert sum(c for _, _, c in st.score_histogram) == 7
    assert 0 < st.length_ratio["median"] < 1
    text = st.describe()
    assert "1-1 6" in text and "length ratio" in text and "[0.9, 1.0]" in text


@pytest.mark.parametrize("term, side, docs", [
    ("外交", "zh", {"trad", "simp"}),       # Simplified query finds Traditional text too
    ("外交部長", None, {"trad", "simp"}),    # Traditional query finds Simplified text too
    ("經濟", "zh", {"trad", "simp"}),
    ("foreign minister", "en", {"trad", "simp"}),
    ("FOREIGN", None, {"trad", "simp"}),
    ("economy grows", "en", {"trad", "simp"}),
    ("minister foreign", "en", set()),      # English terms are a phrase
    ("不存在的词", "zh", set()),
])
def test_search(corpus, term, side, docs):
    hits = corpus.search(term, side=side, limit=10)
    assert {h.doc_id for h in hits} == docs
    for h in hits:
        assert h.match and h.counterpart
        assert "[" + h.match + "]" in h.format()


def test_search_kwic_parts(corpus):
    h = corpus.search("外交")[0]
    assert (h.left, h.match, h.right) == ("", "外交", "部長今天發表講話。")
    assert h.counterpart == "The foreign minister spoke today."
    en = corpus.search("China")[0]
    assert en.side == "en" and en.match == "China" and en.counterpart.startswith("他")
    assert len(corpus.search("外交", limit=1)) == 1


@pytest.mark.parametrize("filters, rows", [({"min_score": 0.5}, 5), ({}, 6),
                                           ({"skip_null": False}, 7), ({"kinds": ["1-1"]}, None)])
def test_to_pandas(corpus, filters, rows):
    df = corpus.to_pandas(**filters)
    pairs = list(corpus.pairs(**filters))
    assert len(df) == len(pairs) == (rows if rows is not None else len(pairs))
    assert list(df["src"]) == [p.src for p in pairs] and list(df["score"]) == [p.score for p in pairs]
    assert {"id", "doc_id", "src_idx", "tgt_idx", "kind", "src_lang", "meta"} <= set(df.columns)
    assert corpus.to_dataframe(**filters).equals(df)


def test_to_parquet_round_trip(corpus, tmp_path):
    import json

    import pyarrow.parquet as pq

    path = tmp_path / "c.parquet"
    assert corpus.to_parquet(path, min_score=0.5) == 5
    table = pq.read_table(path)
    df = corpus.to_pandas(min_score=0.5)
    back = table.to_pandas()
    assert table.num_rows == 5 and list(back["tgt"]) == list(df["tgt"])
    assert [list(x) for x in back["src_idx"]] == [list(x) for x in df["src_idx"]]
    assert [json.loads(m) for m in back["meta"]] == list(df["meta"])
    assert not list(tmp_path.glob("*.tmp*"))  # written atomically, nothing left over


def test_exports_by_suffix(corpus, tmp_path):
    assert corpus.export(tmp_path / "c.tmx", min_score=0.5) == 5
    assert validate_tmx(tmp_path / "c.tmx") == []
    assert corpus.export(tmp_path / "c.tsv") == 7  # TSV keeps null beads
    assert corpus.to_jsonl(tmp_path / "c.jsonl", min_score=0.9) == 2
    assert corpus.to_vecalign(tmp_path / "c.align", doc_id="simp") == 3
    assert corpus.to_plain(tmp_path / "c.zh", tmp_path / "c.en") == 6


def test_memory_corpus_and_context_manager():
    with ParallelCorpus(":memory:") as c:
        c.add(simple_alignment([("一。", "One.")]), doc_id="x")
        assert c.count() == 1 and len(c) == 1 and "x" in c
    assert "closed" in repr(c)


def test_readonly(corpus, tmp_path):
    with ParallelCorpus(tmp_path / "c.db", readonly=True) as ro:
        assert ro.count() == 6
        with pytest.raises(InputError, match="read-only"):
            ro.add(simple_alignment([("一。", "One.")]), doc_id="x")
    with pytest.raises(FileNotFoundError):
        ParallelCorpus(tmp_path / "missing.db", readonly=True)


def test_not_a_corpus_and_newer_versions_are_refused(tmp_path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    with pytest.raises(FormatError, match="not a paralign corpus"):
        ParallelCorpus(other)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(FormatError):
        ParallelCorpus(garbage)
    newer = tmp_path / "newer.db"
    ParallelCorpus(newer).close()
    con = sqlite3.connect(newer)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(FormatError, match="newer"):
        ParallelCorpus(newer)


def test_migration_from_version_1_builds_the_concordance_index(tmp_path):
    path = tmp_path / "v1.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN")
    store_mod.MIGRATIONS[1](con)
    con.execute("PRAGMA user_version = 1")
    con.execute(f"PRAGMA application_id = {store_mod.APPLICATION_ID}")
    con.execute("INSERT INTO docs (id, doc_id, src_lang, src_tag, tgt_lang, tgt_tag, n_beads,"
                " added) VALUES (1, 'old', 'zh', 'zh-CN', 'en', 'en', 1, 'x')")
    con.execute("INSERT INTO beads VALUES (1, 1, 0, '0', '0', '1-1', 0.9, '外交部长讲话。',"
                " 'The minister spoke.', 7, 19)")
    con.execute("COMMIT")
    con.close()
    with pytest.raises(FormatError, match="upgrade"):
        ParallelCorpus(path, readonly=True)
    with ParallelCorpus(path) as c:
        assert c.schema_version == 4  # 1 -> 2 (concordance) -> 3 (beads.tmx) -> 4 (origin)
        assert [h.doc_id for h in c.search("外交")] == ["old"]
        assert [p.tmx for p in c.pairs()] == [None]
        assert [p.origin for p in c.pairs()] == ["aligner"]  # 3 -> 4: the aligner's beads
        assert c.corrections() == []
