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
