"""words: tokens are slices of the original text."""

from __future__ import annotations

import pytest

from paralign.text import Token, words


@pytest.mark.parametrize("text,expected", [
    ("我們在網際網路上使用軟體。", ["我們", "在", "網際網路", "上", "使用", "軟體", "。"]),
    ("我们在互联网上使用软件。", ["我们", "在", "互联网", "上", "使用", "软件", "。"]),
    ("蘇聯於1990年和南韓建交", None),
    ("戈巴契夫 M. S. Gorbachev 的選集", None),
])
def test_zh_words_are_slices(text: str, expected: list[str] | None) -> None:
    toks = words(text, "zh")
    for t in toks:
        assert isinstance(t, Token)
        assert text[t.start:t.end] == t.text
    assert all(a.end <= b.start for a, b in zip(toks, toks[1:]))
    if expected is not None:
        assert [t.text for t in toks] == expected


@pytest.mark.parametrize("text,expected", [
    ("Mr. Smith paid $3.14 for U.S. goods.",
     ["Mr", ".", "Smith", "paid", "$", "3.14", "for", "U.S.", "goods", "."]),
    ("Russia’s pro=Seoul policy, however...", ["Russia’s", "pro", "=", "Seoul", "policy", ",",
                                                "however", "..."]),
    ("political-economic 1,000 1.5%", ["political-economic", "1,000", "1.5%"]),
])
def test_en_words(text: str, expected: list[str]) -> None:
    toks = words(text, "en")
    assert [t.text for t in toks] == expected
    assert all(text[t.start:t.end] == t.text for t in toks)


def test_words_bad_lang() -> None:
    with pytest.raises(ValueError):
        words("x", "fr")


def _sample_texts(lang: str) -> list[str]:
    """Lines of the shipped sample corpora in one language (a few thousand sentences)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "corpora"
    suffix = f".{lang}.txt"
    lines: list[str] = []
    for p in sorted(root.rglob(f"*{suffix}")):
        lines += [ln for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert lines, "no sample texts"
    return lines


@pytest.mark.parametrize("extra", [
    [],
    ["蘇聯於1990年和南韓建交", "戈巴契夫 M. S. Gorbachev 的選集", "ＡＢＣ１２３全角，半角abc", "𠀀𠀁生僻字"],
])
def test_zh_words_with_the_lazy_dictionary_equal_jieba_with_its_whole_one(extra) -> None:
    import jieba

    from paralign.text.normalize import to_simplified_aligned
    from paralign.text.words import _jieba

    plain = jieba.Tokenizer()
    plain.initialize()
    texts = _sample_texts("zh")[:400] + extra
    lazy = _jieba()
    for t in texts:
        simp, _ = to_simplified_aligned(t, "t2s")
        assert list(lazy.tokenize(simp)) == list(plain.tokenize(simp)), t


def test_en_words_equal_nltk_regexp_tokenizer() -> None:
    from nltk.tokenize import RegexpTokenizer

    from paralign.text.words import _EN_PATTERN

    nltk_tok = RegexpTokenizer(_EN_PATTERN)
    texts = _sample_texts("en")[:400] + ["naïve café—résumé’s co-op’s 3,000.5% U.S.A. …", "e\u0301t\u00e9"]
    for t in texts:
        assert [(w.start, w.end) for w in words(t, "en")] == list(nltk_tok.span_tokenize(t)), t


@pytest.mark.parametrize("text", ["我们在互联网上使用软件。", "我們在網際網路上使用軟體。",
                                  "戈巴契夫 M. S. Gorbachev 的選集", ""])
def test_zh_word_texts_are_the_words_memoized(text: str) -> None:
    from paralign.text.words import zh_word_texts

    assert list(zh_word_texts(text)) == [t.text for t in words(text, "zh")]
    assert zh_word_texts(text) is zh_word_texts(text)


@pytest.mark.parametrize("key", ["我们", "我", "的", "中华人民共和国", "不在词典里的长串", "a", "", "𠀀"])
def test_the_parted_frequency_table_answers_as_jieba_s_whole_one(key) -> None:
    import jieba

    from paralign.text.words import _jieba

    plain = jieba.Tokenizer()
    plain.initialize()
    parted = _jieba().FREQ
    assert parted.get(key) == plain.FREQ.get(key)
    assert parted.get(key, -1) == plain.FREQ.get(key, -1)
    assert (key in parted) == (key in plain.FREQ)
    if key in plain.FREQ:
        assert parted[key] == plain.FREQ[key]
    else:
        with pytest.raises(KeyError):
            parted[key]
