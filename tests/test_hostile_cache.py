"""The embedding cache under stress: many processes opening a fresh cache at once, SQLite
answering ``database is locked`` during the first open, and caches that cannot work at all.
A cache problem never fails an alignment: it goes on without the cache and says so once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from fake_encoders import HashEncoder
from paralign import AlignConfig, Aligner
from paralign.embed import cache as cache_mod
from paralign.embed.cache import CachedEncoder, EmbeddingCache

N_PROCESSES = 16


_barrier = None


def _init(barrier) -> None:
    global _barrier
    _barrier = barrier


def _open_write_read(folder: str, k: int) -> str:
    """One worker of a first batch: open the fresh cache the moment the others do."""
    try:
        _barrier.wait(timeout=60)
        c = EmbeddingCache(folder)
        vec = np.full((1, 4), k, np.float32)
        c.put_many("sig", [f"text {k}"], vec)
        got = c.get_many("sig", [f"text {k}"])[0]
        c.close()
        return "ok" if got is not None and np.allclose(got, vec[0]) else "lost"
    except Exception as exc:  # reported, not raised: the parent counts failures
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("trial", range(3))
def test_many_processes_open_a_fresh_cache_at_once(tmp_path, trial):
    folder = tmp_path / f"fresh-{trial}" / "cache"  # not even the folder exists yet
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(N_PROCESSES)
    with ctx.Pool(N_PROCESSES, initializer=_init, initargs=(barrier,)) as pool:
        results = pool.starmap(_open_write_read, [(str(folder), k) for k in range(N_PROCESSES)],
                               chunksize=1)
    assert results == ["ok"] * N_PROCESSES
    with EmbeddingCache(folder) as c:
        assert len(c) == N_PROCESSES


class _Flaky:
    """A connection whose first ``n`` journal-mode switches or schema statements fail the
    way SQLite fails them when other processes hold a new file: ``database is locked``."""

    def __init__(self, con: sqlite3.Connection, failures: list[int], what: str) -> None:
        self._con, self._failures, self._what = con, failures, what

    def execute(self, sql: str, *a):
        if self._what in sql and self._failures[0] > 0:
            self._failures[0] -= 1
            raise sqlite3.OperationalError("database is locked")
        return self._con.execute(sql, *a)

    def executescript(self, sql: str):
        if self._what in sql and self._failures[0] > 0:
            self._failures[0] -= 1
            raise sqlite3.OperationalError("database is locked")
        return self._con.executescript(sql)

    def __getattr__(self, name):
        return getattr(self._con, name)


@pytest.mark.parametrize("what", ["journal_mode=WAL", "CREATE TABLE"])
@pytest.mark.parametrize("failures", [1, 4, 12])
def test_a_locked_first_open_is_retried(tmp_path, monkeypatch, what, failures):
    left = [failures]
    real = sqlite3.connect
    monkeypatch.setattr(cache_mod.sqlite3, "connect",
                        lambda *a, **k: _Flaky(real(*a, **k), left, what))
    c = EmbeddingCache(tmp_path / "cache")
    assert left == [0]
    c.put_many("sig", ["a"], np.ones((1, 4), np.float32))
    assert c.get_many("sig", ["a"])[0] is not None
    c.close()


def test_a_cache_locked_for_good_gives_up_naming_the_cache(tmp_path, monkeypatch):
    real = sqlite3.connect
    monkeypatch.setattr(cache_mod, "OPEN_RETRY_SECONDS", 0.3)
    monkeypatch.setattr(cache_mod.sqlite3, "connect",
                        lambda *a, **k: _Flaky(real(*a, **k), [10**9], "journal_mode=WAL"))
    with pytest.raises(sqlite3.OperationalError, match="embedding cache .*database is locked"):
        EmbeddingCache(tmp_path / "cache")


def _break_folder(tmp_path: Path) -> str:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be\n")
    return str(blocker / "cache")


def _break_file(tmp_path: Path) -> str:
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "embeddings.sqlite3").write_bytes(b"garbage, not SQLite" * 100)
    return str(folder)


def _break_locked(tmp_path: Path) -> str:
    return "LOCKED"


# (id, how to break the cache): alignment must succeed, equal to no cache, and warn once
BROKEN = [("folder-is-a-file", _break_folder), ("file-not-sqlite", _break_file),
          ("locked-for-good", _break_locked)]


@pytest.mark.parametrize("breaker", [b[1] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_a_broken_cache_never_fails_an_alignment(tmp_path, monkeypatch, caplog, breaker):
    import paralign.embed.registry as registry
    from paralign.embed.registry import register_encoder

    register_encoder("hostile-cache-hash", lambda **_: HashEncoder())
    cache_dir = breaker(tmp_path)
    if cache_dir == "LOCKED":
        cache_dir = str(tmp_path / "locked")
        real = sqlite3.connect
        monkeypatch.setattr(cache_mod, "OPEN_RETRY_SECONDS", 0.2)
        monkeypatch.setattr(cache_mod.sqlite3, "connect",
                            lambda *a, **k: _Flaky(real(*a, **k), [10**9], "journal_mode=WAL"))
    monkeypatch.setenv("PARALIGN_CACHE", cache_dir)
    monkeypatch.delenv("PARALIGN_NO_CACHE", raising=False)
    monkeypatch.setattr(registry, "_caches", {})
    zh, en = ["我爱你。", "他走了。", "天气很好。"], ["I love you.", "He left.", "The weather is fine."]
    with caplog.at_level(logging.WARNING):
        al = Aligner(AlignConfig(encoder="hostile-cache-hash", progress=False)).align(zh, en)
        al2 = Aligner(AlignConfig(encoder="hostile-cache-hash", progress=False)).align(zh, en)
    plain = Aligner(AlignConfig(encoder="hostile-cache-hash", cache=False,
                                progress=False)).align(zh, en)
    assert [(b.src, b.tgt) for b in al.beads] == [(b.src, b.tgt) for b in plain.beads]
    assert [(b.src, b.tgt) for b in al2.beads] == [(b.src, b.tgt) for b in plain.beads]
    said = [r.getMessage() for r in caplog.records if "embedding cache" in r.getMessage()]
    assert said and all("without it" in m for m in said), said


def test_a_cache_failing_after_it_opened_never_fails_encoding(tmp_path, caplog):
    c = EmbeddingCache(tmp_path / "cache")
    enc = CachedEncoder(HashEncoder(), c)
    c.close()
    os.remove(c.path)
    os.mkdir(c.path)  # the database replaced by a folder: every access fails
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            v = enc.encode(["一句话。", "A sentence."])
    assert np.allclose(v, HashEncoder().encode(["一句话。", "A sentence."]))
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "without it" in warned[0].getMessage()
