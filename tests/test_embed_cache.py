"""The SQLite embedding cache and CachedEncoder: hits, misses, dedup, processes, size bound."""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import sqlite3

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest

from paralign.embed import CachedEncoder, EmbeddingCache, empty_vector, get_encoder
from paralign.paths import default_cache_dir
from paralign.embed.base import BaseEncoder


pytestmark = pytest.mark.usefixtures("isolated_cache")  # tests/conftest.py


class Counting(BaseEncoder):
    """A deterministic fake model that records every text it is asked to embed."""

    name, dim = "counting", 8

    def __init__(self, sig: str = "counting:1:8") -> None:
        super().__init__(progress=False)
        self.sig = sig
        self.calls: list[list[str]] = []

    @property
    def signature(self) -> str:
        return self.sig

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([_vec(t) for t in texts])


def _vec(text: str, dim: int = 8) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha1(text.encode('utf-8', 'surrogatepass')).digest()[:4], 'little')
    rng = np.random.default_rng(seed)  # stable across processes, unlike hash()
    v = rng.standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


def _embedded(enc: Counting) -> int:
    return sum(map(len, enc.calls))


def test_second_encode_makes_no_model_calls(tmp_path) -> None:
    fake = Counting()
    enc = CachedEncoder(fake, EmbeddingCache(tmp_path))
    texts = ["一", "two", "三", "two", ""]  # a duplicate and a blank
    first = enc.encode(texts)
    assert _embedded(fake) == 3  # "two" once, blank needs no model
    fake.calls.clear()
    second = enc.encode(texts)
    assert fake.calls == []
    np.testing.assert_array_equal(first, second)
    # a new cache object on the same file (a later run) also makes no calls
    again = CachedEncoder(fake, EmbeddingCache(tmp_path)).encode(list(reversed(texts)))
    assert fake.calls == []
    np.testing.assert_array_equal(again, first[::-1])


@pytest.mark.parametrize(
    ("warm", "ask", "expect_embedded"),
    [
        ([], ["a", "b"], 2),
        (["a"], ["a", "b"], 1),
        (["a", "b"], ["b", "a", "b"], 0),
        (["a"], ["b", "b", "b"], 1),
        (["a"], [], 0),
    ],
)
def test_hits_and_misses(tmp_path, warm: list[str], ask: list[str], expect_embedded: int) -> None:
    fake = Counting()
    enc = CachedEncoder(fake, EmbeddingCache(tmp_path))
    enc.encode(warm)
    fake.calls.clear()
    out = enc.encode(ask)
    assert _embedded(fake) == expect_embedded
    assert out.shape == (len(ask), 8)
    for t, row in zip(ask, out):
        np.testing.assert_allclose(row, _vec(t), atol=1e-6)


def test_signature_separates_models(tmp_path) -> None:
    cache = EmbeddingCache(tmp_path)
    a, b = Counting("m:1:8"), Counting("m:2:8")
    CachedEncoder(a, cache).encode(["same text"])
    CachedEncoder(b, cache).encode(["same text"])
    assert _embedded(a) == 1 and _embedded(b) == 1


def test_get_many_put_many_roundtrip(tmp_path) -> None:
    cache = EmbeddingCache(tmp_path / "x.sqlite3")
    vecs = np.stack([_vec(t) for t in ["p", "q"]])
    cache.put_many("sig", ["p", "q"], vecs)
    got = cache.get_many("sig", ["q", "missing", "p", "\ud800"])
    np.testing.assert_array_equal(got[0], vecs[1])
    assert got[1] is None and got[3] is None
    np.testing.assert_array_equal(got[2], vecs[0])
    assert len(cache) == 2
    with pytest.raises(ValueError):
        cache.put_many("sig", ["only one"], vecs)


def test_float16_changes_cosines_negligibly(tmp_path) -> None:
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((200, 512)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    texts = [f"t{i}" for i in range(200)]
    half = EmbeddingCache(tmp_path / "half.sqlite3", dtype="float16")
    half.put_many("s", texts, vecs)
    back = np.stack(half.get_many("s", texts))
    cos_exact = vecs @ vecs.T
    cos_half = back @ back.T
    # measured: max |delta cosine| ~ 2e-4 -- far below any score difference the aligner uses
    assert np.abs(cos_exact - cos_half).max() < 1e-3
    assert os.path.getsize(half.path) > 0


def test_float16_and_float32_rows_share_a_file(tmp_path) -> None:
    path = tmp_path / "mixed.sqlite3"
    EmbeddingCache(path, dtype="float16").put_many("s", ["h"], _vec("h")[None])
    EmbeddingCache(path).put_many("s", ["f"], _vec("f")[None])
    got = EmbeddingCache(path).get_many("s", ["h", "f"])
    np.testing.assert_allclose(got[0], _vec("h"), atol=1e-3)
    np.testing.assert_array_equal(got[1], _vec("f"))


def test_size_bound_evicts_least_recently_used(tmp_path) -> None:
    cache = EmbeddingCache(tmp_path, max_bytes=400_000, touch_interval=0)
    dim = 256
    old = [f"old{i}" for i in range(100)]
    cache.put_many("s", old, np.ones((100, dim), np.float32))
    keep = old[:10]
    for _ in range(12):  # keep a few rows hot while new ones push the store over its bound
        cache.get_many("s", keep)
        batch = [f"new{_}-{i}" for i in range(50)]
        cache.put_many("s", batch, np.ones((50, dim), np.float32))
    assert cache.nbytes() <= 400_000 * 1.2
    assert len(cache) < 100 + 12 * 50
    assert all(v is not None for v in cache.get_many("s", keep))
    assert any(v is None for v in cache.get_many("s", old[10:]))


def _writer(path: str, worker: int, rounds: int) -> None:
    cache = EmbeddingCache(path)
    for r in range(rounds):
        texts = [f"shared-{r}-{i}" for i in range(20)] + [f"w{worker}-{r}-{i}" for i in range(20)]
        cache.put_many("sig", texts, np.stack([_vec(t) for t in texts]))
        cache.get_many("sig", texts)


def test_two_processes_write_concurrently(tmp_path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    EmbeddingCache(path)  # create the schema once
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w, 25)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    cache = EmbeddingCache(path)
    assert len(cache) == 25 * 20 + 2 * 25 * 20
    sample = ["shared-3-4", "w0-24-19", "w1-0-0"]
    for t, v in zip(sample, cache.get_many("sig", sample)):
        np.testing.assert_array_equal(v, _vec(t))


@pytest.mark.parametrize(
    ("cache_flag", "env", "cached"),
    [(True, None, True), (False, None, False), (True, "1", False), (True, "0", True)],
)
def test_cache_can_be_disabled(tmp_path, monkeypatch, cache_flag: bool, env: str | None, cached: bool) -> None:
    if env is not None:
        monkeypatch.setenv("PARALIGN_NO_CACHE", env)
    enc = get_encoder("use-m3", cache=cache_flag, cache_dir=str(tmp_path / f"c{cache_flag}{env}"))
    assert isinstance(enc, CachedEncoder) is cached


def test_cache_dir_sources(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path / "env"))
    assert default_cache_dir() == str(tmp_path / "env")
    monkeypatch.delenv("PARALIGN_CACHE")
    assert "paralign" in default_cache_dir()
    enc = get_encoder("use-m3", cache_dir=str(tmp_path / "explicit"))
    enc.encode(["缓存"])
    assert (tmp_path / "explicit" / "embeddings.sqlite3").exists()


def test_real_encoder_cached_equals_uncached(tmp_path) -> None:
    texts = ["今天是星期一。", "Today is Monday.", ""]
    raw = get_encoder("use-m3", cache=False).encode(texts)
    cached = get_encoder("use-m3", cache_dir=str(tmp_path))
    np.testing.assert_array_equal(cached.encode(texts), raw)
    np.testing.assert_array_equal(cached.encode(texts), raw)
    np.testing.assert_allclose(raw[2], empty_vector(512), atol=1e-6)


def test_unreadable_cache_degrades_to_encoding(tmp_path) -> None:
    fake = Counting()
    cache = EmbeddingCache(tmp_path)
    enc = CachedEncoder(fake, cache)
    cache._connect().execute("DROP TABLE vectors")
    out = enc.encode(["still works"])
    assert out.shape == (1, 8) and _embedded(fake) == 1
    assert isinstance(sqlite3.sqlite_version, str)


def test_env_cache_dir_is_honoured_per_call(tmp_path, monkeypatch) -> None:
    for sub in ("first", "second"):
        monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path / sub))
        get_encoder("use-m3").encode([f"目录 {sub}"])
        assert (tmp_path / sub / "embeddings.sqlite3").exists()


def test_realigning_through_registry_embeds_nothing(tmp_path) -> None:
    from paralign.embed import register_encoder

    fake = Counting("counting-registry:1:8")
    register_encoder("counting-registry", lambda **_: fake)
    doc = ["第一句。", "第二句。", "第三句。"]
    get_encoder("counting-registry", cache_dir=str(tmp_path), progress=False).encode(doc)
    assert _embedded(fake) == 3
    fake.calls.clear()
    # another run with other settings: new encoder object, same cache folder
    get_encoder("counting-registry", cache_dir=str(tmp_path), progress=True).encode(doc)
    assert fake.calls == []


def _atimes(path: str) -> dict[bytes, float]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT h, atime FROM vectors"))


@pytest.mark.parametrize("max_chunk,fetch", [(1, 4096), (3, 2), (50_000, 1), (50_000, 4096)])
def test_get_matrix_is_get_many_stacked(tmp_path, monkeypatch, max_chunk, fetch) -> None:
    import paralign.embed.cache as cache_mod

    monkeypatch.setattr(cache_mod, "_MAX_CHUNK", max_chunk)  # several IN lists per batch
    monkeypatch.setattr(cache_mod, "_FETCH", fetch)          # rows decoded a few at a time
    path = tmp_path / "mixed.sqlite3"
    EmbeddingCache(path).put_many("s", ["a", "b", "c"], np.stack([_vec(t) for t in "abc"]))
    EmbeddingCache(path, dtype="float16").put_many("s", ["h"], _vec("h")[None])
    EmbeddingCache(path).put_many("s", ["short"], _vec("short", 4)[None])  # another dimension
    EmbeddingCache(path).put_many("other", ["z"], _vec("z")[None])          # another signature
    cache = EmbeddingCache(path)
    texts = ["c", "missing", "a", "h", "short", "z", "a", "b"]
    mat, hit = cache.get_matrix("s", texts, 8)
    rows = cache.get_many("s", texts)
    assert mat.dtype == np.float32 and mat.shape == (len(texts), 8)
    assert hit.tolist() == [True, False, True, True, False, False, True, True]
    for t, v, row, ok in zip(texts, rows, mat, hit):
        if ok:
            np.testing.assert_array_equal(row, v)
            assert np.abs(row - _vec(t)).max() < (1e-3 if t == "h" else 1e-12)
        else:
            assert not row.any() and (v is None or v.shape != (8,))
    assert cache.get_matrix("s", [], 8)[0].shape == (0, 8)


@pytest.mark.parametrize("interval,age,touched", [
    (86400.0, 3600.0, False),   # the default: read an hour after writing, left alone
    (86400.0, 2 * 86400.0, True),
    (0.0, 0.0, True),           # every hit refreshes
])
def test_hits_refresh_access_times_only_when_old(tmp_path, interval, age, touched) -> None:
    cache = EmbeddingCache(tmp_path, touch_interval=interval)
    cache.put_many("s", ["a", "b"], np.stack([_vec("a"), _vec("b")]))
    with sqlite3.connect(cache.path) as conn:
        conn.execute("UPDATE vectors SET atime = atime - ?", (age,))
    before = _atimes(cache.path)
    assert all(v is not None for v in cache.get_many("s", ["a", "b", "a"]))
    after = _atimes(cache.path)
    assert all((after[k] > before[k]) is touched for k in before)


def test_a_busy_writer_skips_the_refresh_not_the_read(tmp_path) -> None:
    cache = EmbeddingCache(tmp_path, touch_interval=0)
    cache.put_many("s", ["a"], _vec("a")[None])
    before = _atimes(cache.path)
    other = sqlite3.connect(cache.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        got = cache.get_many("s", ["a"])
    finally:
        other.execute("ROLLBACK")
        other.close()
    np.testing.assert_array_equal(got[0], _vec("a"))
    assert _atimes(cache.path) == before
    cache.put_many("s", ["b"], _vec("b")[None])  # the connection still writes afterwards
    assert cache.get_many("s", ["b"])[0] is not None
