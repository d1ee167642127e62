"""The lexicon learned from the texts (bootstrapped IBM model 1) and the realign pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from paralign.alignment.lexicon import Lexicon, learn_lexicon, lexicon_from_alignments

ROOT = Path(__file__).resolve().parents[1]

# A hand-made bitext in which only co-occurrence tells 猫 from 狗: each animal appears with
# different company, and no word list is consulted (use_dictionary=False).
BITEXT = [
    ("猫在睡觉。", "The cat is sleeping."),
    ("我的猫很小。", "My cat is small."),
    ("狗在睡觉。", "The dog is sleeping."),
    ("猫喜欢鱼。", "The cat likes fish."),
    ("狗喜欢骨头。", "The dog likes bones."),
    ("我的狗很大。", "My dog is big."),
    ("老师看见了猫。", "The teacher saw the cat."),
    ("老师看见了狗。", "The teacher saw the dog."),
]


@pytest.mark.parametrize("word,learned,not_learned", [
    ("猫", "cat", "dog"),
    ("狗", "dog", "cat"),
    ("睡觉", "sleep", "cat"),
    ("老师", "teacher", "dog"),
    ("喜欢", "likes", "fish"),
])
def test_learns_translations_from_cooccurrence_alone(word, learned, not_learned):
    from paralign.alignment.lexical import stem

    lex = learn_lexicon(BITEXT, use_dictionary=False)
    # English words are kept as the dictionary evidence reads them: stemmed
    assert stem(learned) in lex.glosses(word)
    assert stem(not_learned) not in lex.glosses(word)
    assert lex.beads == len(BITEXT)


@pytest.mark.parametrize("min_count,expected", [(2, False), (1, True)])
def test_one_cooccurrence_proves_nothing(min_count, expected):
    # 鱼 and fish meet once only
    lex = learn_lexicon(BITEXT, use_dictionary=False, min_count=min_count)
    assert ("fish" in lex.glosses("鱼")) is expected


@pytest.mark.parametrize("prior_weight,duck,goose", [
    (0.0, {"duck", "goose"}, {"duck", "goose"}),   # co-occurrence alone cannot tell them apart
    (1.0, {"duck"}, {"goose"}),                    # CC-CEDICT (鸭子 = duck, 鹅 = goose) can
    (5.0, {"duck"}, {"goose"}),
])
def test_the_dictionary_prior_decides_what_cooccurrence_cannot(prior_weight, duck, goose):
    pairs = [("鸭子和鹅叫了。", "The duck and goose cried."), ("鸭子和鹅跑了。", "The duck and goose ran."),
             ("鸭子和鹅来了。", "The duck and goose came.")]
    lex = learn_lexicon(pairs, prior_weight=prior_weight, use_dictionary=prior_weight > 0)
    assert lex.glosses("鸭子") == duck and lex.glosses("鹅") == goose


@pytest.mark.parametrize("pairs", [[], [("。", "...")], [("猫", "")]])
def test_nothing_to_learn_from(pairs):
    lex = learn_lexicon(pairs)
    assert len(lex) == 0 and lex.beads == 0


def test_learning_is_deterministic_and_signed():
    a, b = learn_lexicon(BITEXT), learn_lexicon(list(reversed(BITEXT)))
    assert a.pairs == b.pairs and a.signature == b.signature
    assert Lexicon({}).signature != a.signature


def test_sentence_lists_read_like_joined_texts():
    joined = learn_lexicon(BITEXT, use_dictionary=False)
    lists = learn_lexicon([([z], [e]) for z, e in BITEXT], use_dictionary=False)
    assert joined.pairs == lists.pairs


def _ruth():
    """The first chapter of Ruth, segmented (a few dozen sentences a side)."""
    from paralign import text

    zh = (ROOT / "corpora/bible/ruth.zh.txt").read_text(encoding="utf-8").splitlines()[0]
    en = (ROOT / "corpora/bible/ruth.en.txt").read_text(encoding="utf-8").splitlines()[0]
    return text.segment(zh).texts, text.segment(en).texts


@pytest.mark.parametrize("realign,learned", [(1, True), (10_000, False), (0, False)])
def test_realign_is_deterministic_and_in_the_signature(realign, learned):
    import paralign as pa

    zh, en = _ruth()
    aligner = pa.Aligner(pa.AlignConfig(realign=realign, progress=False))
    one, two = aligner.align(zh, en), aligner.align(zh, en)
    assert [b.key() for b in one.beads] == [b.key() for b in two.beads]
    assert one.signature == two.signature
    # too few confident beads to learn from: the first alignment is the answer
    assert ("|lexicon:" in one.signature) is learned
    assert (f"|realign:{realign}" in one.signature) is bool(realign)
    if not learned:
        return
    assert one.stats["seconds_lexicon"] >= 0
    # every sentence still in exactly one bead
    assert sorted(i for b in one.beads for i in b.src) == list(range(len(zh)))
    assert sorted(j for b in one.beads for j in b.tgt) == list(range(len(en)))


def test_fit_learns_one_lexicon_from_a_corpus_and_align_uses_it():
    import paralign as pa

    zh, en = _ruth()
    half = len(zh) // 2, len(en) // 2
    pairs = [(zh[:half[0]], en[:half[1]]), (zh[half[0]:], en[half[1]:])]
    aligner = pa.Aligner(pa.AlignConfig(progress=False))   # too short to realign on its own
    plain = aligner.align(zh, en)
    assert "lexicon:" not in plain.signature
    assert aligner.fit(pairs) is aligner and len(aligner.lexicon) > 0
    fitted = aligner.align(zh, en)
    assert fitted.signature.endswith(f"|lexicon:{aligner.lexicon.signature}")
    # the lexicon is what the first alignments' confident beads teach
    again = lexicon_from_alignments([aligner.align(*p, lexicon=Lexicon({})) for p in pairs])
    assert again.pairs == aligner.lexicon.pairs


@pytest.mark.parametrize("text,expected", [
    ("The doctors were fishing in 1976.", ("doctor", "fish", "1976")),
    ("Stories, stories!", ("story", "story")),
    ("I am a", ()),
])
def test_en_words_are_content_stems_in_order(text, expected):
    from paralign.alignment.lexicon import en_words

    assert en_words(text) == expected


@pytest.mark.parametrize("use_dictionary", [True, False])
def test_compiled_learning_equals_numpy_learning(monkeypatch, use_dictionary):
    from paralign.alignment import kernels, lexicon

    zh, en = _ruth()
    pairs = list(zip(zh, en)) + BITEXT
    monkeypatch.setattr(lexicon, "compiled", lambda name: None)
    ref = learn_lexicon(pairs, use_dictionary=use_dictionary, min_count=1)
    monkeypatch.setattr(lexicon, "compiled", kernels.compiled)
    monkeypatch.setattr(lexicon, "KERNEL_OCCURRENCES", 0)
    got = learn_lexicon(pairs, use_dictionary=use_dictionary, min_count=1)
    assert len(ref) > 10 and got.pairs == ref.pairs and got.signature == ref.signature


@pytest.mark.parametrize("sides", [
    [["a"]],
    [["猫", "狗", "猫"], ["狗"], ["鱼", "猫", "鱼", "骨头"]],
    [["x", "y"], ["y", "x"], ["z"], ["x", "x", "x"]],
])
def test_side_ids_are_first_appearance_numbers(sides):
    """The pairs' words as ids and pointers: each word numbered at its first appearance,
    every token kept in order (what flattening the lists and numbering them gives)."""
    import numpy as np

    from paralign.alignment.lexicon import _Side

    side = _Side()
    for ws in sides:
        side.add(ws)
    ptr, ids = side.arrays()
    flat = [w for ws in sides for w in ws]
    vocab = {w: i for i, w in enumerate(dict.fromkeys(flat))}
    assert side.vocab == vocab and list(side.vocab) == list(vocab)
    assert ids.dtype == np.int64 and ids.tolist() == [vocab[w] for w in flat]
    assert ptr.dtype == np.int64 and ptr.tolist() == np.cumsum([0] + [len(ws) for ws in sides]).tolist()


@pytest.mark.parametrize("prior,expected", [
    (None, {}),
    # (source, target, weight): a miss (pair 1, 2 never co-occurs), a pair named twice
    (([0, 1, 0, 2], [1, 2, 1, 0], [0.25, 1.0, 0.5, 0.1]), {0: 0.25 + 0.5, 3: 0.1}),
    (([2, 2], [0, 1], [0.3, 0.7]), {3: 0.3, 4: 0.7}),
    (([1], [2], [1.0]), {}),
])
@pytest.mark.parametrize("weight", [1.0, 0.5])
def test_prior_counts_sparse_and_dense(prior, expected, weight):
    """The prior's pseudo-counts, sparse (the kernels' EM) and dense (numpy's): the
    dictionary pairs among the co-occurring ones, weights of a pair named twice summed in
    the prior's order (np.add.at's)."""
    import numpy as np

    from paralign.alignment.lexicon import _prior_counts, _prior_hits

    nt = 2
    pairs = [(0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    ukey = np.array([s * (nt + 1) + t for s, t in pairs], np.int64)
    if prior is not None:
        prior = tuple(np.array(x, dt) for x, dt in zip(prior, (np.int64, np.int64, float)))
    ppos, pval = _prior_hits(ukey, nt, prior, weight)
    ref = np.zeros(len(ukey))
    if prior is not None:
        for s, t, w in zip(*prior):
            if (s, t) in pairs:
                ref[pairs.index((s, t))] += w * weight
    assert ppos.tolist() == sorted(expected)
    assert [float(v) for v in pval] == [float(ref[p]) for p in ppos]
    assert np.array_equal(_prior_counts(ukey, nt, prior, weight), ref)
    assert np.allclose([ref[p] for p in sorted(expected)], [expected[p] * weight for p in sorted(expected)])
