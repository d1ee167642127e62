"""Property tests for the aligner and time-bounded fuzzing of the readers and the segmenter.

Already covered elsewhere, not repeated: the segmenter gives back its input modulo whitespace
(test_text_robustness.py::test_segmentation_covers_input), TMX write -> read is the identity
(test_corpus_tmx.py::test_tmx_round_trip_property), decode/read_file on arbitrary bytes
(test_text_reading.py::test_fuzz_decode, test_fuzz_read_file).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fake_encoders import HashEncoder
from paralign import AlignConfig, Aligner
from paralign.corpus import iter_tmx
from paralign.corpus.formats import TSV_HEADER, iter_tsv
from paralign.errors import FormatError, InputError
from paralign.corpus.formats import read_vecalign
from paralign.text import clean, segment

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ZH = ["我们今天去公园。", "天气很好。", "孩子们在草地上玩。", "他昨天到了北京。", "会议开得很成功。",
      "这是一个很长的句子，其中有许多分句，还有更多的内容。", "好。", "一九九〇年。", "“你好！”他说。"]
EN = ["We went to the park today.", "The weather was fine.", "The children played.",
      "He arrived in Beijing yesterday.", "The meeting went well.", "Good.", "In 1990.",
      "This is a long sentence, with many clauses, and more after that.", "\"Hello!\" he said."]

_ALIGNERS: dict[tuple[int, int], Aligner] = {}


def aligner(max_merge: int, max_total: int) -> Aligner:
    key = (max_merge, max_total)
    if key not in _ALIGNERS:
        _ALIGNERS[key] = Aligner(AlignConfig(cache=False, progress=False, max_merge=max_merge,
                                             max_total=max_total), encoder=HashEncoder())
    return _ALIGNERS[key]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(src=st.lists(st.sampled_from(ZH), min_size=1, max_size=40),
       tgt=st.lists(st.sampled_from(EN), min_size=1, max_size=40),
       max_merge=st.integers(1, 4), max_total=st.integers(2, 6))
def test_beads_are_monotone_cover_everything_once_and_respect_sizes(src, tgt, max_merge,
                                                                    max_total):
    al = aligner(max_merge, max_total).align(src, tgt)
    s_seen = [i for b in al.beads for i in b.src]
    t_seen = [j for b in al.beads for j in b.tgt]
    assert s_seen == list(range(len(src)))  # every sentence once, in order: monotone
    assert t_seen == list(range(len(tgt)))
    for b in al.beads:
        assert b.src or b.tgt
        assert list(b.src) == list(range(b.src[0], b.src[0] + len(b.src))) if b.src else True
        assert list(b.tgt) == list(range(b.tgt[0], b.tgt[0] + len(b.tgt))) if b.tgt else True
        assert len(b.src) <= max_merge and len(b.tgt) <= max_merge, (b, max_merge)
        assert len(b.src) + len(b.tgt) <= max(max_total, 2), (b, max_total)
        assert 0.0 <= b.score <= 1.0
    assert 0.0 <= al.parallelism <= 1.0
    again = aligner(max_merge, max_total).align(src, tgt)
    assert [(b.src, b.tgt, b.score) for b in again.beads] == [
        (b.src, b.tgt, b.score) for b in al.beads]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(ZH), min_size=2, max_size=len(ZH), unique=True))
def test_a_text_against_itself_is_all_one_to_one(src):
    """Distinct sentences against themselves (same language is allowed in ``pa.align`` on
    lists): every bead 1-1 and on the diagonal."""
    al = aligner(4, 6).align(src, list(src))
    assert [(b.src, b.tgt) for b in al.beads] == [((i,), (i,)) for i in range(len(src))]


# -- fuzzing: every reader either works or raises a FormatError/InputError naming the file -------

FUZZ = settings(max_examples=80, deadline=2000,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

_TMX_PIECES = st.sampled_from([
    '<?xml version="1.0"?>', "<tmx version=\"1.4\">", "<header/>", "<body>", "</body>", "</tmx>",
    "<tu>", "</tu>", '<tuv xml:lang="zh">', '<tuv xml:lang="en">', "<tuv>", "</tuv>", "<seg>",
    "</seg>", "中文", "text", "&amp;", "&lt;", "&nope;", "<!DOCTYPE tmx [<!ENTITY a \"b\">]>",
    "&a;", "<![CDATA[x]]>", "<!-- c -->", "\n", "\x00", "\udcff", "<bpt i=\"1\">", "</bpt>",
    "<prop type=\"x-score\">", "</prop>", "0.5", "nan", "<ph/>", "é", "<"])


@FUZZ
@given(st.lists(_TMX_PIECES, max_size=40).map("".join))
def test_fuzz_read_tmx(tmp_path: Path, doc: str) -> None:
    p = tmp_path / "f.tmx"
    p.write_bytes(doc.encode("utf-8", "surrogateescape"))
    try:
        for u in iter_tmx(p):
            assert isinstance(u.src, str) and isinstance(u.tgt, str)
    except FormatError as exc:
        assert "f.tmx" in str(exc)


_TSV_FIELD = st.one_of(st.sampled_from(["0", "1", "0,1", "", "-1", "x", "0.5", "nan", "1-1",
                                        "中\\t文", "a\\q", "\\", "2-0"]),
                       st.text(max_size=6))


@FUZZ
@given(st.lists(st.lists(_TSV_FIELD, min_size=0, max_size=9).map("\t".join), max_size=6),
       st.binary(max_size=8))
def test_fuzz_read_tsv(tmp_path: Path, rows: list[str], tail: bytes) -> None:
    p = tmp_path / "f.tsv"
    body = "\t".join(TSV_HEADER) + "\n" + "\n".join(rows)
    p.write_bytes(body.encode("utf-8", "surrogatepass") + tail)
    try:
        for u in iter_tsv(p):
            assert all(i >= 0 for i in u.src_idx + u.tgt_idx)
    except FormatError as exc:
        assert "f.tsv: line " in str(exc)


@FUZZ
@given(st.text(st.sampled_from("[]:,0123456789 -\nx\t"), max_size=60))
def test_fuzz_read_vecalign(tmp_path: Path, body: str) -> None:
    p = tmp_path / "f.align"
    p.write_text(body, encoding="utf-8")
    try:
        beads = read_vecalign(p)
    except FormatError as exc:
        assert "f.align" in str(exc)
    else:
        assert all(isinstance(s, tuple) and isinstance(t, tuple) for s, t in beads)


@settings(max_examples=150, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120), st.sampled_from([None, "zh", "en"]))
def test_fuzz_segment_any_unicode(text: str, lang: str | None) -> None:
    """Arbitrary Unicode (surrogates included): segments or raises InputError, never crashes;
    sentences are substrings of the Document's text."""
    try:
        doc = segment(clean(text) if lang is None else text, lang)
    except InputError:
        return
    for s in doc:
        assert s.text and doc.text[s.start:s.end] == s.text
        s.text.encode("utf-8")
        s.norm.encode("utf-8")


@pytest.mark.parametrize("body", ["[0]:[0]\n[0]:[1]\n", "[1]:[0]\n[0]:[1]\n", "[-1]:[0]\n"])
def test_vecalign_reader_accepts_overlapping_or_negative_beads(tmp_path, body):
    """Documents current behaviour (formats.py): read_vecalign
    accepts beads that reuse or reorder sentences and negative indices."""
    p = tmp_path / "x.align"
    p.write_text(body, encoding="utf-8")
    assert read_vecalign(p)
