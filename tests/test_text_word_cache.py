"""word_cache: Chinese words kept on disk are the words jieba gives, and a broken or missing
cache only means cutting them again."""

from __future__ import annotations

import importlib
import os

import pytest

from paralign.text import word_cache

W = importlib.import_module("paralign.text.words")  # the module (paralign.text.words is the function)

TEXTS = ["我们在互联网上使用软件。", "我們在網際網路上使用軟體。", "戈巴契夫 M. S. Gorbachev 的選集",
         "上帝说，要有光。", "上帝说，要有光。"]


@pytest.fixture(autouse=True)
def _fresh_memo():
    W.forget_zh_words()
    yield
    W.forget_zh_words()


def _no_jieba(monkeypatch):
    def refuse(text, lang):
        raise AssertionError(f"cut again: {text}")

    monkeypatch.setattr(W, "words", refuse)


@pytest.mark.parametrize("texts", [TEXTS, TEXTS[:1], TEXTS[3:]])
def test_words_read_back_from_disk_equal_jieba(tmp_path, monkeypatch, texts):
    expected = [tuple(t.text for t in W.words(x, "zh")) for x in texts]
    assert word_cache.preload(texts, str(tmp_path)) == len(set(texts))
    W.forget_zh_words()
    _no_jieba(monkeypatch)
    assert word_cache.preload(texts, str(tmp_path)) == 0     # all from the file
    assert [W.zh_word_texts(x) for x in texts] == expected
    assert word_cache.preload(texts, str(tmp_path)) == 0     # and now from memory


@pytest.mark.parametrize("damage", ["garbage", "folder", "no cache"])
def test_a_broken_or_disabled_cache_only_costs_time(tmp_path, monkeypatch, caplog, damage):
    expected = [tuple(t.text for t in W.words(x, "zh")) for x in TEXTS]
    path = word_cache.cache_path(str(tmp_path))
    if damage == "garbage":
        with open(path, "wb") as fh:
            fh.write(b"not a database" * 100)
    elif damage == "folder":
        import os

        os.makedirs(path)
    else:
        monkeypatch.setenv("PARALIGN_NO_CACHE", "1")
        assert word_cache.cache_path(str(tmp_path)) is None
    assert word_cache.preload(TEXTS, str(tmp_path)) == len(set(TEXTS))
    assert [W.zh_word_texts(x) for x in TEXTS] == expected
    if damage != "no cache":
        assert "word cache" in caplog.text


def test_the_file_is_named_after_the_tokenizer(tmp_path, monkeypatch):
    a = word_cache.cache_path(str(tmp_path))
    word_cache._signature.cache_clear()
    monkeypatch.setattr(word_cache, "VERSION", word_cache.VERSION + 1)
    try:
        assert word_cache.cache_path(str(tmp_path)) != a
    finally:
        word_cache._signature.cache_clear()


# texts whose words hold the stored form's separators, or none at all
ODD = ["上帝\x1f说，要有光。", "我们\x1e在互联网上。", "   ", "。", "Ａ\x1f\x1e Python"]


@pytest.mark.parametrize("texts", [TEXTS + ODD, ODD, TEXTS * 3])
@pytest.mark.parametrize("doc_texts", [2, 10**6])
def test_words_of_any_text_come_back_as_jieba_cut_them(tmp_path, monkeypatch, texts, doc_texts):
    """Read back from the sentence rows or from a document's row (``DOC_TEXTS`` small), the
    words are jieba's: separators inside words, texts without words, repeats."""
    monkeypatch.setattr(word_cache, "DOC_TEXTS", doc_texts)
    expected = [tuple(t.text for t in W.words(x, "zh")) for x in texts]
    word_cache.preload(texts, str(tmp_path))
    W.forget_zh_words()
    _no_jieba(monkeypatch)
    assert word_cache.preload(texts, str(tmp_path)) == 0
    assert [W.zh_word_texts(x) for x in texts] == expected


def _rows(path, table):
    import sqlite3

    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT h, w FROM {table}").fetchall()


@pytest.mark.parametrize("change", ["none", "sentence rows gone", "doc row damaged",
                                    "doc row short", "another order", "a text more"])
def test_a_document_row_serves_only_its_own_texts(tmp_path, monkeypatch, change):
    """A document's row answers for exactly its texts in their order; one that does not
    fit is passed over for the sentence rows."""
    import sqlite3

    monkeypatch.setattr(word_cache, "DOC_TEXTS", 2)
    texts = TEXTS[:4]
    expected = {x: tuple(t.text for t in W.words(x, "zh")) for x in TEXTS + ["书和水。"]}
    word_cache.preload(texts, str(tmp_path))
    path = word_cache.cache_path(str(tmp_path))
    assert len(_rows(path, "docs")) == 1
    with sqlite3.connect(path) as conn:
        if change == "sentence rows gone":
            conn.execute("DELETE FROM words")
        elif change == "doc row damaged":
            conn.execute("UPDATE docs SET w = 'garbage'")
        elif change == "doc row short":
            conn.execute("UPDATE docs SET w = substr(w, 1, instr(w, char(30)) - 1)")
    ask = {"another order": texts[::-1], "a text more": texts + ["书和水。"]}.get(change, texts)
    W.forget_zh_words()
    if change != "a text more":
        _no_jieba(monkeypatch)
    word_cache.preload(ask, str(tmp_path))
    assert [W.zh_word_texts(x) for x in ask] == [expected[x] for x in ask]


def test_a_damaged_sentence_row_is_cut_again(tmp_path, monkeypatch, caplog):
    import sqlite3

    expected = [tuple(t.text for t in W.words(x, "zh")) for x in TEXTS]
    word_cache.preload(TEXTS, str(tmp_path))
    with sqlite3.connect(word_cache.cache_path(str(tmp_path))) as conn:
        conn.execute("UPDATE words SET w = 'not a stored form'")
    W.forget_zh_words()
    assert word_cache.preload(TEXTS, str(tmp_path)) == len(set(TEXTS))
    assert [W.zh_word_texts(x) for x in TEXTS] == expected
    assert "word cache" in caplog.text


def test_the_stored_form_names_the_file(tmp_path, monkeypatch):
    """Another stored form is another file: the form-1 files (JSON rows) of earlier versions
    are never read as this form's."""
    a = word_cache.cache_path(str(tmp_path))
    assert a.endswith(f"-f{word_cache.FORMAT}.sqlite3")
    monkeypatch.setattr(word_cache, "FORMAT", word_cache.FORMAT + 1)
    assert word_cache.cache_path(str(tmp_path)) != a


@pytest.mark.parametrize("ws", [[], [""], ["上帝", "说"], ["a\x1fb", "c"], ["\x1f"], ["[", "]"],
                                ["x\x1e", "y"], ["\"", "\\"]])
def test_the_stored_form_keeps_any_words(ws):
    stored = word_cache._encode(ws)
    assert stored[:1] in ("", word_cache._WORD, "[")
    assert (stored[:1] == "[") == any(word_cache._WORD in w for w in ws)
    assert word_cache._decode(stored) == ws


@pytest.mark.parametrize("stored", ["garbage", '["a", 1]', '{"a": 1}', "[", "a\x1fb"])
def test_a_stored_form_that_is_none_is_refused(stored):
    with pytest.raises(ValueError):
        word_cache._decode(stored)


def test_the_signature_without_importing_jieba_is_the_one_with_it():
    import os
    import subprocess
    import sys
    from pathlib import Path

    import paralign

    code = ("import sys; from paralign.text import word_cache as w; a = w._signature(); "
            "print('jieba' in sys.modules); w._signature.cache_clear(); import jieba; "
            "print(a == w._signature() == f'jieba-{jieba.__version__}-' + a.split('-', 2)[2])")
    src = str(Path(paralign.__file__).resolve().parents[1])   # this checkout's paralign
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["False", "True"]


def test_jieba_version_without_importing_it_is_the_imported_one():
    import subprocess
    import sys
    from pathlib import Path

    import paralign

    code = ("import os, sys; from paralign.text import word_cache as w; a = w._jieba_version(); "
            "print('jieba' in sys.modules); import jieba; "
            "print(a == (os.path.dirname(jieba.__file__), jieba.__version__))")
    src = str(Path(paralign.__file__).resolve().parents[1])   # this checkout's paralign
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env).stdout.split()
    assert out == ["False", "True"]


def test_jieba_without_a_distribution_is_asked(monkeypatch):
    import jieba

    monkeypatch.setattr("paralign.dists.dist_version", lambda name: None)
    assert word_cache._jieba_version() == (os.path.dirname(jieba.__file__), jieba.__version__)


def test_jieba_already_imported_is_asked():
    import jieba

    assert word_cache._jieba_version() == (os.path.dirname(jieba.__file__), jieba.__version__)
