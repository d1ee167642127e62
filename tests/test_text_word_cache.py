"""word_cache: Chinese words kept on disk are the words jieba gives, and a broken or missing
cache only means cutting them again."""

from __future__ import annotations

import importlib

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
