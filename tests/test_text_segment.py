"""Sentence segmentation: a table of hard cases with their exact expected split.

Every text here was written for this suite. Each case is (text, expected sentences); the
text is one paragraph unless a case says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from paralign.errors import InputError, LanguageError
from paralign.text import segment, split_bilingual, read_file

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "corpora" / "abstracts" / "000_7eb851c0e62b889d.txt"

ZH_CASES: list[tuple[str, list[str]]] = [
    ("今天天气很好。我们去公园吧！你去吗？", ["今天天气很好。", "我们去公园吧！", "你去吗？"]),
    ("他来了!你呢?我不去.", ["他来了!", "你呢?", "我不去."]),
    ("他说：“我明天走。”大家都很惊讶。", ["他说：“我明天走。”", "大家都很惊讶。"]),
    ("老師說：「好好學習。」學生點頭。", ["老師說：「好好學習。」", "學生點頭。"]),
    ("会议很成功（详见附件。）下次再议。", ["会议很成功（详见附件。）", "下次再议。"]),
    ("一方面要发展经济；另一方面要保护环境。", ["一方面要发展经济；另一方面要保护环境。"]),
    ("他很累;但是他继续工作。", ["他很累;但是他继续工作。"]),
    ("增长率为3.5%。比去年高。", ["增长率为3.5%。", "比去年高。"]),
    ("2.0版本已经发布。", ["2.0版本已经发布。"]),
    ("戈巴契夫（M. S. Gorbachev）是苏联领导人。", ["戈巴契夫（M. S. Gorbachev）是苏联领导人。"]),
    ("参见 Vol. 4，第12页。", ["参见 Vol. 4，第12页。"]),
    ("他沉默了……\n然后离开。", ["他沉默了……", "然后离开。"]),
    ("我……我不知道。", ["我……我不知道。"]),
    ("她说：“算了吧……”他走了。", ["她说：“算了吧……”", "他走了。"]),
    ("等一等... 我马上来。", ["等一等...", "我马上来。"]),
    ("真的吗？！太好了。", ["真的吗？！", "太好了。"]),
    ("快跑！！快跑！", ["快跑！！", "快跑！"]),
    ("一、总则\n二、适用范围", ["一、总则", "二、适用范围"]),
    ("（1）坚持改革开放\n（2）扩大对外交流", ["（1）坚持改革开放", "（2）扩大对外交流"]),
    ("1. 引言\n2. 方法", ["1. 引言", "2. 方法"]),
    ("第一章 总则\n本法适用于全国。", ["第一章 总则", "本法适用于全国。"]),
    ("中华人民共和国是工人阶级领导的以工农联盟\n为基础的人民民主专政的社会主义国家。",
     ["中华人民共和国是工人阶级领导的以工农联盟\n为基础的人民民主专政的社会主义国家。"]),
    ("這是繁體中文。簡體字不同。", ["這是繁體中文。", "簡體字不同。"]),
    ("我用Yahoo!Mail发信。", ["我用Yahoo!Mail发信。"]),
    ("这是第一句.这是第二句.", ["这是第一句.", "这是第二句."]),
    ("第3.2节讨论了方法。", ["第3.2节讨论了方法。"]),
    ("请访问www.example.com获取详情。", ["请访问www.example.com获取详情。"]),
    ("这点很重要（见表1）。下面说明。", ["这点很重要（见表1）。", "下面说明。"]),
    ("我读了《红楼梦》。很好看。", ["我读了《红楼梦》。", "很好看。"]),
    ("他说：“她告诉我‘快走。’”然后就走了。", ["他说：“她告诉我‘快走。’”", "然后就走了。"]),
    ("摘要", ["摘要"]),
    ("1990年两国建交。1992年俄国继承。", ["1990年两国建交。", "1992年俄国继承。"]),
    ("他说“I am fine.”然后笑了。", ["他说“I am fine.”然后笑了。"]),
    ("价格上涨了３．５％。", ["价格上涨了３．５％。"]),
    ("他来了——带着礼物。", ["他来了——带着礼物。"]),
    ("第一句。 第二句。", ["第一句。", "第二句。"]),
    ("蘇聯於一九九0年和南韓建交,成為大國;莫斯科的目標在漢城。其結果不佳。",
     ["蘇聯於一九九0年和南韓建交,成為大國;莫斯科的目標在漢城。", "其結果不佳。"]),
    ("Mr. Smith来到北京。他很高兴。", ["Mr. Smith来到北京。", "他很高兴。"]),
    ("①提高效率\n②降低成本", ["①提高效率", "②降低成本"]),
    ("美國總統（President）發表談話！全場鼓掌。", ["美國總統（President）發表談話！", "全場鼓掌。"]),
]

EN_CASES: list[tuple[str, list[str]]] = [
    ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
    ("The U.S. government agreed. The U.K. did not.",
     ["The U.S. government agreed.", "The U.K. did not."]),
    ("He lives in the U.S. He likes it.", ["He lives in the U.S.", "He likes it."]),
    ("Some fruits, e.g. apples, are red. Others are not.",
     ["Some fruits, e.g. apples, are red.", "Others are not."]),
    ("The capital, i.e. Seoul, grew fast. It still grows.",
     ["The capital, i.e. Seoul, grew fast.", "It still grows."]),
    ("We bought pens, paper, etc. for the office. Then we left.",
     ["We bought pens, paper, etc. for the office.", "Then we left."]),
    ("See Vol. 4 for details. It is long.", ["See Vol. 4 for details.", "It is long."]),
    ("Resolution No. 242 was adopted. It was debated.",
     ["Resolution No. 242 was adopted.", "It was debated."]),
    ("The article (pp. 12-15) is short. Read it.", ["The article (pp. 12-15) is short.", "Read it."]),
    ("Quoted on p. 7 of the report. Nothing else.", ["Quoted on p. 7 of the report.", "Nothing else."]),
    ("This differs (cf. Smith 1990) from earlier work. We agree.",
     ["This differs (cf. Smith 1990) from earlier work.", "We agree."]),
    ("It was Korea vs. Japan in the final. Korea won.",
     ["It was Korea vs. Japan in the final.", "Korea won."]),
    ("The treaty was signed on Dec. 13, 1991 in Seoul. It took effect later.",
     ["The treaty was signed on Dec. 13, 1991 in Seoul.", "It took effect later."]),
    ("They met at St. Petersburg in Jan. 1990. Talks followed.",
     ["They met at St. Petersburg in Jan. 1990.", "Talks followed."]),
    ("M. S. Gorbachev visited Seoul. Roh welcomed him.",
     ["M. S. Gorbachev visited Seoul.", "Roh welcomed him."]),
    ("The report by J. R. Smith was published. It was cited.",
     ["The report by J. R. Smith was published.", "It was cited."]),
    ("Growth was 3.14 percent. Inflation was 1.5%.", ["Growth was 3.14 percent.", "Inflation was 1.5%."]),
    ("It cost $2.5 billion. That was a lot.", ["It cost $2.5 billion.", "That was a lot."]),
    ('"I am tired," he said. "Let us go."', ['"I am tired," he said.', '"Let us go."']),
    ('He called it "new thinking." Others disagreed.',
     ['He called it "new thinking."', "Others disagreed."]),
    ("He called it “new thinking.” Others disagreed.",
     ["He called it “new thinking.”", "Others disagreed."]),
    ("At the same time ,the Kremlin stayed firm. Moscow waited.",
     ["At the same time ,the Kremlin stayed firm.", "Moscow waited."]),
    ("Why did it fail? Nobody knows! We tried.", ["Why did it fail?", "Nobody knows!", "We tried."]),
    ("He paused... Then he left.", ["He paused...", "Then he left."]),
    ("It was... well, complicated. Really.", ["It was... well, complicated.", "Really."]),
    ("Smith, J. (1990). Title one.\nBrown, K. (1991). Title two.",
     ["Smith, J. (1990). Title one.", "Brown, K. (1991). Title two."]),
    ("The former Soviet Union opened diplomatic\nrelations with South Korea in 1990. It was new.",
     ["The former Soviet Union opened diplomatic\nrelations with South Korea in 1990.", "It was new."]),
    ("Introduction\nThe war ended in 1953. Talks began.",
     ["Introduction", "The war ended in 1953.", "Talks began."]),
    ("1. First item\n2. Second item", ["1. First item", "2. Second item"]),
    ("• Trade grew\n• Aid fell", ["• Trade grew", "• Aid fell"]),
    ("(This was expected.) The talks failed.", ["(This was expected.)", "The talks failed."]),
    ("The meeting began at 9 a.m. and ended at noon. Everyone left.",
     ["The meeting began at 9 a.m. and ended at noon.", "Everyone left."]),
    ("Russia's pro=Seoul policy failed, however. Thus it changed.",
     ["Russia's pro=Seoul policy failed, however.", "Thus it changed."]),
    ("Section 2.3 describes the method. Results follow.",
     ["Section 2.3 describes the method.", "Results follow."]),
    ("Prof. Kim and Mrs. Lee arrived. Mr. Park did not.",
     ["Prof. Kim and Mrs. Lee arrived.", "Mr. Park did not."]),
    ("Kim et al. (2001) disagree. We follow them.", ["Kim et al. (2001) disagree.", "We follow them."]),
    ("Visit www.example.com for more. Thanks.", ["Visit www.example.com for more.", "Thanks."]),
    ("The vote was 52 to 48. The bill passed.", ["The vote was 52 to 48.", "The bill passed."]),
    ("She asked, “Is it over?” Nobody answered.", ["She asked, “Is it over?”", "Nobody answered."]),
    ("Seoul and Moscow signed the deal in Sept. 1990. Trade grew.",
     ["Seoul and Moscow signed the deal in Sept. 1990.", "Trade grew."]),
]

# (text, lang, expected paragraphs as lists of sentences)
PARAGRAPH_CASES: list[tuple[str, str, list[list[str]]]] = [
    ("第一段。\n\n第二段。", "zh", [["第一段。"], ["第二段。"]]),
    ("\u3000\u3000第一段。\n\u3000\u3000第二段。", "zh", [["第一段。"], ["第二段。"]]),
    ("One.\n\n\n\nTwo.", "en", [["One."], ["Two."]]),
    ("    First para. Still.\n    Second para.", "en", [["First para.", "Still."], ["Second para."]]),
    ("A line\ncontinues here.\n\nNext one.", "en", [["A line\ncontinues here."], ["Next one."]]),
    ("\tTabbed start.\nwrapped line.", "en", [["Tabbed start.\nwrapped line."]]),
]


def _split(text: str, lang: str, **kw) -> list[str]:
    doc = segment(text, lang, **kw)
    for s in doc:
        assert doc.text[s.start:s.end] == s.text
    return doc.texts


@pytest.mark.parametrize("text,expected", ZH_CASES, ids=[f"zh{i}" for i in range(len(ZH_CASES))])
def test_zh_cases(text: str, expected: list[str]) -> None:
    assert _split(text, "zh") == expected


@pytest.mark.parametrize("text,expected", EN_CASES, ids=[f"en{i}" for i in range(len(EN_CASES))])
def test_en_cases(text: str, expected: list[str]) -> None:
    assert _split(text, "en") == expected


@pytest.mark.parametrize("text,lang,expected", PARAGRAPH_CASES)
def test_paragraphs(text: str, lang: str, expected: list[list[str]]) -> None:
    doc = segment(text, lang)
    assert [[s.text for s in p] for p in doc.paragraphs] == expected


@pytest.mark.parametrize("text,limit,expected", [
    ("一方面要发展经济，提高人民生活水平；另一方面要保护环境，节约资源。", 18,
     ["一方面要发展经济，提高人民生活水平；", "另一方面要保护环境，节约资源。"]),
    ("一方面要发展经济，提高人民生活水平；另一方面要保护环境，节约资源。", None,
     ["一方面要发展经济，提高人民生活水平；另一方面要保护环境，节约资源。"]),
    ("很短，不分。", 3, ["很短，", "不分。"]),
    ("没有任何标点的长句子不会被截断", 5, ["没有任何标点的长句子不会被截断"]),
])
def test_split_long(text: str, limit: int | None, expected: list[str]) -> None:
    assert _split(text, "zh", split_long=limit) == expected


def test_norm_views() -> None:
    doc = segment("網際網路與軟體。\n\n它們很重要。", "zh")
    assert doc.script == "Hant"
    assert doc.norms == ["互联网与软件。", "它们很重要。"]
    assert segment("網際網路。", "zh", zh_convert="t2s").norms == ["网际网路。"]
    en = segment("A  wrapped\nline here.", "en")
    assert en.norms == ["A wrapped line here."]


@pytest.mark.parametrize("text,exc", [("", InputError), ("  \n\t ", InputError),
                                      ("Привет, как дела? Хорошо.", LanguageError),
                                      ("12345 678", LanguageError)])
def test_segment_errors(text: str, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        segment(text)


def test_detected_language() -> None:
    assert segment("這是一個測試。").tag == "zh-Hant"
    assert segment("This is a test. Another.").tag == "en"


SEED_ZH = [
    "自戈巴契夫實施新思維外交政策後,結束東西方冷戰狀態;同時開展蘇聯與亞太地區的新關係,"
    "其中包括對朝鮮半島的政策。",
    "蘇聯於一九九0年和南韓建交,成為當時唯一與南北韓建立外交聯繫的大國;莫斯科的目在與漢城"
    "發展密切的經貿投資關係,但並未放棄對平壤的政治、軍事支持,儘管平壤對克理姆林宮的作為十分不滿。",
    "一九九一年俄羅斯繼承蘇聯,並繼續與南韓維繫密切的政經關係,便迫切殷望漢城提供經濟、投資合作,"
    "顯現對朝鮮半島重南輕北的政策。",
    "其結果使莫斯科逐漸喪失對平壤的影響力,及毀損雙方密切的經濟、政治、軍事關係。",
    "莫斯科向漢城的一面政策,並未爭取到其企盼的巨量經濟合作機會。",
    "一九九四年之後,俄國開始調整對兩韓策略;由於俄國本身政經情勢持續惡化,對外聲望和實力嚴重受損,"
    "連帶對朝鮮半島的作用也相對削弱。",
]
SEED_EN = [
    "After Gorbachev promoted his “New thinking” foreign policy, the cold war ended and the former "
    "Soviet Union began to develop new relations with the Asia-Pacific, including the Korean peninsula.",
    "The former Soviet Union opened diplomatic relations with South Korea in 1990, becoming the only "
    "big power to have formal contacts with the two Koreas.",
    "Developing intense trade and investment cooperation with Seoul became a major goal for Moscow.",
    "At the same time ,the Kremlin never abandoned its politicalmilitary support of Pyongyang, "
    "despite North Korea’s unhappiness with Gorbachev’s behaviour.",
    "Russia inherited the Soviet Union’s foreign obligations and international status in 1992, and "
    "continued to retain intense political-economic relations with South Korea.",
    "Moscow’s policy to the Korean peninsula seems to favor Seoul at the expense of Pyongyang.",
    "Consequently, Moscow has lost influence over North Korea.",
    "Russia’s pro=Seoul policy did not earned her economic cooperation, however.",
    "Thus after 1994, Russia was forced to revise its foreign policy regarding the two Koreas.",
]


def test_seed_bilingual() -> None:
    text = read_file(SEED)
    zh, en = split_bilingual(text, source=str(SEED))
    assert zh.tag == "zh-Hant" and en.tag == "en"
    zh_paras = [[s.text for s in p] for p in zh.paragraphs]
    en_paras = [[s.text for s in p] for p in en.paragraphs]
    assert zh_paras == [SEED_ZH]  # the header line "• 期刊" is left out
    assert en_paras == [["The Former Soviet Union and Rusia's Policy to the Korean Peninsula"], SEED_EN]
    assert en.meta["title_sentences"] == "1" and zh.meta["title_sentences"] == "0"
    assert en.meta["left_out"] == "1 header, 1 references"
    for doc in (zh, en):
        assert doc.text is text
        for s in doc:
            assert text[s.start:s.end] == s.text
            assert "Moscow:" not in s.text and "Vol." not in s.text


def test_seed_whole_file_never_glues_references() -> None:
    doc = segment(read_file(SEED))
    texts = doc.texts
    for s in SEED_ZH + SEED_EN:
        assert s in texts
    assert not any("Vol." in t and ("削弱" in t or "Koreas." in t) for t in texts)


@pytest.fixture
def fresh_punkt(tmp_path, monkeypatch):
    """punkt_tokenizer() reading and writing its parameters in an empty cache folder."""
    from paralign.text import segment_en

    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path))
    monkeypatch.delenv("PARALIGN_NO_CACHE", raising=False)
    segment_en.punkt_tokenizer.cache_clear()
    yield segment_en
    segment_en.punkt_tokenizer.cache_clear()


@pytest.mark.parametrize("field,index", [("abbrev_types", 0), ("collocations", 1),
                                         ("sent_starters", 2), ("ortho_context", 3)])
def test_punkt_parameters_read_from_the_cache_are_the_built_ones(fresh_punkt, tmp_path, field,
                                                                 index):
    built = fresh_punkt.punkt_tokenizer()._params       # builds, and saves the file
    assert [p.name for p in tmp_path.iterdir()] == [
        f"punkt-english-{fresh_punkt._PARAMS_VERSION}-{fresh_punkt._punkt_stamp()}.marshal"]
    fresh_punkt.punkt_tokenizer.cache_clear()
    read = fresh_punkt.punkt_tokenizer()._params        # from the file
    expected = fresh_punkt.punkt_parameter_data()[index]
    assert getattr(built, field) == getattr(read, field) == expected
    assert type(getattr(read, field)) is type(getattr(built, field))
    assert fresh_punkt.EXTRA_ABBREVIATIONS <= read.abbrev_types


def test_punkt_from_the_cache_splits_as_built(fresh_punkt, tmp_path):
    texts = [t for t, _ in EN_CASES]
    built = [list(fresh_punkt.punkt_tokenizer().span_tokenize(t)) for t in texts]
    fresh_punkt.punkt_tokenizer.cache_clear()
    (cached,) = tmp_path.iterdir()
    read = [list(fresh_punkt.punkt_tokenizer().span_tokenize(t)) for t in texts]
    assert read == built and sum(map(len, built)) > len(texts)
    cached.write_bytes(b"not a value file")    # a broken file is built again
    fresh_punkt.punkt_tokenizer.cache_clear()
    assert [list(fresh_punkt.punkt_tokenizer().span_tokenize(t)) for t in texts] == built


def _punkt_spans(module, texts: list[str]) -> list[list[tuple[int, int]]]:
    from paralign.text.segment_en import punkt_parameter_data

    abbrevs, collocations, starters, ortho = punkt_parameter_data()
    params = module.PunktParameters()
    params.abbrev_types, params.collocations, params.sent_starters = abbrevs, collocations, starters
    params.ortho_context.update(ortho)
    tok = module.PunktSentenceTokenizer(params)
    return [list(tok.span_tokenize(t)) for t in texts]


@pytest.mark.parametrize("deferred", [
    None,                                                    # the light route
    ("nltk.pathsec", "nltk.tokenize.api"),                   # cannot load lightly: falls back
])
def test_punkt_loaded_lightly_splits_as_nltk_loaded_whole(monkeypatch, deferred):
    import sys

    from paralign.text import segment_en

    if deferred is not None:
        monkeypatch.setattr(segment_en, "DEFERRED_NLTK_MODULES", deferred)
    texts = [t for t, _ in EN_CASES] + [read_file(SEED)]
    light = segment_en._import_nltk_punkt()
    assert not [m for m in sys.modules if m == "nltk" or m.startswith("nltk.")]
    whole = segment_en._import_nltk_punkt(light=False)
    assert light is not whole
    assert (type(light.safe_print) is segment_en._Deferred) == (deferred is None)
    assert type(whole.safe_print) is not segment_en._Deferred
    assert _punkt_spans(light, texts) == _punkt_spans(whole, texts)


def test_a_deferred_nltk_name_calls_the_real_one():
    import subprocess
    import sys

    code = ("from paralign.text.segment_en import _import_nltk_punkt\n"
            "m = _import_nltk_punkt()\n"
            "fd = m.FreqDist(['a', 'b', 'a'])\n"
            "print(type(fd).__module__, fd['a'], m.pathsec.ensure_private_dir.__class__.__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["nltk.probability", "2", "_Deferred"], out.stderr


def test_segment_zh_patterns_compiled_on_first_use_are_the_stated_ones() -> None:
    import re

    from paralign.text import segment_zh
    from paralign.text.han import HAN_RANGES

    assert segment_zh._hanlike().pattern == f"[{HAN_RANGES}\u3000-\u303f\uff00-\uffef]"
    assert segment_zh._clause().pattern == "[，；：,;:][" + re.escape(segment_zh._CLOSERS) + "]*"
    for ch, hanlike in [("中", True), ("\u3400", True), ("\U00020000", True), ("。", True),
                        ("，", True), ("Ａ", True), ("a", False), ("", False), ("…", False)]:
        assert segment_zh._is_hanlike(ch) is hanlike
