"""`paralign segment FILE`: output format and one-line errors with exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from paralign.cli import main


def test_segment_prints_sentences_and_paragraphs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "zh.txt"
    p.write_text("第一句。第二句！\n\n第三句？\n", encoding="big5")
    assert main(["segment", str(p)]) == 0
    assert capsys.readouterr().out == "第一句。\n第二句！\n\n第三句？\n"


def test_segment_lang_en(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "en.txt"
    p.write_text("Mr. Smith came home. He\nwas tired.\n", encoding="utf-8")
    assert main(["segment", "--lang", "en", str(p)]) == 0
    assert capsys.readouterr().out == "Mr. Smith came home.\nHe was tired.\n"


@pytest.mark.parametrize("content,message", [
    (None, "no such file"),
    (b"", "empty"),
    (b"\x00\x01\x02\x03binary", "binary"),
    (b"abc \x80\x81\x82\xfe\xff\xfe\x80 def", "cannot decode"),
    ("Привет, мир.".encode(), "language"),
])
def test_segment_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                        content: bytes | None, message: str) -> None:
    p = tmp_path / "in.txt"
    if content is not None:
        p.write_bytes(content)
    assert main(["segment", str(p)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
