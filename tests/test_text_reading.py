"""decode / read_file: encodings, BOMs, binary and undecodable input."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from paralign.errors import DecodeError, InputError
from paralign.text import decode, read_file

HANT_SHORT = "臺灣的天氣很好。"
HANS_SHORT = "中国的经济发展很快。"
HANT_LONG = ("自戈巴契夫實施新思維外交政策後，結束東西方冷戰狀態；同時開展蘇聯與亞太地區的新關係，"
             "其中包括對朝鮮半島的政策。蘇聯於一九九0年和南韓建交，成為當時唯一與南北韓建立外交聯繫的大國。")
HANS_LONG = ("自戈巴契夫实施新思维外交政策后，结束东西方冷战状态；同时开展苏联与亚太地区的新关系，"
             "其中包括对朝鲜半岛的政策。苏联于一九九0年和南韩建交，成为当时唯一与南北韩建立外交联系的大国。")


@pytest.mark.parametrize("text", [HANT_SHORT, HANT_LONG, "這裡", "English with 中文 inside."])
@pytest.mark.parametrize("enc,expected", [("big5", "big5"), ("cp950", "big5"),
                                          ("gb18030", "gb18030"), ("utf-8", "utf-8")])
def test_traditional_each_encoding(text: str, enc: str, expected: str) -> None:
    assert decode(text.encode(enc)) == (text, expected)


@pytest.mark.parametrize("text", [HANS_SHORT, HANS_LONG, "中国", "软件和网络。"])
@pytest.mark.parametrize("enc", ["gb18030", "gbk", "gb2312", "utf-8"])
def test_simplified_each_encoding(text: str, enc: str) -> None:
    got, name = decode(text.encode(enc))
    assert got == text and name == ("utf-8" if enc == "utf-8" else "gb18030")


def test_cp950_extension() -> None:
    text = "碁盤上的裏面，恒久。"  # 碁 and 裏 are cp950-only in Big5 family
    got, name = decode(text.encode("cp950"))
    assert got == text and name in ("cp950", "big5")


@pytest.mark.parametrize("data,text,name", [
    (codecs.BOM_UTF8 + "中文".encode(), "中文", "utf-8-sig"),
    (codecs.BOM_UTF16_LE + "中文 text".encode("utf-16-le"), "中文 text", "utf-16-le"),
    (codecs.BOM_UTF16_BE + "中文 text".encode("utf-16-be"), "中文 text", "utf-16-be"),
    ("plain ascii".encode(), "plain ascii", "utf-8"),
    ("It’s “quoted”.".encode("cp1252"), "It’s “quoted”.", "cp1252"),
    (b"", "", "utf-8"),
])
def test_boms_and_plain(data: bytes, text: str, name: str) -> None:
    assert decode(data) == (text, name)


def test_bomless_utf16() -> None:
    assert decode("Hello world, this is text.".encode("utf-16-le"))[0] == "Hello world, this is text."


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    b"text with a \x00 NUL byte inside",
    bytes(range(0, 32)) * 10,
    b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4,
])
def test_binary_is_decode_error_naming_file(data: bytes) -> None:
    with pytest.raises(DecodeError, match="some/file.txt"):
        decode(data, source="some/file.txt")


def test_undecodable_names_file() -> None:
    with pytest.raises(DecodeError, match="bad.txt"):
        decode(b"abc \x80\x81\x82\xfe\xff\xfe\x80 def", source="bad.txt")


def test_read_file_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_file(tmp_path / "missing.txt")
    with pytest.raises(InputError, match="directory"):
        read_file(tmp_path)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty.txt"):
        read_file(empty)
    blank = tmp_path / "blank.txt"
    blank.write_bytes(b" \n\r\n ")
    with pytest.raises(InputError):
        read_file(blank)
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01\x02binary\x00")
    with pytest.raises(DecodeError, match="x.bin"):
        read_file(binary)


def test_read_file_cleans(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_bytes(codecs.BOM_UTF8 + "第一句。\r\n第二\u200b句。\r\n".encode())
    assert read_file(p) == "第一句。\n第二句。\n"


def test_one_megabyte_single_line(tmp_path: Path) -> None:
    p = tmp_path / "big.txt"
    p.write_text("這是很長的一行文字，" * 100_000, encoding="big5")
    t0 = time.perf_counter()
    text = read_file(p)
    assert len(text) == 1_000_000
    assert time.perf_counter() - t0 < 20


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_fuzz_decode(data: bytes) -> None:
    try:
        text, enc = decode(data, source="fuzz.bin")
    except DecodeError as exc:
        assert "fuzz.bin" in str(exc)
    else:
        assert isinstance(text, str) and isinstance(enc, str)


@settings(max_examples=40, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_fuzz_read_file(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "f.txt"
    p.write_bytes(data)
    try:
        assert read_file(p).strip()
    except InputError:  # DecodeError is an InputError
        pass
