"""The corpus commands of the CLI: export, search, stats (and batch through main())."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_corpus_helpers import make_alignment, simple_alignment
from paralign.cli import main
from paralign.corpus import ParallelCorpus, read_tmx, validate_tmx


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "corpus.db"
    with ParallelCorpus(path) as c:
        c.add(make_alignment(), doc_id="a")
        c.add(simple_alignment([("外交政策很重要。", "Foreign policy matters."),
                                ("天气很好。", "Nice weather.")], scores=[0.9, 0.2]), doc_id="b")
    return path


def test_export_tmx_with_min_score(db, tmp_path, capsys):
    out = tmp_path / "x.tmx"
    assert main(["export", str(db), "-o", str(out), "--min-score", "0.5"]) == 0
    # make_alignment: 4 beads (one 1-0), simple_alignment: 2 (one at 0.2)
    assert capsys.readouterr().out.strip() == (
        f"6 beads -> 4 written to {out}; left out 1 null bead (one side empty), "
        "1 below the minimum score")
    assert validate_tmx(out) == []
    assert all(p.score >= 0.5 for p in read_tmx(out).pairs())


@pytest.mark.parametrize("args, n, tags", [
    ([], 5, {"zh-TW", "zh-CN", "en"}),
    (["--keep-null", "--src-lang", "zh-HK", "--tgt-lang", "en-US"], 6, {"zh-HK", "en-US"}),
])
def test_export_language_tags_and_null_beads(db, tmp_path, capsys, args, n, tags):
    import re

    out = tmp_path / "x.tmx"
    assert main(["export", str(db), "-o", str(out), *args]) == 0
    assert validate_tmx(out) == []
    text = out.read_text("utf-8")
    assert len(re.findall(r"<tu[ >]", text)) == n
    assert set(re.findall(r'xml:lang="([^"]+)"', text)) == tags
    header_src = re.search(r'<header[^>]* srclang="([^"]+)"', text).group(1)
    assert header_src in tags  # the header names a language the units use


@pytest.mark.parametrize("bad", ["zh_HK!", "1234", "-"])
def test_bad_language_tag_is_refused(db, tmp_path, capsys, bad):
    with pytest.raises(SystemExit) as e:
        main(["export", str(db), "-o", str(tmp_path / "x.tmx"), "--src-lang", bad])
    assert e.value.code == 2 and "language tag" in capsys.readouterr().err


@pytest.mark.parametrize("suffix, lines", [(".tsv", 7), (".jsonl", 6)])
def test_export_other_formats(db, tmp_path, suffix, lines):
    out = tmp_path / f"x{suffix}"
    assert main(["export", str(db), "-o", str(out)]) == 0
    assert len(out.read_text("utf-8").splitlines()) == lines


def test_export_bad_suffix_is_a_one_line_error(db, tmp_path, capsys):
    assert main(["export", str(db), "-o", str(tmp_path / "x.docx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("paralign: error:") and "suffix" in err
    assert not (tmp_path / "x.docx").exists()


def test_search(db, capsys):
    assert main(["search", str(db), "外交"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].startswith("a\t[外交]部長") and out[0].endswith("The foreign minister spoke today.")
    assert "[外交]政策很重要" in out[1]
    assert main(["search", str(db), "weather", "--side", "en", "-n", "1"]) == 0
    assert capsys.readouterr().out.count("\n") == 1


def test_stats(db, capsys):
    assert main(["stats", str(db)]) == 0
    out = capsys.readouterr().out
    assert "documents      2" in out and "1-2 1" in out and "score" in out


def test_missing_corpus_is_a_one_line_error(tmp_path, capsys):
    assert main(["stats", str(tmp_path / "nope.db")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_export_as_a_subprocess(db, tmp_path):
    out = tmp_path / "y.tmx"
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    r = subprocess.run([sys.executable, "-m", "paralign", "export", str(db), "-o", str(out),
                        "--min-score", "0.5"], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert validate_tmx(out) == []
