"""CC-CEDICT evidence: tokens, bead F-scores, and the parsed-dictionary cache."""

from __future__ import annotations

import os

import numpy as np
import pytest

from paralign.alignment import lexical
from paralign.alignment.lexical import LexicalEvidence, en_tokens, stem, zh_tokens

# (Chinese text, an English word one of its tokens must offer)
ZH_CASES = [
    ("我们喝水。", "water"),
    ("陈清扬是医生。", "chen"),            # name: pinyin of the surname
    ("陈清扬是医生。", "qingyang"),        # name: pinyin of the given name
    ("陈清扬是医生。", "doctor"),
    ("他有三十二本书。", "book"),
    ("一九七六年", "1976"),                # digits written in characters
    ("2024年", "2024"),
    ("他用 Python 写程序。", "python"),     # Latin inside Chinese
    ("她很漂亮。", "beautiful"),
]


@pytest.mark.parametrize(("text", "word"), ZH_CASES)
def test_zh_tokens_offer_translations(text, word):
    offered = set().union(*zh_tokens(text))
    assert word in offered


@pytest.mark.parametrize(("text", "expected", "absent"), [
    ("The doctors were fishing.", {"doctor", "fish", "doctors"}, {"the", "were"}),
    ("Chen Qingyang said 1976.", {"chen", "qingyang", "1976"}, {"said "}),
    ("Stories!", {"story"}, set()),
])
def test_en_tokens(text, expected, absent):
    toks = en_tokens(text)
    assert expected <= toks
    assert not (absent & toks)


@pytest.mark.parametrize(("word", "stemmed"), [
    ("fishing", "fish"), ("stories", "story"), ("quickly", "quick"), ("is", "is"), ("bus", "bus"),
])
def test_stem(word, stemmed):
    assert stem(word) == stemmed


def test_true_beads_score_higher_than_shifted_ones():
    zh = ["陈清扬是医生。", "我们喝水。", "他有三十二本书。"]
    en = ["Chen Qingyang is a doctor.", "We drink water.", "He has thirty-two books."]
    ev = LexicalEvidence(zh, en, 2, 2)
    P = np.arange(3)
    diag = ev.score(1, 1, P, P)
    off = ev.score(1, 1, P, (P + 1) % 3)
    assert (diag > off).all() and diag.min() > 0.3
    # a 1-2 bead covering the right sentence keeps most of its evidence
    assert ev.score(1, 2, np.array([0]), np.array([0]))[0] > off.max()


def test_parsed_dictionary_is_cached_and_rebuilt_when_broken(tmp_path, monkeypatch):
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path))
    monkeypatch.delenv("PARALIGN_NO_CACHE", raising=False)
    tables = lexical.dictionary_tables.__wrapped__
    gloss, pinyin = (t.need_all() for t in tables())
    files = sorted(tmp_path.glob("cedict-*.table"))
    assert [f.name.rsplit("-", 1)[1] for f in files] == ["gloss.table", "pinyin.table"]
    assert "water" in gloss["水"].split() and pinyin["陈"] == "chen"
    # a second process reads the tables back: same content, loaded part by part
    g2, p2 = tables()
    g2.need("水")
    assert g2.data and set(g2.data) < set(gloss) and all(k[0] == "水" for k in g2.data)
    assert (g2.need_all(), p2.need_all()) == (gloss, pinyin)
    # a damaged file is ignored and replaced
    files[0].write_bytes(b"not a table")
    assert tables()[0].need_all() == gloss
    assert tables()[0].need_all() == gloss
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_pairs_beyond_the_bead_size_limit_are_not_computed():
    zh = ["陈清扬是医生。", "我们喝水。", "他有三十二本书。", "她很漂亮。"]
    en = ["Chen Qingyang is a doctor.", "We drink water.", "He has thirty-two books.", "Pretty."]
    full = LexicalEvidence(zh, en, 3, 3)
    capped = LexicalEvidence(zh, en, 3, 3, max_total=4)
    assert set(capped.f) == {k for k in full.f if sum(k) <= 4}
    for k, v in capped.f.items():
        assert np.array_equal(v, full.f[k])
    assert capped.score(3, 3, np.array([0]), np.array([0]))[0] == 0.0


# -- one DocumentWords for every block and pass -------------------------------------------
DOC_ZH = ["陈清扬是医生。", "我们喝水。", "他有三十二本书。", "一九七六年，他在北京。", "她很漂亮。",
          "老人在河边钓鱼。", "上帝说，要有光。", "。", "他用 Python 写程序。", "书和水。", "我们喝水。"]
DOC_EN = ["Chen Qingyang is a doctor.", "We drink water.", "He has thirty-two books.",
          "In 1976 he was in Beijing.", "She is very beautiful.", "The old man fished by the river.",
          "God said, let there be light.", "!", "He writes programs in Python.", "Books and water."]
LEXICON = {"喝水": frozenset({"drink"}), "python": frozenset({"snake", "program"}),
           "。": frozenset({"light"}), "老人": frozenset({"old", "man"})}


@pytest.mark.parametrize("zspan,espan", [((0, 11), (0, 10)), ((2, 7), (1, 9)), ((5, 6), (0, 10)),
                                         ((0, 3), (7, 10)), ((10, 11), (9, 10))])
@pytest.mark.parametrize("lexicon", [None, LEXICON])
@pytest.mark.parametrize("compiled", [False, True])
def test_document_words_give_each_block_its_own_evidence(monkeypatch, zspan, espan, lexicon,
                                                         compiled):
    """A block's evidence read from the whole document's words equals the one computed from
    the block's sentences alone, with or without a lexicon and with either counting."""
    from paralign.alignment.lexicon import Lexicon

    monkeypatch.setattr(lexical, "KERNEL_CELLS", 0 if compiled else 10**9)
    lex = None if lexicon is None else Lexicon(dict(lexicon))
    words = lexical.DocumentWords(DOC_ZH, DOC_EN)
    got = words.evidence(zspan, espan, 3, 3, 4, lex)
    alone = LexicalEvidence(DOC_ZH[slice(*zspan)], DOC_EN[slice(*espan)], 3, 3, 4, lex)
    assert list(got.f) == list(alone.f)
    for key in alone.f:
        assert np.array_equal(got.f[key], alone.f[key]), key
    # the same DocumentWords serves the next pass, with another lexicon
    again = words.evidence(zspan, espan, 3, 3, 4, None)
    plain = LexicalEvidence(DOC_ZH[slice(*zspan)], DOC_EN[slice(*espan)], 3, 3, 4)
    for key in plain.f:
        assert np.array_equal(again.f[key], plain.f[key]), key


@pytest.mark.parametrize("lexicon", [None, LEXICON])
def test_document_words_gloss_each_token_as_zh_tokens_does(lexicon):
    from paralign.alignment.lexicon import Lexicon
    from paralign.text.words import zh_word_texts

    lex = None if lexicon is None else Lexicon(dict(lexicon))
    words = lexical.DocumentWords(DOC_ZH, DOC_EN)
    has, ptr, ids = words.glosses(lex)
    word_of = {i: w for w, i in words.vocab.items()}
    for i, s in enumerate(DOC_ZH):
        types = words.z_type[words.z_ptr[i]:words.z_ptr[i + 1]]
        assert len(types) == len(zh_word_texts(s))
        mine = [frozenset(word_of[k] for k in ids[ptr[g]:ptr[g + 1]]) for g in types if has[g]]
        ref = [frozenset(w for w in g if w in words.vocab) for g in zh_tokens(s, lex)]
        assert mine == ref, s
    assert words.glosses(lex)[1] is ptr       # kept for the pass's next block


@pytest.mark.parametrize("word", ["fishing", "stories", "the", "a", "1976", "quickly", "bus", "x"])
def test_content_stem_is_the_stem_of_content_words(word):
    got = lexical.content_stem(word)
    assert got == (None if word in lexical._STOP or len(word) < 2 else
                   word if word.isdigit() else stem(word))


# -- the whole-document readings equal the sentence-by-sentence ones ---------------------------
def _old_en_content(text):
    """en_content as it was written first: one findall a sentence, a stem a word."""
    out = []
    for lw in map(str.lower, lexical._EN_WORD.findall(text)):
        st = lexical.content_stem(lw)
        if st is not None:
            out.append((lw, st))
    return tuple(out)


def _old_glosses(t):
    """_token_glosses as it was written first (one token at a time)."""
    import re

    if not t or not lexical._HAN_OR_ALNUM.search(t):
        return frozenset()
    gloss_table, pinyin_table = lexical.dictionary_tables()
    gloss, pinyin = gloss_table.need_all(), pinyin_table.need_all()
    g = set(gloss.get(t, "").split())
    num = lexical._zh_number(t)
    if num is not None:
        g.add(num)
    if re.fullmatch(r"[A-Za-z]+", t):
        g.add(stem(t.lower()))
    if 2 <= len(t) <= 4 and all(c in pinyin for c in t):
        for i in range(len(t)):
            for j in range(i + 1, len(t) + 1):
                g.add("".join(pinyin[c] for c in t[i:j]))
    if t not in gloss and len(t) > 1 and lexical.DICTIONARY_HAN.search(t):
        for w in lexical._dictionary_words(t, gloss):
            g.update(gloss[w].split())
    return frozenset(g)


def _old_zh_number(t):
    t = t.rstrip(lexical._MEASURE) if len(t) > 1 else t
    if not t:
        return None
    if t.isdigit():
        return str(int(t)) if t.isascii() else None
    if not all(c in lexical._ZDIGIT or c in lexical._ZUNIT for c in t):
        return None
    if not any(c in lexical._ZUNIT for c in t):
        return "".join(str(lexical._ZDIGIT[c]) for c in t) if len(t) >= 2 else str(lexical._ZDIGIT[t])
    return lexical._zh_number(t)


EN_EDGE = ["", "   ", "The THE the", "K is a Kelvin sign", "x y z 1 22 333", "١٢٣ and ３２ digits",
           "naïve café Über", "fishing\x00stories", "\x00", "it's 2024-05-01, O'Neil!", "ǅungla ß"]
ZH_TOKENS = ["", " ", "。", "一九七六", "三十二岁", "两千零五", "2024年", "Python", "abc1", "陈清扬", "喝水",
             "很漂亮", "十", "万", "一万零五百", "Ａ", "ab", "A", "〇〇七", "二〇二四年", "十万八千", "百",
             "年", "３２", "上帝说", "北京大学", "ß", "老人家", "一二三四五"]


def _random_en(seed, n, nul=True):
    rng = np.random.default_rng(seed)
    pool = " ".join(DOC_EN + EN_EDGE).split(" ") + ["", "12", "A", "Books"]
    pool = [w for w in pool if nul or "\x00" not in w] + (["\x00"] if nul else [])
    return [" ".join(rng.choice(pool, rng.integers(0, 12))) for _ in range(n)]


CLEAN_EDGE = [s for s in EN_EDGE if "\x00" not in s]      # read in one findall


@pytest.mark.parametrize("en", [DOC_EN, CLEAN_EDGE, EN_EDGE, DOC_EN + CLEAN_EDGE + DOC_EN,
                                _random_en(0, 60), _random_en(2, 80, nul=False),
                                _random_en(1, 5), [], [""], ["only\x00one"]])
def test_document_words_read_english_as_sentence_by_sentence(en):
    """The one-pass reading of the English side gives each sentence the words of
    en_tokens (as vocabulary ids) and leaves en_content's memo as one findall a sentence
    would; a text holding the end mark itself is read sentence by sentence."""
    lexical._en_memo.clear()
    words = lexical.DocumentWords(DOC_ZH[:1], en)
    word_of = {i: w for w, i in words.vocab.items()}
    assert len(word_of) == len(words.vocab)
    assert set(words.vocab) == set().union(set(), *(lexical._en_token_set(s) for s in en))
    for j, s in enumerate(en):
        ids = words.e_ids[words.e_ptr[j]:words.e_ptr[j + 1]]
        assert len(set(ids.tolist())) == len(ids) == words.e_count[j]
        assert {word_of[k] for k in ids.tolist()} == en_tokens(s), s
        assert lexical._en_memo[s] == _old_en_content(s) == lexical.en_content(s), s


@pytest.mark.parametrize("lexicon", [None, LEXICON, {}])
@pytest.mark.parametrize("zh", [DOC_ZH, DOC_ZH[::-1] + ["", "。。", "Ａ Python 3"]])
def test_document_words_glosses_equal_the_token_by_token_ones(lexicon, zh):
    """Each type's glossed English words (from the whole document's glosses at once, with
    and without a lexicon) are those of the first token-by-token code."""
    from paralign.alignment.lexicon import Lexicon

    lexical._token_glosses.cache_clear()
    lex = None if lexicon is None else Lexicon(dict(lexicon))
    words = lexical.DocumentWords(zh, DOC_EN)
    has, ptr, ids = words.glosses(lex)
    word_of = {i: w for w, i in words.vocab.items()}
    for g, t in enumerate(words.types):
        want = _old_glosses(t)
        if lex is not None:
            want = want | lex.glosses(t.lower() if t.isascii() else t)
        assert has[g] == bool(want), t
        got = ids[ptr[g]:ptr[g + 1]].tolist()
        assert len(set(got)) == len(got)
        assert {word_of[k] for k in got} == {w for w in want if w in words.vocab}, t


@pytest.mark.parametrize("tok", ZH_TOKENS + DOC_ZH)
def test_token_glosses_equal_the_first_code(tok):
    lexical._token_glosses.cache_clear()
    assert lexical._tokens_glosses([tok, tok]) == [_old_glosses(tok)] * 2
    assert lexical._token_glosses(tok) == _old_glosses(tok)
    assert lexical._zh_number(tok) == _old_zh_number(tok)


@pytest.mark.parametrize("lexicon", [None, LEXICON])
def test_document_words_glosses_are_computed_once_for_threads(lexicon):
    """Chunks of a pass on threads ask for the same glosses at once: one computes them, the
    others get that very table (and the token memo holds what one thread alone gives)."""
    from concurrent.futures import ThreadPoolExecutor

    from paralign.alignment.lexicon import Lexicon

    lexical._token_glosses.cache_clear()
    lex = None if lexicon is None else Lexicon(dict(lexicon))
    words = lexical.DocumentWords(DOC_ZH * 30, DOC_EN)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: words.glosses(lex), range(8)))
    assert all(g[1] is got[0][1] for g in got)
    alone = lexical.DocumentWords(DOC_ZH * 30, DOC_EN).glosses(lex)
    for x, y in zip(got[0], alone):
        assert np.array_equal(x, y)
    assert all(lexical._token_glosses(t) == _old_glosses(t) for t in words.types)
