"""Hostile inputs to the readers: FIFOs and devices (refused at once, never read), gold files
in any encoding or none, and file names that are not valid UTF-8.

Every reader of a path is in the tables; a reader that blocked on a FIFO would hang the test,
so each case runs under an alarm.
"""

from __future__ import annotations

import codecs
import os
import signal
from pathlib import Path

import pytest

from hostile_kit import (EN, GOLD, UNITS, ZH, assert_refused, assert_unchanged, corpus_ok,
                         make_corpus,
                         register_fast_encoder, run_cli, snapshot)
from paralign.corpus import ParallelCorpus, read_tmx, validate_tmx
from paralign.corpus.formats import write_tsv
from paralign.corpus.store import read_tsv
from paralign.corpus.tmx import write_tmx_units
from paralign.errors import DecodeError, FormatError, InputError
from paralign.evaluation import evaluate_files, read_vecalign
from paralign.text import read_file, read_presplit


@pytest.fixture(autouse=True)
def no_hang():
    """Fail, rather than hang, if a reader blocks (on a FIFO with no writer)."""
    def alarm(*_):
        raise TimeoutError("blocked reading a FIFO or device")
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


# (id, reader of a path)
READERS = [
    ("read_file", read_file),
    ("read_presplit", read_presplit),
    ("read_vecalign", read_vecalign),
    ("read_tmx", read_tmx),
    ("validate_tmx", validate_tmx),
    ("read_tsv", read_tsv),
    ("ParallelCorpus", ParallelCorpus),
    ("ParallelCorpus-readonly", lambda p: ParallelCorpus(p, readonly=True)),
]


# (id, make the special file in a folder, words)
SPECIALS = [
    ("fifo", lambda d: os.mkfifo(d / "special") or d / "special", "FIFO"),
    ("char-device", lambda d: os.symlink("/dev/zero", d / "special") or d / "special",
     "device"),
    ("directory", lambda d: (d / "special").mkdir() or d / "special", "directory"),
]


@pytest.mark.parametrize("make, words", [s[1:] for s in SPECIALS], ids=[s[0] for s in SPECIALS])
@pytest.mark.parametrize("reader", [r[1] for r in READERS], ids=[r[0] for r in READERS])
def test_special_files_are_refused_at_once(tmp_path, reader, make, words):
    path = make(tmp_path)
    with pytest.raises(InputError, match=words) as info:
        reader(path)
    assert "special" in str(info.value) and "\n" not in str(info.value)


# -- gold files in any encoding --------------------------------------------------------------

BEADS = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,)), ((4,), (4,))]
# (id, bytes of the gold file, expected: beads, or (exception, words))
GOLD_FILES = [
    ("utf-8", GOLD.encode("utf-8"), BEADS),
    ("utf-8-bom", codecs.BOM_UTF8 + GOLD.encode("utf-8"), BEADS),
    ("utf-16-le-bom", GOLD.encode("utf-16"), BEADS),
    ("utf-16-be-bom", codecs.BOM_UTF16_BE + GOLD.encode("utf-16-be"), BEADS),
    ("utf-16-le-no-bom", GOLD.encode("utf-16-le"), BEADS),
    ("utf-32-bom", GOLD.encode("utf-32"), BEADS),
    ("crlf", GOLD.replace("\n", "\r\n").encode(), BEADS),
    ("gb18030-with-scores", "[0]:[0]:0.5\n[1]:[1]:0.25\n".encode("gb18030"),
     BEADS[:2]),
    ("binary", bytes(range(256)) * 8, (DecodeError, "binary")),
    ("nul-bytes", b"[0]:[0]\n\x00\x00\x00\x01", (DecodeError, "binary")),
    ("latin-1-garbage", "[0]:[0]\n[1]:[1] café\n".encode("latin-1"),
     (FormatError, "gold.align:2")),
    ("invalid-utf-8-bom", codecs.BOM_UTF8 + b"[0]:[0]\n\xff\xfe\n", (DecodeError, "UTF-8")),
    ("big5-words", "[0]:[0]\n對齊\n".encode("big5"), (FormatError, "gold.align:2")),
    ("empty", b"", []),
]


@pytest.mark.parametrize("data, expected", [g[1:] for g in GOLD_FILES],
                         ids=[g[0] for g in GOLD_FILES])
def test_gold_files_in_any_encoding(tmp_path, capsys, data, expected):
    gold = tmp_path / "gold.align"
    gold.write_bytes(data)
    test = tmp_path / "test.align"
    test.write_text(GOLD, encoding="utf-8")
    before = snapshot(tmp_path)
    if isinstance(expected, list):
        assert read_vecalign(gold) == expected
        rc, out, err = run_cli(["eval", str(gold), "--test", str(test)], capsys)
        if expected:
            assert rc == 0 and err == "" and "strict" in out
        else:  # read, but nothing to score against
            assert_refused(rc, err, "gold.align", "gold file has no beads")
    else:
        exc, words = expected
        with pytest.raises(exc, match=words):
            read_vecalign(gold)
        with pytest.raises(exc, match=words):
            evaluate_files([str(test)], [str(gold)])
        rc, _, err = run_cli(["eval", str(gold), "--test", str(test)], capsys)
        assert_refused(rc, err, "gold.align", words)
    assert_unchanged(tmp_path, before)


# -- file names that are not valid UTF-8 ------------------------------------------------------

BAD_NAMES = [b"caf\xe9", b"\xff\xfe", b"\xe4\xb8", b"ok-\x80-name"]  # latin-1, junk, cut UTF-8


@pytest.mark.parametrize("raw", BAD_NAMES, ids=[n.hex() for n in BAD_NAMES])
def test_surrogate_escaped_names_through_the_readers_and_writers(tmp_path, raw):
    base = os.fsdecode(bytes(tmp_path) if isinstance(tmp_path, bytes) else os.fsencode(tmp_path))
    name = os.fsdecode(raw)
    tmx = Path(base, name + ".tmx")
    write_tmx_units(UNITS, tmx)
    assert validate_tmx(tmx) == []
    assert read_tmx(tmx).count() == len(UNITS)
    with read_tmx(tmx) as c:
        assert {d.src_source for d in c.docs()} == {str(tmx).encode("utf-8", "surrogateescape")
                                                    .decode("utf-8", "backslashreplace")}
    tsv = Path(base, name + ".tsv")
    write_tsv(UNITS, tsv)
    assert read_tsv(tsv).count() == len(UNITS)
    txt = Path(base, name + ".txt")
    txt.write_text(ZH, encoding="utf-8")
    assert "公园" in read_file(txt)
    db = Path(base, name + ".db")
    make_corpus(db)
    with ParallelCorpus(db, readonly=True) as c:
        assert c.count() == len(UNITS)


@pytest.mark.parametrize("raw", BAD_NAMES, ids=[n.hex() for n in BAD_NAMES])
def test_surrogate_escaped_names_through_the_cli(tmp_path, capsys, raw):
    name = os.fsdecode(raw)
    zh, en = tmp_path / (name + ".zh.txt"), tmp_path / (name + ".en.txt")
    zh.write_text(ZH, encoding="utf-8")
    en.write_text(EN, encoding="utf-8")
    out = tmp_path / (name + ".tmx")
    rc, _, err = run_cli(["-q", "align", str(zh), str(en), "-o", str(out),
                          *register_fast_encoder()], capsys)
    assert rc == 0, err
    assert validate_tmx(out) == []
    db = make_corpus(tmp_path / (name + ".db"))
    rc, _, err = run_cli(["-q", "export", str(db), "-o", str(tmp_path / (name + ".jsonl"))],
                         capsys)
    assert rc == 0, err
    rc, _, err = run_cli(["-q", "align", str(tmp_path / (name + ".missing")), str(en), "-o",
                          str(out)], capsys)
    assert_refused(rc, err, "no such file")


# -- batch manifests in any encoding, pair files with names that are not UTF-8 ---------------

MANIFESTS = [
    ("utf-8", "utf-8"), ("utf-8-bom", "utf-8-sig"), ("utf-16", "utf-16"),
    ("gb18030", "gb18030"), ("big5", "big5"),
]


@pytest.mark.parametrize("encoding", [m[1] for m in MANIFESTS], ids=[m[0] for m in MANIFESTS])
def test_batch_manifest_in_a_legacy_encoding(tmp_path, capsys, monkeypatch, encoding):
    (tmp_path / "公園.zh.txt").write_text("我们今天去公园。\n", encoding="utf-8")
    (tmp_path / "公園.en.txt").write_text("We went to the park today.\n", encoding="utf-8")
    manifest = tmp_path / "list.tsv"
    manifest.write_text("zh_path\ten_path\tdoc_id\n公園.zh.txt\t公園.en.txt\t公園\n",
                        encoding=encoding)
    rc, out, err = run_cli(["-q", "batch", str(manifest), "-o", str(tmp_path / "c.db"),
                            "-j", "1", *register_fast_encoder()], capsys)
    assert rc == 0, err
    with ParallelCorpus(tmp_path / "c.db", readonly=True) as c:
        assert c.doc_ids() == ["公園"]


@pytest.mark.parametrize("raw", BAD_NAMES, ids=[n.hex() for n in BAD_NAMES])
def test_batch_folder_with_names_that_are_not_utf8(tmp_path, capsys, monkeypatch, raw):
    name = os.fsdecode(raw)
    folder = tmp_path / "pairs"
    folder.mkdir()
    (folder / (name + ".zh.txt")).write_text("我们今天去公园。\n", encoding="utf-8")
    (folder / (name + ".en.txt")).write_text("We went to the park today.\n", encoding="utf-8")
    (folder / "ok.zh.txt").write_text("他走了。\n", encoding="utf-8")
    (folder / "ok.en.txt").write_text("He left.\n", encoding="utf-8")
    rc, out, err = run_cli(["-q", "batch", str(folder), "-o", str(tmp_path / "c.db"), "-j", "1",
                           *register_fast_encoder()], capsys)
    assert rc == 0, err
    shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    with ParallelCorpus(tmp_path / "c.db", readonly=True) as c:
        assert sorted(c.doc_ids()) == sorted([shown, "ok"])
    corpus_ok(tmp_path / "c.db", 2)


# Closed standard streams (a command started with <&- or >&-), and standard input asked for
# twice: (shell redirection, paralign arguments, what the one-line error says).
CLOSED_STREAMS = [
    ("<&-", ["segment", "-"], "standard input is closed"),
    ("<&-", ["align", "-", "{en}", "-o", "{out}"], "standard input is closed"),
    ("<&-", ["align", "-", "-o", "{out}"], "standard input is closed"),  # one bilingual stdin
    ("", ["align", "-", "-", "-o", "{out}"], "given for both sides"),
    (">&-", ["segment", "{zh}"], "standard output is closed"),
    (">&-", ["align", "{zh}", "{en}", "-o", "-"], "standard output is closed"),
    (">&-", ["align", "{zh}", "{en}", "-o", "{out}"], "standard output is closed"),
    (">&-", ["stats", "{out}"], "standard output is closed"),
]


@pytest.mark.parametrize("redirect, argv, message", CLOSED_STREAMS)
def test_closed_standard_streams_are_one_line(tmp_path, redirect, argv, message):
    import subprocess
    import sys

    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text("\n".join(ZH) + "\n", encoding="utf-8")
    en.write_text("\n".join(EN) + "\n", encoding="utf-8")
    before = snapshot(tmp_path)
    names = {"zh": str(zh), "en": str(en), "out": str(tmp_path / "out.tsv")}
    args = [a.format(**names) for a in argv]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    r = subprocess.run(["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m",
                        "paralign", *args], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, env=env, timeout=120)
    assert_refused(r.returncode, r.stderr, message)
    assert_unchanged(tmp_path, before)  # nothing written, no temporary file left


# "-" where it cannot mean standard input or output: (arguments, what the error says)
NOT_STDIO = [
    (["batch", "{pairs}", "-o", "-"], "cannot be a corpus database"),
    (["export", "-", "-o", "{out}"], "cannot be a corpus database"),
    (["stats", "-"], "cannot be a corpus database"),
    (["search", "-", "公园"], "cannot be a corpus database"),
    (["eval", "-", "--test", "-"], "named more than once"),
    (["eval", "{empty}", "--test", "{empty}"], "gold file has no beads"),
]


@pytest.mark.parametrize("argv, message", NOT_STDIO)
def test_dash_where_it_cannot_be_a_stream(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    (pairs / "a.zh.txt").write_text("\n".join(ZH) + "\n", encoding="utf-8")
    (pairs / "a.en.txt").write_text("\n".join(EN) + "\n", encoding="utf-8")
    (tmp_path / "empty.align").write_text("", encoding="utf-8")
    before = snapshot(tmp_path)
    names = {"pairs": str(pairs), "out": str(tmp_path / "out.tsv"),
             "empty": str(tmp_path / "empty.align")}
    rc, _, err = run_cli([a.format(**names) for a in argv], capsys)
    assert_refused(rc, err, message)
    assert_unchanged(tmp_path, before)  # no file named "-" appeared
