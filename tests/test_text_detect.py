"""detect and the Traditional/Simplified conversions."""

from __future__ import annotations

import pytest

from paralign.text import Detection, detect, to_simplified, to_simplified_aligned


@pytest.mark.parametrize("text,tag", [
    ("自戈巴契夫實施新思維外交政策後，結束東西方冷戰狀態。", "zh-Hant"),
    ("自戈巴契夫实施新思维外交政策后，结束东西方冷战状态。", "zh-Hans"),
    ("臺灣", "zh-Hant"),
    ("国家", "zh-Hans"),
    ("中文", "zh-Hans"),  # same in both scripts: reported as Hans (documented tie-break)
    ("摘要", "zh-Hans"),
    ("戈巴契夫選集 M. S. Gorbachev, Vol. 4。", "zh-Hant"),
    ("使用Python的numpy庫進行矩陣計算", "zh-Hant"),
    ("蘇聯於1990年和南韓建交,成為大國;", "zh-Hant"),
    ("The Former Soviet Union and Russia's Policy", "en"),
    ("Hello.", "en"),
    ("Beijing (北京) and Shanghai (上海) are cities.", "en"),
    ("Привет, мир. Это текст.", "other"),
    ("東京は日本の首都です。", "other"),
    ("こんにちは", "other"),
    ("안녕하세요. 반갑습니다.", "other"),
    ("مرحبا بالعالم", "other"),
    ("שלום עולם", "other"),
    ("12345 678.90", "other"),
    ("", "other"),
])
def test_detect(text: str, tag: str) -> None:
    det = detect(text)
    assert det.tag == tag
    assert 0.0 <= det.confidence <= 1.0


def test_detection_is_frozen() -> None:
    det = Detection("zh", "Hant", 0.9)
    with pytest.raises(Exception):
        det.lang = "en"  # type: ignore[misc]


@pytest.mark.parametrize("text,conversion,expected", [
    ("網際網路與軟體", "tw2sp", "互联网与软件"),
    ("網際網路與軟體", "t2s", "网际网路与软体"),
    ("這是繁體中文", "tw2sp", "这是繁体中文"),
    ("already simplified 简体", "tw2sp", "already simplified 简体"),
])
def test_to_simplified(text: str, conversion: str, expected: str) -> None:
    assert to_simplified(text, conversion) == expected


@pytest.mark.parametrize("text,conversion", [
    ("網際網路與軟體", "tw2sp"), ("我們在網際網路上使用軟體。", "tw2sp"),
    ("資訊科技 and more", "tw2sp"), ("這是繁體中文。", "t2s"), ("", "t2s"),
])
def test_to_simplified_aligned(text: str, conversion: str) -> None:
    out, offsets = to_simplified_aligned(text, conversion)
    assert len(offsets) == len(out) + 1
    assert offsets[-1] == len(text)
    assert all(a <= b for a, b in zip(offsets, offsets[1:]))
    if len(out) == len(text):
        assert offsets == list(range(len(text) + 1))


def test_unknown_conversion() -> None:
    with pytest.raises(ValueError):
        to_simplified("中文", "nope")


def test_import_is_cheap() -> None:
    import subprocess
    import sys

    code = ("import sys, paralign.text; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'jieba', 'opencc', 'nltk', 'punkt'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# Latin-script languages that counting scripts alone took for English (lingua decides).
LATIN_CASES = [
    ("Le vieil homme pêchait au bord de la rivière quand le ciel devint sombre.", "French"),
    ("Der alte Mann angelte am Fluss, als der Himmel langsam dunkel wurde.", "German"),
    ("El anciano pescaba junto al río cuando el cielo se oscureció poco a poco.", "Spanish"),
    ("Il vecchio pescava sulla riva del fiume quando il cielo divenne scuro.", "Italian"),
    ("O velho pescava à beira do rio quando o céu começou a escurecer.", "Portuguese"),
    ("De oude man viste bij de rivier toen de hemel langzaam donker werd.", "Dutch"),
    ("Ông lão đang câu cá bên bờ sông khi bầu trời dần tối lại.", "Vietnamese"),
]
ENGLISH_CASES = [
    "The old man was fishing by the river when the sky slowly grew dark.",
    "Praise the LORD, O Jerusalem; praise thy God, O Zion.",
    "Wu Peizhen was a bit shy and waited outside.",
    "Café Müller and the Señora went to São Paulo with José and Zoë in the spring.",
    "Gorbachev Perestroika Diplomacy",  # a title: too short to tell, English
    # no function words at all: lingua names *some* language, whose grammar words are absent
    "Keywords: machine translation; parallel corpus; sentence alignment; bilingual lexicon; "
    "dynamic programming; confidence estimation",
    "Adam, Seth, Enosh, Kenan, Mahalalel, Jared, Enoch, Methuselah, Lamech, Noah, Shem, Ham.",
    "S0. S1. S2. S3. S4. S5. S6. S7. S8. S9. S10. S11.",
    "Quantum chromodynamics, lattice gauge theory, Monte Carlo simulation, finite temperature",
    "Tokyo Osaka Nagoya Sapporo Fukuoka Kobe Kyoto Kawasaki Saitama Hiroshima Sendai Chiba",
]


@pytest.mark.parametrize("text,language", LATIN_CASES)
def test_latin_script_languages_are_not_english(text, language):
    det = detect(text)
    assert (det.lang, det.language) == ("other", language)
    paragraph = " ".join([text] * 3)
    assert detect(paragraph).language == language


@pytest.mark.parametrize("text", ENGLISH_CASES)
def test_english_stays_english(text):
    det = detect(text)
    assert (det.lang, det.script, det.language) == ("en", "Latn", None)


def test_plain_english_never_loads_the_model(monkeypatch):
    import importlib

    D = importlib.import_module("paralign.text.detect")

    def boom():
        raise AssertionError("lingua loaded for plain English")

    monkeypatch.setattr(D, "_lingua", boom)
    assert detect("The old man was fishing by the river, and the sky grew dark.").lang == "en"
    assert detect("自戈巴契夫實施新思維外交政策後，結束東西方冷戰狀態。").lang == "zh"


def test_french_file_is_a_clear_error(tmp_path, capsys):
    from paralign.cli import main

    fr = tmp_path / "fr.txt"
    fr.write_text(LATIN_CASES[0][0] + "\n", encoding="utf-8")
    zh = tmp_path / "zh.txt"
    zh.write_text("老人在河边钓鱼。天色渐渐暗了下来。\n", encoding="utf-8")
    assert main(["align", str(zh), str(fr), "-o", str(tmp_path / "o.tmx")]) == 2
    err = capsys.readouterr().err
    assert "fr.txt" in err and "French" in err and len(err.strip().splitlines()) == 1


def _needs_model_per_word(text: str) -> bool:
    """needs_model as first written, word by word (the reference for the counted one)."""
    import importlib

    D = importlib.import_module("paralign.text.detect")
    words = D._LATIN_WORD.findall(text)
    if len(words) < D._MIN_WORDS:
        return False
    en_share = sum(w.lower() in D._EN_FUNCTION for w in words) / len(words)
    accented = sum(any(ch > "\x7f" for ch in w) for w in words) / len(words)
    return not (en_share >= 2 * D._EN_SHARE or (en_share >= D._EN_SHARE and accented < D._ACCENTED))


NEEDS_MODEL = [
    ("The old man was fishing by the river, and the sky grew dark over the water.", False),
    ("Le vieil homme pêchait au bord de la rivière, et le ciel devenait sombre.", True),
    ("Beijing Shanghai Tianjin Chongqing Guangzhou Shenzhen Chengdu Wuhan Xian", True),
    ("The café and the naïve façade of the old résumé were in the city of the river.", False),
    ("café naïve façade résumé the of and café naïve façade résumé", None),
    ("too short", False),
]


@pytest.mark.parametrize("text, expected", NEEDS_MODEL)
def test_needs_model_counts_each_word_as_the_per_word_rule(text, expected):
    from paralign.text.detect import needs_model

    assert needs_model(text) == _needs_model_per_word(text)
    if expected is not None:
        assert needs_model(text) is expected


@pytest.mark.parametrize("seed", range(20))
def test_needs_model_on_random_word_mixes(seed):
    import random

    from paralign.text.detect import needs_model

    rng = random.Random(seed)
    vocab = ["the", "of", "and", "The", "AND", "river", "sky", "été", "naïve", "über",
             "Straße", "und", "der", "le", "la", "fishing", "ÉTÉ", "x"]
    text = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 60)))
    assert needs_model(text) == _needs_model_per_word(text)
