"""TSV / JSONL / plain / .align writers and the TSV reader, on real files; atomic writing."""

from __future__ import annotations

import json
import os

import pytest

from test_corpus_helpers import make_alignment
from paralign.corpus import export, formats, read_tsv
from paralign.corpus.atomic import atomic_write
from paralign.corpus.export import write_units
from paralign.corpus.formats import Unit, iter_tsv
from paralign.errors import FormatError


def test_tsv_round_trip_with_escapes(tmp_path):
    units = [Unit("d\t1", (0,), (0, 1), "a\tb\\n\nc\r", "x\\ty", 0.25, "zh-TW", "en"),
             Unit("d\t1", (1,), (), "only zh", "", 0.0, "zh-TW", "en"),
             Unit("d2", (), (2,), "", "only en 😀𠀀", 1.0, "zh-TW", "en")]
    path = tmp_path / "x.tsv"
    assert write_units(units, path) == 3
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "doc_id\tsrc_idx\ttgt_idx\tsrc\ttgt\tscore\tkind"
    assert len(lines) == 5 and lines[-1] == ""  # one line per bead, whatever the text holds
    back = list(iter_tsv(path, src_lang="zh-TW"))
    assert back == units


@pytest.mark.parametrize("body, line, what", [
    ("d\t0\t0\ta\tb\t0.5\n", 2, "7 tab-separated"),
    ("d\t0\t0\ta\tb\tnope\t1-1\n", 2, "could not convert"),
    ("d\t0\t0\ta\tb\t0.5\t1-1\nd\tx\t0\ta\tb\t0.5\t1-1\n", 3, "invalid literal"),
    ("d\t0\t0\ta\\q\tb\t0.5\t1-1\n", 2, "bad escape"),
    ("d\t0\t0,1\ta\tb\t0.5\t1-1\n", 2, "does not match"),
])
def test_tsv_malformed_lines_name_the_line(tmp_path, body, line, what):
    path = tmp_path / "bad.tsv"
    path.write_text("\t".join(formats.TSV_HEADER) + "\n" + body, encoding="utf-8")
    with pytest.raises(FormatError, match=rf"line {line}:.*{what}"):
        list(iter_tsv(path))


def test_tsv_without_header_is_refused(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("d\t0\t0\ta\tb\t0.5\t1-1\n", encoding="utf-8")
    with pytest.raises(FormatError, match="line 1"):
        read_tsv(path)


def test_alignment_exports_share_the_writers(tmp_path):
    al = make_alignment()
    al.to_tsv(tmp_path / "a.tsv")
    al.to_jsonl(tmp_path / "a.jsonl")
    al.to_vecalign(tmp_path / "a.align")
    al.to_plain(tmp_path / "a.zh", tmp_path / "a.en")
    corpus = read_tsv(tmp_path / "a.tsv", src_lang="zh-TW")
    assert [(p.src, p.tgt, p.score, p.kind) for p in corpus.pairs(skip_null=False)] == [
        (b.src_text, b.tgt_text, b.score, b.kind) for b in al.beads]
    rows = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text("utf-8").splitlines()]
    assert [r["kind"] for r in rows] == ["1-1", "1-2", "1-0", "1-1"]
    assert rows[1] == {"doc_id": "doc", "src_idx": [1], "tgt_idx": [1, 2],
                       "src": "他說😀\t中國很好。", "tgt": "He said China is fine. Extra.",
                       "score": 0.7, "kind": "1-2", "src_lang": "zh-TW", "tgt_lang": "en"}
    assert (tmp_path / "a.align").read_text().splitlines() == [
        "[0]:[0]:0.9000", "[1]:[1, 2]:0.7000", "[2]:[]:0.1000", "[3]:[3]:0.5500"]
    zh = (tmp_path / "a.zh").read_text("utf-8").split("\n")
    en = (tmp_path / "a.en").read_text("utf-8").split("\n")
    assert len(zh) == len(en) == 4  # three non-null beads + trailing ""
    assert zh[1] == "他說😀\t中國很好。" and en[1] == "He said China is fine. Extra."


def test_plain_keeps_lines_aligned_when_texts_hold_newlines(tmp_path):
    units = [Unit("d", (0,), (0,), "一\n二", "one\r\ntwo"), Unit("d", (1,), (1,), "三", "three")]
    assert export.write_plain(units, tmp_path / "z", tmp_path / "e") == 2
    assert (tmp_path / "z").read_text("utf-8") == "一 二\n三\n"
    assert (tmp_path / "e").read_text("utf-8") == "one two\nthree\n"


def test_min_score_and_null_defaults(tmp_path):
    al = make_alignment()
    assert export.write_alignment(al, tmp_path / "a.tsv", min_score=0.6) == 2
    assert export.write_alignment(al, tmp_path / "a.tmx") == 3  # TMX skips the null bead
    assert export.write_alignment(al, tmp_path / "b.tsv", skip_null=True) == 3


@pytest.mark.parametrize("name, fmt", [("a.tmx", "tmx"), ("a.TSV", "tsv"), ("a.jsonl", "jsonl"),
                                       ("a.align", "align")])
def test_format_from_suffix(name, fmt):
    assert formats.format_from_path(name) == fmt


def test_unknown_suffix_is_a_format_error():
    with pytest.raises(FormatError, match="suffix"):
        formats.format_from_path("a.docx")


def test_align_format_refuses_several_documents_and_leaves_nothing(tmp_path):
    units = [Unit("a", (0,), (0,), "x", "y"), Unit("b", (0,), (0,), "x", "y")]
    with pytest.raises(FormatError, match="one document"):
        write_units(units, tmp_path / "x.align")
    assert os.listdir(tmp_path) == []


def test_atomic_write_failure_keeps_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "out.tsv"
    path.write_text("old", encoding="utf-8")

    def units():
        yield Unit("d", (0,), (0,), "a", "b")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_units(units(), path)
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["out.tsv"]


def test_atomic_write_replaces_and_keeps_permissions_plain(tmp_path):
    path = tmp_path / "f.txt"
    with atomic_write(path) as f:
        f.write("ok\n")
    assert path.read_text() == "ok\n"
    mask = os.umask(0)
    os.umask(mask)
    assert (path.stat().st_mode & 0o777) == (0o666 & ~mask)
