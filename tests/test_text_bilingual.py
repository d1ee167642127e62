"""Splitting one bilingual file: header lines and references left out, titles recorded."""

from __future__ import annotations

import logging

import pytest

from paralign.errors import LanguageError
from paralign.text.bilingual import classify_paragraph, split_bilingual, title_anchor

ZH_TITLE = "前蘇聯與俄羅斯對朝鮮半島的政策"
EN_TITLE = "The Former Soviet Union and Russia's Policy to the Korean Peninsula"
ZH_BODY = "蘇聯於一九九0年和南韓建交。莫斯科的目標在與漢城發展經貿關係。"
EN_BODY = ("The Soviet Union opened relations with South Korea in 1990. "
           "Moscow sought trade with Seoul.")
REFS = ("(1987)。戈巴契夫選集 M. S. Gorbachev Isbrannye rechi i statii, Vol. 4。Moscow:Nauka。\n"
        "Chan, Young Bang(1990).Prospect of Korea-Soviet Economic Cooperation.21(3)")

# (file paragraphs, zh title sentences, en title sentences, left out, zh sentences, en sentences)
CASES = [
    ("seed shape", ["• 期刊", EN_TITLE, ZH_BODY, EN_BODY, REFS], 0, 1, "1 header, 1 references", 2, 3),
    ("both titles", [ZH_TITLE, EN_TITLE, ZH_BODY, EN_BODY], 1, 1, "", 3, 3),
    ("titles after their bodies' language order", [EN_TITLE, EN_BODY, ZH_TITLE, ZH_BODY], 1, 1, "", 3, 3),
    ("no titles", [ZH_BODY, EN_BODY], 0, 0, "", 2, 2),
    ("header word in English", ["Article", ZH_TITLE, ZH_BODY, EN_TITLE, EN_BODY], 1, 1, "1 header", 3, 3),
    # a one-line first paragraph that ends like a sentence is body, not a title
    ("sentence first", ["This is a sentence.", EN_BODY, ZH_BODY], 0, 0, "", 2, 3),
]


@pytest.mark.parametrize("name,paras,nz,ne,left_out,n_zh,n_en", CASES, ids=[c[0] for c in CASES])
def test_split_bilingual(name, paras, nz, ne, left_out, n_zh, n_en, caplog):
    text = "\n\n".join(paras) + "\n"
    with caplog.at_level(logging.INFO, logger="paralign.text"):
        zh, en = split_bilingual(text, source="f.txt")
    assert (zh.lang, en.lang) == ("zh", "en")
    assert (zh.meta["title_sentences"], en.meta["title_sentences"]) == (str(nz), str(ne))
    assert zh.meta["left_out"] == en.meta["left_out"] == left_out
    assert (len(zh), len(en)) == (n_zh, n_en)
    if nz:
        assert zh[0].text == ZH_TITLE
    if ne:
        assert en[0].text == EN_TITLE
    assert all("期刊" not in s.text and "Moscow:" not in s.text for s in zh)
    assert title_anchor(zh, en) == ([(nz, ne)] if nz or ne else [])
    assert title_anchor(en, zh) == ([(ne, nz)] if nz or ne else [])
    for kind in ("header", "references"):
        if kind in left_out:
            assert any(f"left out a {kind}" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("text,kind", [
    (ZH_BODY, "zh"), (EN_BODY, "en"), (REFS, "references"),
    ("戈巴契夫選集 Gorbachev Isbrannye rechi 蘇聯國際條約集 Sbornik", "mixed"), ("1990 — 2000", "other"),
])
def test_classify_paragraph(text, kind):
    assert classify_paragraph(text) == kind


@pytest.mark.parametrize("paras", [[EN_TITLE, EN_BODY], ["• 期刊", ZH_BODY]])
def test_one_language_missing_is_an_error(paras):
    with pytest.raises(LanguageError, match="no (Chinese|English) paragraph"):
        split_bilingual("\n\n".join(paras))


def test_no_title_anchor_for_documents_not_split():
    from paralign.text import segment

    assert title_anchor(segment(ZH_BODY), segment(EN_BODY)) == []
