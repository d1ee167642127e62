"""Hostile characters and sizes through the whole pipeline: read -> segment -> align -> write
(TMX, TSV, JSONL) -> read back; and the file readers given malformed input.

Covered elsewhere, not repeated: clean() on hostile characters and segmenting 1 MB / 100k-char
inputs (test_text_robustness.py), binary and undecodable bytes (test_text_reading.py), TMX
entity expansion, external entities and DTDs, truncation, 20k-unit TMX streamed in bounded memory
(test_corpus_tmx.py), malformed TSV fields and headers (test_corpus_formats.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import psutil
import pytest

from fake_encoders import HashEncoder
from paralign import AlignConfig, Aligner, read_tmx
from paralign.pipeline import align_files
from paralign.corpus import iter_tmx, read_tsv
from paralign.corpus.formats import TSV_HEADER, iter_tsv
from paralign.errors import DecodeError, FormatError

os.environ.setdefault("HF_HUB_OFFLINE", "1")

XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def hash_aligner(**changes) -> Aligner:
    return Aligner(AlignConfig(cache=False, progress=False, **changes), encoder=HashEncoder())


def write_all(al, tmp: Path) -> dict[str, Path]:
    paths = {fmt: tmp / f"out.{fmt}" for fmt in ("tmx", "tsv", "jsonl")}
    al.to_tmx(paths["tmx"])
    al.to_tsv(paths["tsv"])
    al.to_jsonl(paths["jsonl"])
    return paths


def read_back(paths: dict[str, Path]) -> dict[str, list[tuple[str, str]]]:
    return {
        "tmx": [(u.src, u.tgt) for u in iter_tmx(paths["tmx"])],
        "tsv": [(u.src, u.tgt) for u in iter_tsv(paths["tsv"])],
        "jsonl": [(d["src"], d["tgt"]) for d in
                  map(json.loads, paths["jsonl"].read_text(encoding="utf-8").split("\n")[:-1])],
    }


# -- hostile characters given as strings (no file, so no clean()) --------------------------------

HOSTILE = {
    "nul": "\x00",
    "lone surrogate": "\ud83d",
    "reversed pair": "\ude00\ud83d",
    "xml-illegal controls": "\x01\x02\x0b\x0c\x1f",
    "non-characters": "\ufffe\uffff",
    "rtl marks": "\u202e\u200f\u202c",
    "c1 controls": "\x85\x9f",
}


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("as_list", [True, False], ids=["lists", "strings"])
def test_hostile_characters_from_strings_survive_every_format(tmp_path, caplog, name, as_list):
    bad = HOSTILE[name]
    zh = [f"第一句{bad}很好。", "第二句也很好。", "第三句。"]
    en = [f"The first{bad} is good.", "The second is good too.", "The third."]
    caplog.set_level(logging.INFO, logger="paralign")
    al = hash_aligner().align(zh, en) if as_list else hash_aligner().align("".join(zh), " ".join(en))
    assert sorted(i for b in al.beads for i in b.src) == list(range(len(al.src)))
    back = read_back(write_all(al, tmp_path))
    expected = [(XML_ILLEGAL.sub("", b.src_text), XML_ILLEGAL.sub("", b.tgt_text))
                for b in al.beads if b.src and b.tgt]
    assert back["tmx"] == expected
    # TSV and JSONL also keep null beads (one side empty): compare the pairs
    tsv = [(a, b) for a, b in back["tsv"] if a and b]
    jsonl = [(a, b) for a, b in back["jsonl"] if a and b]
    assert tsv == jsonl == [(a, b) for a, b in expected] or name in (
        "nul", "xml-illegal controls", "non-characters")  # TSV/JSONL keep what XML cannot
    for texts in back.values():
        for a, b in texts:
            (a + b).encode("utf-8")  # every output is valid UTF-8
    if XML_ILLEGAL.search("".join(al.src.texts + al.tgt.texts)):
        assert "not allowed in XML" in caplog.text  # the TMX writer says what it stripped
    if "\ud83d" in bad or "\ude00" in bad:
        assert "lone surrogate" in caplog.text


def test_surrogate_pair_given_as_two_code_points_is_joined():
    al = hash_aligner().align(["笑\ud83d\ude00。", "好。"], ["Smile\ud83d\ude00.", "Good."])
    assert al.src.texts[0] == "笑😀。" and al.tgt.texts[0] == "Smile😀."


# -- hostile characters in files: read_file cleans them and logs it -------------------------------

def test_hostile_characters_in_files_through_the_cli_pipeline(tmp_path, caplog):
    zh = tmp_path / "zh.txt"
    en = tmp_path / "en.txt"
    zh.write_bytes("\ufeff\u202e第一句\x01很好。\u200f第二句\x7f也很好。\r\n第三句\u2028。".encode())
    en.write_bytes("\u202eThe first\x01 is good.\u200f The second\x7f is good too.\r\nThe third.\x1b"
                   .encode())
    caplog.set_level(logging.INFO, logger="paralign")
    al = align_files(zh, en, tmp_path / "o.tmx", aligner=hash_aligner())
    assert "clean:" in caplog.text and "bidi marks" in caplog.text
    for s in al.src.texts + al.tgt.texts:
        assert not XML_ILLEGAL.search(s) and "\u202e" not in s and "\u200f" not in s
    units = list(iter_tmx(tmp_path / "o.tmx"))
    assert units and "not allowed in XML" not in caplog.text  # nothing left to strip


def test_encoded_surrogates_in_a_file_are_a_decode_error_naming_it(tmp_path):
    p = tmp_path / "cesu.txt"
    p.write_bytes("中文句子。".encode() + b"\xed\xa0\xbd" + "後面。".encode())
    with pytest.raises(DecodeError, match="cesu.txt"):
        align_files(p, p, tmp_path / "o.tmx", aligner=hash_aligner())


# -- sizes -----------------------------------------------------------------------------------------

def test_hundred_thousand_char_sentences_round_trip(tmp_path):
    zh = "很長的句子沒有句號" * (100_000 // 9)
    en = ("a very long sentence without any full stop " * 2400)[:100_000]
    al = hash_aligner().align([zh, "短句。"], [en, "A short one."])
    assert [(b.src, b.tgt) for b in al.beads] == [((0,), (0,)), ((1,), (1,))]
    back = read_back(write_all(al, tmp_path))
    assert back["tmx"][0] == (zh, en) and back["tsv"][0] == (zh, en) == back["jsonl"][0]


def test_one_megabyte_single_line_files_in_bounded_memory(tmp_path):
    """1 MB on one line each side, through read, segment, align, TMX, read_tmx.

    Long sentences (about 2.4 kB each) keep the pair on the exact (unbanded) search, see
    test_long_documents_take_the_banded_search for the other path."""
    zh_unit = "這是一個很長的句子，其中有許多個分句，" * 40
    en_unit = "This is a long sentence, with many clauses, and more words, " * 40
    zh = "".join(f"{zh_unit}第{i}句。" for i in range(1_000_000 // len((zh_unit + '第1句。').encode())))
    en = " ".join(f"{en_unit}number {i}." for i in range(1_000_000 // len(en_unit + "number 1. ")))
    (tmp_path / "zh.txt").write_text(zh, encoding="utf-8")
    (tmp_path / "en.txt").write_text(en, encoding="utf-8")
    assert (tmp_path / "zh.txt").stat().st_size > 990_000 and "\n" not in zh
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    al = align_files(tmp_path / "zh.txt", tmp_path / "en.txt", tmp_path / "o.tmx",
                     aligner=hash_aligner())
    assert len(al.src) > 200 and len(al.tgt) > 200
    corpus = read_tmx(tmp_path / "o.tmx")
    assert corpus.stats().pairs == sum(1 for b in al.beads if b.src and b.tgt)
    assert proc.memory_info().rss - rss0 < 600 * 2**20


def test_long_documents_take_the_banded_search():
    # (n + 1) * (m + 1) > EXACT_CELLS: the coarse-to-fine band, not the exact search
    n, m = 640, 700
    al = hash_aligner().align([f"第{i}个句子。" for i in range(n)],
                              [f"Sentence {i}." for i in range(m)])
    assert sorted(i for b in al.beads for i in b.src) == list(range(n))
    assert sorted(j for b in al.beads for j in b.tgt) == list(range(m))


@pytest.mark.parametrize("progress,bar", [(True, True), (False, False)])
def test_long_searches_show_progress(capsys, progress, bar):
    n, m = 1000, 1100   # several chunks
    al = Aligner(AlignConfig(cache=False, progress=progress), encoder=HashEncoder()).align([f"第{i}个句子。" for i in range(n)],
        [f"Sentence {i}." for i in range(m)])
    assert al.stats["chunks"] >= 2
    assert ("aligning" in capsys.readouterr().err) is bar


# -- TSV and TMX readers: what test_corpus_formats / test_corpus_tmx do not cover ---------------

HEADER = "\t".join(TSV_HEADER) + "\n"


@pytest.mark.parametrize("body, line, what", [
    (HEADER.encode() + b"d\t0\t0\ta\tb\t0.5\t1-1\n" + bytes(range(128, 256)), 3, "not UTF-8"),
    (HEADER.encode() + "d\t0\t0\t中\tb\t0.5\t1-1\n".encode("gb18030"), 2, "not UTF-8"),
    (HEADER.encode() + b"d\t-1\t0\ta\tb\t0.5\t1-1\n", 2, "non-negative"),
    (HEADER.encode() + b"d\t0\t 1\ta\tb\t0.5\t1-1\n", 2, "non-negative"),
    (HEADER.encode() + b"d\t0\t0\ta\tb\t0.5\t1-1\t\textra\n", 2, "got 9"),
    (b"\x00\x01binary", 1, "expected the header"),
])
def test_tsv_reader_refuses_bad_bytes_and_indices_naming_the_line(tmp_path, body, line, what):
    p = tmp_path / "bad.tsv"
    p.write_bytes(body)
    with pytest.raises(FormatError, match=rf"bad.tsv: line {line}:.*{what}"):
        read_tsv(p)


def test_huge_tsv_streams_in_bounded_memory(tmp_path):
    import tracemalloc

    p = tmp_path / "big.tsv"
    with open(p, "w", encoding="utf-8") as f:
        f.write(HEADER)
        for i in range(30_000):
            f.write(f"d\t{i}\t{i}\t第{i}句话。{'长' * 60}\tSentence {i}. {'long ' * 30}\t0.5\t1-1\n")
    assert p.stat().st_size > 8_000_000
    tracemalloc.start()
    n = sum(1 for _ in iter_tsv(p))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 30_000 and peak < 2_000_000, peak


@pytest.mark.parametrize("name, body, what", [
    ("empty", b"", "line 0: malformed XML"),
    ("binary", bytes(range(256)) * 4, "line 1: malformed XML"),
    ("text node over 10 MB", ('<?xml version="1.0"?>\n<tmx version="1.4"><header/><body><tu>'
                              '<tuv xml:lang="zh"><seg>' + "中" * 10_500_000).encode(),
     "line 2: malformed XML"),
    ("nested 5000 deep", ('<?xml version="1.0"?>\n<tmx version="1.4"><header/><body><tu>'
                          '<tuv xml:lang="zh"><seg>' + "<bpt>" * 5000 + "x" + "</bpt>" * 5000
                          + "</seg></tuv></tu></body></tmx>").encode(), "line 2: malformed XML"),
])
def test_tmx_reader_refuses_hostile_files_naming_the_line(tmp_path, name, body, what):
    p = tmp_path / "x.tmx"
    p.write_bytes(body)
    with pytest.raises(FormatError, match=f"x.tmx: {what}"):
        read_tmx(p)


def test_tmx_units_without_both_languages_are_skipped_and_logged(tmp_path, caplog):
    p = tmp_path / "x.tmx"
    p.write_text('<?xml version="1.0"?>\n<tmx version="1.4"><header/><body>'
                 '<tu><tuv xml:lang="zh"><seg>中</seg></tuv></tu>'
                 '<tu><tuv><seg>x</seg></tuv><tuv xml:lang="en"><seg>y</seg></tuv></tu>'
                 '<tu><tuv xml:lang="zh-TW"><seg>中</seg></tuv><tuv xml:lang="en"><seg>x</seg>'
                 '</tuv></tu></body></tmx>', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        units = list(iter_tmx(p))
    assert [(u.src, u.tgt) for u in units] == [("中", "x")]
    assert "skipped 2 translation unit(s)" in caplog.text
