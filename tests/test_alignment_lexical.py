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
