#!/usr/bin/env python3
"""Do two revisions of paralign give the same beads, byte for byte?

    python bench/same_beads.py DATA_DIR [--a main] [--b .] [--sets mac_dev,mac_dev_trad,...]

A revision is a git revision of this repository (``main``, ``HEAD~3``, a hash) or a folder
holding a checkout (a worktree path; ``.`` is this checkout, the default for ``--b``). For a git
revision the ``src/`` tree of that commit is exported into a temporary folder (``git archive``,
which leaves the repository's worktree list untouched). Each revision then runs in its own
subprocess with ``PYTHONPATH`` pointing at its ``src``, aligns every document of every set in
DATA_DIR (``<set>/src/NNN``, ``<set>/tgt/NNN``, one sentence per line: mac_dev, mac_dev_trad,
bible_en_zh) and the sample corpora shipped in ``corpora/`` (the Bible excerpts as running
text, the seed record split into its two languages, the seed against its non-parallel
counterpart), and writes one ``.align`` file per document (Vecalign format, confidences
included) plus a ``.doc`` file with the document-level figures that do not depend on timing
(parallelism, length ratio and weight, blocks, chunks, windows embedded).

The child code is this file's own :func:`child` (the same for both revisions), and it calls
only the public API (``Aligner``, ``AlignConfig``, ``paralign.text`` readers,
``Alignment.to_vecalign``), so the comparison is of what the library does, not of how it
is laid out. Outputs of a git revision are kept under ``--keep`` by commit hash and reused
(the Bible takes minutes to align), a folder's outputs never are.

Printed: one row per set: documents, beads (of revision B), identical yes/no, the first
document that differs. Exit status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETS = "mac_dev,mac_dev_trad,bible_en_zh,samples"
# Outputs of a committed revision do not change: kept here by commit hash and reused.
DEFAULT_KEEP = Path(tempfile.gettempdir()) / "paralign-same-beads"


# -- the child: runs inside one revision's source tree ------------------------------------
def child(data: str, sets: list[str], corpora: str, out: str, config: dict) -> None:
    """Align every document of ``sets`` with the revision on ``sys.path``; write to ``out``."""
    import logging

    logging.disable(logging.WARNING)
    import paralign as pa
    from paralign import text as T

    cfg = pa.AlignConfig(progress=False, **config)
    aligner = pa.Aligner(cfg)

    def write(set_name: str, doc: str, al) -> None:
        d = Path(out) / set_name
        d.mkdir(parents=True, exist_ok=True)
        al.to_vecalign(d / f"{doc}.align")
        st = al.stats
        figures = {"parallelism": al.parallelism, "sentences": [len(al.src), len(al.tgt)]}
        for k in ("length_ratio", "length_weight", "blocks", "chunks", "windows_embedded"):
            figures[k] = st.get(k)
        (d / f"{doc}.doc").write_text(json.dumps(figures, sort_keys=True) + "\n")

    for name in sets:
        t0 = time.perf_counter()
        if name == "samples":
            root = Path(corpora)
            for zh in sorted((root / "bible").glob("*.zh.txt")):
                en = zh.with_name(zh.name.replace(".zh.", ".en."))
                src = T.segment(T.read_file(zh), source=str(zh), split_long=cfg.split_long,
                                zh_convert=cfg.zh_convert)
                tgt = T.segment(T.read_file(en), source=str(en), split_long=cfg.split_long,
                                zh_convert=cfg.zh_convert)
                write(name, "bible-" + zh.name.split(".")[0], aligner.align(src, tgt))
            seeds = sorted((root / "abstracts").glob("*.txt"))
            if seeds:
                zh_doc, en_doc = T.split_bilingual(T.read_file(seeds[0]), source=str(seeds[0]),
                                                   zh_convert=cfg.zh_convert)
                write(name, "seed", aligner.align(zh_doc, en_doc))
                for other in seeds[1:]:
                    en2 = T.segment(T.read_file(other), source=str(other),
                                    zh_convert=cfg.zh_convert)
                    write(name, "seed-vs-" + other.stem, aligner.align(zh_doc, en2))
        else:
            d = Path(data) / name
            for doc in sorted(p.name for p in (d / "src").iterdir()):
                src = T.read_presplit(d / "src" / doc, zh_convert=cfg.zh_convert)
                tgt = T.read_presplit(d / "tgt" / doc, zh_convert=cfg.zh_convert)
                write(name, doc, aligner.align(src, tgt))
        print(f"  {name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)


# -- the parent ----------------------------------------------------------------------------
def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def resolve(rev: str, tmp: Path) -> tuple[Path, str | None, str]:
    """``(src folder, commit hash or None, label)`` of a revision (folder or git revision)."""
    p = Path(rev)
    if p.is_dir() and (p / "src" / "paralign").is_dir():
        return (p / "src").resolve(), None, f"{rev} (folder {p.resolve()})"
    commit = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    dest = tmp / commit
    if (dest / "src").is_dir():  # the same revision given twice
        return dest / "src", commit, f"{rev} ({commit[:10]})"
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src", commit, f"{rev} ({commit[:10]})"


def produce(src: Path, commit: str | None, label: str, args, tmp: Path) -> Path:
    """Run the child for one revision; returns the folder of its outputs."""
    # the key changes with the settings, the data and this script (which writes the outputs)
    key = json.dumps(args.config_dict, sort_keys=True) + args.data + Path(__file__).read_text()
    if commit is not None:
        out = args.keep / commit / f"{hash_text(key):x}"
    else:
        out = tmp / f"out-{hash_text(label):x}"
    todo = [s for s in args.set_list if not (out / s / ".done").exists()]
    if commit is None and out.exists():
        shutil.rmtree(out)
        todo = list(args.set_list)
    if not todo:
        print(f"{label}: outputs reused from {out}", file=sys.stderr)
        return out
    print(f"{label}: aligning {', '.join(todo)}", file=sys.stderr, flush=True)
    for s in todo:
        if (out / s).exists():
            shutil.rmtree(out / s)
    env = dict(os.environ, PYTHONPATH=str(src), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import same_beads; "
            f"same_beads.child({args.data!r}, {todo!r}, {str(ROOT / 'corpora')!r}, "
            f"{str(out)!r}, {args.config_dict!r})")
    # the child must import the revision's paralign, not this checkout's: run it from tmp
    subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp, check=True)
    for s in todo:
        (out / s).mkdir(parents=True, exist_ok=True)
        (out / s / ".done").write_text("")
    return out


def hash_text(s: str) -> int:
    import hashlib

    return int(hashlib.sha1(s.encode()).hexdigest()[:12], 16)


def compare(a: Path, b: Path, sets: list[str]) -> list[tuple[str, int, int, bool, str]]:
    rows = []
    for s in sets:
        fa = sorted(p.name for p in (a / s).iterdir() if not p.name.startswith("."))
        fb = sorted(p.name for p in (b / s).iterdir() if not p.name.startswith("."))
        docs = sorted({f.rsplit(".", 1)[0] for f in fa} | {f.rsplit(".", 1)[0] for f in fb})
        beads = sum(len((b / s / f).read_text().splitlines()) for f in fb if f.endswith(".align"))
        first = ""
        for f in sorted(set(fa) | set(fb)):
            pa_, pb_ = a / s / f, b / s / f
            if not (pa_.exists() and pb_.exists()) or pa_.read_bytes() != pb_.read_bytes():
                first = f
                break
        rows.append((s, len(docs), beads, not first, first))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="folder of evaluation sets (../shared/data)")
    ap.add_argument("--a", default="main", help="revision A: git revision or checkout folder")
    ap.add_argument("--b", default=str(ROOT), help="revision B (default: this checkout)")
    ap.add_argument("--sets", default=DEFAULT_SETS,
                    help=f"comma-separated sets; 'samples' is corpora/ (default: {DEFAULT_SETS})")
    ap.add_argument("--config", default="{}", help="AlignConfig changes as JSON")
    ap.add_argument("--keep", type=Path, default=DEFAULT_KEEP,
                    help="where outputs of committed revisions are kept for reuse")
    args = ap.parse_args(argv)
    args.data = str(Path(args.data).resolve())
    args.set_list = [s.strip() for s in args.sets.split(",") if s.strip()]
    args.config_dict = json.loads(args.config)
    with tempfile.TemporaryDirectory(prefix="same-beads-") as t:
        tmp = Path(t)
        outs = []
        labels = []
        for rev in (args.a, args.b):
            src, commit, label = resolve(rev, tmp / "rev")
            t0 = time.perf_counter()
            outs.append(produce(src, commit, label, args, tmp))
            labels.append(label)
            print(f"{label}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        rows = compare(outs[0], outs[1], args.set_list)
    print(f"A = {labels[0]}\nB = {labels[1]}\nconfig changes: {args.config_dict or 'none'}")
    print(f"| {'set':<13} | {'docs':>4} | {'beads':>6} | identical | first differing doc |")
    print(f"|{'-' * 15}|{'-' * 6}|{'-' * 8}|-----------|---------------------|")
    for s, docs, beads, same, first in rows:
        print(f"| {s:<13} | {docs:>4} | {beads:>6} | {'yes' if same else 'NO':<9} | "
              f"{first or '-':<19} |")
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
