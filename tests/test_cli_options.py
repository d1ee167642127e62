"""The command line's shared options: ``-v``/``-q`` before or after the command, ``-o -``
(standard output) with ``--to``, ``--set KEY=VALUE`` for every AlignConfig setting, the
``--encoder`` help, and the summary line that lists every bead type.

A hashing encoder (no model) keeps these fast; what is tested is the command line.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields

import pytest

from hostile_kit import assert_refused, register_fast_encoder, run_cli
from paralign import AlignConfig
from paralign.alignment.bead import Alignment, Bead
from paralign.cli import parse_args
from paralign.corpus.tmx import iter_tmx
from paralign.text import from_sentences

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ZH = ["老人在河边钓鱼。", "天色渐渐暗了下来。", "妻子已经做好了晚饭。"]
EN = ["The old man was fishing by the river.", "The sky slowly grew dark.",
      "His wife had already cooked dinner."]


@pytest.fixture
def pair(tmp_path):
    zh, en = tmp_path / "zh.txt", tmp_path / "en.txt"
    zh.write_text("\n".join(ZH) + "\n", encoding="utf-8")
    en.write_text("\n".join(EN) + "\n", encoding="utf-8")
    return str(zh), str(en)


# (argv around "align A B -o o.tsv", expected verbose, expected quiet)
PLACEMENTS = [
    ([], [], 0, False),
    (["-q"], [], 0, True),
    ([], ["-q"], 0, True),
    ([], ["--quiet"], 0, True),
    (["-v"], [], 1, False),
    ([], ["-v"], 1, False),
    (["-v"], ["-v"], 2, False),
    ([], ["-vv"], 2, False),
    (["-q"], ["-v"], 1, True),
]


@pytest.mark.parametrize("before, after, verbose, quiet", PLACEMENTS)
def test_verbose_and_quiet_before_or_after_the_command(before, after, verbose, quiet):
    args = parse_args([*before, "align", "a.txt", "b.txt", "-o", "o.tsv", *after])
    assert (args.verbose, args.quiet) == (verbose, quiet)


@pytest.mark.parametrize("command", ["align a b -o o.tsv", "batch d -o c.db", "export c.db -o o.tsv",
                                     "search c.db term", "stats c.db", "segment f.txt",
                                     "report a b -o r.html", "eval g --test t", "demo"])
def test_every_command_takes_quiet_after_it(command):
    assert parse_args([*command.split(), "-q"]).quiet


def test_quiet_after_the_command_silences_progress(pair, tmp_path, capsys):
    rc, out, err = run_cli(["align", *pair, "-o", str(tmp_path / "o.tsv"),
                            *register_fast_encoder(), "-q"], capsys)
    assert rc == 0, err
    assert err == ""


# how to read the target sentence indices out of what standard output received
def _tsv(text):
    return [int(j) for ln in text.splitlines()[1:] for j in ln.split("\t")[2].split(",") if j]


def _jsonl(text):
    return [j for ln in text.splitlines() for j in json.loads(ln)["tgt_idx"]]


def _align(text):
    return [int(j) for ln in text.splitlines() if ln.strip()
            for j in ln.split(":")[1].strip(" []").split(",") if j.strip()]


# (--to, how to read what standard output received)
TO_STDOUT = [
    (None, _tsv),  # tsv when --to does not say
    ("tsv", _tsv),
    ("jsonl", _jsonl),
    ("align", _align),
]


@pytest.mark.parametrize("to, parse", TO_STDOUT)
def test_align_to_standard_output(pair, capsys, to, parse):
    rc, out, err = run_cli(["align", *pair, "-o", "-", *(["--to", to] if to else []),
                            "--presplit", *register_fast_encoder(), "-q"], capsys)
    assert rc == 0, err
    assert parse(out) == [0, 1, 2]  # every target sentence, once, in order
    assert " beads (" in err and "-> standard output" in err  # the summary is not in the data


def test_align_tmx_to_standard_output_reads_back(pair, tmp_path, capsys):
    rc, out, err = run_cli(["align", *pair, "-o", "-", "--to", "tmx", "--presplit",
                            *register_fast_encoder(), "-q"], capsys)
    assert rc == 0, err
    path = tmp_path / "back.tmx"
    path.write_text(out, encoding="utf-8")
    assert " ".join(u.tgt for u in iter_tmx(path)) == " ".join(EN)


def test_to_overrides_the_suffix(pair, tmp_path, capsys):
    out = tmp_path / "o.txt"
    rc, _, err = run_cli(["align", *pair, "-o", str(out), "--to", "jsonl", "--presplit",
                          *register_fast_encoder(), "-q"], capsys)
    assert rc == 0, err
    assert _jsonl(out.read_text("utf-8")) == [0, 1, 2]


def test_export_and_report_to_standard_output(pair, tmp_path, capsys):
    from paralign import ParallelCorpus
    from paralign.corpus.formats import Unit

    db = tmp_path / "c.db"
    with ParallelCorpus(db) as c:
        c.add_units([Unit("d", (i,), (i,), z, e, 0.9) for i, (z, e) in
                     enumerate(zip(ZH, EN))])
    rc, out, err = run_cli(["export", str(db), "-o", "-", "--to", "jsonl"], capsys)
    assert rc == 0, err
    assert [json.loads(ln)["tgt"] for ln in out.splitlines()] == EN
    assert "-> 3 written to standard output" in err
    rc, out, err = run_cli(["report", *pair, "-o", "-", "--presplit",
                            *register_fast_encoder(), "-q"], capsys)
    assert rc == 0, err
    assert out.lstrip().lower().startswith("<!doctype html") and EN[0] in out


def test_standard_output_full_is_one_line(pair, capsys):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", "import sys; from paralign.cli import main; "
                        "sys.exit(main(sys.argv[1:]))", "align", *pair, "-o", "-", "--presplit",
                        "-q", "--encoder", "use-m3", "--no-cache"],
                       stdout=open("/dev/full", "w"), stderr=subprocess.PIPE, text=True,
                       env=dict(os.environ))
    assert_refused(r.returncode, r.stderr, "standard output", "no space left on device")


# (--set, the setting, its value in the config)
SETTINGS = [
    ("max_total=8", "max_total", 8),
    ("max-merge=3", "max_merge", 3),
    ("paragraph_anchors=false", "paragraph_anchors", False),
    ("paragraph_anchors=yes", "paragraph_anchors", True),
    ("skip=-0.25", "skip", -0.25),
    ("margin=none", "margin", "none"),
    ("split_long=none", "split_long", None),
    ("split_long=40", "split_long", 40),
    ("zh_convert=t2s", "zh_convert", "t2s"),
    ("realign=0", "realign", 0),
]


@pytest.mark.parametrize("item, key, value", SETTINGS)
def test_set_reaches_the_config(item, key, value):
    from paralign.cli import _config_from

    config = _config_from(parse_args(["align", "a", "b", "-o", "o.tsv", "--set", item]))
    assert getattr(config, key) == value


def test_every_setting_can_be_set():
    """No AlignConfig field is out of reach of --set (its type can be read from text)."""
    defaults = AlignConfig()
    for f in fields(AlignConfig):
        value = getattr(defaults, f.name)
        text = "none" if value is None else str(value).lower()
        assert getattr(defaults.with_strings({f.name: text}), f.name) == value, f.name


# (--set, what the one-line error says)
BAD_SETTINGS = [
    ("maxtotal=8", "unknown setting 'maxtotal'"),
    ("max_total", "expected KEY=VALUE"),
    ("=3", "expected KEY=VALUE"),
    ("max_total=eight", "max_total must be an integer, got 'eight'"),
    ("max_total=1", "max_total must be >= 2"),
    ("cache=maybe", "cache must be true or false"),
    ("margin=cosine", "margin must be one of 'knn', 'none'"),
    ("skip=0.5", "skip must be <= 0"),
    ("length_weight=nan", "length_weight must be a finite number"),
]


@pytest.mark.parametrize("item, message", BAD_SETTINGS)
def test_bad_settings_are_one_line(pair, tmp_path, capsys, item, message):
    rc, _, err = run_cli(["align", *pair, "-o", str(tmp_path / "o.tsv"), "--set", item,
                          *register_fast_encoder()], capsys)
    assert_refused(rc, err, message)
    assert not (tmp_path / "o.tsv").exists()


def test_encoder_help_lists_the_bundled_encoders(capsys):
    from paralign.embed.bundled import BUNDLED_ENCODERS

    with pytest.raises(SystemExit):
        parse_args(["align", "-h"])
    out = " ".join(capsys.readouterr().out.split())
    for name in BUNDLED_ENCODERS:
        assert name in out
    assert "the default" in out and "sentence-transformers" in out


def _alignment(kinds: list[tuple[int, int]]) -> Alignment:
    beads, i, j = [], 0, 0
    for a, b in kinds:
        beads.append(Bead(tuple(range(i, i + a)), tuple(range(j, j + b)), 0.5))
        i, j = i + a, j + b
    return Alignment(from_sentences([f"句{k}。" for k in range(i)]),
                     from_sentences([f"S{k}." for k in range(j)]), beads)


# (bead types in order, the summary)
SUMMARIES = [
    ([(1, 1)] * 3 + [(1, 2)], "1-1:3, 1-2:1"),
    ([(1, 1), (1, 0), (0, 1), (2, 1), (1, 2), (2, 2)],
     "0-1:1, 1-0:1, 1-1:1, 1-2:1, 2-1:1, 2-2:1"),  # six types: all of them
    ([(1, 1)] * 2 + [(1, 0), (0, 1), (2, 1), (1, 2), (2, 2), (2, 3), (3, 2)],
     "1-1:2, 0-1:1, 1-0:1, 1-2:1, 2-1:1, 3 other types: 3 beads"),
]


@pytest.mark.parametrize("kinds, summary", SUMMARIES)
def test_the_summary_lists_every_type_or_says_what_it_left_out(kinds, summary):
    al = _alignment(kinds)
    assert al.describe_kinds() == summary
    assert f"({summary})" in repr(al)
    assert sum(int(v) for v in (p.split(":")[1] for p in al.describe_kinds(most=20).split(", "))) \
        == len(kinds)
