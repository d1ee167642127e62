"""When the operating system says no: every command answers one line naming the path and the
reason, exit status 2, and leaves the folder exactly as it was (see hostile_kit.py).

Three tables: paths the file system refuses (links, FIFOs, devices, folders, names too
long), refusals simulated in this process (permission denied, read-only file system, full
disk: tests run as root, who bypasses permissions, so these patch the call that would fail),
and the same refusals for real in a child process that drops root (skipped when not root).
A full disk on standard output is real: ``> /dev/full``.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hostile_kit import (UNITS, assert_refused, assert_unchanged, corpus_ok, make_inputs,
                         register_fast_encoder, run_cli, snapshot)

ROOT = Path(__file__).resolve().parents[1]
LONG = "x" * 300  # longer than NAME_MAX (255 bytes) on every common file system


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """Inputs plus every kind of hostile path, side by side."""
    r = tmp_path / "w"
    make_inputs(r)
    os.mkfifo(r / "fifo")
    os.symlink("loop2", r / "loop")
    os.symlink("loop", r / "loop2")
    os.symlink("loop.tsv", r / "loop.tsv")
    (r / "afile").write_text("just a file\n", encoding="utf-8")
    (r / "adir").mkdir()
    (r / "adir.tsv").mkdir()
    (r / "adir.html").mkdir()
    os.symlink("/dev/null", r / "dev")
    os.symlink("/dev/null", r / "dev.tsv")
    (r / "notdb.db").write_text("not a database\n", encoding="utf-8")
    (r / "binary.align").write_bytes(bytes(range(256)) * 4)
    (r / "pairs").mkdir()
    (r / "pairs" / "a.zh.txt").write_text("我们今天去公园。\n", encoding="utf-8")
    (r / "pairs" / "a.en.txt").write_text("We went to the park today.\n", encoding="utf-8")
    return r


# (id, argv with {r} for the folder, words the message must hold)
REFUSED_BY_THE_FILE_SYSTEM = [
    # inputs of `align`
    ("align-in-symlink-loop", ["align", "{r}/loop", "{r}/en.txt", "-o", "{r}/o.tsv"],
     ["loop", "symbolic links"]),
    ("align-in-parent-is-a-file", ["align", "{r}/afile/zh.txt", "{r}/en.txt", "-o", "{r}/o.tsv"],
     ["afile/zh.txt", "not a folder"]),
    ("align-in-name-too-long", ["align", f"{{r}}/{LONG}.txt", "{r}/en.txt", "-o", "{r}/o.tsv"],
     ["file name too long"]),
    ("align-in-fifo", ["align", "{r}/fifo", "{r}/en.txt", "-o", "{r}/o.tsv"], ["fifo", "FIFO"]),
    ("align-in-directory", ["align", "{r}/adir", "{r}/en.txt", "-o", "{r}/o.tsv"],
     ["adir", "is a directory"]),
    ("align-in-device", ["align", "{r}/zh.txt", "{r}/dev", "-o", "{r}/o.tsv"],
     ["dev", "character device"]),
    ("align-in-missing", ["align", "{r}/zh.txt", "{r}/nope.txt", "-o", "{r}/o.tsv"],
     ["no such file", "nope.txt"]),
    # outputs of `align`: refused before the work
    ("align-out-directory", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/adir.tsv"],
     ["adir.tsv", "is a directory"]),
    ("align-out-parent-is-a-file", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/afile/o.tsv"],
     ["afile", "not a folder"]),
    ("align-out-name-too-long", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", f"{{r}}/{LONG}.tsv"],
     ["file name too long"]),
    ("align-out-folder-missing", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/nope/o.tsv"],
     ["no such file", "nope"]),
    ("align-out-device", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/dev.tsv"],
     ["dev.tsv", "character device"]),
    ("align-out-symlink-loop", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/loop.tsv"],
     ["loop.tsv", "symbolic links"]),
    # `report`
    ("report-out-directory", ["report", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/adir.html"],
     ["adir.html", "is a directory"]),
    ("report-out-parent-is-a-file", ["report", "{r}/zh.txt", "{r}/en.txt", "-o",
                                     "{r}/afile/r.html"], ["afile", "not a folder"]),
    ("report-out-name-too-long", ["report", "{r}/zh.txt", "{r}/en.txt", "-o",
                                  f"{{r}}/{LONG}.html"], ["file name too long"]),
    # corpus paths of `export`, `stats`, `search`, `batch -o`
    ("export-corpus-directory", ["export", "{r}/adir", "-o", "{r}/x.tsv"],
     ["adir", "is a directory"]),
    ("export-corpus-fifo", ["export", "{r}/fifo", "-o", "{r}/x.tsv"], ["fifo", "FIFO"]),
    ("export-corpus-symlink-loop", ["export", "{r}/loop", "-o", "{r}/x.tsv"],
     ["loop", "symbolic links"]),
    ("export-corpus-parent-is-a-file", ["export", "{r}/afile/c.db", "-o", "{r}/x.tsv"],
     ["afile/c.db", "not a folder"]),
    ("export-corpus-missing", ["export", "{r}/nope.db", "-o", "{r}/x.tsv"],
     ["no such file", "nope.db"]),
    ("export-corpus-not-sqlite", ["export", "{r}/notdb.db", "-o", "{r}/x.tsv"],
     ["notdb.db", "not an SQLite file"]),
    ("export-corpus-device", ["export", "{r}/dev", "-o", "{r}/x.tsv"], ["dev", "not a regular"]),
    ("export-out-directory", ["export", "{r}/c.db", "-o", "{r}/adir.tsv"],
     ["adir.tsv", "is a directory"]),
    ("export-out-parent-is-a-file", ["export", "{r}/c.db", "-o", "{r}/afile/x.tsv"],
     ["afile", "not a folder"]),
    ("export-out-name-too-long", ["export", "{r}/c.db", "-o", f"{{r}}/{LONG}.tsv"],
     ["file name too long"]),
    ("export-out-device", ["export", "{r}/c.db", "-o", "{r}/dev.tsv"],
     ["dev.tsv", "character device"]),
    ("stats-corpus-fifo", ["stats", "{r}/fifo"], ["fifo", "FIFO"]),
    ("stats-corpus-directory", ["stats", "{r}/adir"], ["adir", "is a directory"]),
    ("search-corpus-fifo", ["search", "{r}/fifo", "公园"], ["fifo", "FIFO"]),
    ("batch-out-directory", ["batch", "{r}/pairs", "-o", "{r}/adir", "-j", "1"],
     ["adir", "is a directory"]),
    ("batch-out-fifo", ["batch", "{r}/pairs", "-o", "{r}/fifo", "-j", "1"], ["fifo", "FIFO"]),
    ("batch-out-parent-is-a-file", ["batch", "{r}/pairs", "-o", "{r}/afile/c.db", "-j", "1"],
     ["afile", "not a folder"]),
    ("batch-out-text-file", ["batch", "{r}/pairs", "-o", "{r}/afile", "-j", "1"],
     ["afile", "not an SQLite file"]),
    ("batch-manifest-fifo", ["batch", "{r}/fifo", "-o", "{r}/new.db", "-j", "1"],
     ["fifo", "FIFO"]),
    ("batch-manifest-binary", ["batch", "{r}/binary.align", "-o", "{r}/new.db", "-j", "1"],
     ["binary.align", "binary"]),
    ("batch-manifest-symlink-loop", ["batch", "{r}/loop", "-o", "{r}/new.db", "-j", "1"],
     ["loop", "symbolic links"]),
    ("batch-manifest-missing", ["batch", "{r}/nope.tsv", "-o", "{r}/new.db", "-j", "1"],
     ["no such file", "nope.tsv"]),
    # gold files of `eval`, the input of `segment`
    ("eval-gold-fifo", ["eval", "{r}/fifo", "--test", "{r}/gold.align"], ["fifo", "FIFO"]),
    ("eval-gold-directory", ["eval", "{r}/adir", "--test", "{r}/gold.align"],
     ["adir", "is a directory"]),
    ("eval-gold-symlink-loop", ["eval", "{r}/loop", "--test", "{r}/gold.align"],
     ["loop", "symbolic links"]),
    ("eval-gold-binary", ["eval", "{r}/binary.align", "--test", "{r}/gold.align"],
     ["binary.align", "binary"]),
    ("eval-test-missing", ["eval", "{r}/gold.align", "--test", "{r}/nope.align"],
     ["no such file", "nope.align"]),
    ("segment-fifo", ["segment", "{r}/fifo"], ["fifo", "FIFO"]),
    ("segment-device", ["segment", "{r}/dev"], ["dev", "character device"]),
    ("segment-symlink-loop", ["segment", "{r}/loop"], ["loop", "symbolic links"]),
]


def _argv(template: list[str], r: Path) -> list[str]:
    return [a.replace("{r}", str(r)) for a in template]


@pytest.mark.parametrize("argv, words", [c[1:] for c in REFUSED_BY_THE_FILE_SYSTEM],
                         ids=[c[0] for c in REFUSED_BY_THE_FILE_SYSTEM])
def test_refused_by_the_file_system(world, capsys, argv, words):
    opts = register_fast_encoder() if argv[0] in ("align", "report", "batch") else []
    before = snapshot(world)
    rc, _, err = run_cli(["-q", *_argv(argv, world), *opts], capsys)
    assert_refused(rc, err, *[w.replace("{r}", str(world)) for w in words])
    assert_unchanged(world, before)
    corpus_ok(world / "c.db")


# -- refusals simulated in this process --------------------------------------------------------

def _deny_open(target: str):
    real = os.open

    def fake(path, *a, **k):
        if os.fspath(path).endswith(target):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real(path, *a, **k)
    return fake


def _deny_folder(mp, r: Path) -> None:
    real = os.access
    mp.setattr(os, "access", lambda p, m, **k: False if Path(p) == r and m & os.W_OK
               else real(p, m, **k))


def _fail_mkstemp(code: int):
    def fake(*a, **k):
        raise OSError(code, os.strerror(code), str(Path(k.get("dir", ".")) / ".tmp"))
    return fake


def _full_at_fsync(mp, r: Path) -> None:
    def fake(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    mp.setattr("paralign.corpus.atomic.os.fsync", fake)


def _full_mid_write(mp, r: Path) -> None:
    """The disk fills after the first 64 bytes: a partial temporary file exists by then."""
    import paralign.corpus.atomic as atomic

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, f):
            self._f, self._n = f, 0

        def write(self, data):
            self._n += len(data)
            if self._n > 64:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return self._f.write(data)

        def __getattr__(self, name):
            return getattr(self._f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self._f.__exit__(*exc)

    mp.setattr(atomic.os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))


# (id, argv, patch(monkeypatch, folder), words). Outputs already exist with old content:
# a refusal must leave them as they were.
SIMULATED = [
    ("align-in-permission-denied", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/old.tsv"],
     lambda mp, r: mp.setattr(os, "open", _deny_open("zh.txt")), ["zh.txt", "permission denied"]),
    ("eval-gold-permission-denied", ["eval", "{r}/gold.align", "--test", "{r}/gold.align"],
     lambda mp, r: mp.setattr(os, "open", _deny_open("gold.align")),
     ["gold.align", "permission denied"]),
    ("align-out-folder-not-writable", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/new.tsv"],
     _deny_folder, ["{r}", "permission denied"]),
    ("export-out-folder-not-writable", ["export", "{r}/c.db", "-o", "{r}/new.tsv"],
     _deny_folder, ["{r}", "permission denied"]),
    ("batch-out-folder-not-writable", ["batch", "{r}/pairs", "-o", "{r}/new.db", "-j", "1"],
     _deny_folder, ["{r}", "permission denied"]),
    ("align-out-read-only-fs", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/old.tsv"],
     lambda mp, r: mp.setattr(tempfile, "mkstemp", _fail_mkstemp(errno.EROFS)),
     ["old.tsv", "read-only file system"]),
    ("export-out-read-only-fs", ["export", "{r}/c.db", "-o", "{r}/old.tmx"],
     lambda mp, r: mp.setattr(tempfile, "mkstemp", _fail_mkstemp(errno.EROFS)),
     ["old.tmx", "read-only file system"]),
    ("align-tsv-disk-full", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/old.tsv"],
     _full_at_fsync, ["old.tsv", "no space left on device"]),
    ("align-tmx-disk-full", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/old.tmx"],
     _full_at_fsync, ["old.tmx", "no space left on device"]),
    ("align-jsonl-disk-full-mid-write", ["align", "{r}/zh.txt", "{r}/en.txt", "-o",
                                         "{r}/old.jsonl"], _full_mid_write,
     ["old.jsonl", "no space left on device"]),
    ("align-align-disk-full", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/old.align"],
     _full_at_fsync, ["old.align", "no space left on device"]),
    ("report-disk-full", ["report", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/old.html"],
     _full_at_fsync, ["old.html", "no space left on device"]),
    ("report-disk-full-mid-write", ["report", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/old.html"],
     _full_mid_write, ["old.html", "no space left on device"]),
    ("export-tmx-disk-full", ["export", "{r}/c.db", "-o", "{r}/old.tmx"], _full_at_fsync,
     ["old.tmx", "no space left on device"]),
    ("export-tsv-disk-full-mid-write", ["export", "{r}/c.db", "-o", "{r}/old.tsv"],
     _full_mid_write, ["old.tsv", "no space left on device"]),
    ("export-jsonl-disk-full", ["export", "{r}/c.db", "-o", "{r}/old.jsonl"], _full_at_fsync,
     ["old.jsonl", "no space left on device"]),
]


@pytest.mark.parametrize("argv, patch, words", [c[1:] for c in SIMULATED],
                         ids=[c[0] for c in SIMULATED])
def test_refused_simulated(world, capsys, monkeypatch, argv, patch, words):
    opts = register_fast_encoder() if argv[0] in ("align", "report", "batch") else []
    for suffix in ("tsv", "tmx", "jsonl", "align", "html"):
        (world / f"old.{suffix}").write_text(f"the old {suffix} output\n", encoding="utf-8")
    before = snapshot(world)
    with monkeypatch.context() as mp:
        patch(mp, world)
        rc, _, err = run_cli(["-q", *_argv(argv, world), *opts], capsys)
    assert_refused(rc, err, *[w.replace("{r}", str(world)) for w in words])
    assert_unchanged(world, before)
    corpus_ok(world / "c.db")


def _sqlite_full_after(pages: int):
    """Connections to corpus files get ``max_page_count``: SQLite's own SQLITE_FULL."""
    import sqlite3

    real = sqlite3.connect

    def connect(*a, **k):
        con = real(*a, **k)
        if "mode=ro" not in str(a[0] if a else k.get("database")):
            con.execute(f"PRAGMA max_page_count = {pages}")
        return con
    return connect


def test_corpus_disk_full_keeps_what_was_stored(world, capsys, monkeypatch):
    """`batch -o` into a corpus when the disk fills: one line, the stored pairs all there."""
    opts = register_fast_encoder()
    for k in range(30):
        (world / "pairs" / f"p{k:02d}.zh.txt").write_text("我们今天去公园。" * 40 + "\n",
                                                         encoding="utf-8")
        (world / "pairs" / f"p{k:02d}.en.txt").write_text("We went to the park. " * 40 + "\n",
                                                         encoding="utf-8")
    import sqlite3

    pages = sqlite3.connect(world / "c.db").execute("PRAGMA page_count").fetchone()[0]
    monkeypatch.setattr("paralign.corpus.store.sqlite3.connect", _sqlite_full_after(pages + 2))
    monkeypatch.setattr("paralign.pipeline.run_batch", _batch_with_line_aligner())
    rc, _, err = run_cli(["-q", "batch", str(world / "pairs"), "-o", str(world / "c.db"),
                          "-j", "1", *opts], capsys)
    assert_refused(rc, err, "c.db", "no space left on device")
    monkeypatch.undo()
    import sqlite3 as sq

    con = sq.connect(world / "c.db")
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n_docs, n_beads = con.execute("SELECT (SELECT count(*) FROM docs), "
                                  "(SELECT count(*) FROM beads)").fetchone()
    con.close()
    assert n_docs >= 2 and n_beads >= len(UNITS)  # the old pairs, and whole new documents only
    with __import__("paralign").ParallelCorpus(world / "c.db") as c:
        assert all(d.n_beads == c.count(doc_id=d.doc_id, skip_null=False) for d in c.docs())



def _batch_with_line_aligner():
    """``run_batch`` with the cheap LineAligner of the batch tests (no encoder)."""
    import functools

    from fake_aligners import LineAligner
    from paralign import pipeline

    return functools.partial(pipeline.run_batch, make_aligner=LineAligner)

@pytest.mark.parametrize("argv", [["stats", "{r}/c.db"], ["segment", "{r}/zh.txt"],
                                  ["search", "{r}/c.db", "公园"],
                                  ["eval", "{r}/gold.align", "--test", "{r}/gold.align"]],
                         ids=["stats", "segment", "search", "eval"])
def test_standard_output_on_a_full_disk(world, argv):
    """``> /dev/full`` for real: one line naming standard output, exit 2, no traceback."""
    before = snapshot(world)
    with open("/dev/full", "w") as full:
        r = subprocess.run([sys.executable, "-m", "paralign", *_argv(argv, world)],
                           stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert_refused(r.returncode, r.stderr, "standard output", "no space left on device")
    assert_unchanged(world, before)


# -- the same refusals for real, as an unprivileged user -----------------------------------------

NOBODY = 65534
AS_NOBODY = [
    ("align-in-unreadable", ["align", "{r}/secret.txt", "{r}/en.txt", "-o", "{r}/w/o.tsv"],
     ["secret.txt", "permission denied"]),
    ("align-out-folder-read-only", ["align", "{r}/zh.txt", "{r}/en.txt", "-o", "{r}/ro/o.tsv"],
     ["ro", "permission denied"]),
    ("report-out-folder-read-only", ["report", "{r}/zh.txt", "{r}/en.txt", "-o",
                                     "{r}/ro/r.html"], ["ro", "permission denied"]),
    ("export-out-folder-read-only", ["export", "{r}/c.db", "-o", "{r}/ro/x.tsv"],
     ["ro", "permission denied"]),
    ("stats-corpus-unreadable", ["stats", "{r}/secret.db"], ["secret.db", "permission denied"]),
    ("batch-out-corpus-read-only", ["batch", "{r}/pairs", "-o", "{r}/ro.db", "-j", "1"],
     ["ro.db", "permission denied"]),
]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="drops root with setuid: needs root (as a user, chmod tests suffice)")
@pytest.mark.parametrize("argv, words", [c[1:] for c in AS_NOBODY], ids=[c[0] for c in AS_NOBODY])
def test_refused_for_real_as_an_unprivileged_user(argv, words):
    r = Path(tempfile.mkdtemp(prefix="paralign-nobody-"))
    try:
        os.chmod(r, 0o755)
        make_inputs(r)
        for p in r.iterdir():
            os.chmod(p, 0o644)
        (r / "pairs").mkdir(mode=0o755)
        (r / "pairs" / "a.zh.txt").write_text("我们今天去公园。\n", encoding="utf-8")
        (r / "pairs" / "a.en.txt").write_text("We went to the park today.\n", encoding="utf-8")
        (r / "secret.txt").write_text("秘密。\n", encoding="utf-8")
        os.chmod(r / "secret.txt", 0o600)
        (r / "secret.db").write_bytes((r / "c.db").read_bytes())
        os.chmod(r / "secret.db", 0o600)
        (r / "ro.db").write_bytes((r / "c.db").read_bytes())
        os.chmod(r / "ro.db", 0o444)
        (r / "ro").mkdir(mode=0o555)
        (r / "w").mkdir()
        os.chmod(r / "w", 0o777)  # writable by all: only the input is refused
        before = snapshot(r)
        # everything imported first: the Python installation may be unreadable to nobody
        code = ("import os, sys, sqlite3, json, tempfile, locale, lxml.etree; from paralign.cli import "
                "main; import paralign.corpus.store, paralign.pipeline, "
                "paralign.text, paralign.evaluation, paralign.files; "
                "os.setgid(%d); os.setuid(%d); sys.exit(main(sys.argv[1:]))" % (NOBODY, NOBODY))
        proc = subprocess.run([sys.executable, "-c", code, "-q", *_argv(argv, r)],
                              capture_output=True, text=True, timeout=300, cwd="/",
                              env={**os.environ, "PYTHONPATH": str(ROOT / "src"),
                                   "HOME": str(r)})
        assert_refused(proc.returncode, proc.stderr, *[w.replace("{r}", str(r)) for w in words])
        assert_unchanged(r, before)
    finally:
        subprocess.run(["rm", "-rf", str(r)], check=False)
