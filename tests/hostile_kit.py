"""What every hostile-input test checks (used by tests/test_hostile_*.py).

A case is refused well when: the exit status is 2, stderr is one line starting with
``paralign: error:`` that names what was wrong and holds no traceback, and the folder it ran
in is exactly as it was (every file hashed before and after, so inputs are unchanged and no
partial or temporary file is left), and a corpus involved still passes
``PRAGMA integrity_check`` with all its pairs. Extend a test file by adding a row to its table.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from pathlib import Path

from paralign.cli import main
from paralign.corpus import ParallelCorpus
from paralign.corpus.formats import Unit

ZH = "我们今天去公园。天气很好。孩子们在草地上玩。\n\n他昨天到了北京。会议开得很成功。\n"
EN = ("We went to the park today. The weather was fine. The children played on the grass.\n\n"
      "He arrived in Beijing yesterday. The meeting went very well.\n")
GOLD = "[0]:[0]\n[1]:[1]\n[2]:[2]\n[3]:[3]\n[4]:[4]\n"
UNITS = [Unit("doc-a", (0,), (0,), "我们今天去公园。", "We went to the park today.", 0.9),
         Unit("doc-a", (1,), (1,), "天气很好。", "The weather was fine.", 0.8),
         Unit("doc-b", (0,), (0,), "他昨天到了北京。", "He arrived in Beijing yesterday.", 0.7)]


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (hidden ones included): regular files by their SHA-256,
    links by their target, others by their kind. Links are not followed."""
    out: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(folder, name)
            rel = os.fsdecode(p.relative_to(root))
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "link -> " + os.fsdecode(os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "dir"
            else:
                out[rel] = f"special {stat.S_IFMT(st.st_mode):o}"
    return out


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """``paralign ARGV`` in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def assert_refused(rc: int, err: str, *expected: str) -> None:
    """Exit status 2 and one line on stderr naming what was wrong, no traceback."""
    assert rc == 2, (rc, err)
    assert "Traceback" not in err, err
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, err
    assert lines[0].startswith("paralign: error: "), err
    for e in expected:
        assert e in lines[0], (e, lines[0])


def assert_unchanged(root: Path, before: dict[str, str]) -> None:
    """No file changed, none appeared (no output, no temporary file), none vanished.

    SQLite's own ``-wal``/``-shm`` companions of a corpus that was there before are not
    counted (a read-only open of a WAL database creates them)."""
    after = snapshot(root)
    for name in list(after):
        for suffix in ("-wal", "-shm"):
            if name.endswith(suffix) and name[: -len(suffix)] in before and name not in before:
                del after[name]
    assert after == before, {k: (before.get(k), after.get(k))
                             for k in set(before) | set(after) if before.get(k) != after.get(k)}


ENCODER = "hostile-hash"


def register_fast_encoder() -> list[str]:
    """Register a hashing encoder (no model) and return CLI options that use it."""
    from fake_encoders import HashEncoder
    from paralign.embed.registry import register_encoder

    register_encoder(ENCODER, lambda **_: HashEncoder())
    return ["--encoder", ENCODER, "--no-cache"]


def make_corpus(path: Path, units: list[Unit] = UNITS) -> Path:
    with ParallelCorpus(path) as c:
        c.add_units(units)
    return path


def corpus_ok(path: Path, pairs: int = len(UNITS)) -> None:
    """``PRAGMA integrity_check`` is ok and every pair is still there."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM beads").fetchone()[0] == pairs
    finally:
        con.close()


def make_inputs(root: Path) -> dict[str, Path]:
    """The files a CLI case works on: a text pair, a gold file, a corpus, a TMX."""
    root.mkdir(parents=True, exist_ok=True)
    paths = {"zh": root / "zh.txt", "en": root / "en.txt", "gold": root / "gold.align"}
    paths["zh"].write_text(ZH, encoding="utf-8")
    paths["en"].write_text(EN, encoding="utf-8")
    paths["gold"].write_text(GOLD, encoding="utf-8")
    paths["db"] = make_corpus(root / "c.db")
    paths["tmx"] = root / "c.tmx"
    with ParallelCorpus(paths["db"], readonly=True) as c:
        c.to_tmx(paths["tmx"])
    # leave no -wal/-shm behind, so that snapshots compare the files themselves
    for suffix in ("-wal", "-shm"):
        Path(str(paths["db"]) + suffix).unlink(missing_ok=True)
    return paths
