"""Outputs that are inputs, and what a killed write leaves behind.

An output that names an input (the same path, another spelling of it, a symlink or a hard
link to it) is refused before anything is written, for every format and every writer; the
inputs stay byte for byte as they were. A write killed half-way leaves a ``.NAME.PID.*.tmp``
file, which the next write of the same target removes (only when its writer is gone).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile_kit import (EN, UNITS, ZH, assert_refused, assert_unchanged, corpus_ok,
                         make_corpus, register_fast_encoder, run_cli, snapshot)
from paralign.corpus import ParallelCorpus
from paralign.corpus.atomic import atomic_write, remove_stale_temporaries
from paralign.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ["tmx", "tsv", "jsonl", "align"]


@pytest.fixture
def pair_in(tmp_path):
    """A text pair under names that are valid output names for every format."""
    def make(fmt: str) -> tuple[Path, Path]:
        zh, en = tmp_path / f"zh.{fmt}", tmp_path / f"en.{fmt}"
        zh.write_text(ZH, encoding="utf-8")
        en.write_text(EN, encoding="utf-8")
        os.link(zh, tmp_path / f"hardlink.{fmt}")
        os.symlink(en.name, tmp_path / f"symlink.{fmt}")
        (tmp_path / "sub").mkdir(exist_ok=True)
        return zh, en
    return make


# (id, output given as): every way of naming one of the inputs
SPELLINGS = [
    ("same-path", lambda d, zh, en, fmt: str(zh)),
    ("the-other-input", lambda d, zh, en, fmt: str(en)),
    ("relative-dots", lambda d, zh, en, fmt: str(d / "sub" / ".." / zh.name)),
    ("dot-slash", lambda d, zh, en, fmt: str(d / "." / en.name)),
    ("hard-link", lambda d, zh, en, fmt: str(d / f"hardlink.{fmt}")),
    ("symlink", lambda d, zh, en, fmt: str(d / f"symlink.{fmt}")),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("spell", [s[1] for s in SPELLINGS], ids=[s[0] for s in SPELLINGS])
def test_align_refuses_to_write_over_an_input(tmp_path, capsys, pair_in, fmt, spell):
    zh, en = pair_in(fmt)
    out = spell(tmp_path, zh, en, fmt)
    before = snapshot(tmp_path)
    rc, _, err = run_cli(["-q", "align", str(zh), str(en), "-o", out, *register_fast_encoder()],
                         capsys)
    assert_refused(rc, err, "is also an input")
    assert_unchanged(tmp_path, before)


@pytest.mark.parametrize("spell", [s[1] for s in SPELLINGS], ids=[s[0] for s in SPELLINGS])
def test_report_refuses_to_write_over_an_input(tmp_path, capsys, pair_in, spell):
    zh, en = pair_in("html")
    before = snapshot(tmp_path)
    rc, _, err = run_cli(["-q", "report", str(zh), str(en), "-o", spell(tmp_path, zh, en, "html"),
                          *register_fast_encoder()], capsys)
    assert_refused(rc, err, "is also an input")
    assert_unchanged(tmp_path, before)


# (id, corpus file name, output name relative to the folder)
EXPORTS = [
    ("corpus-named-tsv", "c.tsv", "c.tsv"),
    ("corpus-named-tmx", "c.tmx", "c.tmx"),
    ("corpus-named-jsonl-dots", "c.jsonl", "sub/../c.jsonl"),
    ("hard-link-of-corpus", "c.db", "link.tsv"),
    ("symlink-to-corpus", "c.db", "sym.tmx"),
    ("the-corpus-wal-file", "c.db", "c.db-wal.tsv"),
]


@pytest.mark.parametrize("name, out", [e[1:] for e in EXPORTS], ids=[e[0] for e in EXPORTS])
def test_export_refuses_to_write_over_the_corpus(tmp_path, capsys, name, out):
    db = make_corpus(tmp_path / name)
    (tmp_path / "sub").mkdir()
    os.link(db, tmp_path / "link.tsv")
    os.symlink(db.name, tmp_path / "sym.tmx")
    if out == "c.db-wal.tsv":  # SQLite's companion under an export's name: refused too
        os.link(db, tmp_path / "c.db-wal.tsv")
    before = snapshot(tmp_path)
    rc, _, err = run_cli(["-q", "export", str(db), "-o", str(tmp_path / out)], capsys)
    assert_refused(rc, err, "is also an input")
    assert_unchanged(tmp_path, before)
    corpus_ok(db)


@pytest.mark.parametrize("method", ["to_tsv", "to_tmx", "to_jsonl", "to_vecalign", "to_html"])
def test_the_python_api_refuses_too(tmp_path, method):
    """``al.to_*(path)`` on one of the alignment's own input files."""
    from fake_encoders import HashEncoder
    from paralign import AlignConfig, Aligner
    from paralign.text import read_file, segment

    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text(ZH, encoding="utf-8")
    en.write_text(EN, encoding="utf-8")
    al = Aligner(AlignConfig(cache=False, progress=False), encoder=HashEncoder()).align(
        *(segment(read_file(p), source=str(p)) for p in (zh, en)))
    before = snapshot(tmp_path)
    with pytest.raises(InputError, match="is also an input"):
        getattr(al, method)(zh)
    assert_unchanged(tmp_path, before)


def test_corpus_export_and_plain_refuse_the_corpus_itself(tmp_path):
    db = make_corpus(tmp_path / "c.tsv")
    before = snapshot(tmp_path)
    with ParallelCorpus(db) as c:
        with pytest.raises(InputError, match="is also an input"):
            c.to_tsv(db)
        with pytest.raises(InputError, match="is also an input"):
            c.to_plain(tmp_path / "zh.txt", db)
        with pytest.raises(InputError, match="both plain-text outputs"):
            c.to_plain(tmp_path / "same.txt", tmp_path / "same.txt")
    assert_unchanged(tmp_path, before)
    corpus_ok(db)


# -- a killed write, then the next one -----------------------------------------------------------

_WRITER = """
import sys, time
from paralign.corpus.atomic import atomic_write
with atomic_write(sys.argv[1]) as f:
    f.write("partial ")
    f.flush()
    print("writing", flush=True)
    time.sleep(60)
"""


def _killed_write(target: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.parametrize("name", ["out.tsv", "out.tmx", "x" * 200 + ".tsv", "点 空格.jsonl"])
def test_a_killed_write_leaves_a_temporary_the_next_write_removes(tmp_path, name):
    target = tmp_path / name
    target.write_text("the old export\n", encoding="utf-8")
    _killed_write(target)
    stale = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(stale) == 1 and target.read_text(encoding="utf-8") == "the old export\n"
    with atomic_write(target) as f:
        f.write("the new export\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert target.read_text(encoding="utf-8") == "the new export\n"


def test_a_write_in_progress_elsewhere_is_left_alone(tmp_path):
    """Only temporaries whose writer is gone are stale: a live writer's file stays."""
    target = tmp_path / "out.tsv"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(target)], stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    try:
        assert proc.stdout.readline().strip() == "writing"
        assert remove_stale_temporaries(target) == []
        assert len([p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]) == 1
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert len(remove_stale_temporaries(target)) == 1


@pytest.mark.parametrize("name, age, removed", [
    (".out.tsv.ab12cd34.tmp", 2 * 3600, True),     # an older paralign's, two hours old
    (".out.tsv.ab12cd34.tmp", 60, False),          # ... a minute old: may be in progress
    (".out.tsv.999999999.ab12cd34.tmp", 0, True),  # its PID is not running
    (".other.tsv.999999999.ab12cd34.tmp", 0, False),  # another target's
    ("out.tsv.999999999.ab12cd34.tmp", 0, False),  # not hidden: not one of ours
])
def test_which_temporaries_are_stale(tmp_path, name, age, removed):
    p = tmp_path / name
    p.write_text("partial")
    t = time.time() - age
    os.utime(p, (t, t))
    assert (remove_stale_temporaries(tmp_path / "out.tsv") == [str(p)]) is removed
    assert p.exists() is not removed


def test_stale_temporaries_of_the_corpus_export_go_with_the_next_export(tmp_path, capsys):
    db = make_corpus(tmp_path / "c.db")
    out = tmp_path / "all.tmx"
    _killed_write(out)
    rc, _, _ = run_cli(["-q", "export", str(db), "-o", str(out)], capsys)
    assert rc == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert ParallelCorpus(db, readonly=True).count() == len(UNITS)
