"""paralign.alignment.embedding: window vectors, and the memo that carries a realignment's
first-pass windows into its second pass.

The memo must change nothing but the time: the same beads and confidences, the same
windows counted, and the encoder asked exactly what it was asked before (the cache answers
what the memo now answers).
"""

from __future__ import annotations

import numpy as np
import pytest

from fake_encoders import HashEncoder
from paralign import AlignConfig, Aligner
from paralign.alignment import embedding as E
from paralign.alignment.dp import full_band
from paralign.alignment.embedding import WindowMemo, embed_windows
from paralign.alignment.similarity import SideVectors
from paralign.embed import CachedEncoder, EmbeddingCache
from paralign.text import from_sentences


class Asked(HashEncoder):
    """A HashEncoder that records every list of texts it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[str, ...]] = []

    def encode(self, texts):
        self.asked.append(tuple(texts))
        return super().encode(texts)


def texts(n: int = 1000, m: int = 1100) -> tuple[list[str], list[str]]:
    return ([f"第{i}个句子。" for i in range(n)], [f"Sentence {i}." for i in range(m)])


def realign(tmp_path, name: str, monkeypatch, memo: bool, threads: int = 1):
    inner = Asked()
    cache = EmbeddingCache(tmp_path / name)
    reads: list[int] = []
    get_matrix = cache.get_matrix

    def counted(sig, rows, dim):
        reads.append(len(rows))
        return get_matrix(sig, rows, dim)

    cache.get_matrix = counted
    kept: list[WindowMemo] = []
    real = WindowMemo.__init__

    def init(self):
        real(self)
        kept.append(self)

    with monkeypatch.context() as m:
        m.setattr(WindowMemo, "__init__", init)
        if not memo:
            m.setattr(WindowMemo, "remembers", staticmethod(lambda encoders: False))
        config = AlignConfig(cache=False, progress=False, realign=200, threads=threads)
        al = Aligner(config, encoder=CachedEncoder(inner, cache)).align(*texts())
    return al, inner, sum(reads), kept


@pytest.mark.parametrize("threads", [1, 2])
def test_the_memo_changes_nothing_but_the_reads(tmp_path, monkeypatch, threads):
    plain, asked0, read0, kept0 = realign(tmp_path, "plain", monkeypatch, memo=False)
    al, asked, read, kept = realign(tmp_path, f"memo{threads}", monkeypatch, memo=True,
                                    threads=threads)
    assert "seconds_lexicon" in al.stats and al.stats["windows_embedded"] > 0  # two passes
    assert [(b.src, b.tgt, b.score) for b in al.beads] == \
        [(b.src, b.tgt, b.score) for b in plain.beads]
    assert al.stats["windows_embedded"] == plain.stats["windows_embedded"]
    assert asked.asked == asked0.asked          # the misses, in the same order
    assert not kept0 and len(kept) == 1 and len(kept[0]) > 0
    assert not kept[0].recording                # the second pass only read it
    assert read < read0                         # the second pass read fewer rows


@pytest.mark.parametrize("encoders,remembers", [
    ([], False),
    ([HashEncoder()], False),                   # asked again, an encoder may differ
    ("cached", True),
    ("cached+plain", False),
])
def test_remembers_only_cached_encoders(tmp_path, encoders, remembers):
    if encoders == "cached":
        encoders = [CachedEncoder(HashEncoder(), EmbeddingCache(tmp_path))]
    elif encoders == "cached+plain":
        encoders = [CachedEncoder(HashEncoder(), EmbeddingCache(tmp_path)), HashEncoder()]
    assert WindowMemo.remembers(encoders) is remembers


def test_no_memo_without_a_realignment(tmp_path, monkeypatch):
    """A single pass (no lexicon learned) keeps no memo."""
    made: list[WindowMemo] = []
    real = WindowMemo.__init__
    monkeypatch.setattr(WindowMemo, "__init__", lambda self: (real(self), made.append(self))[0])
    inner = Asked()
    config = AlignConfig(cache=False, progress=False, realign=0)
    Aligner(config, encoder=CachedEncoder(inner, EmbeddingCache(tmp_path))).align(*texts(300, 330))
    assert made == []


def _sides(n: int, m: int):
    src = from_sentences([f"第{i}个句子。" for i in range(n)])
    tgt = from_sentences([f"Sentence {i}." for i in range(m)])
    enc = HashEncoder()
    S = [SideVectors(enc.encode(src.norms), 3)]
    T = [SideVectors(enc.encode(tgt.norms), 3)]
    return src, tgt, S, T


# (windows in the memo before, as (side, size, start), recording): what embed_windows does
MEMO_CASES = [
    ((), True),
    (((0, 2, 0), (0, 2, 3), (1, 2, 1)), True),
    (((0, 2, 0), (0, 2, 1), (0, 2, 2), (0, 2, 3), (0, 2, 4)), True),  # every source window
    (((1, 3, 0), (0, 3, 2)), False),
]


@pytest.mark.parametrize("before,recording", MEMO_CASES)
def test_embed_windows_takes_the_memo_rows_and_asks_for_the_rest(before, recording):
    n, m = 6, 7
    src, tgt, S, T = _sides(n, m)
    band = full_band(n, m)
    allowed = {(a, b): np.zeros((n + 1, band.width), bool) for a, b in [(2, 1), (1, 2), (3, 3)]}
    for i in range(2, n + 1):              # every 2-1 merge ending at (i, i)
        allowed[(2, 1)][i, i - band.lo[i]] = True
    for i in range(1, n + 1):              # 1-2 merges ending at (i, i + 1)
        allowed[(1, 2)][i, i + 1 - band.lo[i]] = True
    allowed[(3, 3)][5, 6 - band.lo[5]] = True
    memo = WindowMemo()
    special = {key: np.full(HashEncoder().dim, 0.5 + 0.01 * r, np.float32)
               for r, key in enumerate(before)}
    for (side, k, p), v in special.items():
        memo.record(side, k, [p], [v[None, :]])
    memo.recording = recording
    size = len(memo)
    enc = Asked()
    count = embed_windows([enc], (src, tgt), (0, 0), (S, T), allowed, band, memo)
    need = {(0, 2, p) for p in range(0, n - 1)} | {(1, 2, p) for p in range(0, n)} \
        | {(0, 3, 2), (1, 3, 3)}
    assert count == len(need)
    asked = {t for call in enc.asked for t in call}
    for side, k, p in need:
        sv = (S if side == 0 else T)[0]
        assert sv.has[k][p]
        doc = src if side == 0 else tgt
        text = doc.joiner.join(doc.norms[p:p + k])
        if (side, k, p) in special:
            assert np.array_equal(sv.wvec[k][p], special[(side, k, p)])
            assert text not in asked
        else:
            assert text in asked
            assert np.array_equal(sv.wvec[k][p], E.unit_rows(HashEncoder().encode([text]), 1, "")[0])
    # the windows asked for are recorded while recording, never otherwise
    assert len(memo) == (len(need | set(special)) if recording else size)


def test_embed_windows_without_memo_is_as_before():
    n, m = 5, 5
    src, tgt, S, T = _sides(n, m)
    band = full_band(n, m)
    allowed = {(2, 2): np.zeros((n + 1, band.width), bool)}
    allowed[(2, 2)][3, 3 - band.lo[3]] = True
    enc = Asked()
    assert embed_windows([enc], (src, tgt), (0, 0), (S, T), allowed, band) == 2
    assert enc.asked == [(src.joiner.join(src.norms[1:3]),), (tgt.joiner.join(tgt.norms[1:3]),)]
